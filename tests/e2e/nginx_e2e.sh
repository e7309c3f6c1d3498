#!/usr/bin/env bash
# End-to-end test of obs-replay against a real nginx.
#
# usage: bash tests/e2e/nginx_e2e.sh PATH/TO/obs-replay
#
# Starts nginx from Debian's package on 127.0.0.1 with a temporary config
# whose log_format ends in $request_time, sends a known number of requests
# to locations that answer 200, 503, slowly (through a proxied upstream
# that sleeps 300 ms) and to health checks, stops nginx, replays its access
# log, and checks that the report holds exactly what was sent. Everything
# it starts listens on 127.0.0.1 only and is stopped on any exit.
#
# OBS_E2E_UPSTREAM=python uses the Python upstream even where nginx's echo
# module (echo_sleep) is installed.

set -euo pipefail

REPLAY=$(realpath "$1")
OK_CURL=300    # GET /ok/item1..300 with curl
OK_WRK=2000    # GET /ok/load with wrk, stopped after this many answers
FAIL=50        # GET /fail/... answers 503
SLOW=20        # GET /slow/... waits for the upstream's 300 ms
HEALTH=10      # each of /ok/healthz and /fail/healthz
DELAY_MS=300

tmp=$(mktemp -d "${TMPDIR:-/tmp}/obs-e2e.XXXXXX")
nginx_pid=
upstream_pid=

say() { echo "e2e-nginx: $*"; }
die() { say "FAIL: $*"; exit 1; }

