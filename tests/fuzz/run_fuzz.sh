#!/bin/sh
# Runs libFuzzer targets, one after the other.
#
# usage: sh tests/fuzz/run_fuzz.sh SECONDS BINDIR TARGET...
#
# Each target first runs every input of tests/fuzz/corpus/TARGET once:
# every input that ever crashed a target is kept there, so this is the
# regression run. It then fuzzes for SECONDS on new inputs, starting from
# that corpus; what it finds is written under build/fuzz/, never into the
# repository. A crash, leak, timeout or failed invariant leaves the input
# in build/fuzz/artifacts/TARGET/ and fails the run: copy the input into
# the corpus once the bug is fixed. Fuzzers run at the lowest priority.
# The last line of libFuzzer's report (executions, coverage, corpus) is
# printed for each target.

if [ $# -lt 3 ]; then
    echo "usage: sh tests/fuzz/run_fuzz.sh SECONDS BINDIR TARGET..." >&2
    exit 2
fi
seconds=$1
bindir=$2
shift 2

root=build/fuzz
failed=

for target in "$@"; do
    bin=$bindir/$target
    corpus=tests/fuzz/corpus/$target
    work=$root/work/$target
    artifacts=$root/artifacts/$target/
    log=$root/logs/$target.log
    mkdir -p "$work" "$artifacts" "$root/logs" "$corpus"

    if ! "$bin" -runs=0 "$corpus" >"$log" 2>&1; then
        echo "fuzz: $target: an input of $corpus fails:"
        tail -n 40 "$log"
        failed="$failed $target"
        continue
    fi
    echo "fuzz: $target: $(ls "$corpus" | wc -l) corpus inputs replayed"

    start=$(date +%s)
    if ! nice -n 19 "$bin" -max_total_time="$seconds" -timeout=10 \
        -print_final_stats=1 -artifact_prefix="$artifacts" \
        "$work" "$corpus" >"$log" 2>&1; then
        echo "fuzz: $target: FAILED after $(($(date +%s) - start)) s" \
            "(log $log):"
        tail -n 60 "$log"
        failed="$failed $target"
        continue
    fi
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" |
        tail -n 1)
    last=$(grep -aE '^#[0-9]+' "$log" | tail -n 1)
    echo "fuzz: $target: $runs runs in $(($(date +%s) - start)) s," \
        "no finding; last: $last"
done

if [ -n "$failed" ]; then
    echo "fuzz: failing targets:$failed"
    exit 1
fi
echo "fuzz: all $# targets ran without a finding"
