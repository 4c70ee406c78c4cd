"""The test gate: normalised test results and line coverage against the app's test policy, a decision with its reasons.

The reasons are written for the approval page: each names the rule, the numbers and, for a
failing test, the id a quarantine entry would use. The gate is handed `today` (the domain
never reads the clock); a quarantine counts up to and including its `expires` day.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from datetime import date

from capstan.domain.test_reports import LineCoverage, TestCase, TestResults
from capstan.domain.test_reports.model import FAILING, clean
from capstan.models.release import TestCounts, TestDecision
from capstan.policies.tests import QuarantinedTest, TestPolicy

MAX_LISTED_FAILURES = 10
MAX_QUARANTINED_LISTED = 50
MAX_REPORTS_LISTED = 50


@dataclass
class _SuiteTally:
    cases: int = 0
    ran: int = 0
    blocking: int = 0


@dataclass
class _Failures:
    blocking: list[tuple[TestCase, QuarantinedTest | None]] = field(default_factory=list)  # with its expired quarantine, if any
    excused: list[tuple[TestCase, QuarantinedTest]] = field(default_factory=list)


def decide(results: TestResults, coverage: LineCoverage | None, policy: TestPolicy, today: date) -> TestDecision:
    """Apply the app's test policy to the results and coverage of a build's reports.

    Rules, each adding a reason when broken: a JUnit report exists; at least `min_tests` cases;
    no failure or error except a quarantined one whose quarantine has not expired; no failure
    the runner reported outside a case; `min_pass_rate` over the tests that ran (quarantined
    failures count as not passed); at most `max_skipped_share` skipped; `min_line_coverage`
    (without a coverage report it fails); each required suite present, run and green.
    """
    failures = _failures(results.cases, policy.quarantine, today)
    reasons: list[str] = []
    total, skipped, passed = results.total, results.skipped, results.passed
    if not results.reports:
        reasons.append("no JUnit test report: the build published none")
    if total < policy.min_tests:
        reasons.append(f"{total} tests ran, the policy needs at least {policy.min_tests}")
    reasons += _failure_reasons(failures.blocking)
    if results.unattributed_failures:
        reasons.append(f"the test runner reported {results.unattributed_failures} failure(s) that no test case in its report shows")
    executed = total - skipped
    if total and not executed:
        reasons.append(f"no test ran: all {total} were skipped")
    elif executed and passed / executed < policy.min_pass_rate:
        counting = f", counting {len(failures.excused)} quarantined failure(s)" if failures.excused else ""
        reasons.append(
            f"pass rate {passed / executed:.1%} ({passed} of {executed} run){counting} is under the required {policy.min_pass_rate:.1%}"
        )
    if total and skipped / total > policy.max_skipped_share:
        reasons.append(
            f"{skipped} of {total} tests skipped ({skipped / total:.1%}), the policy allows at most {policy.max_skipped_share:.1%}"
        )
    measured = _without_excluded(coverage, policy.coverage_exclude)
    reasons += _coverage_reasons(measured, policy.min_line_coverage)
    reasons += _suite_reasons(results.cases, policy.required_suites, {case for case, _ in failures.blocking})
    rate = measured.rate if measured else None
    return TestDecision(
        decision="fail" if reasons else "pass",
        tests=TestCounts(total=total, passed=passed, failed=results.failed, errors=results.errors, skipped=skipped),
        duration_s=round(results.duration_s, 3),
        coverage=round(rate, 4) if rate is not None else None,
        reasons=reasons,
        suites=len(results.suites()),
        quarantined=[
            {"test": clean(case.id), "owner": entry.owner, "reason": clean(entry.reason), "expires": entry.expires.isoformat()}
            for case, entry in failures.excused[:MAX_QUARANTINED_LISTED]
        ],
        reports=_listed(results.reports + (coverage.reports if coverage else [])),
    )


def _failures(cases: list[TestCase], quarantine: list[QuarantinedTest], today: date) -> _Failures:
    by_test = {_normalised(q.test): q for q in quarantine}
    found = _Failures()
    for case in cases:
        if case.outcome not in FAILING:
            continue
        entry = next((by_test[i] for i in case.ids() if i in by_test), None) if by_test else None
        if entry is not None and today <= entry.expires:
            found.excused.append((case, entry))
        else:
            found.blocking.append((case, entry))
    return found


def _normalised(test: str) -> str:
    suite, _, name = test.partition("::")
    return f"{suite.strip()}::{name.strip()}"


def _failure_reasons(blocking: list[tuple[TestCase, QuarantinedTest | None]]) -> list[str]:
    if not blocking:
        return []
    errored = sum(1 for case, _ in blocking if case.outcome == "error")
    failed = len(blocking) - errored
    counts = []
    if failed:
        counts.append(f"{failed} test(s) failed")
    if errored:
        counts.append(f"{errored} test(s) errored")
    reasons = [", ".join(counts)]
    for case, expired in blocking[:MAX_LISTED_FAILURES]:
        text = f"{'errored' if case.outcome == 'error' else 'failed'}: {clean(case.id)}"
        if case.message:
            text += f" ({case.message})"
        if expired is not None:
            text += f"; its quarantine (owner {expired.owner}) expired on {expired.expires.isoformat()}"
        reasons.append(text)
    if len(blocking) > MAX_LISTED_FAILURES:
        reasons.append(f"... and {len(blocking) - MAX_LISTED_FAILURES} more failing tests")
    return reasons


def _without_excluded(coverage: LineCoverage | None, patterns: list[str]) -> LineCoverage | None:
    if coverage is None or not patterns:
        return coverage
    return coverage.without({path for path in coverage.files if any(fnmatch.fnmatchcase(path, p) for p in patterns)})


def _coverage_reasons(coverage: LineCoverage | None, minimum: float | None) -> list[str]:
    if minimum is None:
        return []
    if coverage is None:
        return [f"no coverage report: the policy needs line coverage of at least {minimum:.1%}"]
    rate = coverage.rate
    if rate is None:
        return [f"the coverage reports list no coverable lines: the policy needs line coverage of at least {minimum:.1%}"]
    if rate < minimum:
        return [f"line coverage {rate:.1%} ({coverage.covered} of {coverage.total} lines) is under the required {minimum:.1%}"]
    return []


def _suite_reasons(cases: list[TestCase], required: list[str], blocking: set[TestCase]) -> list[str]:
    if not required:
        return []
    wanted = set(required)
    tallies = {name: _SuiteTally() for name in required}
    for case in cases:
        # A case belongs to every suite it is nested in, named alone or by its full path ("outer > inner").
        names = {*case.suite, " > ".join(case.suite)} & wanted
        for name in names:
            tally = tallies[name]
            tally.cases += 1
            tally.ran += case.outcome != "skipped"
            tally.blocking += case in blocking
    reasons = []
    for name in required:
        tally, shown = tallies[name], clean(name, 120)
        if not tally.cases:
            reasons.append(f"required suite {shown!r} is missing from the reports")
        elif not tally.ran:
            reasons.append(f"required suite {shown!r} ran no test (all {tally.cases} skipped)")
        elif tally.blocking:
            reasons.append(f"required suite {shown!r} is not green: {tally.blocking} failing test(s)")
    return reasons


def _listed(names: list[str]) -> list[str]:
    if len(names) <= MAX_REPORTS_LISTED:
        return [clean(n, 200) for n in names]
    shown = MAX_REPORTS_LISTED - 1
    return [clean(n, 200) for n in names[:shown]] + [f"... and {len(names) - shown} more"]