# stop PID: TERM, then KILL if it is still there after 5 s.
stop() {
    local pid=$1
    [ -n "$pid" ] || return 0
    kill "$pid" 2>/dev/null || return 0
    for _ in $(seq 50); do
        if ! kill -0 "$pid" 2>/dev/null; then
            wait "$pid" 2>/dev/null || true
            return 0
        fi
        sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    local rc=$?
    stop "$nginx_pid"
    stop "$upstream_pid"
    if [ "$rc" -ne 0 ] && [ -f "$tmp/error.log" ]; then
        say "nginx error log:"
        tail -n 20 "$tmp/error.log" || true
    fi
    rm -rf "$tmp"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
    python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# wait_for URL: until it answers at all, at most 10 s.
wait_for() {
    for _ in $(seq 100); do
        curl -s -o /dev/null --max-time 1 "$1" && return 0
        sleep 0.1
    done
    die "nothing answers at $1"
}

command -v nginx >/dev/null || PATH=$PATH:/usr/sbin
command -v nginx >/dev/null || die "nginx is not installed (make deps)"

port=$(free_port)
upstream_port=$(free_port)
while [ "$upstream_port" = "$port" ]; do upstream_port=$(free_port); done

echo_module=/usr/lib/nginx/modules/ngx_http_echo_module.so
if [ -f "$echo_module" ] && [ "${OBS_E2E_UPSTREAM:-}" != python ]; then
    upstream=echo
else
    upstream=python
fi

# The slow location's upstream: nginx cannot wait by itself.
upstream_block=
load_module=
if [ "$upstream" = echo ]; then
    load_module="load_module $echo_module;"
    upstream_block="
    server {
        listen 127.0.0.1:$upstream_port;
        location / {
            echo_sleep $(awk "BEGIN { print $DELAY_MS / 1000 }");
            echo slow;
        }
    }"
else
    cat >"$tmp/upstream.py" <<EOF
import http.server
import time

class Slow(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        time.sleep($DELAY_MS / 1000)
        body = b"slow\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

class Server(http.server.ThreadingHTTPServer):
    request_queue_size = 64  # parallel clients: no SYN dropped and retried

Server(("127.0.0.1", $upstream_port), Slow).serve_forever()
EOF
    python3 "$tmp/upstream.py" &
    upstream_pid=$!
fi

user_line=
[ "$(id -u)" -eq 0 ] && user_line="user root;"
cat >"$tmp/nginx.conf" <<EOF
$load_module
$user_line
worker_processes 1;
daemon off;
pid $tmp/nginx.pid;
error_log $tmp/error.log;

events {
    worker_connections 128;
}

http {
    access_log off;
    client_body_temp_path $tmp/body;
    proxy_temp_path $tmp/proxy;
    fastcgi_temp_path $tmp/fastcgi;
    uwsgi_temp_path $tmp/uwsgi;
    scgi_temp_path $tmp/scgi;
    log_format timed '\$remote_addr - \$remote_user [\$time_local] '
                     '"\$request" \$status \$body_bytes_sent '
                     '"\$http_referer" "\$http_user_agent" \$request_time';

    server {
        listen 127.0.0.1:$port;
        access_log $tmp/access.log timed;

        location /ok/ {
            return 200 "ok\n";
        }
        location /fail/ {
            return 503;
        }
        location = /fail/healthz {
            return 503;
        }
        location /slow/ {
            proxy_pass http://127.0.0.1:$upstream_port;
        }
    }
$upstream_block
}
EOF

nginx -t -q -p "$tmp" -e "$tmp/error.log" -c "$tmp/nginx.conf" ||
    die "nginx refused the config"
nginx -p "$tmp" -e "$tmp/error.log" -c "$tmp/nginx.conf" &
nginx_pid=$!
base="http://127.0.0.1:$port"
wait_for "$base/ok/ready"
wait_for "http://127.0.0.1:$upstream_port/ready"
say "nginx on 127.0.0.1:$port, slow upstream ($upstream, ${DELAY_MS} ms)" \
    "on 127.0.0.1:$upstream_port"

# Nothing of ours listens beyond the loopback address.
if command -v ss >/dev/null; then
    ss -ltnpH | grep -E "pid=($nginx_pid|${upstream_pid:-0})," |
        awk '{ print $4 }' >"$tmp/listening"
    [ -s "$tmp/listening" ] || die "ss shows no listening socket of ours"
    if grep -v '^127\.0\.0\.1:' "$tmp/listening"; then
        die "a socket listens beyond 127.0.0.1"
    fi
fi

# The requests the warm-up sent are not part of the count.
: >"$tmp/access.log" # nginx appends: it writes on from the start

# count CODE URL [curl options]: send, check every answer is CODE.
count() {
    local code=$1 url=$2 expected=$3
    shift 3
    curl -sS -o /dev/null --max-time 60 -w '%{http_code}\n' "$@" "$url" \
        >"$tmp/codes"
    local got
    got=$(grep -c "^$code\$" "$tmp/codes" || true)
    [ "$got" -eq "$expected" ] ||
        die "$url: $got answers $code of $expected expected:" \
            "$(sort "$tmp/codes" | uniq -c | tr '\n' ' ')"
}

count 200 "$base/ok/item[1-$OK_CURL]" "$OK_CURL"
count 503 "$base/fail/item[1-$FAIL]" "$FAIL"
count 200 "$base/slow/item[1-$SLOW]" "$SLOW" --parallel --parallel-max 10 \
    --no-progress-meter
count 200 "$base/ok/healthz?probe=[1-$HEALTH]" "$HEALTH"
count 503 "$base/fail/healthz?probe=[1-$HEALTH]" "$HEALTH"

# wrk, one connection, stopped from its response hook after OK_WRK
# answers: a request is sent only after the previous one was answered, so
# exactly OK_WRK reach nginx.
cat >"$tmp/limit.lua" <<EOF
local answered = 0
response = function(status, headers, body)
    answered = answered + 1
    if answered >= $OK_WRK then
        wrk.thread:stop()
    end
end
EOF
# wrk sleeps out its whole duration even when its thread has stopped: end
# it with SIGINT once nginx has logged every request.
wrk -t1 -c1 -d30s -s "$tmp/limit.lua" "$base/ok/load" >"$tmp/wrk.out" 2>&1 &
wrk_pid=$!
for _ in $(seq 300); do
    logged=$(grep -c '"GET /ok/load ' "$tmp/access.log" || true)
    [ "$logged" -ge "$OK_WRK" ] && break
    kill -0 "$wrk_pid" 2>/dev/null || break
    sleep 0.1
done
sleep 0.2 # let a request past the limit show, if wrk sent one
kill -INT "$wrk_pid" 2>/dev/null || true
wait "$wrk_pid" || die "wrk failed: $(cat "$tmp/wrk.out")"
wrk_sent=$(sed -n 's/^ *\([0-9][0-9]*\) requests in .*/\1/p' "$tmp/wrk.out")
[ "$wrk_sent" = "$OK_WRK" ] ||
    die "wrk reports '$wrk_sent' requests, expected $OK_WRK"

stop "$nginx_pid"
nginx_pid=
stop "$upstream_pid"
upstream_pid=

lines=$(wc -l <"$tmp/access.log")
sent=$((OK_CURL + OK_WRK + FAIL + SLOW + 2 * HEALTH))
[ "$lines" -eq "$sent" ] || die "nginx logged $lines lines, $sent were sent"
say "sent $sent requests; replaying $tmp/access.log"

"$REPLAY" --events "$tmp/events.jsonl" --evaluate-every 1 \
    "$tmp/access.log" >"$tmp/report.json" 2>"$tmp/summary" ||
    die "obs-replay failed: $(cat "$tmp/summary")"
cat "$tmp/summary"

# The same log compressed and through standard input gives the same report.
gzip -c "$tmp/access.log" >"$tmp/access.log.gz"
"$REPLAY" --evaluate-every 1 "$tmp/access.log.gz" >"$tmp/report-gz.json" \
    2>/dev/null || die "obs-replay failed on the gzip log"
"$REPLAY" --evaluate-every 1 - <"$tmp/access.log.gz" \
    >"$tmp/report-stdin.json" 2>/dev/null ||
    die "obs-replay failed on standard input"

python3 - "$tmp" <<EOF || exit 1
import json
import sys

tmp = sys.argv[1]
ok_curl, ok_wrk, fail, slow, health = $OK_CURL, $OK_WRK, $FAIL, $SLOW, $HEALTH
delay_ms = $DELAY_MS
problems = []

def check(what, got, want):
    status = "ok" if got == want else "MISMATCH"
    print(f"e2e-nginx: {what}: sent {want}, reported {got} [{status}]")
    if got != want:
        problems.append(what)

with open(f"{tmp}/report.json") as f:
    report = json.load(f)
services = {s["name"]: s for s in report["services"]}
check("services", sorted(services), ["fail", "ok", "slow"])
ok, failing, slowsvc = services["ok"], services["fail"], services["slow"]

check("ok requests", ok["requests"], ok_curl + ok_wrk)
check("ok error_rate_pct", ok["error_rate_pct"], 0.0)
check("ok availability_pct", ok["availability_pct"], 100.0)
check("ok health", ok["health"], "healthy")
check("fail requests", failing["requests"], fail)
check("fail error_rate_pct", failing["error_rate_pct"], 100.0)
check("fail availability_pct", failing["availability_pct"], 0.0)
check("fail health", failing["health"], "down")
check("slow requests", slowsvc["requests"], slow)
check("slow error_rate_pct", slowsvc["error_rate_pct"], 0.0)
check("slow availability_pct", slowsvc["availability_pct"], 100.0)
print(f"e2e-nginx: slow p99_ms: {slowsvc['p99_ms']} (delay {delay_ms})")
if not slowsvc["p99_ms"] >= delay_ms:
    problems.append("slow p99_ms below the delay")
if not ok["p99_ms"] < delay_ms:
    problems.append("ok p99_ms not below the delay")
check("overall health", report["overall_health"], "down")

with open(f"{tmp}/summary") as f:
    summary = f.read().splitlines()[-1]
requests = ok_curl + ok_wrk + fail + slow
check("summary", summary,
      f"obs-replay: {requests + 2 * health} lines read, {requests} recorded, "
      f"{2 * health} health checks, 0 skipped")

with open(f"{tmp}/events.jsonl") as f:
    events = [json.loads(line) for line in f]
# fail may turn critical on its errors before its health checks fail.
fail_events = [(e["severity"], e["state"]) for e in events
               if e["service"] == "fail"]
check("last alert for fail", fail_events[-1:], [("page", "down")])
check("alerts for others", [e for e in events if e["service"] != "fail"],
      [])
for e in events:
    if not (e["time_s"] >= 0 and e["time"].endswith("Z")):
        problems.append(f"bad event {e}")

for other in ("report-gz.json", "report-stdin.json"):
    with open(f"{tmp}/{other}") as f:
        if json.load(f) != report:
            problems.append(f"{other} differs from the plain file's report")

if problems:
    print("e2e-nginx: FAIL: " + "; ".join(problems))
    sys.exit(1)
EOF
say "passed"
