#!/bin/sh
# Installs the library into a scratch prefix and uses it as a consumer would.
#
# usage: sh tests/install/check_install.sh     (make check-install runs it)
#
# Checks that `make install` honours PREFIX and DESTDIR, that the shared
# library carries its soname and links, that it exports exactly the obs_
# functions the public header declares, and that tests/install/hello.c
# builds from the installed files through pkg-config, linked dynamically
# and statically, and runs.  Works in a temporary directory, removed on
# exit.  The last line is always "N passed, N failed"; the exit status is 0
# only when nothing failed.
set -u

cd "$(dirname "$0")/../.." || exit 1

CC=${CC:-cc}
MAKE=${MAKE:-make}
# The installs below must see only the settings this script gives them, not
# those of a make that happens to run it.
unset MAKEFLAGS MFLAGS MAKELEVEL DESTDIR LIBDIR INCLUDEDIR PKGCONFIGDIR

HEADER=include/obsplatform.h
VERSION_H=include/obsplatform_version.h
version_part()
{
    sed -n "s/^#define OBS_VERSION_$1 \([0-9][0-9]*\).*/\1/p" "$VERSION_H"
}
MAJOR=$(version_part MAJOR)
VERSION=$MAJOR.$(version_part MINOR).$(version_part PATCH)
SONAME=libobsplatform.so.$MAJOR
REALNAME=libobsplatform.so.$VERSION
EXPECTED="obsplatform $VERSION: hello 1 request(s), healthy"

passed=0
failed=0

tmp=$(mktemp -d "${TMPDIR:-/tmp}/check_install.XXXXXX") || exit 1
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
}

finish()
{
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit
}

# run NAME COMMAND...: one check that COMMAND succeeds; its output is shown
# only when it fails.
run()
{
    name=$1
    shift
    if "$@" >"$tmp/run.log" 2>&1; then
        pass "$name"
    else
        fail "$name"
        sed 's/^/    /' "$tmp/run.log"
        return 1
    fi
}

# check_links LIBDIR: libobsplatform.so -> .so.MAJOR -> .so.VERSION, each a
# relative link, ending at a regular file.
check_links()
{
    dev=$(readlink "$1/libobsplatform.so")
    major=$(readlink "$1/$SONAME")
    if [ "$dev" = "$SONAME" ] && [ "$major" = "$REALNAME" ] &&
        [ ! -h "$1/$REALNAME" ] && [ -f "$1/$REALNAME" ] &&
        [ -f "$1/libobsplatform.so" ]; then
        return 0
    fi
    echo "    libobsplatform.so -> '$dev' (want $SONAME)"
    echo "    $SONAME -> '$major' (want $REALNAME)"
    # shellcheck disable=SC2012
    ls -l "$1" | sed 's/^/    /'
    return 1
}

# pc_field FILE NAME: the value of a variable line NAME=... in a .pc file.
pc_field()
{
    sed -n "s/^$2=//p" "$1"
}

# ---- make install PREFIX=... ---------------------------------------------

prefix=$tmp/prefix
libdir=$prefix/lib
# A pkg-config file left over from an interrupted install would keep its
# old prefix: make regenerates it only when the template changes.
rm -f obsplatform.pc
run "make install PREFIX=\$tmp/prefix" \
    "$MAKE" install PREFIX="$prefix" || finish

missing=
for file in include/obsplatform.h include/obsplatform_version.h \
    lib/libobsplatform.a "lib/$REALNAME" "lib/$SONAME" lib/libobsplatform.so \
    lib/pkgconfig/obsplatform.pc; do
    [ -e "$prefix/$file" ] || missing="$missing $file"
done
if [ -z "$missing" ]; then
    pass "installed files present"
else
    fail "installed files present; missing:$missing"
fi

if cmp -s "$HEADER" "$prefix/$HEADER" &&
    cmp -s "$VERSION_H" "$prefix/$VERSION_H"; then
    pass "installed headers equal include/"
else
    fail "installed headers equal include/"
fi

if check_links "$libdir"; then
    pass "symlink chain libobsplatform.so -> $SONAME -> $REALNAME"
else
    fail "symlink chain libobsplatform.so -> $SONAME -> $REALNAME"
fi

soname=$(readelf -d "$libdir/$REALNAME" 2>/dev/null |
    sed -n 's/.*(SONAME).*\[\(.*\)\].*/\1/p')
if [ "$soname" = "$SONAME" ]; then
    pass "SONAME $SONAME"
else
    fail "SONAME is '$soname', want $SONAME"
fi

# ---- exported symbols ----------------------------------------------------

# The declared names: every line "OBS_API <type> obs_name(" of the header.
# A declaration split elsewhere would be missed, so count OBS_API lines too.
sed -n 's/^OBS_API[^(]*[ *]\(obs_[A-Za-z0-9_]*\)(.*/\1/p' "$HEADER" |
    sort -u >"$tmp/declared"
nm -D --defined-only "$libdir/$REALNAME" | awk 'NF == 3 { print $3 }' |
    sed 's/@.*//' | sort -u >"$tmp/exported"
