"""The release workflow's execution state: what each step reads and what it adds."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from capstan.models.common import (
    AppId,
    CommitSha,
    Contract,
    ErrorInfo,
    ExecutionName,
    Lenient,
    PersonId,
    RefName,
    Sha256,
    UtcDatetime,
)

ArtifactKind = Literal["web_bundle", "android_aab", "ios_ipa"]
ReportFormat = Literal["JUNITXML", "SARIF", "LCOV", "COBERTURAXML", "NPMAUDIT", "OSV"]


class ReleaseRequest(Contract):
    """The execution input: one release of one app at one commit."""

    release_id: ExecutionName
    app_id: AppId
    repository: str = Field(pattern=r"^[A-Za-z0-9._/-]{1,100}$")
    ref: RefName
    ref_type: Literal["branch", "tag"]
    commit: CommitSha
    pushed_by: PersonId
    track: str = Field(pattern=r"^[a-z0-9_-]{1,32}$")
    event_id: str = Field(min_length=1, max_length=64)
    received_at: UtcDatetime


class Timeouts(Contract):
    """Per-app step timeouts, read by the ASL through `TimeoutSecondsPath`.

    The approval wait is split at the reminder: `reminder_s` + `final_s` == `approval_s`.
    """

    build_s: int = Field(ge=1, le=8 * 3600)
    approval_s: int = Field(ge=2, le=7 * 86400)
    reminder_s: int = Field(ge=1)
    final_s: int = Field(ge=1)

    @model_validator(mode="after")
    def _split(self) -> Timeouts:
        if self.reminder_s + self.final_s != self.approval_s:
            raise ValueError("reminder_s + final_s must equal approval_s")
        return self


class ValidatedRelease(Contract):
    """What "Validate and record" puts at `$.release`."""

    request: ReleaseRequest
    lock_id: str
    timeouts: Timeouts


class ArtifactRecord(Contract):
    name: str = Field(pattern=r"^[A-Za-z0-9._-]{1,128}$")
    kind: ArtifactKind
    key: str = Field(pattern=r"^builds/[A-Za-z0-9._:/-]{1,900}$")
    sha256: Sha256
    size: int = Field(ge=0)


class ReportRef(Contract):
    group: str = Field(min_length=1, max_length=128)
    format: ReportFormat
    key: str = Field(pattern=r"^builds/[A-Za-z0-9._:/-]{1,900}$")


class BuilderInfo(Lenient):
    image: str
    buildspec_sha256: Sha256


class BuildManifest(Lenient):
    """`builds/<id>/manifest.json`, written by the build."""

    build_id: str
    project: str
    commit: CommitSha
    status: Literal["SUCCEEDED", "FAILED", "FAULT", "STOPPED", "TIMED_OUT"]
    version_name: str = Field(pattern=r"^\d+\.\d+\.\d+$")
    version_code: int = Field(ge=1, le=2_100_000_000)
    started_at: UtcDatetime
    finished_at: UtcDatetime
    builder: BuilderInfo
    artifacts: list[ArtifactRecord] = Field(default_factory=list)
    reports: list[ReportRef] = Field(default_factory=list)
    native_compile: bool = True
    notes: list[str] = Field(default_factory=list)


class BuildSummary(Contract):
    """What the build-finished callback puts at `$.build`."""

    build_id: str
    status: Literal["SUCCEEDED"]
    version_name: str
    version_code: int
    artifacts: list[ArtifactRecord]
    reports: list[ReportRef]
    native_compile: bool
    notes: list[str] = Field(default_factory=list)

    def artifact(self, kind: ArtifactKind) -> ArtifactRecord:
        return next(a for a in self.artifacts if a.kind == kind)


class TestCounts(Contract):
    __test__ = False
    total: int = Field(ge=0)
    passed: int = Field(ge=0)
    failed: int = Field(ge=0)
    errors: int = Field(ge=0)
    skipped: int = Field(ge=0)


class TestDecision(Contract):
    __test__ = False
    decision: Literal["pass", "fail"]
    tests: TestCounts
    duration_s: float = Field(ge=0)
    coverage: float | None = Field(default=None, ge=0, le=1)  # line rate; None when no coverage report was read
    reasons: list[str] = Field(default_factory=list)
    suites: int = Field(default=0, ge=0)
    # Failures a quarantine excused: each {test, owner, reason, expires}, for the approval page.
    quarantined: list[dict[str, str]] = Field(default_factory=list, max_length=50)
    reports: list[str] = Field(default_factory=list, max_length=50)  # the reports read (the first 49, then a count)


Severity = Literal["critical", "high", "medium", "low", "info"]


class ScanFinding(Contract):
    """One finding of any scanner, normalised; a secret's value is never stored, only its kind and a masked form."""

    tool: str
    rule: str
    severity: Severity
    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    fingerprint: str
    kind: str | None = None
    masked: str | None = None
    status: Literal["new", "baseline", "waived"] = "new"
    blocking: bool = False


