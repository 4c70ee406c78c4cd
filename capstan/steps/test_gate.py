"""Evaluate tests: the build's test reports against the app's test policy."""

from __future__ import annotations

from capstan.domain import tests_gate
from capstan.errors import TestGateFailed
from capstan.models.release import BuiltRelease, TestDecision
from capstan.ports import Ports


def evaluate_tests(inp: BuiltRelease, ports: Ports) -> TestDecision:
    """Count the JUnit reports of the build and apply the app's test policy."""
    req = inp.release.request
    totals = tests_gate.JUnitTotals()
    for report in (r for r in inp.build.reports if r.format == "JUNITXML"):
        data = ports.artifacts.read(report.key, tests_gate.MAX_REPORT_BYTES)
        totals.add(tests_gate.parse_junit(data, report.key.rsplit("/", 1)[-1]))
    decision = tests_gate.decide(totals, ports.app(req.app_id).tests)
    ports.ledger.append(req.release_id, f"test gate {decision.decision}", ports.clock(), decision.model_dump(mode="json"))
    if decision.decision == "fail":
        raise TestGateFailed("; ".join(decision.reasons))
    return decision
