#!/usr/bin/env python3
"""Sum meson test logs (testlog.json) into one closing line.

Usage: test-summary.py LOG.json [LOG.json ...]

TAP tests (GLib gtest with --tap) count each subtest; other tests count once.
Prints per-suite counts, then `N passed, N failed, N skipped`; exits 1 if
anything failed, a log is missing, or nothing passed.
"""
import json
import re
import sys

PASS = {"OK", "EXPECTEDFAIL"}
SKIP = {"SKIP"}
TAP_LINE = re.compile(r"^(not ok|ok)\b(.*)$")


def count_test(t):
    """Returns (passed, failed, skipped) for one meson test entry."""
    result = t.get("result", "ERROR")
    p = f = s = 0
    for line in (t.get("stdout") or "").splitlines():
        m = TAP_LINE.match(line)
        if not m:
            continue
        directive = m.group(2)
        if "# SKIP" in directive.upper():
            s += 1
        elif m.group(1) == "ok":
            p += 1
        elif "# TODO" in directive.upper():
            p += 1
        else:
            f += 1
    if p + f + s == 0:
        if result in PASS:
            return 1, 0, 0
        if result in SKIP:
            return 0, 0, 1
        return 0, 1, 0
    if result not in PASS and result not in SKIP and f == 0:
        f += 1   # crashed or timed out after its last reported subtest
    return p, f, s


def main(paths):
    totals = [0, 0, 0]
    suites = {}
    missing = False
    for path in paths:
        try:
            with open(path, encoding="utf-8") as fh:
                entries = [json.loads(line) for line in fh if line.strip()]
        except OSError as e:
            print(f"missing test log {path}: {e}", file=sys.stderr)
            missing = True
            continue
        label = "asan" if "asan" in path else ""
        for t in entries:
            name = t.get("name", "?")
            suite = name.split(" / ")[0].split(":")[-1]
            if label:
                suite = f"{suite} ({label})"
            counts = count_test(t)
            if counts[1]:
                print(f"FAILED: {name} ({t.get('result')})")
            acc = suites.setdefault(suite, [0, 0, 0])
            for i in range(3):
                acc[i] += counts[i]
                totals[i] += counts[i]
    for suite, (p, f, s) in sorted(suites.items()):
        print(f"  {suite:<16} {p} passed, {f} failed, {s} skipped")
    print(f"{totals[0]} passed, {totals[1]} failed, {totals[2]} skipped")
    return 1 if totals[1] or missing or totals[0] == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
