"""GitHub webhook: verify `X-Hub-Signature-256` over the raw body, then put the push on the bus as `capstan.github`."""

from __future__ import annotations

import base64

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types

from capstan.entry import api, api_ports
from capstan.steps.webhook import Delivery, relay_github_push

app = APIGatewayRestResolver()


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
    status, body = relay_github_push(delivery, api_ports())
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=body, headers={"Cache-Control": "no-store"})


handler = api(app)
