"""`capstan scan PATH...`: the scan gate on files, exactly as the release's "Evaluate scans" step applies it."""

from __future__ import annotations

import argparse
from pathlib import Path

from capstan_local.cli_support import CliError, print_result, read_file


def register(sub: argparse._SubParsersAction) -> None:
    sc = sub.add_parser("scan", help="apply the scan gate to SARIF reports")
    sc.add_argument("paths", nargs="+")
    sc.add_argument("--json", action="store_true")
    sc.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from capstan.config import ScanPolicy
    from capstan.domain import scan_gate
    from capstan.errors import InvalidInput

    tools, findings = [], []
    for path in args.paths:
        try:
            t, f = scan_gate.parse_sarif(read_file(path, "PATH"), Path(path).name)
        except InvalidInput as exc:
            raise CliError(str(exc)) from None
        tools += t
        findings += f
    decision = scan_gate.decide(findings, tools, ScanPolicy())
    data = {
        "decision": decision.decision,
        "findings": [
            {"tool": f.tool, "rule": f.rule, "severity": f.level, "file": f.file, "line": f.line, "fingerprint": f.fingerprint}
            for f in decision.findings
        ],
        "reasons": decision.reasons,
    }
    text = "\n".join(
        [
            f"scan gate: {decision.decision}",
            *[f"  {f.level:<7} {f.tool} {f.rule} {f.file}:{f.line} {f.message[:80]}" for f in decision.findings],
            *[f"  reason: {r}" for r in decision.reasons],
        ]
    )
    print_result(args, data, text)
    return 0 if decision.decision == "pass" else 1
