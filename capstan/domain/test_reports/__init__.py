"""Test and coverage reports as CI tools write them, parsed without trusting them, into one model.

`parse_junit` reads test results; `COVERAGE_PARSERS` maps a build manifest's report format to
its coverage parser; `detect` tells a file's kind from its content, for reports found on disk.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from capstan.domain.test_reports.coverage import parse_cobertura, parse_istanbul_summary, parse_lcov
from capstan.domain.test_reports.junit import parse_junit
from capstan.domain.test_reports.model import LineCoverage, TestCase, TestResults
from capstan.domain.test_reports.safe_xml import MAX_REPORT_BYTES

__all__ = [
    "COVERAGE_BY_KIND",
    "COVERAGE_PARSERS",
    "MAX_REPORT_BYTES",
    "LineCoverage",
    "ReportKind",
    "TestCase",
    "TestResults",
    "detect",
    "parse_cobertura",
    "parse_istanbul_summary",
    "parse_junit",
    "parse_lcov",
]

ReportKind = Literal["junit", "cobertura", "lcov", "istanbul-summary"]

# Report formats of the build manifest (CodeBuild's names) that carry line coverage.
COVERAGE_PARSERS: dict[str, Callable[[bytes, str], LineCoverage]] = {
    "LCOV": parse_lcov,
    "COBERTURAXML": parse_cobertura,
}
# The same by the kind `detect` tells, for files found on disk.
COVERAGE_BY_KIND: dict[str, Callable[[bytes, str], LineCoverage]] = {
    "cobertura": parse_cobertura,
    "lcov": parse_lcov,
    "istanbul-summary": parse_istanbul_summary,
}


def detect(data: bytes) -> ReportKind | None:
    """The kind of report these bytes look like, from their first bytes; None when they look like none of them.

    A cheap look for files found in a directory; the parser of the kind still checks everything.
    """
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"{"):
        # json-summary opens with its "total"; coverage-final.json, written beside it, opens with a file path.
        return "istanbul-summary" if b'"total"' in head[:64] else None
    if head.startswith(b"<"):
        if b"<coverage" in head and b"clover=" in head:
            return None  # Clover, which Jest writes by default next to the formats read here
        for tag, kind in ((b"<testsuites", "junit"), (b"<testsuite", "junit"), (b"<coverage", "cobertura")):
            if tag in head:
                return kind  # type: ignore[return-value]
        return None
    first = head.split(b"\n", 1)[0].strip()
    if first.startswith((b"TN:", b"SF:")):
        return "lcov"
    return None
