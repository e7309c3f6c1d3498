#!/bin/sh
# Wall time and peak memory of obs-sim against the reference program, with
# the same arguments (part of `make bench`).
#
#   sim_vs_reference.sh SIM REFERENCE [REQUESTS]
#
# GNU time measures each program from a small process of its own; timing
# from Python instead would count the interpreter's pages in the child.
sim=${1:?usage: sim_vs_reference.sh SIM REFERENCE [REQUESTS]}
reference=${2:?usage: sim_vs_reference.sh SIM REFERENCE [REQUESTS]}
requests=${3:-200000}
if [ ! -x /usr/bin/time ]; then
    echo "sim_vs_reference: /usr/bin/time is missing" \
        "(Debian package 'time'); skipped"
    exit 0
fi
if [ ! -f "$reference" ]; then
    echo "sim_vs_reference: $reference not found; skipped"
    exit 0
fi
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT


echo "simulator against the reference, --requests $requests"
/usr/bin/time -f "%e %M" -o "$tmp" python3 "$reference" \
    --requests "$requests" --seed 42 > /dev/null || exit 1
read -r ref_s ref_kib < "$tmp"
printf '  %-36s %8s s %8s KiB\n' "reference (python3)" "$ref_s" "$ref_kib"
for store in exact histogram; do
    /usr/bin/time -f "%e %M" -o "$tmp" "$sim" --requests "$requests" \
        --seed 42 --latency-store "$store" > /dev/null || exit 1
    read -r s kib < "$tmp"
    printf '  %-36s %8s s %8s KiB\n' "obs-sim --latency-store $store" \
        "$s" "$kib"
done
# The last run is the histogram store's.
python3 -c "
import sys
ref_s, ref_kib, s, kib = map(float, sys.argv[1:])
print('  histogram store: %s faster, %.1fx less memory than the reference'
      % ('%.0fx' % (ref_s / s) if s > 0 else 'over 100x (under 10 ms)',
         ref_kib / kib))" "$ref_s" "$ref_kib" "$s" "$kib"
