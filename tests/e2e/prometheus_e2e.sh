#!/usr/bin/env bash
# End to end: obs-server under a real load generator, scraped by a real
# Prometheus server, queried through Prometheus' HTTP API.
#
# usage: bash tests/e2e/prometheus_e2e.sh [examples/obs-server]
#
# Starts obs-server and Prometheus on free loopback ports (nothing listens
# anywhere but 127.0.0.1), drives a known number of requests at the three
# demo endpoints with wrk, waits until Prometheus has scraped the result,
# and checks that
#   - both scrape jobs are up: one where the server answers Prometheus'
#     own Accept header (OpenMetrics), one forced to the text format;
#   - per job and endpoint, the request counter equals what wrk sent, and
#     the error counter of /api/flaky what wrk saw fail;
#   - histogram_quantile(0.99, ...) over the buckets falls in the bucket
#     that holds the p99 the server itself reports in /health (Prometheus
#     interpolates inside a bucket, so that is the histogram's error).
# Everything started is stopped on exit, also on failure. Installs missing
# Debian packages through tests/deps.sh when run as root. The last line is
# always "N passed, N failed"; the exit status is 0 only when none failed.
set -u

cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1

SERVER=${1:-examples/obs-server}
HOST=127.0.0.1
LUA=tests/e2e/count_requests.lua
# endpoint service threads requests-per-thread: one connection per thread
LOAD='
fast  fast  2 1000
slow  slow  10 10
flaky flaky 2 500
'
# Latency bounds in ms, fine around the 200 ms of /api/slow and below
# 1 ms for the others, so that the p99 comparison below is tight. All are
# bucket edges at the default precision.
BUCKETS=0.0625,0.125,0.25,0.5,1,2,5,10,25,50,100,150,195
BUCKETS=$BUCKETS,200,201,202,203,204,205,210,250,500,1000
WAIT_STEPS=300 # of 0.1 s: no wait below lasts more than 30 s

passed=0
failed=0
server_pid=
prometheus_pid=
tmp=

pass()
{
    passed=$((passed + 1))
    echo "ok   $*"
}

fail()
{
    failed=$((failed + 1))
    echo "FAIL $*"
}

finish()
{
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit
}

