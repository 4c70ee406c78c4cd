"""The test gate's policy for one app."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field, model_validator


class QuarantinedTest(BaseModel):
    """A known-flaky test that may fail without blocking a release, until its quarantine expires."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    test: str = Field(
        pattern=r"^\S.*::.*\S$",
        max_length=600,
        description="`<suite or classname>::<test name>`, as the gate prints a failing test",
    )
    owner: str = Field(pattern=r"^[A-Za-z0-9._@+-]{1,128}$", description="who fixes it")
    reason: str = Field(min_length=1, max_length=500)
    expires: date = Field(description="the last day (UTC) the quarantine counts")


class TestPolicy(BaseModel):
    """What the test reports of a build must show for the release to go on."""

    __test__ = False  # not a pytest test class
    model_config = ConfigDict(extra="forbid", frozen=True)

    min_tests: int = Field(default=1, ge=0)
    # Passed over run (not skipped) tests. Quarantined failures count as not passed, so the
    # rate bounds how much a quarantine may excuse: at 1.0 a quarantined failure still blocks.
    min_pass_rate: float = Field(default=1.0, ge=0, le=1)
    min_line_coverage: float | None = Field(default=None, ge=0, le=1)
    max_skipped_share: float = Field(default=1.0, ge=0, le=1)
    required_suites: list[str] = Field(default_factory=list, max_length=200)
    quarantine: list[QuarantinedTest] = Field(default_factory=list, max_length=200)
    # fnmatch patterns of source paths left out of line coverage (Node's lcov lists the test files too).
    coverage_exclude: list[str] = Field(default_factory=list, max_length=100)

    @model_validator(mode="after")
    def _unique(self) -> TestPolicy:
        tests = [q.test for q in self.quarantine]
        if len(tests) != len(set(tests)):
            raise ValueError("quarantine lists a test twice")
        if len(self.required_suites) != len(set(self.required_suites)) or any(not s.strip() for s in self.required_suites):
            raise ValueError("required_suites must be distinct, non-empty names")
        return self