class ScanSummary(Contract):
    """Counts for the approval page and the ledger."""

    by_severity: dict[str, int] = Field(default_factory=dict)
    by_tool: dict[str, int] = Field(default_factory=dict)
    total: int = 0
    new: int = 0
    baseline: int = 0
    waived: int = 0
    blocking: int = 0
    secrets: int = 0
    expired_waivers: list[str] = Field(default_factory=list)


class ScanDecision(Contract):
    decision: Literal["pass", "fail"]
    counts: dict[str, int]
    tools: list[str]
    findings: list[ScanFinding]
    reasons: list[str] = Field(default_factory=list)
    summary: ScanSummary = Field(default_factory=ScanSummary)


class ApprovalOutcome(Contract):
    """What the approval callback puts at `$.approval`."""

    decision: Literal["approved"]
    approved_by: list[PersonId] = Field(min_length=1)
    decided_at: UtcDatetime
    artifact_digests: list[Sha256]


class UploadResult(Contract):
    store: Literal["app_store", "google_play", "live_update"]
    version: str
    store_ref: str = Field(min_length=1, max_length=256)


class RolloutProgress(Contract):
    step: int = Field(ge=0)
    fraction: float = Field(gt=0, le=1)
    bake_seconds: int = Field(ge=0)
    complete: bool


class AlarmCheck(Contract):
    healthy: bool
    firing: list[str] = Field(default_factory=list)


class ReleaseState(Lenient):
    """The execution state document; each step reads the parts it needs."""

    request: ReleaseRequest | None = None
    release: ValidatedRelease | None = None
    build: BuildSummary | None = None
    tests: TestDecision | None = None
    scans: ScanDecision | None = None
    approval: ApprovalOutcome | None = None
    uploads: list[UploadResult] | None = None
    rollout: RolloutProgress | None = None
    health: AlarmCheck | None = None
    error: ErrorInfo | None = None


class ValidatedState(Lenient):
    release: ValidatedRelease


class BuiltRelease(ValidatedState):
    build: BuildSummary


class GatedRelease(BuiltRelease):
    tests: TestDecision
    scans: ScanDecision


class ApprovedRelease(GatedRelease):
    approval: ApprovalOutcome


class RollingRelease(ApprovedRelease):
    uploads: list[UploadResult] = Field(min_length=3, max_length=3)
    rollout: RolloutProgress | None = None


class BuildTaskInput(Lenient):
    """The payload of "Start build": the task token and the state."""

    task_token: str = Field(min_length=1, max_length=8192)
    state: ValidatedState


class ApprovalTaskInput(Lenient):
    """The payload of "Request approval": the task token and the state."""

    task_token: str = Field(min_length=1, max_length=8192)
    state: GatedRelease


Outcome = Literal["succeeded", "failed", "rejected", "expired", "timed_out", "halted"]


class RecordReleaseInput(Lenient):
    outcome: Outcome
    state: ReleaseState


class Notification(Contract):
    """A message for the notification topic; never holds a token or a link secret."""

    subject: str = Field(max_length=100)
    message: str = Field(max_length=262144)


class RequestedBy(Contract):
    who: PersonId
    at: UtcDatetime
