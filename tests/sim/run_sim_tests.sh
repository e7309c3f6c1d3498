#!/bin/sh
# Compare obs-sim with the reference program's report.
#
#   run_sim_tests.sh SIM
#
# 1. every stored expected file (tests/sim/expected/n<N>_s<S>.json, made by
#    running the reference) must equal the simulator's output as JSON;
# 2. a few random (N, S) pairs are run through both programs live, when the
#    reference is present (../shared/reference/capstone.py);
# 3. bad arguments must be refused with exit status 2 and one line.
sim=${1:?usage: run_sim_tests.sh SIM}
here=$(dirname "$0")
reference=${OBS_REFERENCE:-$here/../../../shared/reference/capstone.py}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0

pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }

for expected in "$here"/expected/n*_s*.json; do
    name=$(basename "$expected" .json)
    n=${name%%_s*}
    n=${n#n}
    s=${name#*_s}
    if "$sim" --requests "$n" --seed "$s" > "$tmp/out.json" &&
        python3 "$here/compare_json.py" "$expected" "$tmp/out.json"; then
        pass
    else
        fail "stored case N=$n S=$s"
    fi
done

if [ -f "$reference" ]; then
    # Random pairs, from a seed printed so that a failure can be replayed.
    pairs=$(python3 -c '
import random, sys
r = random.Random()
seed = r.getrandbits(32)
print("# pair seed", seed, file=sys.stderr)
r.seed(seed)
for _ in range(12):
    print(r.randrange(0, 3000), r.getrandbits(r.choice((8, 32, 63, 64))))
')
    echo "$pairs" | while read -r n s; do
        python3 "$reference" --requests "$n" --seed "$s" > "$tmp/ref.json"
        "$sim" --requests "$n" --seed "$s" > "$tmp/sim.json"
        if python3 "$here/compare_json.py" "$tmp/ref.json" "$tmp/sim.json"
        then echo pass; else echo "fail N=$n S=$s"; fi
    done > "$tmp/live"
    passed=$((passed + $(grep -c '^pass' "$tmp/live")))
    failed=$((failed + $(grep -c '^fail' "$tmp/live")))
    grep '^fail' "$tmp/live" | sed 's/^/FAIL: live /'
else
    echo "note: $reference not found; live comparison skipped"
fi

for bad in "--requests -1" "--requests x" "--seed 18446744073709551616" \
    "--seed" "--latency-store fast" "--bogus"; do
    # shellcheck disable=SC2086
    "$sim" $bad > "$tmp/out" 2> "$tmp/err"
    status=$?
    if [ "$status" -eq 2 ] && [ "$(wc -l < "$tmp/err")" -eq 1 ] &&
        [ ! -s "$tmp/out" ]; then
        pass
    else
        fail "bad arguments '$bad' gave status $status"
    fi
done

# The histogram store agrees with the exact one: counts, rates, health and
# alerts exactly; percentiles within 0.1% plus the report's 0.05 rounding.
"$sim" --requests 2000 --seed 7 > "$tmp/exact.json"
"$sim" --requests 2000 --seed 7 --latency-store histogram > "$tmp/hist.json"
if python3 - "$tmp/exact.json" "$tmp/hist.json" <<'PY'
import json, sys
exact, hist = (json.load(open(f)) for f in sys.argv[1:3])
for e, h in zip(exact["services"], hist["services"]):
    for k in ("p50_ms", "p95_ms", "p99_ms"):
        assert abs(e[k] - h[k]) <= e[k] * 0.001 + 0.05 + 1e-9, (k, e, h)
        e[k] = h[k] = 0
assert exact == hist, "counts, health or alerts differ"
PY
then
    pass
else
    fail "histogram store differs from exact store (N=2000 S=7)"
fi

echo "sim: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
