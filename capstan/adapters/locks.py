"""Leases in DynamoDB: one release in flight per app and track, one rollback per app."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from capstan.adapters.aws import table, unless_condition_fails


class LeaseLocks:
    def __init__(self, table_name: str, dynamodb_table: Any = None):
        self._table = dynamodb_table or table(table_name)

    def acquire(self, lock_id: str, owner: str, now: datetime, lease_s: int) -> bool:
        """Take the lock if it is free, expired, or already ours (a retried step)."""
        epoch = int(now.timestamp())
        return (
            unless_condition_fails(
                self._table.put_item,
                Item={"lock_id": lock_id, "owner": owner, "acquired_at": now.isoformat(), "expires_at_epoch": epoch + lease_s},
                ConditionExpression="attribute_not_exists(lock_id) OR expires_at_epoch < :now OR #o = :owner",
                ExpressionAttributeNames={"#o": "owner"},
                ExpressionAttributeValues={":now": epoch, ":owner": owner},
            )
            is not None
        )

    def release(self, lock_id: str, owner: str) -> bool:
        """Release only our own lock; someone else's lock is left alone."""
        return (
            unless_condition_fails(
                self._table.delete_item,
                Key={"lock_id": lock_id},
                ConditionExpression="#o = :owner",
                ExpressionAttributeNames={"#o": "owner"},
                ExpressionAttributeValues={":owner": owner},
            )
            is not None
        )

    def holder(self, lock_id: str) -> str | None:
        item = self._table.get_item(Key={"lock_id": lock_id}, ConsistentRead=True).get("Item")
        return item["owner"] if item else None
