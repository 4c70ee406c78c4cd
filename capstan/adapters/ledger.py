"""The append-only release ledger: one entry per accepted or refused input and per state change."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from capstan.adapters.aws import dynamo_safe, table, unless_condition_fails


class ReleaseLedger:
    """Writes entries with a conditional put, so an entry is never overwritten."""

    def __init__(self, table_name: str, dynamodb_table: Any = None):
        self._table = dynamodb_table or table(table_name)

    def append(
        self,
        subject: str,
        kind: str,
        at: datetime,
        detail: dict[str, Any] | None = None,
        *,
        actor: str | None = None,
        entry_key: str | None = None,
    ) -> bool:
        """Add an entry; with `entry_key` a repeat of the same input adds nothing and returns False."""
        entry = entry_key or f"{at.isoformat()}#{uuid.uuid4().hex}"
        item = {"subject": subject, "entry": entry, "kind": kind, "at": at.isoformat(), "detail": dynamo_safe(detail or {})}
        if actor:
            item["actor"] = actor
        return unless_condition_fails(self._table.put_item, Item=item, ConditionExpression="attribute_not_exists(entry)") is not None

    def entries(self, subject: str) -> list[dict[str, Any]]:
        """Every entry of a subject, oldest first."""
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"KeyConditionExpression": "subject = :s", "ExpressionAttributeValues": {":s": subject}}
        while True:
            page = self._table.query(**kwargs)
            items.extend(page["Items"])
            if "LastEvaluatedKey" not in page:
                return sorted(items, key=lambda i: i["at"])
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
