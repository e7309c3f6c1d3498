#!/bin/sh
# The fault drills the simulator must pass, driven through obs-sim.
#
#   run_fault_drills.sh SIM
#
# 1. 50% errors on payment-service from 60 s to 180 s (300 s at 50
#    requests per second, 60 s window of 10 slots): the critical alert
#    fires once the window's error rate passes 10%, within one slot after
#    60 s (plus the pending time), and leaves critical once the fault has
#    left the window (plus the hold time); every other service's events
#    are those of the same run without the fault. Twice: with the default
#    alert settings, and with 30 s of pending and hold.
# 2. The kill switch: the same run raises exactly what the run without the
#    fault raises, and counts no injected fault; a scenario whose services
#    are quiet raises nothing at all.
# 3. The same seed twice gives byte-identical events and reports; another
#    seed gives other events.
# 4. The flapping scenario with a hold time pages once.
# 5. Malformed specs and scenarios: exit status 2, one line naming the
#    file and line, nothing on stdout, no events file.
# Prints the alert times of drill 1; the last line is
# "drills: N passed, N failed".
sim=${1:?usage: run_fault_drills.sh SIM}
here=$(dirname "$0")
scenarios=$here/../../examples/scenarios
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0

pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }

run="--duration 300s --rate 50 --seed 42"
fault="payment-service:error=0.5,from=60s,to=180s"

# ---- 1. the payment-service error drill ------------------------------------

# check_drill NAME PENDING_S HOLD_S: compare $tmp/NAME.{base,fault} events.
check_drill()
{
    python3 - "$tmp/$1" "$2" "$3" <<'PY'
import json, sys
prefix, pending, hold = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
window, slot, start, end = 60, 6, 60, 180
base = open(prefix + ".base").read().splitlines()
fault = open(prefix + ".fault").read().splitlines()
report = json.load(open(prefix + ".report"))

def others(lines):
    return [l for l in lines
            if json.loads(l)["service"] != "payment-service"]

assert others(base) == others(fault), "another service's events changed"
events = [json.loads(l) for l in fault
          if json.loads(l)["service"] == "payment-service"]
before = [json.loads(l) for l in base
          if json.loads(l)["service"] == "payment-service"]
assert [e for e in events if e["time_s"] <= start] == \
    [e for e in before if e["time_s"] <= start], "events before the fault"
assert not any(e["severity"] == "critical" for e in before), \
    "critical without the fault"
fired = [e for e in events
         if e["severity"] == "critical" and e["state"] == "firing"]
assert len(fired) == 1, "critical fired %d times" % len(fired)
t1 = fired[0]["time_s"]
after = [e for e in events if e["time_s"] > t1]
assert after, "the critical alert never left critical"
t2 = after[0]["time_s"]
# The error rate needs a few seconds of the fault to pass 10%: at most
# one slot. The fault has left the window once the window's oldest slot
# starts at or after its end: between window - slot and window seconds.
assert start + pending < t1 <= start + pending + slot, t1
assert end + window - slot + hold <= t2 <= end + window + hold, t2
assert after[0]["severity"] in ("warning", "resolved"), after[0]
for s in report["services"]:
    errors = s["injected_faults"]["errors"]
    assert (errors > 0) == (s["name"] == "payment-service"), s
print("critical fired at %g s, left critical at %g s (%s)"
      % (t1, t2, after[0]["severity"]))
PY
}

for variant in "default 0 0" "held 30 30"; do
    set -- $variant
    extra=
    [ "$1" = held ] && extra="--pending ${2}s --hold ${3}s"
    # shellcheck disable=SC2086
    "$sim" $run $extra --events "$tmp/$1.base" > /dev/null &&
        "$sim" $run $extra --fault "$fault" --events "$tmp/$1.fault" \
            > "$tmp/$1.report"
    if [ $? -eq 0 ] && result=$(check_drill "$1" "$2" "$3" 2>&1); then
        echo "drill ($1 alert settings, pending ${2}s, hold ${3}s):" \
            "$result"
        pass
    else
        fail "payment-service error drill ($1): $result"
    fi
done

# ---- 2. the kill switch ----------------------------------------------------

# shellcheck disable=SC2086
"$sim" $run --fault "$fault" --kill-switch --events "$tmp/killed.events" \
    > "$tmp/killed.report"
if cmp -s "$tmp/default.base" "$tmp/killed.events" &&
    python3 - "$tmp/killed.report" <<'PY'
