"""The outbox: what SNS would have emailed, read from an SQS queue subscribed to the topic."""

from __future__ import annotations

import json
import re
import threading
from typing import Any

LINK = re.compile(r"https?://\S+")


class Outbox:
    def __init__(self, sqs_client: Any, queue_url: str, recipients: dict[str, str]):
        self._sqs = sqs_client
        self._queue = queue_url
        self._recipients = recipients  # person id -> email
        self._messages: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def _drain(self) -> None:
        while True:
            got = self._sqs.receive_message(QueueUrl=self._queue, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
            if not got:
                return
            for msg in got:
                body = json.loads(msg["Body"])
                attrs = body.get("MessageAttributes") or {}
                recipient = (attrs.get("recipient") or {}).get("Value")
                audience = (attrs.get("audience") or {}).get("Value", "team")
                approver = recipient if audience == "approver" else None
                to = self._recipients.get(recipient, recipient) if recipient else f"{audience}@capstan.local"
                text = body.get("Message", "")
                self._messages.append(
                    {
                        "to": to,
                        "subject": body.get("Subject") or "",
                        "body": text,
                        "links": LINK.findall(text),
                        "audience": audience,
                        "approver": approver,
                        "recipient": recipient,
                    }
                )
                self._sqs.delete_message(QueueUrl=self._queue, ReceiptHandle=msg["ReceiptHandle"])

    def messages(self) -> list[dict[str, Any]]:
        with self._lock:
            self._drain()
            return list(self._messages)
