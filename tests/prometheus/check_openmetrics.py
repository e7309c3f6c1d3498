"""Parse OpenMetrics files with the prometheus_client parser, which checks
the format strictly (family names, _total suffixes, bucket order, +Inf
equal to _count, # EOF).

usage: python3 tests/prometheus/check_openmetrics.py FILE...

Prints one line per file, "ok FILE" or "FAIL FILE: reason", and exits 1
if any file failed.
"""
import sys

from prometheus_client.openmetrics.parser import (
    text_string_to_metric_families,
)


def main(paths):
    failed = 0
    for path in paths:
        with open(path, encoding="utf-8") as file:
            text = file.read()
        try:
            families = list(text_string_to_metric_families(text))
        except ValueError as error:
            print("FAIL %s: %s" % (path, error))
            failed += 1
            continue
        samples = sum(len(family.samples) for family in families)
        print("ok   %s (%d families, %d samples)"
              % (path, len(families), samples))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
