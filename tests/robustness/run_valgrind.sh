#!/bin/sh
# Runs cmocka test binaries under Valgrind's memcheck.
#
# usage: sh tests/robustness/run_valgrind.sh TEST_BINARY...
#
# Each binary runs through a small wrapper in build/valgrind/ that starts
# it under memcheck with --error-exitcode, so that any invalid read or
# write, use of uninitialised memory, bad free, or definitely or
# indirectly lost block fails the binary; tests/run_unit.sh then reads the
# cmocka results as usual and counts such a binary as failed. Valgrind
# runs threads one at a time, so the stress test runs for a shorter time
# (OBS_STRESS_MS) than in the other builds.

if [ $# -eq 0 ]; then
    echo "run_valgrind.sh: no test binaries given" >&2
    exit 2
fi
if ! command -v valgrind >/dev/null 2>&1; then
    echo "run_valgrind.sh: valgrind is not installed (tests/deps.sh)" >&2
    exit 1
fi

dir=build/valgrind
mkdir -p "$dir"
wrappers=
for test in "$@"; do
    case $test in
    /*) path=$test ;;
    *) path=$(pwd)/$test ;;
    esac
    wrapper=$dir/$(basename "$test")
    cat >"$wrapper" <<WRAPPER
#!/bin/sh
exec valgrind --quiet --error-exitcode=1 --leak-check=full \\
    --show-leak-kinds=definite,indirect \\
    --errors-for-leak-kinds=definite,indirect \\
    --track-origins=yes "$path" "\$@"
WRAPPER
    chmod +x "$wrapper"
    wrappers="$wrappers $wrapper"
done

OBS_STRESS_MS=${OBS_STRESS_MS:-600}
export OBS_STRESS_MS
start=$(date +%s)
# shellcheck disable=SC2086
sh tests/run_unit.sh $wrappers
status=$?
echo "valgrind: $# binaries in $(($(date +%s) - start)) s"
exit $status
