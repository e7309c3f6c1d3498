#!/bin/sh
# Checks that the tools and headers `make check` needs are present.
#
# usage: sh tests/deps.sh
#
# Each dependency is a Debian package and a probe that says whether it is
# there: "cmd:NAME" (a command on PATH), "file:PATH" (a file) or
# "glob:PATTERN" (at least one file matches).  Probing files rather than
# asking dpkg keeps the check honest on hosts where the same file comes
# from elsewhere.  Silent when everything is present.  As root, installs
# what is missing with apt-get; otherwise prints the command to run and
# exits 1.

# One line per dependency: Debian package, then its probe.  Add new
# dependencies here (the probe must not contain spaces).
DEPS='
libcmocka-dev      file:/usr/include/cmocka.h
doxygen            cmd:doxygen
pkg-config         cmd:pkg-config
clang              cmd:clang
libclang-rt-14-dev glob:/usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.asan*
python3            cmd:python3
locales            cmd:localedef
libjansson-dev     file:/usr/include/jansson.h
zlib1g-dev         file:/usr/include/zlib.h
nginx              file:/usr/sbin/nginx
libmicrohttpd-dev  file:/usr/include/microhttpd.h
prometheus         cmd:promtool
wrk                cmd:wrk
curl               cmd:curl
iproute2           cmd:ss
python3-prometheus-client file:/usr/lib/python3/dist-packages/prometheus_client
'

# ---- robustness: make check-valgrind; the fuzzers need clang and
# libclang-rt-14-dev, listed above --------------------------------------------
DEPS="$DEPS
valgrind           cmd:valgrind
"
# ---- end of robustness -------------------------------------------------------

# present PROBE: exit status 0 when the probe finds what it looks for.
present()
{
    case $1 in
    cmd:*)
        command -v "${1#cmd:}" >/dev/null 2>&1
        ;;
    file:*)
        [ -e "${1#file:}" ]
        ;;
    glob:*)
        # Unquoted on purpose: the shell expands the pattern; a pattern
        # that matches nothing stays as it is and fails the test.
        for match in ${1#glob:}; do
            [ -e "$match" ] && return 0
        done
        return 1
        ;;
    *)
        echo "deps.sh: unknown probe '$1'" >&2
        return 1
        ;;
    esac
}

# missing: print the packages whose probe fails, space-separated.
missing()
{
    list=
    set -f
    # shellcheck disable=SC2086
    set -- $DEPS
    set +f
    while [ $# -ge 2 ]; do
        if ! present "$2"; then
            list="${list:+$list }$1"
        fi
        shift 2
    done
    echo "$list"
}

# The report test switches to a decimal-comma locale to prove that numbers
# ignore it; Debian images ship only C and POSIX, so make de_DE.UTF-8.
ensure_locale()
{
    locale -a 2>/dev/null | grep -qi '^de_DE\.utf-\{0,1\}8$' && return 0
    if [ "$(id -u)" -ne 0 ]; then
        echo "deps.sh: locale de_DE.UTF-8 missing; as root run:" >&2
        echo "    localedef -i de_DE -f UTF-8 de_DE.UTF-8" >&2
        exit 1
    fi
    localedef -i de_DE -f UTF-8 de_DE.UTF-8 || {
        echo "deps.sh: localedef failed" >&2
        exit 1
    }
}

need=$(missing)
if [ -z "$need" ]; then
    ensure_locale
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "deps.sh: missing Debian packages: $need" >&2
    echo "deps.sh: run as root:" >&2
    echo "    apt-get update &&" \
        "DEBIAN_FRONTEND=noninteractive apt-get install -y $need" >&2
    exit 1
fi

echo "deps.sh: installing missing Debian packages: $need"
apt-get update || { echo "deps.sh: apt-get update failed" >&2; exit 1; }
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive apt-get install -y $need || {
    echo "deps.sh: apt-get install failed" >&2
    exit 1
}

still=$(missing)
if [ -n "$still" ]; then
    echo "deps.sh: still missing after install: $still" >&2
    exit 1
fi
ensure_locale
