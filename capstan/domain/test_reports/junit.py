"""JUnit XML in the dialects CI tools write, normalised into test cases.

Dialects read: jest-junit, Vitest, Gradle (one `TEST-<class>.xml` per class, Android unit and
instrumented tests alike), XCTest converted by xcpretty or trainer, and Node's test runner
(cases at the root, suites nested in suites, its run summary in comments).

Counts come from the `<testcase>` elements; the summary attributes are only checked, and a
report whose attributes claim more tests, failures or skips than its cases hold is refused
as inconsistent (a truncated or edited report), since counting its cases would undercount.
Writers legitimately claim fewer: jest-junit leaves out todo tests and suite errors.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET  # noqa: S405 - elements only; parsing goes through safe_xml
from collections.abc import Iterable

from capstan.domain.test_reports import safe_xml
from capstan.domain.test_reports.model import FAILING, MAX_MESSAGE_CHARS, MAX_NAME_CHARS, Outcome, TestCase, TestResults, clean
from capstan.errors import InvalidInput

COUNT_ATTRIBUTES = ("tests", "failures", "errors", "skipped", "disabled")
# Where writers put the commit a run tested; JUnit has no standard field for it.
COMMIT_KEYS = frozenset(
    {"commit", "commit_sha", "git_commit", "git.commit", "git_sha", "codebuild_resolved_source_version", "github_sha", "ci_commit_sha"}
)
_WHOLE = re.compile(r"^\s*\d{1,9}\s*$")
_SHA = re.compile(r"^[0-9a-fA-F]{7,64}$")
_NODE_SUMMARY = re.compile(r"^\s*(tests|suites|pass|fail|cancelled|skipped|todo)\s+(\d{1,9})\s*$")


def parse_junit(data: bytes, name: str = "report", *, commit: str | None = None) -> TestResults:
    """The test cases of a JUnit XML report (`<testsuites>` or a single `<testsuite>` at the root).

    Parameters
    ----------
    data
        The report's bytes.
    name
        How errors name the report (e.g. `unit-tests/junit.xml`).
    commit
        The commit the release is for; a report that names another commit is refused.

    Raises
    ------
    InvalidInput
        When the report is unsafe or malformed XML, not JUnit, has negative, non-numeric or
        inconsistent counts, an unreadable duration, or names another commit.
    """
    report = safe_xml.load(data, name)
    root = report.root
    if root.tag not in ("testsuites", "testsuite"):
        raise InvalidInput(f"{name}: root element is <{_tag(root)}>, expected <testsuites> or <testsuite>")
    walker = _Walker(name, commit)
    walker.element(root, () if root.tag == "testsuites" else (_suite_name(root),))
    results = TestResults(cases=walker.cases, reports=[name])
    results.unattributed_failures = _node_unattributed(report.root_comments, walker.cases)
    return results


class _Walker:
    def __init__(self, name: str, commit: str | None):
        self.name = name
        self.commit = commit.lower() if commit else None
        self.cases: list[TestCase] = []

    def element(self, el: ET.Element, path: tuple[str, ...]) -> tuple[int, int, int]:
        """Collect the cases under a <testsuites>/<testsuite>; return (cases, failing, skipped) beneath it."""
        declared = self._counts(el, path)
        self._check_commit(el.attrib.items(), path)
        cases = failing = skipped = 0
        leaf = True
        for child in el:
            tag = child.tag
            if tag == "testcase":
                case = self.case(child, path)
                cases += 1
                failing += case.outcome in FAILING
                skipped += case.outcome == "skipped"
            elif tag == "testsuite":
                leaf = False
                c, f, s = self.element(child, (*path, _suite_name(child)))
                cases, failing, skipped = cases + c, failing + f, skipped + s
            elif tag == "properties":
                self._check_commit(((p.get("name") or "", p.get("value") or "") for p in child.iter("property")), path)
        self._consistent(declared, path, leaf, cases, failing, skipped)
        return cases, failing, skipped

    def case(self, el: ET.Element, path: tuple[str, ...]) -> TestCase:
        outcome: Outcome = "passed"
        message = ""
        for child in el:
            tag = child.tag
            if tag == "failure" or (tag == "error" and outcome != "failed"):
                outcome = "failed" if tag == "failure" else "error"
                message = message or child.get("message") or (child.text or "").strip()
            elif tag == "skipped" and outcome == "passed":
                outcome = "skipped"
        case = TestCase(
            suite=path,
            classname=(el.get("classname") or "")[:MAX_NAME_CHARS],
            name=(el.get("name") or "")[:MAX_NAME_CHARS],
            outcome=outcome,
            duration_s=self._seconds(el.get("time"), path),
            message=clean(message.split("\n", 1)[0], MAX_MESSAGE_CHARS) if message else "",
        )
        self.cases.append(case)
        return case

    def _seconds(self, value: str | None, path: tuple[str, ...]) -> float:
        if value is None or not value.strip():
            return 0.0
        try:
            seconds = float(value)
        except ValueError:
            raise InvalidInput(f"{self.name}: testcase time {clean(value, 40)!r} in {_where(path)} is not a number") from None
        if not math.isfinite(seconds) or seconds < 0:
            raise InvalidInput(f"{self.name}: testcase time {clean(value, 40)!r} in {_where(path)} is negative or not finite")
        return seconds

    def _counts(self, el: ET.Element, path: tuple[str, ...]) -> dict[str, int]:
        declared: dict[str, int] = {}
        for attr in COUNT_ATTRIBUTES:
            value = el.get(attr)
            if value is None:
                continue
            if not _WHOLE.match(value):
                raise InvalidInput(
                    f"{self.name}: {_where(path)} has {attr}={clean(value, 40)!r}; counts must be whole numbers, not negative"
                )
            declared[attr] = int(value)
        return declared

    def _consistent(self, declared: dict[str, int], path: tuple[str, ...], leaf: bool, cases: int, failing: int, skipped: int) -> None:
        where = _where(path)
        if declared.get("tests", 0) > cases:
            raise InvalidInput(f"{self.name}: inconsistent counts: {where} declares {declared['tests']} tests but holds {cases} test cases")
        if not leaf:
            return  # Node counts a nested suite as one test of its parent: only leaf suites are comparable
        claimed_failing = declared.get("failures", 0) + declared.get("errors", 0)
        if claimed_failing > failing:
            raise InvalidInput(
                f"{self.name}: inconsistent counts: {where} declares {claimed_failing} failures and errors but {failing} test cases failed"
            )
        if declared.get("skipped", 0) > skipped:
            raise InvalidInput(
                f"{self.name}: inconsistent counts: {where} declares {declared['skipped']} skipped but {skipped} test cases were skipped"
            )

    def _check_commit(self, pairs: Iterable[tuple[str, str]], path: tuple[str, ...]) -> None:
        if self.commit is None:
            return
        for key, value in pairs:
            if key.lower() not in COMMIT_KEYS:
                continue
            value = value.strip().lower()
            if not value:
                continue
            if not _SHA.match(value) or not self.commit.startswith(value):
                raise InvalidInput(
                    f"{self.name}: report is for commit {clean(value, 64)!r} ({clean(key, 40)} in {_where(path)}), not {self.commit[:12]}"
                )


def _suite_name(el: ET.Element) -> str:
    return (el.get("name") or "")[:MAX_NAME_CHARS]


def _where(path: tuple[str, ...]) -> str:
    return f"suite {clean(' > '.join(path), 120)!r}" if path else "the report root"


def _tag(el: ET.Element) -> str:
    return clean(str(el.tag), 60)


def _node_unattributed(comments: list[str], cases: list[TestCase]) -> int:
    """Failures Node's runner counted but wrote into no test case (a test failing after its subtests passed).

    Only used when no case failed: with a failing case the gate fails anyway, and Node also
    counts a parent test whose subtest failed, which would double-count.
    """
    summary = {}
    for text in comments:
        match = _NODE_SUMMARY.match(text)
        if match:
            summary[match[1]] = int(match[2])
    reported = summary.get("fail", 0) + summary.get("cancelled", 0)
    if reported and not any(c.outcome in FAILING for c in cases):
        return reported
    return 0
