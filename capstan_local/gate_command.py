"""`capstan gate tests REPORT...`: the test gate on files, with the parsers and rules the release's "Evaluate tests" step uses."""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from capstan_local.cli_support import CliError, Parser, print_result, read_file

if TYPE_CHECKING:  # imported when run, to keep the CLI's start fast
    from capstan.models.release import TestDecision
    from capstan.policies.tests import TestPolicy

# What a directory walk reads: Gradle's TEST-*.xml, jest-junit, lcov and Istanbul files.
REPORT_SUFFIXES = (".xml", ".info", ".lcov", ".json")
MAX_FILES = 5000


def register(sub: argparse._SubParsersAction) -> None:
    gate = sub.add_parser("gate", help="apply a release gate to report files")
    which = gate.add_subparsers(dest="gate", required=True, parser_class=Parser)
    tests = which.add_parser(
        "tests",
        help="apply the test gate to JUnit XML and coverage reports (files or directories)",
        description="Reads JUnit XML (jest-junit, Vitest, Gradle, xcpretty, trainer, Node) and Cobertura, lcov or Istanbul json-summary.",
    )
    tests.add_argument("reports", nargs="+", metavar="REPORT")
    tests.add_argument("--policy", metavar="FILE", help="a JSON file of the app's `tests` policy (default: the built-in defaults)")
    tests.add_argument("--commit", metavar="SHA", help="refuse reports that name another commit")
    tests.add_argument("--today", metavar="YYYY-MM-DD", help="the day quarantines are checked against (default: today, UTC)")
    tests.add_argument("--json", action="store_true")
    tests.set_defaults(func=run_tests)


def run_tests(args: argparse.Namespace) -> int:
    from capstan.domain import test_reports, tests_gate
    from capstan.errors import InvalidInput

    policy = _policy(args.policy)
    today = _today(args.today)
    results, coverage, skipped = test_reports.TestResults(), None, []
    for path, named in _files(args.reports):
        data = _read(path)
        kind = test_reports.detect(data)
        if kind is None:
            if named:
                raise CliError(f"REPORT: {path}: not a JUnit XML, Cobertura, lcov or Istanbul json-summary report")
            skipped.append(str(path))
            continue
        try:
            if kind == "junit":
                results.add(test_reports.parse_junit(data, str(path), commit=args.commit))
                continue
            measured = test_reports.COVERAGE_BY_KIND[kind](data, str(path))
        except InvalidInput as exc:
            raise CliError(f"REPORT: {exc}") from None
        coverage = measured if coverage is None else coverage.add(measured)
    decision = tests_gate.decide(results, coverage, policy, today)
    counts = decision.tests
    data = {
        "decision": decision.decision,
        "tests": {
            "total": counts.total,
            "passed": counts.passed,
            "failed": counts.failed,
            "errors": counts.errors,
            "skipped": counts.skipped,
        },
        "coverage": decision.coverage,
        "reasons": decision.reasons,
        "quarantined": decision.quarantined,
        "suites": decision.suites,
        "duration_s": decision.duration_s,
        "reports": decision.reports,
        "skipped_files": skipped,
    }
    print_result(args, data, _text(decision, skipped))
    return 0 if decision.decision == "pass" else 1


def _text(decision: TestDecision, skipped: list[str]) -> str:
    t = decision.tests
    coverage = f"{decision.coverage:.1%} of lines" if decision.coverage is not None else "no coverage report"
    return "\n".join(
        [
            f"test gate: {decision.decision}",
            f"  tests: {t.total} total, {t.passed} passed, {t.failed} failed, {t.errors} errors, {t.skipped} skipped"
            f" in {decision.suites} suites ({decision.duration_s:.2f} s)",
            f"  coverage: {coverage}",
            *[f"  quarantined: {q['test']} (owner {q['owner']}, until {q['expires']}: {q['reason']})" for q in decision.quarantined],
            *[f"  reason: {r}" for r in decision.reasons],
            *[f"  not a report, skipped: {s}" for s in skipped],
        ]
    )


def _files(paths: list[str]) -> list[tuple[Path, bool]]:
    """Each named file, and the report-like files under each named directory (sorted, symlinks not followed)."""
    found: dict[Path, bool] = {}
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.suffix.lower() in REPORT_SUFFIXES and child.is_file() and not child.is_symlink():
                    found.setdefault(child, False)
        else:
            found[path] = True
        if len(found) > MAX_FILES:
            raise CliError(f"REPORT: more than {MAX_FILES} report files under {raw}")
    if not found:
        raise CliError(f"REPORT: no report files found in {', '.join(paths)}")
    return list(found.items())


def _read(path: Path) -> bytes:
    from capstan.domain.test_reports import MAX_REPORT_BYTES

    try:
        size = path.stat().st_size
    except OSError:
        size = 0  # read_file names the problem
    if size > MAX_REPORT_BYTES:
        raise CliError(f"REPORT: {path}: report is {size} bytes, over the {MAX_REPORT_BYTES}-byte cap")
    return read_file(str(path), "REPORT")


def _policy(path: str | None) -> TestPolicy:
    from pydantic import ValidationError

    from capstan.models.common import first_error
    from capstan.policies.tests import TestPolicy

    if path is None:
        return TestPolicy()
    try:
        doc = json.loads(read_file(path, "--policy"))
    except ValueError as exc:
        raise CliError(f"--policy: {path}: not valid JSON ({' '.join(str(exc).split())[:80]})") from None
    try:
        return TestPolicy.model_validate(doc)
    except ValidationError as exc:
        raise CliError(f"--policy: {path}: {first_error(exc)}") from None


def _today(value: str | None) -> date:
    from capstan.clock import utcnow

    if value is None:
        return utcnow().date()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CliError(f"--today: {value!r} is not a date (YYYY-MM-DD)") from None
