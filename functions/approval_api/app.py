"""Approval API: GET and HEAD show the release behind a link; only a POST from the page, with its CSRF token, decides."""

from __future__ import annotations

from urllib.parse import parse_qs

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response

from capstan.approval_page import render
from capstan.entry import api, api_ports
from capstan.steps.approval import Attempt, handle_attempt

app = APIGatewayRestResolver()


def _attempt(method: str, token: str) -> Attempt:
    event = app.current_event
    headers = {k.lower(): v for k, v in (event.headers or {}).items()}
    form = parse_qs(event.decoded_body or "", max_num_fields=10) if method == "POST" else {}
    field = lambda name: (form.get(name) or [""])[0][:600]  # noqa: E731
    return Attempt(
        method=method,
        token=token,
        source_ip=event.request_context.identity.source_ip or "",
        user_agent=headers.get("user-agent", ""),
        origin=headers.get("origin"),
        fetch_site=headers.get("sec-fetch-site"),
        decision=field("decision") or None,
        reason=field("reason"),
        csrf=field("csrf"),
    )


def _respond(method: str, token: str) -> Response:
    result = handle_attempt(_attempt(method, token), api_ports())
    body, headers = render(result)
    return Response(status_code=result.status, headers=headers, body="" if method == "HEAD" else body)


@app.get("/a/<token>")
def show(token: str) -> Response:
    return _respond("GET", token)


@app.head("/a/<token>")
def head(token: str) -> Response:
    return _respond("HEAD", token)


@app.post("/a/<token>")
def decide(token: str) -> Response:
    return _respond("POST", token)


handler = api(app)
