"""The approvals table: one round per release (holding the task token) and one item per approval link."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from capstan.adapters.aws import dynamo_safe, table, unless_condition_fails


def round_key(release_id: str) -> str:
    return f"round#{release_id}"


class ApprovalStore:
    def __init__(self, table_name: str, dynamodb_table: Any = None):
        self._table = dynamodb_table or table(table_name)

    def open_round(
        self,
        release_id: str,
        app_id: str,
        task_token: str,
        required: int,
        pushed_by: str,
        summary: dict[str, Any],
        digests: list[str],
        deadline_epoch: int,
        now: datetime,
    ) -> None:
        self._table.put_item(
            Item={
                "approval_id": round_key(release_id),
                "release_id": release_id,
                "app_id": app_id,
                "task_token": task_token,
                "required": required,
                "pushed_by": pushed_by,
                "summary": dynamo_safe(summary),
                "digests": digests,
                "status": "pending",
                "approved_by": [],
                "links": [],
                "opened_at": now.isoformat(),
                "expires_at_epoch": deadline_epoch,
            }
        )

    def add_link(self, approval_id: str, release_id: str, approver: str, secret_hash: str, expires_at: int, now: datetime) -> None:
        self._table.put_item(
            Item={
                "approval_id": approval_id,
                "release_id": release_id,
                "approver": approver,
                "secret_hash": secret_hash,
                "status": "pending",
                "created_at": now.isoformat(),
                "expires_at_epoch": expires_at,
            },
            ConditionExpression="attribute_not_exists(approval_id)",
        )
        self._table.update_item(
            Key={"approval_id": round_key(release_id)},
            UpdateExpression="SET links = list_append(links, :l)",
            ExpressionAttributeValues={":l": [approval_id]},
        )

    def get(self, approval_id: str) -> dict[str, Any] | None:
        return self._table.get_item(Key={"approval_id": approval_id}, ConsistentRead=True).get("Item")

    def decide_link(self, approval_id: str, secret_hash: str, decision: str, who: str, reason: str, now: datetime) -> bool:
        """Record the link's decision first, once: pending, not expired, and the secret matches."""
        return (
            unless_condition_fails(
                self._table.update_item,
                Key={"approval_id": approval_id},
                UpdateExpression="SET #s = :d, decided_by = :w, decided_at = :t, reason = :r",
                ConditionExpression="#s = :pending AND secret_hash = :h AND expires_at_epoch > :now",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={
                    ":d": decision,
                    ":w": who,
                    ":t": now.isoformat(),
                    ":r": reason,
                    ":pending": "pending",
                    ":h": secret_hash,
                    ":now": int(now.timestamp()),
                },
            )
            is not None
        )

    def count_approval(self, release_id: str, approver: str) -> dict[str, Any] | None:
        """Add an approval to the round; the new round, or None when the round is no longer pending."""
        result = unless_condition_fails(
            self._table.update_item,
            Key={"approval_id": round_key(release_id)},
            UpdateExpression="SET approved_by = list_append(approved_by, :a)",
            ConditionExpression="#s = :pending AND NOT contains(approved_by, :who)",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":a": [approver], ":who": approver, ":pending": "pending"},
            ReturnValues="ALL_NEW",
        )
        return result and result["Attributes"]

    def swap_token(self, release_id: str, task_token: str, now: datetime) -> dict[str, Any] | None:
        """Hand a pending round to the workflow's next waiting task; None when the round was decided meanwhile."""
        return self._while_pending(release_id, "task_token = :t, reminded_at = :now", {":t": task_token, ":now": now.isoformat()})

    def links(self, release_id: str, link_ids: list[str]) -> list[dict[str, Any]]:
        return [item for item in (self.get(i) for i in link_ids) if item and item["release_id"] == release_id]

    def close_round(self, release_id: str, status: str, now: datetime) -> dict[str, Any] | None:
        """Move the round from pending to its end state, once; returns the round for the winner only."""
        return self._while_pending(release_id, "#s = :s, closed_at = :t", {":s": status, ":t": now.isoformat()})

    def _while_pending(self, release_id: str, assignments: str, values: dict[str, Any]) -> dict[str, Any] | None:
        """Change a round only while it is pending; the new round, or None when it was decided already."""
        result = unless_condition_fails(
            self._table.update_item,
            Key={"approval_id": round_key(release_id)},
            UpdateExpression=f"SET {assignments}",
            ConditionExpression="#s = :pending",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={**values, ":pending": "pending"},
            ReturnValues="ALL_NEW",
        )
        return result and result["Attributes"]
