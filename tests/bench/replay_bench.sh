#!/bin/sh
# obs-replay's speed on a generated log in the default format.
#
# usage: sh tests/bench/replay_bench.sh GENERATOR OBS_REPLAY LOG
#
# Writes LOG (2,000,000 lines) unless it is there with that many lines,
# replays it three times into /dev/null and prints the median rate in lines
# per second. obs-replay runs on one thread. A benchmark: it prints a
# figure and checks nothing.

gen=$1
replay=$2
log=$3
lines=2000000

if [ ! -f "$log" ] || [ "$(wc -l <"$log")" -ne "$lines" ]; then
    "$gen" "$log" "$lines" || exit 1
fi
bytes=$(wc -c <"$log")

rates=
for run in 1 2 3; do
    start=$(date +%s%N)
    "$replay" "$log" >/dev/null 2>"$log.summary" || {
        cat "$log.summary"
        exit 1
    }
    end=$(date +%s%N)
    rates="$rates $(awk -v n="$lines" -v ns="$((end - start))" \
        'BEGIN { printf "%.0f", n / (ns / 1e9) }')"
done
median=$(echo "$rates" | tr ' ' '\n' | grep . | sort -n | sed -n 2p)
tail -n 1 "$log.summary"
rm -f "$log.summary"
awk -v n="$lines" -v r="$median" -v b="$bytes" 'BEGIN {
    printf "obs-replay: %d lines (%.0f MB) at %.0f lines/s, %.0f MB/s " \
        "(median of 3; target 1000000 lines/s)\n", n, b / 1e6, r,
        r * b / n / 1e6
}'