api_lines=$(grep -c '^OBS_API ' "$HEADER")
declared=$(wc -l <"$tmp/declared")
if [ "$api_lines" -ne "$declared" ]; then
    fail "$api_lines OBS_API lines in $HEADER but $declared names read"
    grep '^OBS_API ' "$HEADER" | grep -v '^OBS_API[^(]*[ *]obs_[A-Za-z0-9_]*(' |
        sed 's/^/    unread: /'
fi
if cmp -s "$tmp/declared" "$tmp/exported"; then
    pass "exported symbols are the $declared declared obs_ functions"
else
    fail "exported symbols are the declared obs_ functions"
    comm -13 "$tmp/declared" "$tmp/exported" |
        sed 's/^/    exported, not declared: /'
    comm -23 "$tmp/declared" "$tmp/exported" |
        sed 's/^/    declared, not exported: /'
fi

# ---- a consumer through pkg-config ---------------------------------------

PKG_CONFIG_PATH=$libdir/pkgconfig
export PKG_CONFIG_PATH
unset PKG_CONFIG_LIBDIR PKG_CONFIG_SYSROOT_DIR

pc=$libdir/pkgconfig/obsplatform.pc
modversion=$(pkg-config --modversion obsplatform 2>&1)
if [ "$modversion" = "$VERSION" ] &&
    [ "$(pc_field "$pc" prefix)" = "$prefix" ] &&
    [ "$(pc_field "$pc" libdir)" = "$libdir" ]; then
    pass "pkg-config: version $VERSION, prefix and libdir"
else
    fail "pkg-config: version '$modversion' (want $VERSION), prefix and libdir"
    sed 's/^/    /' "$pc"
fi

cflags="-std=c11 -Wall -Wextra -Wpedantic -Werror"
dynamic=$tmp/hello-dynamic
static=$tmp/hello-static

# Word splitting of $cflags and the pkg-config output is intended.
# shellcheck disable=SC2046,SC2086
if run "build hello.c, dynamic" "$CC" $cflags -o "$dynamic" \
    tests/install/hello.c $(pkg-config --cflags --libs obsplatform); then
    if readelf -d "$dynamic" | grep -q "(NEEDED).*\[$SONAME\]" &&
        LD_LIBRARY_PATH=$libdir ldd "$dynamic" |
        grep -q "$SONAME => $libdir/$SONAME"; then
        pass "hello-dynamic loads $libdir/$SONAME"
    else
        fail "hello-dynamic loads $libdir/$SONAME"
        LD_LIBRARY_PATH=$libdir ldd "$dynamic" | sed 's/^/    /'
    fi
    out=$(LD_LIBRARY_PATH=$libdir "$dynamic" 2>&1)
    if [ "$out" = "$EXPECTED" ]; then
        pass "hello-dynamic prints: $out"
    else
        fail "hello-dynamic prints '$out', want '$EXPECTED'"
    fi
fi

# shellcheck disable=SC2046,SC2086
if run "build hello.c, static" "$CC" $cflags -static -o "$static" \
    tests/install/hello.c \
    $(pkg-config --static --cflags --libs obsplatform); then
    if readelf -d "$static" 2>/dev/null | grep -q '(NEEDED)'; then
        fail "hello-static needs no shared library"
        readelf -d "$static" | grep '(NEEDED)' | sed 's/^/    /'
    else
        pass "hello-static needs no shared library"
    fi
    out=$(unset LD_LIBRARY_PATH; "$static" 2>&1)
    if [ "$out" = "$EXPECTED" ]; then
        pass "hello-static prints: $out"
    else
        fail "hello-static prints '$out', want '$EXPECTED'"
    fi
fi

# ---- make install DESTDIR=... PREFIX=/opt/obs ----------------------------

stage=$tmp/stage
staged=$stage/opt/obs
rm -f obsplatform.pc
if run "make install DESTDIR=\$tmp/stage PREFIX=/opt/obs" \
    "$MAKE" install DESTDIR="$stage" PREFIX=/opt/obs; then
    stray=$(find "$stage" ! -type d ! -path "$staged/*")
    if [ -f "$staged/include/obsplatform.h" ] &&
        [ -f "$staged/lib/libobsplatform.a" ] &&
        [ -f "$staged/lib/pkgconfig/obsplatform.pc" ] && [ -z "$stray" ] &&
        check_links "$staged/lib"; then
        pass "staged files all under \$tmp/stage/opt/obs"
    else
        fail "staged files all under \$tmp/stage/opt/obs"
        find "$stage" ! -type d | sed 's/^/    /'
    fi
    spc=$staged/lib/pkgconfig/obsplatform.pc
    if [ "$(pc_field "$spc" prefix)" = /opt/obs ] &&
        [ "$(pc_field "$spc" libdir)" = /opt/obs/lib ] &&
        [ "$(pc_field "$spc" includedir)" = /opt/obs/include ]; then
        pass "staged obsplatform.pc says prefix=/opt/obs"
    else
        fail "staged obsplatform.pc says prefix=/opt/obs"
        sed 's/^/    /' "$spc"
    fi
fi

finish