import json, sys
for s in json.load(open(sys.argv[1]))["services"]:
    assert sum(s["injected_faults"].values()) == 0, s
PY
then
    pass
else
    fail "kill switch: events or injected fault counts"
fi
"$sim" --scenario "$scenarios/error-burst.json" --kill-switch \
    --events "$tmp/quiet.events" > /dev/null
if [ $? -eq 0 ] && [ -f "$tmp/quiet.events" ] &&
    [ ! -s "$tmp/quiet.events" ]; then
    pass
else
    fail "kill switch: the error burst scenario still raised alerts"
fi

# ---- 3. reproducible runs ----------------------------------------------------

noisy="--fault search-service:delay=300ms,distribution=exponential,share=0.2"
noisy="$noisy --fault payment-service:error=0.3,from=20s,to=90s"
for n in 1 2; do
    # shellcheck disable=SC2086
    "$sim" --duration 120s --rate 50 --seed 7 $noisy \
        --events "$tmp/seed7.$n.events" > "$tmp/seed7.$n.report"
done
# shellcheck disable=SC2086
"$sim" --duration 120s --rate 50 --seed 8 $noisy \
    --events "$tmp/seed8.events" > /dev/null
if [ -s "$tmp/seed7.1.events" ] &&
    cmp -s "$tmp/seed7.1.events" "$tmp/seed7.2.events" &&
    cmp -s "$tmp/seed7.1.report" "$tmp/seed7.2.report" &&
    ! cmp -s "$tmp/seed7.1.events" "$tmp/seed8.events"; then
    pass
else
    fail "same seed, different events (or another seed, the same)"
fi

# ---- 4. a hold time stops the flapping ---------------------------------------

"$sim" --scenario "$scenarios/flapping-health.json" --hold 30s \
    --events "$tmp/held.events" > /dev/null
if python3 - "$tmp/held.events" <<'PY'
import json, sys
events = [json.loads(l) for l in open(sys.argv[1])]
got = [(e["time_s"], e["service"], e["severity"]) for e in events]
assert got == [(32.0, "inventory", "page"),
               (270.0, "inventory", "resolved")], got
PY
then
    pass
else
    fail "flapping scenario with --hold 30s"
fi

# ---- 5. refused input --------------------------------------------------------

printf '{\n  "duration": "300s",\n  "rate": 0\n}\n' > "$tmp/rate.json"
printf '{\n  "duration": "300s",\n  "faults": [\n    "nope:error=1"\n  ]\n}\n' \
    > "$tmp/unknown.json"
printf '{\n  "duration": "300s",\n  "duration": "60s"\n}\n' > "$tmp/dup.json"
printf '{\n  "duration": "300s",\n' > "$tmp/cut.json"
# refused EXPECTED_STDERR ARGS...
refused()
{
    want=$1
    shift
    rm -f "$tmp/refused.events"
    "$sim" "$@" --events "$tmp/refused.events" > "$tmp/out" 2> "$tmp/err"
    status=$?
    if [ "$status" -eq 2 ] && [ "$(cat "$tmp/err")" = "$want" ] &&
        [ ! -s "$tmp/out" ] && [ ! -e "$tmp/refused.events" ]; then
        pass
    else
        fail "refused $*: status $status, stderr '$(cat "$tmp/err")'"
    fi
}
want="obs-sim: $tmp/rate.json:3: \"rate\" must be a whole number of"
refused "$want requests per second from 1 to 10000" \
    --scenario "$tmp/rate.json"
refused "obs-sim: $tmp/unknown.json:4: fault for unknown service 'nope'" \
    --scenario "$tmp/unknown.json"
refused "obs-sim: $tmp/dup.json:3: duplicate object key near '\"duration\"'" \
    --scenario "$tmp/dup.json"
refused "obs-sim: $tmp/cut.json:3: string or '}' expected near end of file" \
    --scenario "$tmp/cut.json"
want="obs-sim: --fault 'payment-service:error=0.5,to=5m,from=6m':"
refused "$want to must be after from" \
    --duration 300s --fault "payment-service:error=0.5,to=5m,from=6m"
want="obs-sim: --fault 'payment-service:delay=fast': delay is a duration"
refused "$want from 0ms to 60m such as 800ms or 1.5s, not 'fast'" \
    --duration 300s --fault payment-service:error=0.5 \
    --fault payment-service:delay=fast
refused "obs-sim: --fault: unknown service 'payments'" \
    --duration 300s --fault payments:error=0.5

echo "drills: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
