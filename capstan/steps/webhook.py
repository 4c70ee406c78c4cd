"""The GitHub relay: a webhook delivery, verified by its signature, becomes a `capstan.github` push event."""

from __future__ import annotations

import json
from dataclasses import dataclass

from pydantic import ValidationError

from capstan.domain.webhooks import MAX_WEBHOOK_BYTES, github_signature_ok
from capstan.models.common import Lenient, first_error
from capstan.models.events import GitHubPushDetail
from capstan.ports import Ports
from capstan.rules import GITHUB_SOURCE


@dataclass(frozen=True)
class Delivery:
    """One webhook request as the relay sees it."""

    event: str
    delivery_id: str
    signature: str | None
    body: bytes
    source_ip: str


class _Repository(Lenient):
    name: str
    full_name: str


class _Pusher(Lenient):
    name: str


class GitHubPushPayload(Lenient):
    """The part of GitHub's push payload a release needs."""

    ref: str
    after: str
    deleted: bool = False
    repository: _Repository
    pusher: _Pusher


def relay_github_push(delivery: Delivery, ports: Ports) -> tuple[int, dict]:
    """Verify, validate and put the push on the bus; every refusal leaves one ledger entry and puts nothing."""

    def refuse(status: int, reason: str) -> tuple[int, dict]:
        ports.ledger.append(
            "refused#github_webhook",
            "refused",
            ports.clock(),
            {"delivery_id": delivery.delivery_id[:64], "error": reason, "source_ip": delivery.source_ip},
            entry_key=f"delivery#{delivery.delivery_id[:64]}#{status}",
        )
        return status, {"status": "refused", "reason": reason}

    if len(delivery.body) > MAX_WEBHOOK_BYTES:
        return refuse(413, f"body: {len(delivery.body)} bytes is over the {MAX_WEBHOOK_BYTES}-byte limit")
    secret = ports.secrets.json(ports.settings.webhook_secret_id)["github"].encode()
    if not github_signature_ok(secret, delivery.body, delivery.signature):
        return refuse(401, "X-Hub-Signature-256: missing or does not match the body")
    if delivery.event == "ping":
        return 200, {"status": "pong"}
    if delivery.event != "push":
        return 202, {"status": "ignored", "reason": f"X-GitHub-Event {delivery.event[:40]!r} starts no release"}
    try:
        push = GitHubPushPayload.model_validate(json.loads(delivery.body))
        detail = GitHubPushDetail.model_validate({"delivery_id": delivery.delivery_id, **push.model_dump()})
    except ValueError as exc:
        reason = first_error(exc) if isinstance(exc, ValidationError) else f"body: not valid JSON ({str(exc)[:80]})"
        return refuse(400, reason)
    event_id = ports.events.put(GITHUB_SOURCE, "GitHub Push", detail.model_dump(mode="json"))
    return 202, {"status": "relayed", "event_id": event_id}
