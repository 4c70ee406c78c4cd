"""Line coverage from Cobertura XML, lcov tracefiles and Istanbul's json-summary, as covered and coverable lines per file.

Each parser checks the report's own totals against its per-line data and refuses a report
that disagrees with itself, so an edited summary cannot raise the coverage the gate sees.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from capstan.domain.test_reports import safe_xml
from capstan.domain.test_reports.model import LineCoverage, clean
from capstan.errors import InvalidInput

_WHOLE = re.compile(r"^\s*\d{1,15}\s*$")
_LCOV_LINE = re.compile(r"^[A-Z][A-Z_]{0,15}:")


def parse_cobertura(data: bytes, name: str = "coverage.xml") -> LineCoverage:
    """Covered lines per file of a Cobertura XML report (Istanbul's, coverage.py's, or converted from JaCoCo).

    Raises
    ------
    InvalidInput
        When the report is unsafe or malformed XML, not Cobertura, or its counts are negative or disagree with its lines.
    """
    root = safe_xml.load(data, name).root
    if root.tag != "coverage":
        raise InvalidInput(f"{name}: root element is <{clean(str(root.tag), 60)}>, expected Cobertura's <coverage>")
    if root.get("clover") is not None or root.find("project") is not None:
        raise InvalidInput(f"{name}: a Clover report, not Cobertura")
    lines: dict[str, dict[int, int]] = {}
    for cls in root.iter("class"):
        filename = cls.get("filename") or cls.get("name") or "(unnamed)"
        hits_by_line = lines.setdefault(filename, {})
        # Only the class's own <lines>: the same lines are listed again under <methods>.
        for line in cls.findall("lines/line"):
            number = _whole(line.get("number"), f"line number in {filename}", name)
            hits = _whole(line.get("hits"), f"hits of line {number} in {filename}", name)
            hits_by_line[number] = max(hits, hits_by_line.get(number, 0))
    files = {path: (sum(1 for h in by_line.values() if h > 0), len(by_line)) for path, by_line in lines.items()}
    valid, covered = root.get("lines-valid"), root.get("lines-covered")
    if valid is not None and covered is not None:
        declared = (_whole(covered, "lines-covered", name), _whole(valid, "lines-valid", name))
        if declared[0] > declared[1]:
            raise InvalidInput(f"{name}: inconsistent counts: lines-covered {declared[0]} exceeds lines-valid {declared[1]}")
        if not files:
            files = {"(report total)": declared}
        elif declared != (sum(c for c, _ in files.values()), sum(t for _, t in files.values())):
            raise InvalidInput(
                f"{name}: inconsistent counts: lines-covered/lines-valid {declared[0]}/{declared[1]} disagree with its lines"
            )
    elif not files:
        raise InvalidInput(f"{name}: no line data (no <line> elements and no lines-valid/lines-covered)")
    result = LineCoverage(files, [name])
    _check_rate(root.get("line-rate"), result, name)
    return result


def parse_lcov(data: bytes, name: str = "lcov.info") -> LineCoverage:
    """Covered lines per source file of an lcov tracefile (Node's, Istanbul's, c8's, genhtml's input).

    Raises
    ------
    InvalidInput
        When the file is over the cap, not UTF-8 lcov, a record is unterminated, or LF/LH disagree with its DA lines.
    """
    safe_xml.check_size(data, name)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(f"{name}: not UTF-8 text, not an lcov tracefile") from None
    files: dict[str, tuple[int, int]] = {}
    source: str | None = None
    da: dict[int, int] = {}
    lf = lh = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line == "end_of_record":
            if source is None:
                raise InvalidInput(f"{name}: line {number}: end_of_record outside a record")
            files[source] = _lcov_record(source, da, lf, lh, name)
            source, da, lf, lh = None, {}, None, None
            continue
        if not _LCOV_LINE.match(line):
            raise InvalidInput(f"{name}: line {number} is not an lcov record line ({clean(line, 40)!r})")
        key, _, value = line.partition(":")
        if key == "SF":
            if source is not None:
                raise InvalidInput(f"{name}: line {number}: record for {clean(source, 80)} has no end_of_record")
            source = value or "(unnamed)"
        elif key in ("DA", "LF", "LH") and source is None:
            raise InvalidInput(f"{name}: line {number}: {key} outside a record (no SF before it)")
        elif key == "DA":
            parts = value.split(",")
            if len(parts) < 2:
                raise InvalidInput(f"{name}: line {number}: DA needs a line number and a hit count")
            at = _whole(parts[0], f"DA line number (line {number})", name)
            da[at] = max(da.get(at, 0), _whole(parts[1], f"DA hit count (line {number})", name))
        elif key == "LF":
            lf = _whole(value, f"LF (line {number})", name)
        elif key == "LH":
            lh = _whole(value, f"LH (line {number})", name)
    if source is not None:
        raise InvalidInput(f"{name}: record for {clean(source, 80)} has no end_of_record (truncated?)")
    if not files:
        raise InvalidInput(f"{name}: no source file records, not an lcov tracefile")
    return LineCoverage(files, [name])


def _lcov_record(source: str, da: dict[int, int], lf: int | None, lh: int | None, name: str) -> tuple[int, int]:
    if da:
        counted = (sum(1 for h in da.values() if h > 0), len(da))
        if (lf is not None and lf != counted[1]) or (lh is not None and lh != counted[0]):
            raise InvalidInput(
                f"{name}: inconsistent counts for {clean(source, 80)}: LH/LF {lh}/{lf} but its DA lines give {counted[0]}/{counted[1]}"
            )
        return counted
    if lf is None or lh is None:
        return (0, 0)
    if lh > lf:
        raise InvalidInput(f"{name}: inconsistent counts for {clean(source, 80)}: LH {lh} exceeds LF {lf}")
    return (lh, lf)


def parse_istanbul_summary(data: bytes, name: str = "coverage-summary.json") -> LineCoverage:
    """Covered lines per file of Istanbul's `json-summary` (`coverage-summary.json`, from Jest, nyc, c8 or Vitest).

    Raises
    ------
    InvalidInput
        When the file is over the cap, not JSON, not a json-summary, or its total disagrees with its files.
    """
    safe_xml.check_size(data, name)
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise InvalidInput(f"{name}: not valid JSON ({clean(str(exc), 80)})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("total"), dict):
        raise InvalidInput(f"{name}: not an Istanbul json-summary (no 'total' object)")
    total = _summary_lines(doc["total"], "total", name)
    files = {path: _summary_lines(entry, path, name) for path, entry in doc.items() if path != "total"}
    if not files:
        files = {"(report total)": total}
    elif total != (sum(c for c, _ in files.values()), sum(t for _, t in files.values())):
        raise InvalidInput(f"{name}: inconsistent counts: the total's lines {total[0]}/{total[1]} disagree with the sum of its files")
    return LineCoverage(files, [name])


def _summary_lines(entry: Any, where: str, name: str) -> tuple[int, int]:
    lines = entry.get("lines") if isinstance(entry, dict) else None
    if not isinstance(lines, dict):
        raise InvalidInput(f"{name}: {clean(where, 80)} has no 'lines' object")
    total, covered = lines.get("total"), lines.get("covered")
    for label, value in (("total", total), ("covered", covered)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InvalidInput(
                f"{name}: {clean(where, 80)} lines.{label} is {clean(str(value), 30)!r}; counts must be whole numbers, not negative"
            )
    if covered > total:
        raise InvalidInput(f"{name}: inconsistent counts: {clean(where, 80)} covers {covered} of {total} lines")
    return (covered, total)


def _whole(value: str | None, what: str, name: str) -> int:
    if value is None or not _WHOLE.match(value):
        shown = "missing" if value is None else repr(clean(value, 30))
        raise InvalidInput(f"{name}: {clean(what, 80)} is {shown}; counts must be whole numbers, not negative")
    return int(value)


def _check_rate(value: str | None, coverage: LineCoverage, name: str) -> None:
    if value is None:
        return
    try:
        rate = float(value)
    except ValueError:
        raise InvalidInput(f"{name}: line-rate {clean(value, 30)!r} is not a number") from None
    if not math.isfinite(rate) or not 0 <= rate <= 1:
        raise InvalidInput(f"{name}: line-rate {clean(value, 30)!r} is outside 0..1")
    computed = coverage.rate
    # Writers round the rate (to 2 or 4 places); anything further off is a report that disagrees with itself.
    if computed is not None and abs(rate - computed) > 0.01:
        raise InvalidInput(f"{name}: inconsistent counts: line-rate {rate:.4f} but its lines give {computed:.4f}")
