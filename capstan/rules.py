"""The EventBridge rules: each pattern is defined here once, deployed by the CDK stack and applied by the local router."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Custom sources that only Capstan's own relays may put (the bus policy restricts them).
GITHUB_SOURCE = "capstan.github"
ONCALL_SOURCE = "capstan.oncall"
ALARM_NAME_PREFIX = "capstan-"
# Who may put each custom source: one role each, and the bus policy denies everyone else.
SOURCE_PUBLISHERS = {GITHUB_SOURCE: "GitHubRelay", ONCALL_SOURCE: "OnCallRollback"}


@dataclass(frozen=True)
class EventRule:
    """One EventBridge rule: its name, its pattern and the function it starts."""

    name: str
    description: str
    pattern: dict[str, Any]
    target: str  # a directory under functions/
    extra: dict[str, Any] = field(default_factory=dict)


PUSH = EventRule(
    name="push",
    description="A push to a release branch or tag (CodeCommit, or GitHub relayed) starts a release",
    pattern={
        "source": ["aws.codecommit", GITHUB_SOURCE],
        "detail-type": ["CodeCommit Repository State Change", "GitHub Push"],
    },
    target="start_release",
)

BUILD_STATE_CHANGE = EventRule(
    name="build-state-change",
    description="A finished CodeBuild build calls back the release waiting for it",
    pattern={
        "source": ["aws.codebuild"],
        "detail-type": ["CodeBuild Build State Change"],
        "detail": {"build-status": ["SUCCEEDED", "FAILED", "FAULT", "STOPPED", "TIMED_OUT"]},
    },
    target="build_finished",
)

ALARM_STATE_CHANGE = EventRule(
    name="alarm-state-change",
    description="A release alarm going to ALARM starts an automatic rollback",
    pattern={
        "source": ["aws.cloudwatch"],
        "detail-type": ["CloudWatch Alarm State Change"],
        "detail": {"alarmName": [{"prefix": ALARM_NAME_PREFIX}], "state": {"value": ["ALARM"]}},
    },
    target="start_rollback",
)

ONCALL_ROLLBACK = EventRule(
    name="oncall-rollback",
    description="An on-call engineer asks for a rollback",
    pattern={"source": [ONCALL_SOURCE], "detail-type": ["Rollback Requested"]},
    target="start_rollback",
)

ALL_RULES = (PUSH, BUILD_STATE_CHANGE, ALARM_STATE_CHANGE, ONCALL_ROLLBACK)
