"""CodeBuild starts, and the build callbacks table that keeps each waiting release's task token server-side."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from capstan.adapters.aws import client, table, unless_condition_fails


class BuildService:
    """Starts a build of one commit; the task token is never passed to the build."""

    def __init__(self, codebuild_client: Any = None):
        self._codebuild = codebuild_client or client("codebuild")

    def start(self, project: str, commit: str, buildspec: str, release_id: str, timeout_minutes: int, compute: str) -> str:
        """Start one build of one commit; the release id is the idempotency token, so a retried step starts no second build."""
        build = self._codebuild.start_build(
            projectName=project,
            sourceVersion=commit,
            buildspecOverride=buildspec,
            computeTypeOverride=compute,
            timeoutInMinutesOverride=timeout_minutes,
            idempotencyToken=release_id[:64],
            environmentVariablesOverride=[{"name": "CAPSTAN_RELEASE_ID", "value": release_id, "type": "PLAINTEXT"}],
        )["build"]
        return build["id"]


class BuildCallbacks:
    """One item per build: who waits for it, and whether it has been answered."""

    def __init__(self, table_name: str, dynamodb_table: Any = None):
        self._table = dynamodb_table or table(table_name)

    def remember(self, build_id: str, release_id: str, app_id: str, commit: str, task_token: str, now: datetime, ttl_s: int) -> None:
        self._table.put_item(
            Item={
                "build_id": build_id,
                "release_id": release_id,
                "app_id": app_id,
                "commit": commit,
                "task_token": task_token,
                "status": "waiting",
                "created_at": now.isoformat(),
                "expires_at_epoch": int(now.timestamp()) + ttl_s,
            }
        )

    def claim(self, build_id: str, status: str, now: datetime) -> dict[str, Any] | None:
        """Mark the build answered; None when unknown or already answered (duplicate event)."""
        result = unless_condition_fails(
            self._table.update_item,
            Key={"build_id": build_id},
            UpdateExpression="SET #s = :s, answered_at = :t",
            ConditionExpression="attribute_exists(build_id) AND #s = :waiting",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":s": status, ":t": now.isoformat(), ":waiting": "waiting"},
            ReturnValues="ALL_NEW",
        )
        return result and result["Attributes"]
