#!/bin/sh
# The library never prints, exits or aborts: none of its objects refers to
# a C library function that would, nor to stdout or stderr.
#
# usage: sh tests/robustness/never_calls.sh LIBRARY.a
#
# Reads the undefined symbols of every object with nm. fwrite is allowed:
# obs_platform_print_json() and obs_platform_print_prometheus() write to
# the caller's stream. snprintf and vsnprintf are allowed: they write to
# memory.

if [ $# -ne 1 ] || [ ! -f "$1" ]; then
    echo "usage: sh tests/robustness/never_calls.sh LIBRARY.a" >&2
    exit 2
fi

forbidden='
printf fprintf vprintf vfprintf dprintf vdprintf
__printf_chk __fprintf_chk __vprintf_chk __vfprintf_chk __dprintf_chk
puts fputs putchar putc fputc perror psignal psiginfo
syslog vsyslog err errx verr verrx warn warnx vwarn vwarnx error
exit _exit _Exit quick_exit abort __assert_fail __assert_perror_fail
raise kill pthread_kill pthread_exit
stdout stderr
'

used=$(nm -u "$1" | awk 'NF >= 2 { print $2 }' | sed 's/@.*//' | sort -u)
found=
for name in $forbidden; do
    if printf '%s\n' "$used" | grep -qx "$name"; then
        found="$found $name"
    fi
done
if [ -n "$found" ]; then
    echo "never_calls.sh: $1 refers to:$found"
    nm -A -u "$1" | grep -wE "$(echo $found | tr ' ' '|')"
    exit 1
fi
echo "never_calls.sh: $1 neither prints, exits nor aborts" \
    "($(printf '%s\n' "$used" | wc -l) symbols used)"
