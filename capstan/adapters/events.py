"""Putting events on the EventBridge bus (the GitHub relay puts pushes as `capstan.github`)."""

from __future__ import annotations

import json
from typing import Any

from capstan.adapters.aws import client
from capstan.errors import StoreUnavailable


class EventPublisher:
    def __init__(self, events_client: Any = None):
        self._events = events_client or client("events")

    def put(self, source: str, detail_type: str, detail: dict[str, Any]) -> str:
        entry = {"Source": source, "DetailType": detail_type, "Detail": json.dumps(detail), "EventBusName": "default"}
        result = self._events.put_events(Entries=[entry])["Entries"][0]
        if "EventId" not in result:
            raise StoreUnavailable(
                f"EventBridge refused the {source} event: {result.get('ErrorCode')} {result.get('ErrorMessage', '')[:200]}"
            )
        return result["EventId"]
