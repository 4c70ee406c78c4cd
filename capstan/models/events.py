"""The EventBridge events Capstan accepts, as discriminated unions of their real shapes."""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import Field, field_validator

from capstan.models.common import AppId, CommitSha, Contract, Lenient, PersonId, RefName, UtcDatetime

MAX_EVENT_BYTES = 256 * 1024  # EventBridge's own entry size limit


class _Envelope(Lenient):
    version: Literal["0"] = "0"
    id: str = Field(min_length=1, max_length=64)
    account: str = Field(pattern=r"^[0-9]{12}$")
    region: str = Field(pattern=r"^[a-z]{2}(-[a-z]+)+-[0-9]$")
    time: UtcDatetime
    resources: list[str] = Field(default_factory=list, max_length=20)


# --- pushes -----------------------------------------------------------------------------


class CodeCommitDetail(Lenient):
    event: Literal["referenceCreated", "referenceUpdated"]
    repository_name: str = Field(alias="repositoryName", pattern=r"^[A-Za-z0-9._-]{1,100}$")
    reference_type: Literal["branch", "tag"] = Field(alias="referenceType")
    reference_name: RefName = Field(alias="referenceName")
    commit_id: CommitSha = Field(alias="commitId")
    caller_user_arn: str = Field(alias="callerUserArn", pattern=r"^arn:aws[a-z-]*:(iam|sts)::[0-9]{12}:[A-Za-z0-9+=,.@/_-]+$")


class CodeCommitPush(_Envelope):
    source: Literal["aws.codecommit"]
    detail_type: Literal["CodeCommit Repository State Change"] = Field(alias="detail-type")
    detail: CodeCommitDetail


class GitHubPusher(Lenient):
    name: PersonId


class GitHubRepository(Lenient):
    full_name: str = Field(pattern=r"^[A-Za-z0-9._-]{1,39}/[A-Za-z0-9._-]{1,100}$")
    name: str = Field(pattern=r"^[A-Za-z0-9._-]{1,100}$")


class GitHubPushDetail(Lenient):
    delivery_id: str = Field(min_length=1, max_length=64, description="X-GitHub-Delivery of the relayed webhook")
    ref: str = Field(pattern=r"^refs/(heads|tags)/.+$", max_length=300)
    after: CommitSha
    deleted: bool = False
    repository: GitHubRepository
    pusher: GitHubPusher

    @field_validator("ref")
    @classmethod
    def _ref_name(cls, ref: str) -> str:
        RefNameCheck.model_validate({"name": ref.split("/", 2)[2]})
        return ref


class RefNameCheck(Contract):
    name: RefName


class GitHubPush(_Envelope):
    source: Literal["capstan.github"]
    detail_type: Literal["GitHub Push"] = Field(alias="detail-type")
    detail: GitHubPushDetail


PushEvent = Annotated[Union[CodeCommitPush, GitHubPush], Field(discriminator="source")]

# --- builds -----------------------------------------------------------------------------

BuildStatus = Literal["SUCCEEDED", "FAILED", "FAULT", "STOPPED", "TIMED_OUT", "IN_PROGRESS"]


class BuildArtifactInfo(Lenient):
    location: str = ""


class BuildAdditionalInformation(Lenient):
    source_version: str = Field(default="", alias="source-version")
    artifact: BuildArtifactInfo = BuildArtifactInfo()


class BuildStateDetail(Lenient):
    build_status: BuildStatus = Field(alias="build-status")
    project_name: str = Field(alias="project-name", pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{1,254}$")
    build_id: str = Field(alias="build-id", pattern=r"^arn:aws[a-z-]*:codebuild:[a-z0-9-]+:[0-9]{12}:build/[A-Za-z0-9_-]+:[A-Za-z0-9-]+$")
    additional_information: BuildAdditionalInformation = Field(alias="additional-information", default=BuildAdditionalInformation())

    @property
    def short_build_id(self) -> str:
        """`project:uuid`, the id CodeBuild's StartBuild returns."""
        return self.build_id.split(":build/", 1)[1]


class BuildStateChange(_Envelope):
    source: Literal["aws.codebuild"]
    detail_type: Literal["CodeBuild Build State Change"] = Field(alias="detail-type")
    detail: BuildStateDetail


# --- rollback triggers --------------------------------------------------------------------


class AlarmState(Lenient):
    value: Literal["OK", "ALARM", "INSUFFICIENT_DATA"]
    reason: str = Field(default="", max_length=2048)
    timestamp: UtcDatetime


class AlarmDetail(Lenient):
    alarm_name: str = Field(alias="alarmName", pattern=r"^[A-Za-z0-9._/#:() -]{1,255}$")
    state: AlarmState
    previous_state: AlarmState | None = Field(default=None, alias="previousState")


class AlarmStateChange(_Envelope):
    source: Literal["aws.cloudwatch"]
    detail_type: Literal["CloudWatch Alarm State Change"] = Field(alias="detail-type")
    detail: AlarmDetail


class OnCallDetail(Contract):
    app_id: AppId
    requested_by: PersonId
    reason: str = Field(min_length=5, max_length=500)
    release_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{1,80}$")


class OnCallRollback(_Envelope):
    source: Literal["capstan.oncall"]
    detail_type: Literal["Rollback Requested"] = Field(alias="detail-type")
    detail: OnCallDetail


RollbackTrigger = Annotated[Union[AlarmStateChange, OnCallRollback], Field(discriminator="source")]
