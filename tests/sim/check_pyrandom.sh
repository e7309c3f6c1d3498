#!/usr/bin/env bash
# Checks the obs-sim random generator against Python's random.Random.
#
# usage: tests/sim/check_pyrandom.sh PATH/TO/pyrandom_check
#
# Builds nothing: it runs the given pyrandom_check binary and a few lines of
# python3 for each seed and compares the two outputs as text, so every bit
# of every value must agree.  The last line is always "N passed, N failed";
# the exit status is 0 only when nothing failed.
set -u

# Edges of the 32-bit key: one word, two words, top bit, all ones.  A
# negative seed must give the stream of its magnitude, as in Python.
SEEDS="0 1 7 42 2024 123456789 4294967295 4294967296
9007199254740993 9223372036854775808 18446744073709551615
-1 -42 -18446744073709551615"

passed=0
failed=0

python_stream() {
    python3 - "$1" <<'PY'
import random
import sys

rng = random.Random(int(sys.argv[1]))
for _ in range(5):
    print("random %.17g" % rng.random())
for _ in range(5):
    print("gauss %.17g" % rng.gauss(100, 30))
PY
}

check_seed() {
    local seed=$1 want got

    if ! want=$(python_stream "$seed"); then
        echo "FAIL seed $seed: python3 did not run"
        return 1
    fi
    if ! got=$("$binary" "$seed"); then
        echo "FAIL seed $seed: $binary exited non-zero"
        return 1
    fi
    if [ "$want" != "$got" ]; then
        echo "FAIL seed $seed"
        diff <(printf '%s\n' "$want") <(printf '%s\n' "$got") \
            | sed 's/^/    /'
        return 1
    fi
    echo "ok   seed $seed"
}

binary=${1:-}
if [ -z "$binary" ] || [ ! -x "$binary" ]; then
    echo "usage: $0 PATH/TO/pyrandom_check (not an executable: '$binary')" >&2
fi

for seed in $SEEDS; do
    if [ -n "$binary" ] && [ -x "$binary" ] && check_seed "$seed"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
    fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
