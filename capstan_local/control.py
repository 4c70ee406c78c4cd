"""The control endpoint of `capstan local up`: other processes send events and read state through it."""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from capstan.entry import record_refusal
from capstan.models.events import MAX_EVENT_BYTES
from capstan.ports import default_ports
from capstan_local.http import LocalEndpoint
from capstan_local.stack import LocalStack


def send_event(stack: LocalStack, raw: bytes) -> tuple[int, dict[str, Any]]:
    """Route one event; anything refused before a handler sees it is still recorded in the ledger."""

    def refuse(reason: str, event: Any) -> tuple[int, dict[str, Any]]:
        record_refusal(default_ports(), "send", reason, event)
        return 400, {"status": "refused", "reason": reason}

    if len(raw) > MAX_EVENT_BYTES:
        return refuse(f"event: {len(raw)} bytes is over the {MAX_EVENT_BYTES}-byte limit", raw[:64].hex())
    try:
        event = json.loads(raw)
    except ValueError as exc:
        return refuse(f"event: not valid JSON ({exc})", raw[:64].hex())
    if not isinstance(event, dict):
        return refuse("event: must be a JSON object", event)
    deliveries = stack.put_event(event)
    if not deliveries:
        return refuse(f"source/detail-type: no rule matches {event.get('source')!r} / {event.get('detail-type')!r}", event)
    results = [
        {"rule": d.rule, "target": d.target, **(d.result if isinstance(d.result, dict) else {"result": d.result})} for d in deliveries
    ]
    status = 200 if all(r.get("status") in ("started", "duplicate", "ignored") for r in results) else 400
    return status, {"deliveries": results}


def executions(stack: LocalStack) -> list[dict[str, Any]]:
    sfn = stack.client("stepfunctions")
    rows = []
    for flow, arn in stack.state_machines.items():
        for ex in sfn.list_executions(stateMachineArn=arn)["executions"]:
            rows.append(
                {
                    "flow": flow,
                    "name": ex["name"],
                    "status": ex["status"],
                    "started": ex["startDate"].isoformat(),
                    "stopped": ex["stopDate"].isoformat() if ex.get("stopDate") else None,
                    "states": stack.states_entered(ex["executionArn"]),
                }
            )
    return sorted(rows, key=lambda r: r["started"])


class ControlServer(LocalEndpoint):
    def __init__(self, stack: LocalStack, host: str = "127.0.0.1", port: int = 0):
        control = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

            def _reply(self, status: int, body: Any) -> None:
                data = json.dumps(body, default=str).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802
                url = urlsplit(self.path)
                query = parse_qs(url.query)
                if url.path == "/executions":
                    return self._reply(200, executions(control.stack))
                if url.path == "/outbox":
                    return self._reply(200, control.stack.outbox.messages())
                if url.path == "/ledger":
                    subject = (query.get("subject") or [""])[0]
                    return self._reply(200, control.stack.ledger(subject) if subject else control.stack.ledger_all())
                if url.path == "/store-actions":
                    return self._reply(200, control.stack.store_actions())
                return self._reply(404, {"error": f"no such endpoint {url.path}"})

            def do_POST(self) -> None:  # noqa: N802
                if urlsplit(self.path).path != "/events":
                    self._reply(404, {"error": "no such endpoint"})
                    return
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(min(length, MAX_EVENT_BYTES + 1))
                self._reply(*send_event(control.stack, raw))

        self.stack = stack
        super().__init__(Handler, "control", host, port)
