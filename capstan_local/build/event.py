"""Describes a build the way CodeBuild does: its ARN, times, phase records, image and Build State Change event."""

from __future__ import annotations

import functools
import hashlib
import math
import platform
import subprocess
import uuid
from datetime import UTC, datetime
from typing import Any

from capstan_local.build.packaging import sha256_hex
from capstan_local.build.shell import SECRET_NAME

ACCOUNT = "123456789012"
REGION = "us-east-1"


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def console_time(moment: datetime) -> str:
    # CodeBuild events carry phase times as "Sep 1, 2017 4:12:29 PM", not ISO 8601.
    m = moment.astimezone(UTC)
    return f"{m:%b} {m.day}, {m.year} {(m.hour % 12) or 12}:{m:%M:%S} {m:%p}"


def build_arn(build_id: str) -> str:
    return f"arn:aws:codebuild:{REGION}:{ACCOUNT}:build/{build_id}"


def phase_record(kind: str, status: str, start: datetime, end: datetime, context: list[str]) -> dict[str, Any]:
    """One entry of the event's ``phases`` list."""
    return {
        "phase-context": context,
        "start-time": console_time(start),
        "end-time": console_time(end),
        "duration-in-seconds": int(round((end - start).total_seconds())),
        "phase-type": kind,
        "phase-status": status,
    }


@functools.lru_cache(maxsize=1)
def builder_image() -> str:
    try:
        node = subprocess.run(["node", "--version"], capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        node = ""
    return f"capstan-local/{platform.python_implementation().lower()}-node{node.lstrip('v') or 'unavailable'}"


def state_change_event(
    *,
    build_id: str,
    project: str,
    commit: str,
    status: str,
    started: datetime,
    finished: datetime,
    timeout_s: int,
    records: list[dict[str, Any]],
    caller_env: dict[str, str],
    buildspec: str,
    manifest: bytes,
    manifest_arn: str,
) -> dict[str, Any]:
    """The EventBridge "CodeBuild Build State Change" event for a finished build."""
    arn = build_arn(build_id)
    stream = build_id.split(":", 1)[1]
    group = f"/aws/codebuild/{project}"
    phases = records + [{"start-time": console_time(finished), "phase-type": "COMPLETED"}]
    variables = [{"name": k, "type": "PLAINTEXT", "value": "***" if SECRET_NAME.search(k) else v} for k, v in sorted(caller_env.items())]
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "CodeBuild Build State Change",
        "source": "aws.codebuild",
        "account": ACCOUNT,
        "time": f"{finished.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}",
        "region": REGION,
        "resources": [arn],
        "detail": {
            "build-status": status,
            "project-name": project,
            "build-id": arn,
            "additional-information": {
                "artifact": {
                    "md5sum": hashlib.md5(manifest, usedforsecurity=False).hexdigest(),
                    "sha256sum": sha256_hex(manifest),
                    "location": manifest_arn,
                },
                "environment": {
                    "image": builder_image(),
                    "privileged-mode": False,
                    "compute-type": "BUILD_GENERAL1_SMALL",
                    "type": "LINUX_CONTAINER",
                    "environment-variables": variables,
                },
                "timeout-in-minutes": math.ceil(timeout_s / 60),
                "build-complete": True,
                "initiator": "capstan-local",
                "build-start-time": console_time(started),
                "source": {"type": "NO_SOURCE", "buildspec": buildspec},
                "source-version": commit,
                "logs": {
                    "group-name": group,
                    "stream-name": stream,
                    "deep-link": f"https://console.aws.amazon.com/cloudwatch/home?region={REGION}#logEvent:group={group};stream={stream}",
                },
                "phases": phases,
            },
            "current-phase": "COMPLETED",
            "current-phase-context": "[: ]",
            "version": "1",
        },
    }
