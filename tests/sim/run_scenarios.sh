#!/bin/sh
# Play every scenario of a directory and compare its alert events with the
# timeline written down next to it.
#
#   run_scenarios.sh SIM DIR
#
# For each DIR/NAME.json there must be DIR/NAME.events, the exact JSON
# lines obs-sim --events writes for it; the scenario must explain its
# timeline in a non-empty "description", and the report must count the
# injected faults.  The last line is "scenarios: N passed, N failed".
sim=${1:?usage: run_scenarios.sh SIM DIR}
dir=${2:?usage: run_scenarios.sh SIM DIR}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0

pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }

count=0
for scenario in "$dir"/*.json; do
    [ -f "$scenario" ] || continue
    count=$((count + 1))
    name=$(basename "$scenario" .json)
    expected="$dir/$name.events"
    if [ ! -f "$expected" ]; then
        fail "$name: no $expected"
        continue
    fi
    if ! "$sim" --scenario "$scenario" --events "$tmp/$name.events" \
        > "$tmp/$name.report"; then
        fail "$name: obs-sim failed"
        continue
    fi
    if cmp -s "$expected" "$tmp/$name.events"; then
        pass
    else
        fail "$name: events differ from $expected"
        diff "$expected" "$tmp/$name.events" | head -20
    fi
    if python3 - "$scenario" "$tmp/$name.report" <<'PY'
import json, sys
scenario = json.load(open(sys.argv[1]))
report = json.load(open(sys.argv[2]))
assert scenario.get("description", "").strip(), "no description"
injected = [s["injected_faults"] for s in report["services"]]
assert any(sum(i.values()) > 0 for i in injected), "no fault counted"
PY
    then
        pass
    else
        fail "$name: description or injected fault counts"
    fi
done
[ "$count" -ge 3 ] || fail "fewer than three scenarios in $dir"

echo "scenarios: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