# Stop what this script started, by process id, and remove its files.
cleanup()
{
    for pid in $prometheus_pid $server_pid; do
        kill -TERM "$pid" 2>/dev/null
    done
    for pid in $prometheus_pid $server_pid; do
        for _ in $(seq 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    [ -n "$tmp" ] && rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A port no one listens on now, from the kernel.
free_port()
{
    python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# wait_for DESCRIPTION COMMAND...: retry COMMAND until it succeeds, at most
# WAIT_STEPS times 0.1 s.
wait_for()
{
    what=$1
    shift
    for _ in $(seq "$WAIT_STEPS"); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "prometheus_e2e: timed out waiting for $what" >&2
    return 1
}

# query PROMQL: Prometheus' answer to an instant query, as JSON.
query()
{
    curl -sf --max-time 5 -G "http://$HOST:$prometheus_port/api/v1/query" \
        --data-urlencode "query=$1"
}

# scalar PROMQL: the value of the query's only sample ("" if none).
scalar()
{
    query "$1" | python3 -c 'import json, sys
result = json.load(sys.stdin)["data"]["result"]
print(result[0]["value"][1] if len(result) == 1 else "")' 2>/dev/null
}

# scraped_after JOB TIME: Prometheus has scraped JOB at least twice, and
# once after TIME (seconds since the epoch).
scraped_after()
{
    count=$(scalar "count_over_time(up{job=\"$1\"}[10m])")
    last=$(scalar "timestamp(up{job=\"$1\"})")
    [ -n "$count" ] && [ -n "$last" ] &&
        python3 -c 'import sys
sys.exit(0 if int(sys.argv[1]) >= 2 and float(sys.argv[2]) > float(sys.argv[3])
         else 1)' "$count" "$last" "$2"
}

# ---- set up -----------------------------------------------------------------

sh tests/deps.sh || exit 1
for tool in prometheus wrk curl python3; do
    command -v "$tool" >/dev/null 2>&1 || {
        fail "$tool is missing"
        finish
    }
done
[ -x "$SERVER" ] || {
    fail "$SERVER is not built (make examples)"
    finish
}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/prometheus_e2e.XXXXXX") || exit 1

server_port=$(free_port)
prometheus_port=$(free_port)
"$SERVER" --listen "$HOST:$server_port" --latency-buckets "$BUCKETS" \
    >"$tmp/server.log" 2>&1 &
server_pid=$!
if wait_for "obs-server" curl -sf --max-time 1 \
    "http://$HOST:$server_port/health"; then
    pass "obs-server listens on $HOST:$server_port"
else
    fail "obs-server did not start"
    sed 's/^/    /' "$tmp/server.log"
    finish
fi

# Two jobs on the same server: Prometheus asks for OpenMetrics first, so
# the first job reads that; the second forces the text format.
cat >"$tmp/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: obs-openmetrics
    static_configs:
      - targets: ['$HOST:$server_port']
  - job_name: obs-text
    params:
      format: [prometheus]
    static_configs:
      - targets: ['$HOST:$server_port']
EOF
prometheus --config.file="$tmp/prometheus.yml" \
    --storage.tsdb.path="$tmp/data" \
    --web.listen-address="$HOST:$prometheus_port" \
    --log.level=warn >"$tmp/prometheus.log" 2>&1 &
prometheus_pid=$!
if wait_for "Prometheus" curl -sf --max-time 1 \
    "http://$HOST:$prometheus_port/-/ready"; then
    pass "Prometheus listens on $HOST:$prometheus_port"
else
    fail "Prometheus did not start"
    sed 's/^/    /' "$tmp/prometheus.log"
    finish
fi

# Nothing that this script started listens beyond the loopback address.
if command -v ss >/dev/null 2>&1; then
    outside=$(ss -Hltnp | grep -E "pid=($server_pid|$prometheus_pid)," |
        awk '{ print $4 }' | grep -v "^$HOST:")
    if [ -z "$outside" ]; then
        pass "obs-server and Prometheus listen on $HOST only"
    else
        fail "listening beyond $HOST: $outside"
    fi
fi

# ---- load -------------------------------------------------------------------

# drive ENDPOINT THREADS PER_THREAD: prints what wrk counted, "SENT FAILED".
drive()
{
    stopped="$tmp/stopped.$1"
    : >"$stopped"
    OBS_REQUESTS_PER_THREAD=$3 OBS_STOPPED_FILE=$stopped \
        wrk -t "$2" -c "$2" -d 60s --timeout 10s -s "$LUA" \
        "http://$HOST:$server_port/api/$1" >"$tmp/wrk.$1" 2>&1 &
    wrk_pid=$!
    # wrk sleeps its whole duration: once every thread has stopped, end
    # that sleep with SIGINT, which makes it print its figures.
    for _ in $(seq "$WAIT_STEPS"); do
        [ "$(wc -l <"$stopped")" -ge "$2" ] && break
        sleep 0.1
    done
    kill -INT "$wrk_pid" 2>/dev/null
    wait "$wrk_pid"
    sent=$(sed -n 's/^ *\([0-9][0-9]*\) requests in .*/\1/p' "$tmp/wrk.$1")
    bad=$(sed -n 's/^ *Non-2xx or 3xx responses: \([0-9]*\).*/\1/p' \
        "$tmp/wrk.$1")
    echo "${sent:-0} ${bad:-0}"
}

declare -A sent failures
while read -r endpoint service threads per_thread; do
    [ -n "$endpoint" ] || continue
    read -r sent[$service] failures[$service] \
        < <(drive "$endpoint" "$threads" "$per_thread")
    expected=$((threads * per_thread))
    if [ "${sent[$service]}" -eq "$expected" ] &&
        ! grep -q "Socket errors" "$tmp/wrk.$endpoint"; then
        pass "wrk sent $expected requests to /api/$endpoint"
    else
        fail "wrk sent ${sent[$service]} requests to /api/$endpoint," \
            "expected $expected"
        sed 's/^/    /' "$tmp/wrk.$endpoint"
    fi
done <<<"$LOAD"
load_end=$(date +%s.%N)

# ---- what Prometheus saw ----------------------------------------------------

for job in obs-openmetrics obs-text; do
    if wait_for "a scrape of $job after the load" scraped_after "$job" \
        "$load_end"; then
        pass "Prometheus scraped $job twice, once after the load"
    else
        fail "Prometheus did not scrape $job after the load"
        sed 's/^/    /' "$tmp/prometheus.log"
    fi
    if [ "$(scalar "up{job=\"$job\"}")" = 1 ]; then
        pass "$job is up"
    else
        fail "$job is not up"
        curl -s "http://$HOST:$prometheus_port/api/v1/targets" | head -c 2000
        echo
    fi
done

# The UNIT line exists only in OpenMetrics: its metadata proves that the
# first job was read in that format, and the second in the text format.
metadata_unit()
{
    curl -sf --max-time 5 -G \
        "http://$HOST:$prometheus_port/api/v1/targets/metadata" \
        --data-urlencode "match_target={job=\"$1\"}" \
        --data-urlencode "metric=obs_request_duration_seconds" |
        python3 -c 'import json, sys
data = json.load(sys.stdin)["data"]
print(data[0].get("unit", "") if data else "missing")'
}
unit=$(metadata_unit obs-openmetrics)
if [ "$unit" = seconds ]; then
    pass "obs-openmetrics was scraped as OpenMetrics (unit seconds)"
else
    fail "obs-openmetrics metadata unit is '$unit', expected 'seconds'"
fi
unit=$(metadata_unit obs-text)
if [ -z "$unit" ]; then
    pass "obs-text was scraped as Prometheus text (no unit)"
else
    fail "obs-text metadata unit is '$unit', expected none"
fi

curl -sf --max-time 5 "http://$HOST:$server_port/health" >"$tmp/health.json"
curl -sf --max-time 5 "http://$HOST:$server_port/metrics" >"$tmp/metrics.txt"

# server_p99 SERVICE: the p99 in seconds that the server reports (the
# report rounds it to 0.1 ms).
server_p99()
{
    python3 -c 'import json, sys
for s in json.load(open(sys.argv[1]))["services"]:
    if s["name"] == sys.argv[2]:
        print(s["p99_ms"] / 1000.0)' "$tmp/health.json" "$1"
}

# bucket_of SERVICE SECONDS: "LOWER UPPER", from the lower bound of the
# bucket of the server's histogram that holds SECONDS - 0.05 ms to the
# upper bound of the one that holds SECONDS + 0.05 ms: where the true p99
# lies, given the report's rounding.
bucket_of()
{
    python3 -c 'import re, sys
value = float(sys.argv[3])
bounds = sorted(float(b) for b in re.findall(
    r"^obs_request_duration_seconds_bucket\{service=\"%s\",le=\"([^\"]+)\"\}"
    % re.escape(sys.argv[2]), open(sys.argv[1]).read(), re.M))
def bucket(v):
    lower = 0.0
    for upper in bounds:
        if v <= upper:
            return lower, upper
        lower = upper
    return lower, float("inf")
low = bucket(max(value - 0.00005, 0.0))[0]
high = bucket(value + 0.00005)[1]
print(low, high)' "$tmp/metrics.txt" "$1" "$2"
}

for job in obs-openmetrics obs-text; do
    for service in fast slow flaky; do
        selector="job=\"$job\",service=\"$service\""
        counted=$(scalar "sum(obs_requests_total{$selector})")
        if [ "$counted" = "${sent[$service]}" ]; then
            pass "$job: $service counted ${sent[$service]} requests"
        else
            fail "$job: $service counted '$counted' requests, wrk sent" \
                "${sent[$service]}"
        fi
    done
    selector="job=\"$job\",service=\"flaky\",outcome=\"error\""
    errors=$(scalar "obs_requests_total{$selector}")
    if [ "$errors" = "${failures[flaky]}" ]; then
        pass "$job: flaky counted ${failures[flaky]} errors, as wrk saw"
    else
        fail "$job: flaky counted '$errors' errors, wrk saw" \
            "${failures[flaky]}"
    fi

    for service in fast slow flaky; do
        own=$(server_p99 "$service")
        read -r lower upper < <(bucket_of "$service" "$own")
        selector="job=\"$job\",service=\"$service\""
        buckets="obs_request_duration_seconds_bucket{$selector}"
        estimate=$(scalar "histogram_quantile(0.99, sum by (le) ($buckets))")
        if [ -n "$estimate" ] && [ -n "${upper:-}" ] &&
            python3 -c 'import sys
v, lo, hi = map(float, sys.argv[1:4])
sys.exit(0 if lo <= v <= hi else 1)' "$estimate" "$lower" "$upper"; then
            pass "$job: $service p99 $estimate s from Prometheus, $own s" \
                "from the server, both within ($lower, $upper]"
        else
            fail "$job: $service p99 '$estimate' s from Prometheus, $own s" \
                "from the server, bucket (${lower:-?}, ${upper:-?}]"
        fi
    done
done

finish
