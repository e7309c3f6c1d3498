#!/usr/bin/env python3
"""Compare two JSON documents as values, not as text.

usage: compare_json.py EXPECTED ACTUAL

Exit status 0 when the values are equal, 1 when they differ (the first
differing path is printed, e.g. $.services[2].p99_ms), 2 when a file
cannot be read or is not strict JSON.

Numbers compare by value, exactly, so 1 and 1.0 are equal while 0.1 and
0.10000000000000002 are not: the simulator must compute the same doubles
as the Python reference, and only its spelling of them may differ.
Booleans are not numbers here (true != 1), object key order does not
matter, array order does.  NaN, Infinity and duplicate keys are rejected
because strict JSON has no such things.
"""

import json
import sys


class JsonError(Exception):
    pass


def _reject_constant(name):
    raise JsonError("non-standard JSON constant %s" % name)


def _no_duplicates(pairs):
    obj = {}
    for key, value in pairs:
        if key in obj:
            raise JsonError("duplicate key %r" % key)
        obj[key] = value
    return obj


def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f, parse_constant=_reject_constant,
                             object_pairs_hook=_no_duplicates)
    except (OSError, ValueError, JsonError) as e:
        raise JsonError("%s: %s" % (path, e)) from None


def _kind(value):
    # bool is a subclass of int in Python, so test it first.
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null"


def first_difference(expected, actual, path="$"):
    """Return (path, reason) for the first difference, or None."""
    kind = _kind(expected)
    if kind != _kind(actual):
        return path, "expected %s %s, got %s %s" % (
            kind, json.dumps(expected), _kind(actual), json.dumps(actual))

    if kind == "array":
        for i, (e, a) in enumerate(zip(expected, actual)):
            found = first_difference(e, a, "%s[%d]" % (path, i))
            if found:
                return found
        if len(expected) != len(actual):
            return path, "expected %d elements, got %d" % (
                len(expected), len(actual))
        return None

    if kind == "object":
        for key, e in expected.items():
            sub = "%s.%s" % (path, key)
            if key not in actual:
                return sub, "missing in actual"
            found = first_difference(e, actual[key], sub)
            if found:
                return found
        for key in actual:
            if key not in expected:
                return "%s.%s" % (path, key), "not expected"
        return None

    if expected != actual:
        return path, "expected %s, got %s" % (
            json.dumps(expected), json.dumps(actual))
    return None


def main(argv):
    if len(argv) != 3:
        print("usage: compare_json.py EXPECTED ACTUAL", file=sys.stderr)
        return 2
    try:
        expected = load(argv[1])
        actual = load(argv[2])
    except JsonError as e:
        print("compare_json: %s" % e, file=sys.stderr)
        return 2

    found = first_difference(expected, actual)
    if found is None:
        return 0
    print("%s: %s" % found)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
