"""The releases table: each release's status, versions and store references, per app."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from capstan.adapters.aws import dynamo_safe, table, unless_condition_fails
from capstan.domain.rollback import ReleaseView


class ReleaseRegistry:
    def __init__(self, table_name: str, dynamodb_table: Any = None):
        self._table = dynamodb_table or table(table_name)

    def put_new(self, app_id: str, release_id: str, now: datetime, fields: dict[str, Any]) -> None:
        """Create the release record; a repeat of the same release keeps the first."""
        unless_condition_fails(
            self._table.put_item,
            Item={
                "app_id": app_id,
                "release_id": release_id,
                "status": "in_progress",
                "known_good": False,
                "marked_bad": False,
                "started_at": now.isoformat(),
                "updated_at": now.isoformat(),
                **fields,
            },
            ConditionExpression="attribute_not_exists(release_id)",
        )

    def update(self, app_id: str, release_id: str, now: datetime, **fields: Any) -> None:
        fields = dynamo_safe(fields)
        fields["updated_at"] = now.isoformat()
        names = {f"#f{i}": k for i, k in enumerate(fields)}
        values = {f":v{i}": v for i, v in enumerate(fields.values())}
        expr = "SET " + ", ".join(f"#f{i} = :v{i}" for i in range(len(fields)))
        self._table.update_item(
            Key={"app_id": app_id, "release_id": release_id},
            UpdateExpression=expr,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
            ConditionExpression="attribute_exists(release_id)",
        )

    def get(self, app_id: str, release_id: str) -> dict[str, Any] | None:
        return self._table.get_item(Key={"app_id": app_id, "release_id": release_id}, ConsistentRead=True).get("Item")

    def for_app(self, app_id: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"KeyConditionExpression": "app_id = :a", "ExpressionAttributeValues": {":a": app_id}}
        while True:
            page = self._table.query(**kwargs)
            items.extend(page["Items"])
            if "LastEvaluatedKey" not in page:
                return items
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    @staticmethod
    def view(item: dict[str, Any]) -> ReleaseView:
        return ReleaseView(
            release_id=item["release_id"],
            status=item["status"],
            known_good=bool(item.get("known_good")),
            marked_bad=bool(item.get("marked_bad")),
            started_at=datetime.fromisoformat(item["started_at"]),
            live_bundle_id=item.get("live_bundle_id"),
        )
