"""The key schema of every DynamoDB table, defined once for the CDK stack, the local stack and the tests."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TableSchema:
    """A table's logical name, its keys and its TTL attribute."""

    name: str
    partition_key: str
    sort_key: str | None = None
    ttl_attribute: str | None = None

    def key_schema(self) -> list[dict[str, str]]:
        keys = [{"AttributeName": self.partition_key, "KeyType": "HASH"}]
        if self.sort_key:
            keys.append({"AttributeName": self.sort_key, "KeyType": "RANGE"})
        return keys

    def attribute_definitions(self) -> list[dict[str, str]]:
        return [{"AttributeName": k["AttributeName"], "AttributeType": "S"} for k in self.key_schema()]


# The append-only release ledger: one item per accepted or refused input and state change.
LEDGER = TableSchema("Ledger", partition_key="subject", sort_key="entry")
# One item per release (current status, versions, known-good flag), keyed by app.
RELEASES = TableSchema("Releases", partition_key="app_id", sort_key="release_id")
# One item per approval link; the task token is kept here, never in the link.
APPROVALS = TableSchema("Approvals", partition_key="approval_id", ttl_attribute="expires_at_epoch")
# One item per build: the waiting release's task token, keyed by the build id.
BUILDS = TableSchema("Builds", partition_key="build_id", ttl_attribute="expires_at_epoch")
# Leases: one release in flight per app and track, one rollback per app.
LOCKS = TableSchema("Locks", partition_key="lock_id", ttl_attribute="expires_at_epoch")
# Powertools idempotency records (its own fixed key name).
IDEMPOTENCY = TableSchema("Idempotency", partition_key="id", ttl_attribute="expiration")

ALL_TABLES = (LEDGER, RELEASES, APPROVALS, BUILDS, LOCKS, IDEMPOTENCY)
