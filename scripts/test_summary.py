#!/usr/bin/env python3
"""Summary of a scripts/test.sh run: how many Swift tests and pytest items ran, passed, failed and were
skipped, and the verdict (exit status 0 only when everything passed).

Swift: the XCTest log of `swift test` ("Test Case 'X.y' passed|failed|skipped (...)" per test, skip
reasons on "path:line: X.y : Test skipped - reason" lines, and the "Test Suite 'All tests'" total
"Executed N tests, with M tests skipped and F failures", where N counts the skipped tests too and F
counts failed assertions, not tests). pytest: its --junitxml report. Sanitizers (optional): the log
of scripts/sanitize.sh, whose closing summary lines are repeated here.

With DEEPSTROKE_REQUIRE_DATA=1 (set by .ci/run) a test skipped for missing data is a failure, on both
sides; which skip reasons mean missing data is reference-tests/data_skips.py's rule.

Standard library only.
"""
import argparse
import os
import re
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "reference-tests"))
from data_skips import is_data_skip  # noqa: E402

CASE = re.compile(r"^Test Case '([^']+)' (passed|failed|skipped) \(")
SKIP_REASON = re.compile(r"^.*?: (\S+) : Test skipped(?: - (.*))?$")
ALL_TESTS = re.compile(r"^Test Suite '(?:All|Selected) tests' (passed|failed) at ")  # Selected: with --filter
EXECUTED = re.compile(r"Executed (\d+) tests?, with (?:(\d+) tests? skipped and )?(\d+) failures? \((\d+) unexpected\)")


def swift_results(path):
    """(counts, [(test, skip reason)], problems). Lists, not dicts: two modules may hold classes of the
    same name (the log names tests Class.test)."""
    problems = []
    outcomes, skipped = [], []
    reason = None
    total = None
    try:
        lines = open(path, errors="replace").read().splitlines()
    except OSError as e:
        return None, [], [f"Swift log not readable: {e}"]
    for n, text in enumerate(lines):
        m = SKIP_REASON.match(text)
        if m:
            reason = (m.group(2) or "").strip()
            continue
        m = CASE.match(text)
        if m:
            outcomes.append(m.group(2))
            if m.group(2) == "skipped":
                skipped.append((m.group(1), reason or ""))
            reason = None
            continue
        if ALL_TESTS.match(text) and n + 1 < len(lines):
            e = EXECUTED.search(lines[n + 1])
            if e:
                total = (int(e.group(1)), int(e.group(2) or 0))
    counts = {k: outcomes.count(k) for k in ("passed", "failed", "skipped")}
    counts["ran"] = len(outcomes)
    if total is None:
        problems.append("Swift: no XCTest total (\"Test Suite 'All tests'\") in the log (build failure or crash?)")
    elif total != (counts["ran"], counts["skipped"]):
        problems.append(f"Swift: the XCTest total says {total[0]} executed / {total[1]} skipped, "
                        f"the per-test lines {counts['ran']} / {counts['skipped']}")
    return counts, skipped, problems


def pytest_results(path):
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as e:
        return None, [], [f"pytest: no readable JUnit report ({e})"]
    counts = {"ran": 0, "passed": 0, "failed": 0, "skipped": 0}
    skipped = []
    for case in root.iter("testcase"):
        counts["ran"] += 1
        name = f"{case.get('classname', '')}::{case.get('name', '')}"
        if case.find("failure") is not None or case.find("error") is not None:
            counts["failed"] += 1
        elif case.find("skipped") is not None:
            counts["skipped"] += 1
            s = case.find("skipped")
            skipped.append((name, s.get("message") or (s.text or "")))
        else:
            counts["passed"] += 1
    return counts, skipped, []


def line(label, counts, data_skips):
    if counts is None:
        return f"{label}: no results"
    return (f"{label}: {counts['ran']} ran, {counts['passed']} passed, {counts['failed']} failed, "
            f"{counts['skipped']} skipped ({data_skips} for missing data)")


def sanitize_lines(path):
    """The summary block scripts/sanitize.sh prints last ("scripts/sanitize.sh summary" and the lines after)."""
    try:
        lines = open(path, errors="replace").read().splitlines()
    except OSError as e:
        return [f"sanitizers: log not readable: {e}"]
    starts = [n for n, t in enumerate(lines) if t.startswith("scripts/sanitize.sh summary")]
    if not starts:
        return ["sanitizers: no summary in the log (the script stopped early)"]
    return ["Sanitizers   " + lines[starts[-1]]] + lines[starts[-1] + 1:]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--swift-log", required=True)
    ap.add_argument("--swift-rc", type=int, required=True)
    ap.add_argument("--junit", required=True)
    ap.add_argument("--pytest-rc", type=int, required=True)
    ap.add_argument("--sanitize-log", help="log of scripts/sanitize.sh (omitted when the step did not run)")
    ap.add_argument("--sanitize-rc", type=int, default=0)
    a = ap.parse_args()
    require_data = os.environ.get("DEEPSTROKE_REQUIRE_DATA") == "1"

    sc, ss, problems = swift_results(a.swift_log)
    pc, ps, p2 = pytest_results(a.junit)
    problems += p2
    s_data = [t for t, r in ss if is_data_skip(r)]
    p_data = [t for t, r in ps if is_data_skip(r)]

    if a.swift_rc != 0:
        problems.append(f"Swift: swift test exited with {a.swift_rc}")
    if sc and sc["failed"]:
        problems.append(f"Swift: {sc['failed']} test(s) failed")
    if sc is not None and sc["ran"] == 0:
        problems.append("Swift: no tests ran")
    if a.pytest_rc == 5:
        problems.append("pytest: no tests were collected (exit 5)")
    elif a.pytest_rc != 0:
        problems.append(f"pytest exited with {a.pytest_rc}")
    if pc and pc["failed"]:
        problems.append(f"pytest: {pc['failed']} item(s) failed or errored")
    if require_data and (s_data or p_data):
        problems.append(f"DEEPSTROKE_REQUIRE_DATA=1: {len(s_data) + len(p_data)} test(s) skipped for missing data")

    print("\n==================== test summary ====================")
    print(line("Swift tests ", sc, len(s_data)))
    print(line("pytest items", pc, len(p_data)))
    if a.sanitize_log:
        for l in sanitize_lines(a.sanitize_log):
            print(l)
        if a.sanitize_rc != 0:
            problems.append(f"sanitizers: scripts/sanitize.sh exited with {a.sanitize_rc} (a report, a failed test or a failed build)")
    # Skips grouped by reason (a missing data folder skips dozens of tests for one reason).
    for label, skips in (("Swift", ss), ("pytest", ps)):
        groups = {}
        for t, r in skips:
            groups.setdefault(r or "(no reason given)", []).append(t)
        for r, tests in groups.items():
            tag = "missing data" if is_data_skip(r) else "skipped"
            more = f" and {len(tests) - 1} more" if len(tests) > 1 else ""
            print(f"  {label} {tag} ({len(tests)}): {r} [{tests[0]}{more}]")
    if problems:
        print("FAILED:")
        for p in problems:
            print(f"  - {p}")
        return 1
    print("PASSED" + (" (data required: no data skips)" if require_data else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
