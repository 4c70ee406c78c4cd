"""Evaluate tests: the build's test and coverage reports against the app's test policy."""

from __future__ import annotations

from capstan.domain import tests_gate
from capstan.domain.test_reports import COVERAGE_PARSERS, MAX_REPORT_BYTES, LineCoverage, TestResults, parse_junit
from capstan.errors import TestGateFailed
from capstan.models.release import BuiltRelease, TestDecision
from capstan.ports import Ports


def evaluate_tests(inp: BuiltRelease, ports: Ports) -> TestDecision:
    """Read every JUnit and coverage report of the build and apply the app's test policy.

    A report that is unsafe, malformed, inconsistent or for another commit raises
    `InvalidInput` naming it (the handler records the refusal; the workflow fails closed).
    """
    req = inp.release.request
    results = TestResults()
    coverage: LineCoverage | None = None
    for report in inp.build.reports:
        name = f"{report.group}/{report.key.rsplit('/', 1)[-1]}"
        if report.format == "JUNITXML":
            results.add(parse_junit(ports.artifacts.read(report.key, MAX_REPORT_BYTES), name, commit=req.commit))
        elif report.format in COVERAGE_PARSERS:
            measured = COVERAGE_PARSERS[report.format](ports.artifacts.read(report.key, MAX_REPORT_BYTES), name)
            coverage = measured if coverage is None else coverage.add(measured)
    now = ports.clock()
    decision = tests_gate.decide(results, coverage, ports.app(req.app_id).tests, now.date())
    ports.ledger.append(req.release_id, f"test gate {decision.decision}", now, decision.model_dump(mode="json"))
    if decision.decision == "fail":
        raise TestGateFailed("; ".join(decision.reasons))
    return decision
