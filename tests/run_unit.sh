#!/bin/sh
# Runs cmocka test binaries and adds up their results.
#
# usage: sh tests/run_unit.sh TEST_BINARY...
#
# Prints each binary's output, then one line "N passed, N failed" that
# counts test cases, read from cmocka's own summary lines.  A binary that
# cannot run, crashes, prints no summary, or exits non-zero although its
# summary shows no failure (a sanitizer report at exit, a failed group
# setup) counts as one failed case, and so does an empty argument list.
# The exit status is 0 only when nothing failed.

# cmocka's plain text output is the one this script can read.
CMOCKA_MESSAGE_OUTPUT=STDOUT
export CMOCKA_MESSAGE_OUTPUT

if [ $# -eq 0 ]; then
    echo "run_unit.sh: no test binaries given" >&2
    echo "0 passed, 1 failed"
    exit 1
fi

passed=0
failed=0
broken=

output=$(mktemp "${TMPDIR:-/tmp}/run_unit.XXXXXX") || exit 1
trap 'rm -f "$output"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# count KIND FILE: the sum of N over cmocka's "[  KIND  ] N test(s)" lines.
count()
{
    sed -n "s/^\[  $1  \] \([0-9][0-9]*\) test(s)[.,].*/\1/p" "$2" |
        awk '{ n += $1 } END { print n + 0 }'
}

for test in "$@"; do
    echo "==> $test"
    if [ ! -x "$test" ]; then
        echo "run_unit.sh: $test: not an executable file"
        failed=$((failed + 1))
        broken="$broken $test"
        continue
    fi

    "$test" >"$output" 2>&1
    status=$?
    cat "$output"

    ok=$(count PASSED "$output")
    bad=$(count FAILED "$output")
    summaries=$(grep -c -E '^\[  (PASSED|FAILED)  \] [0-9]+ test\(s\)' \
        "$output")

    if [ "$summaries" -eq 0 ]; then
        if [ "$status" -gt 128 ]; then
            echo "run_unit.sh: $test: killed by signal $((status - 128))" \
                "before its summary"
        else
            echo "run_unit.sh: $test: exit status $status and no cmocka" \
                "summary"
        fi
        bad=1
    elif [ "$status" -ne 0 ] && [ "$bad" -eq 0 ]; then
        echo "run_unit.sh: $test: exit status $status, though its summary" \
            "shows no failed test"
        bad=1
    fi

    passed=$((passed + ok))
    failed=$((failed + bad))
    if [ "$bad" -ne 0 ] || [ "$status" -ne 0 ]; then
        broken="$broken $test"
    fi
done

if [ -n "$broken" ]; then
    echo "failing binaries:$broken"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ -z "$broken" ]
