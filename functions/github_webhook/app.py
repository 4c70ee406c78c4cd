"""GitHub webhook: verify `X-Hub-Signature-256` over the raw body, then put the push on the bus as `capstan.github`."""

from __future__ import annotations

import base64

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types

from capstan.observability import logger, metrics, tracer
from capstan.ports import Ports, default_ports
from capstan.steps.webhook import Delivery, relay_github_push

app = APIGatewayRestResolver()
_PORTS: list[Ports] = []


@app.post("/github/push")
def push() -> Response:
    event = app.current_event
    headers = {k.lower(): v for k, v in (event.headers or {}).items()}
    # The signature covers the raw bytes exactly as GitHub sent them.
    raw = base64.b64decode(event.body or "") if event.is_base64_encoded else (event.body or "").encode()
    delivery = Delivery(
        event=headers.get("x-github-event", ""),
        delivery_id=headers.get("x-github-delivery", "")[:64],
        signature=headers.get("x-hub-signature-256"),
        body=raw,
        source_ip=event.request_context.identity.source_ip or "",
    )
    status, body = relay_github_push(delivery, _PORTS[-1] if _PORTS else default_ports())
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=body, headers={"Cache-Control": "no-store"})


@logger.inject_lambda_context(log_event=False, clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict, context: object, ports: Ports | None = None) -> dict:
    _PORTS[:] = [ports] if ports else []
    return app.resolve(event, context)
