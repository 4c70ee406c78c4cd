"""`capstan scan PATH...`: the scan gate on files, as the release's "Evaluate scans" step applies it.

PATH is a bundle directory or zip (web bundle, .aab, .ipa), a SARIF file, an npm audit or an OSV-Scanner JSON
file. Exit 0 on pass, 1 on fail, 2 on bad input (one line naming the PATH and the reason).
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from capstan_local.cli_support import CliError, print_result, read_file


def register(sub: argparse._SubParsersAction) -> None:
    sc = sub.add_parser("scan", help="apply the scan gate to scanner reports and built bundles")
    sc.add_argument("paths", nargs="+", metavar="PATH", help="bundle directory or zip, SARIF, npm audit or OSV JSON file")
    sc.add_argument("--policy", metavar="FILE", help="a ScanPolicy JSON object, or an apps config (with --app)")
    sc.add_argument("--app", help="the app whose policy to take from an apps config given to --policy")
    sc.add_argument("--baseline", metavar="FILE", help="the --json output of the last released version's scan")
    sc.add_argument("--json", action="store_true")
    sc.set_defaults(func=run)


def _policy(args: argparse.Namespace) -> Any:
    from pydantic import ValidationError

    from capstan.models.common import first_error
    from capstan.policies.scans import ScanPolicy

    if not args.policy:
        return ScanPolicy(bundle_checks=False)
    try:
        doc = json.loads(read_file(args.policy, "--policy"))
        if isinstance(doc, dict) and "apps" in doc:
            apps = [a for a in doc["apps"] if not args.app or a.get("app_id") == args.app]
            if len(apps) != 1:
                raise CliError(f"--app: name one app of {args.policy} ({', '.join(str(a.get('app_id')) for a in doc['apps'])})")
            doc = apps[0].get("scans", {})
        return ScanPolicy.model_validate(doc).model_copy(update={"bundle_checks": False})
    except ValueError as exc:
        detail = first_error(exc) if isinstance(exc, ValidationError) else str(exc)[:120]
        raise CliError(f"--policy: {args.policy}: {detail}") from None


def _baseline(args: argparse.Namespace) -> set[str] | None:
    if not args.baseline:
        return None
    try:
        return {f["fingerprint"] for f in json.loads(read_file(args.baseline, "--baseline"))["findings"]}
    except (ValueError, KeyError, TypeError):
        raise CliError(f"--baseline: {args.baseline} is not the --json output of `capstan scan`") from None


def _scan(path: str) -> tuple[list, list | None]:
    """(reports, bundle findings or None when PATH is a report) of one PATH."""
    from capstan.errors import InvalidInput
    from capstan.scanning import bundle
    from capstan.scanning.reports import parse_report

    target = Path(path)
    try:
        if target.is_dir():
            return [], bundle.scan_entries(bundle.directory_entries(target), prefix=f"{target.name}/")
        if target.is_file() and target.stat().st_size > bundle.MAX_TOTAL_BYTES:
            raise CliError(f"PATH: {path} is over the {bundle.MAX_TOTAL_BYTES}-byte cap")
        data = read_file(path, "PATH")
        if data[:4] == b"PK\x03\x04":
            return [], bundle.scan_entries(bundle.zip_entries(data, target.name), prefix=f"{target.name}!")
        return parse_report(data, target.name), None
    except InvalidInput as exc:
        raise CliError(f"PATH: {exc}") from None


def _row(f: Any) -> dict[str, Any]:
    row = {
        "tool": f.tool,
        "rule": f.rule,
        "severity": f.severity,
        "file": f.file,
        "line": f.line,
        "fingerprint": f.fingerprint,
        "message": f.message,
        "status": f.status,
        "blocking": f.blocking,
    }
    if f.kind:
        row |= {"kind": f.kind, "masked": f.masked}
    return row


def run(args: argparse.Namespace) -> int:
    from capstan.scanning import gate

    policy, baseline = _policy(args), _baseline(args)
    reports, built = [], None
    for path in args.paths:
        r, b = _scan(path)
        reports += r
        if b is not None:
            built = (built or []) + b
    decision = gate.decide(reports, built, policy, datetime.now(UTC), baseline)
    data = {
        "decision": decision.decision,
        "findings": [_row(f) for f in decision.findings],
        "reasons": decision.reasons,
        "summary": decision.summary.model_dump(mode="json"),
        "tools": decision.tools,
    }
    lines = [f"scan gate: {decision.decision} ({decision.summary.total} findings, {decision.summary.blocking} blocking)"]
    for f in decision.findings:
        where = f"{f.file}:{f.line}" if f.line else f.file or "-"
        what = f"{f.kind} {f.masked}" if f.kind else f.message[:100]
        mark = "BLOCK" if f.blocking else f.status
        lines.append(f"  {mark:<8} {f.severity:<8} {f.tool} {f.rule} {where} {what}")
    lines += [f"  reason: {r}" for r in decision.reasons]
    print_result(args, data, "\n".join(lines))
    return 0 if decision.decision == "pass" else 1
