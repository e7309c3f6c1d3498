#!/bin/sh
# Checks the expositions that the unit test wrote with the tools the
# Prometheus project and its Python client ship.
#
# usage: sh tests/prometheus/check_expositions.sh DIRECTORY
#
# NAME.prom (Prometheus text 0.0.4): `promtool check metrics`, which parses
# and lints, must pass without a word.  NAME.om (OpenMetrics 1.0):
# promtool 2.42 reads OpenMetrics only through its backfill command, which
# wants a timestamp on every sample; each sample gets one and
# `promtool tsdb create-blocks-from openmetrics` must read the file.  The
# Python client's parser then checks the OpenMetrics structure strictly.
# The last line is "N passed, N failed"; the exit status is 0 only when
# none failed and at least one file of each kind was there.
set -u

dir=${1:?usage: check_expositions.sh DIRECTORY}
cd "$(dirname "$0")/../.." || exit 1
# The Python client is Debian's package: use Debian's interpreter.
python=/usr/bin/python3

passed=0
failed=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/check_expositions.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

pass()
{
    passed=$((passed + 1))
    echo "ok   $1"
}

fail()
{
    failed=$((failed + 1))
    echo "FAIL $1"
    [ -s "$tmp/out" ] && sed 's/^/    /' "$tmp/out"
}

prom=0
for file in "$dir"/*.prom; do
    [ -e "$file" ] || continue
    prom=$((prom + 1))
    if promtool check metrics <"$file" >"$tmp/out" 2>&1 && [ ! -s "$tmp/out" ]
    then
        pass "promtool check metrics $file"
    else
        fail "promtool check metrics $file"
    fi
done
[ "$prom" -gt 0 ] || fail "no Prometheus text exposition in $dir"

om=0
for file in "$dir"/*.om; do
    [ -e "$file" ] || continue
    om=$((om + 1))
    name=$(basename "$file" .om)
    sed '/^#/!s/$/ 1700000000/' "$file" >"$tmp/$name.om"
    if promtool tsdb create-blocks-from openmetrics "$tmp/$name.om" \
        "$tmp/blocks.$name" >"$tmp/out" 2>&1; then
        pass "promtool reads OpenMetrics $file"
    else
        fail "promtool reads OpenMetrics $file"
    fi
done
[ "$om" -gt 0 ] || fail "no OpenMetrics exposition in $dir"
if [ "$om" -gt 0 ]; then
    if "$python" tests/prometheus/check_openmetrics.py "$dir"/*.om \
        >"$tmp/out" 2>&1; then
        pass "OpenMetrics parser accepts all $om files"
    else
        fail "OpenMetrics parser"
    fi
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
