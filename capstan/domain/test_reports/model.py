"""The one model every test and coverage report is normalised into: test cases with outcomes, and covered lines per file."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Literal

Outcome = Literal["passed", "failed", "error", "skipped"]
FAILING: frozenset[str] = frozenset({"failed", "error"})

# Names and messages are bounded so that a hostile report cannot bloat the decision or the ledger.
MAX_NAME_CHARS = 300
MAX_MESSAGE_CHARS = 200


def clean(text: str, limit: int = MAX_NAME_CHARS) -> str:
    """Text safe to show on one line: control and invisible (bidi, zero-width) characters become spaces."""
    text = text[: limit * 2]
    if not text.isprintable():
        text = "".join(" " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in text)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True, slots=True)
class TestCase:
    """One `<testcase>`: where it sits, what it is called and how it ended."""

    __test__ = False  # not a pytest test class

    suite: tuple[str, ...]  # the enclosing <testsuite> names, outermost first; empty for a case at the root
    classname: str
    name: str
    outcome: Outcome
    duration_s: float = 0.0
    message: str = ""

    @property
    def id(self) -> str:
        """`<innermost suite or classname>::<name>`: how a quarantine entry names this test."""
        return f"{self.suite[-1] if self.suite else self.classname}::{self.name}"

    def ids(self) -> set[str]:
        """Every name a quarantine entry may use for this test: by suite, by classname or by the full suite path."""
        found = {self.id, f"{self.classname}::{self.name}"}
        if len(self.suite) > 1:
            found.add(f"{' > '.join(self.suite)}::{self.name}")
        return found


@dataclass
class TestResults:
    """The cases of one or more JUnit reports, and what their runners said beyond the cases."""

    __test__ = False

    cases: list[TestCase] = field(default_factory=list)
    reports: list[str] = field(default_factory=list)
    # Failures a runner reported only in its own summary (Node's `<!-- fail N -->`), never as a test case.
    unattributed_failures: int = 0

    def add(self, other: TestResults) -> TestResults:
        self.cases.extend(other.cases)
        self.reports.extend(other.reports)
        self.unattributed_failures += other.unattributed_failures
        return self

    def _count(self, outcome: str) -> int:
        return sum(1 for c in self.cases if c.outcome == outcome)

    @property
    def total(self) -> int:
        return len(self.cases)

    @property
    def failed(self) -> int:
        return self._count("failed")

    @property
    def errors(self) -> int:
        return self._count("error")

    @property
    def skipped(self) -> int:
        return self._count("skipped")

    @property
    def passed(self) -> int:
        return self._count("passed")

    @property
    def duration_s(self) -> float:
        return sum(c.duration_s for c in self.cases)

    def suites(self) -> set[tuple[str, ...]]:
        """Every suite path that holds at least one case, with its ancestors."""
        return {case.suite[:i] for case in self.cases for i in range(1, len(case.suite) + 1)}


@dataclass
class LineCoverage:
    """Covered and coverable lines per source file, from any coverage format."""

    files: dict[str, tuple[int, int]] = field(default_factory=dict)  # path -> (covered, total)
    reports: list[str] = field(default_factory=list)

    def add(self, other: LineCoverage) -> LineCoverage:
        """Merge another report; a file measured twice keeps its better-covered record (one run per platform is typical)."""
        for path, (covered, total) in other.files.items():
            mine = self.files.get(path)
            if mine is None or _rate(covered, total) > _rate(*mine):
                self.files[path] = (covered, total)
        self.reports.extend(other.reports)
        return self

    def without(self, excluded: frozenset[str] | set[str]) -> LineCoverage:
        return LineCoverage({p: v for p, v in self.files.items() if p not in excluded}, list(self.reports))

    @property
    def covered(self) -> int:
        return sum(c for c, _ in self.files.values())

    @property
    def total(self) -> int:
        return sum(t for _, t in self.files.values())

    @property
    def rate(self) -> float | None:
        """Covered over coverable lines; None when the reports list no coverable line at all."""
        total = self.total
        return self.covered / total if total else None


def _rate(covered: int, total: int) -> float:
    return covered / total if total else 0.0
