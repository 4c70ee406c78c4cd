"""Evaluate scans: the build's scanner reports against the app's scan policy."""

from __future__ import annotations

from capstan.domain import scan_gate
from capstan.errors import ScanGateFailed
from capstan.models.release import BuiltRelease, ScanDecision
from capstan.ports import Ports


def evaluate_scans(inp: BuiltRelease, ports: Ports) -> ScanDecision:
    """Read every SARIF report of the build and apply the app's scan policy (a missing scanner fails closed)."""
    req = inp.release.request
    tools, findings = [], []
    for report in (r for r in inp.build.reports if r.format == "SARIF"):
        data = ports.artifacts.read(report.key, scan_gate.MAX_SARIF_BYTES)
        run_tools, run_findings = scan_gate.parse_sarif(data, report.key.rsplit("/", 1)[-1])
        tools += run_tools
        findings += run_findings
    decision = scan_gate.decide(findings, tools, ports.app(req.app_id).scans)
    ports.ledger.append(
        req.release_id,
        f"scan gate {decision.decision}",
        ports.clock(),
        {"counts": decision.counts, "tools": decision.tools, "reasons": decision.reasons},
    )
    if decision.decision == "fail":
        raise ScanGateFailed("; ".join(decision.reasons))
    return decision
