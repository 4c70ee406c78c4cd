"""The test gate: JUnit XML reports in, a pass or fail decision with its reasons out."""

from __future__ import annotations

from dataclasses import dataclass

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from capstan.config import TestPolicy
from capstan.errors import InvalidInput
from capstan.models.release import TestCounts, TestDecision

MAX_REPORT_BYTES = 20 * 1024 * 1024


@dataclass
class JUnitTotals:
    total: int = 0
    failed: int = 0
    errors: int = 0
    skipped: int = 0
    duration_s: float = 0.0

    def add(self, other: JUnitTotals) -> None:
        self.total += other.total
        self.failed += other.failed
        self.errors += other.errors
        self.skipped += other.skipped
        self.duration_s += other.duration_s


def parse_junit(data: bytes, name: str = "report") -> JUnitTotals:
    """Count the test cases of a JUnit XML report (`<testsuites>` or a single `<testsuite>`).

    Counts come from the `<testcase>` elements themselves, not from the suites'
    summary attributes, which writers get wrong.

    Raises
    ------
    InvalidInput
        When the report is too large, not XML, declares entities, or is not JUnit.
    """
    if len(data) > MAX_REPORT_BYTES:
        raise InvalidInput(f"{name}: report is {len(data)} bytes, over the {MAX_REPORT_BYTES}-byte cap")
    try:
        root = SafeET.fromstring(data, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise InvalidInput(f"{name}: refused XML construct ({type(exc).__name__})") from None
    except SafeET.ParseError as exc:
        raise InvalidInput(f"{name}: not well-formed XML ({exc})") from None
    if root.tag not in ("testsuites", "testsuite"):
        raise InvalidInput(f"{name}: root element is <{root.tag}>, expected <testsuites> or <testsuite>")
    totals = JUnitTotals()
    for case in root.iter("testcase"):
        totals.total += 1
        if case.find("failure") is not None:
            totals.failed += 1
        elif case.find("error") is not None:
            totals.errors += 1
        elif case.find("skipped") is not None:
            totals.skipped += 1
        try:
            totals.duration_s += max(0.0, float(case.get("time") or 0))
        except ValueError:
            raise InvalidInput(f"{name}: testcase time {case.get('time')!r} is not a number") from None
    return totals


def decide(totals: JUnitTotals, policy: TestPolicy) -> TestDecision:
    """Apply the app's test policy to the counted results."""
    passed = totals.total - totals.failed - totals.errors - totals.skipped
    reasons: list[str] = []
    if totals.total < policy.min_tests:
        reasons.append(f"{totals.total} tests ran, the policy needs at least {policy.min_tests}")
    if totals.failed:
        reasons.append(f"{totals.failed} test(s) failed")
    if totals.errors:
        reasons.append(f"{totals.errors} test(s) errored")
    executed = totals.total - totals.skipped
    rate = passed / executed if executed else 0.0
    if executed and rate < policy.min_pass_rate:
        reasons.append(f"pass rate {rate:.1%} is under the required {policy.min_pass_rate:.1%}")
    return TestDecision(
        decision="fail" if reasons else "pass",
        tests=TestCounts(total=totals.total, passed=passed, failed=totals.failed, errors=totals.errors, skipped=totals.skipped),
        duration_s=round(totals.duration_s, 3),
        reasons=reasons,
    )
