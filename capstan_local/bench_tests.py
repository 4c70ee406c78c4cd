"""`make bench`, test gate: the time to parse and gate a 10,000-test JUnit report, as JSON lines."""

from __future__ import annotations

import json
import statistics
import time
from datetime import date
from xml.sax.saxutils import quoteattr

from capstan.domain import tests_gate
from capstan.domain.test_reports import parse_junit
from capstan.policies.tests import QuarantinedTest, TestPolicy

SUITES, CASES_PER_SUITE = 200, 50
TODAY = date(2025, 5, 2)


def junit_report(suites: int = SUITES, cases: int = CASES_PER_SUITE) -> bytes:
    """A jest-junit-shaped report: every 40th case skipped, and one quarantined flaky failure."""
    out = [f'<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="jest tests" tests="{suites * cases}" failures="1" errors="0">']
    for s in range(suites):
        name = f"module {s:03d}"
        skipped = sum(1 for c in range(cases) if (s * cases + c) % 40 == 39)
        failures = int(s == 0)
        out.append(f'  <testsuite name={quoteattr(name)} tests="{cases}" failures="{failures}" errors="0" skipped="{skipped}" time="1.25">')
        for c in range(cases):
            title = f"{name} handles case {c} with a realistic, fairly long test title"
            body = ""
            if (s * cases + c) % 40 == 39:
                body = "<skipped/>"
            elif s == 0 and c == 0:
                body = '<failure message="expected 137 to be less than 100">Error: expected 137 to be less than 100</failure>'
            out.append(f'    <testcase classname={quoteattr(title)} name={quoteattr(title)} time="0.{c:03d}">{body}</testcase>')
        out.append("  </testsuite>")
    out.append("</testsuites>\n")
    return "\n".join(out).encode()


def main(repeats: int = 5) -> None:
    data = junit_report()
    flaky = "module 000::module 000 handles case 0 with a realistic, fairly long test title"
    policy = TestPolicy(
        min_tests=10_000,
        min_pass_rate=0.99,
        max_skipped_share=0.05,
        required_suites=["module 000", "module 199"],
        quarantine=[QuarantinedTest(test=flaky, owner="erin", reason="timing on shared runners", expires=date(2025, 6, 30))],
    )
    parse_s, gate_s = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        results = parse_junit(data, "bench-junit.xml")
        t1 = time.perf_counter()
        decision = tests_gate.decide(results, None, policy, TODAY)
        parse_s.append(t1 - t0)
        gate_s.append(time.perf_counter() - t1)
    if decision.decision != "pass" or decision.tests.total != SUITES * CASES_PER_SUITE:
        raise RuntimeError(f"the bench report did not gate as designed: {decision.reasons}")
    total_ms = statistics.median(p + g for p, g in zip(parse_s, gate_s, strict=True)) * 1000
    line = {
        "bench": "test_gate_10k_junit",
        "value": round(total_ms, 2),
        "unit": "ms",
        "tests": decision.tests.total,
        "report_bytes": len(data),
        "parse_ms": round(statistics.median(parse_s) * 1000, 2),
        "gate_ms": round(statistics.median(gate_s) * 1000, 2),
        "repeats": repeats,
    }
    print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
