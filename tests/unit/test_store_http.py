"""StoreHttp's retry, timeout and error rules, against an in-memory fake pool (no sockets)."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
import urllib3
from urllib3.response import HTTPResponse

from capstan.adapters.stores.http import (
    BACKOFF_CAP_S,
    MAX_ATTEMPTS,
    StoreHttp,
    backoff_delay,
    parse_retry_after,
)
from capstan.errors import StoreRejected, StoreUnavailable

TOKEN = "tok-" + "s3cr3t" * 5


class FakePool:
    """Answers from a script of responses and exceptions, and remembers every call."""

    def __init__(self, *script: HTTPResponse | Exception) -> None:
        self.script = list(script)
        self.calls: list[dict[str, Any]] = []

    def request(self, method: str, url: str, **kwargs: Any) -> HTTPResponse:
        self.calls.append({"method": method, "url": url, **kwargs})
        answer = self.script.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def answer(status: int, body: Any = None, headers: dict[str, str] | None = None) -> HTTPResponse:
    data = b"" if body is None else json.dumps(body).encode()
    return HTTPResponse(body=data, status=status, headers=headers or {}, preload_content=True)


def client(pool: FakePool, sleeps: list[float], **kwargs: Any) -> StoreHttp:
    return StoreHttp(
        "google_play",
        "https://play.test",
        TOKEN,
        pool,
        sleep=sleeps.append,  # type: ignore[arg-type]
        rng=random.Random(7),
        **kwargs,
    )


class _Ceiling(random.Random):
    def uniform(self, a: float, b: float) -> float:
        return b


def test_backoff_ceiling_doubles_up_to_the_cap() -> None:
    # Given a jitter source that always picks the ceiling
    # When the delays for attempts 1..8 are drawn
    delays = [backoff_delay(n, _Ceiling()) for n in range(1, 9)]
    # Then they double from 0.2 s and stop at the cap
    assert delays[:4] == pytest.approx([0.2, 0.4, 0.8, 1.6])
    assert max(delays) == BACKOFF_CAP_S


def test_retry_after_reads_seconds_and_dates() -> None:
    # Given the two Retry-After forms and a bad one / Then each is read or ignored
    when = datetime(2030, 1, 1, tzinfo=UTC)
    later = format_datetime(when + timedelta(seconds=7), usegmt=True)
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(later, now=when.timestamp) == pytest.approx(7.0)
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


def test_success_sends_bearer_json_and_explicit_timeouts() -> None:
    # Given a store that answers 200
    pool, sleeps = FakePool(answer(200, {"id": "e1"})), []
    # When JSON is posted and an upload is sent
    resp = client(pool, sleeps).request("POST", "/edits", json_body={"a": 1})
    pool.script.append(answer(200, {"versionCode": 1}))
    client(pool, sleeps).request("POST", "/upload", body=b"x", content_type="application/octet-stream", upload=True)
    # Then the call carried the credential and JSON, with 5 s connect and 30 s / 120 s read timeouts
    assert resp.body == {"id": "e1"}
    first, upload = pool.calls
    assert first["headers"]["Authorization"] == f"Bearer {TOKEN}"
    assert first["headers"]["Content-Type"] == "application/json" and json.loads(first["body"]) == {"a": 1}
    assert (first["timeout"].connect_timeout, first["timeout"].read_timeout) == (5.0, 30.0)
    assert upload["timeout"].read_timeout == 120.0 and first["retries"] is False


def test_unauthorized_call_omits_the_credential() -> None:
    # Given a pre-signed upload URL / When it is called without authorization / Then no bearer header is sent
    pool = FakePool(answer(200))
    client(pool, []).request("PUT", "https://upload.test/part/0?sig=abc", body=b"x", authorize=False)
    assert "Authorization" not in pool.calls[0]["headers"]


def test_connection_errors_and_5xx_are_retried_until_success() -> None:
    # Given a refused connection, a 502 and then a success
    refused = urllib3.exceptions.NewConnectionError(None, "refused")  # type: ignore[arg-type]
    pool, sleeps = FakePool(refused, answer(502), answer(200, {"ok": True})), []
    # When the call is made
    resp = client(pool, sleeps).request("GET", "/x")
    # Then it succeeded on the third attempt after two jittered sleeps under their ceilings
    assert resp.body == {"ok": True} and len(pool.calls) == 3
    assert len(sleeps) == 2 and 0 <= sleeps[0] <= 0.2 and 0 <= sleeps[1] <= 0.4


def test_429_waits_what_retry_after_says() -> None:
    # Given a 429 asking for 3 s
    pool, sleeps = FakePool(answer(429, headers={"Retry-After": "3"}), answer(200)), []
    # When the call is made / Then the client slept exactly 3 s before the retry
    client(pool, sleeps).request("GET", "/x")
    assert sleeps == [3.0]


def test_retry_after_too_long_for_a_lambda_gives_up_at_once() -> None:
    # Given a 503 asking for ten minutes
    pool, sleeps = FakePool(answer(503, headers={"Retry-After": "600"})), []
    # When / Then the caller gets StoreUnavailable without sleeping through its timeout
    with pytest.raises(StoreUnavailable, match="Retry-After 600 s"):
        client(pool, sleeps).request("GET", "/x")
    assert sleeps == []


def test_exhausted_retries_raise_store_unavailable() -> None:
    # Given a store that keeps answering 500
    pool, sleeps = FakePool(*[answer(500, {"error": {"code": 500, "message": "boom"}})] * MAX_ATTEMPTS), []
    # When / Then four attempts, three sleeps, one typed transient error
    with pytest.raises(StoreUnavailable, match=r"^google_play GET /x: HTTP 500 boom after 4 attempts$"):
        client(pool, sleeps).request("GET", "/x")
    assert len(pool.calls) == MAX_ATTEMPTS and len(sleeps) == MAX_ATTEMPTS - 1


@pytest.mark.parametrize(
    ("body", "reason", "expected"),
    [
        (
            {
                "error": {
                    "code": 400,
                    "message": "This Edit has been deleted.",
                    "status": "INVALID_ARGUMENT",
                    "errors": [{"reason": "editDeleted", "message": "This Edit has been deleted."}],
                }
            },
            "editDeleted",
            "HTTP 400 editDeleted This Edit has been deleted.",
        ),
        (
            {"errors": [{"status": "409", "code": "ENTITY_ERROR", "title": "t", "detail": "bad\nstate"}]},
            "ENTITY_ERROR",
            "HTTP 409 ENTITY_ERROR bad state",
        ),
        (
            {"error": {"code": 400, "reason": "checksumMismatch", "message": "digest differs"}},
            "checksumMismatch",
            "HTTP 400 checksumMismatch digest differs",
        ),
    ],
)
def test_client_errors_are_rejected_once_with_the_api_reason(body: dict[str, Any], reason: str, expected: str) -> None:
    # Given a 4xx in each store's error shape
    pool, sleeps = FakePool(answer(int(expected.split()[1]), body)), []
    # When the call is made
    with pytest.raises(StoreRejected) as caught:
        client(pool, sleeps).request("PUT", "/tracks/production?sig=hidden")
    # Then it is not retried, and the one-line message names method, path (no query), status and reason
    message = str(caught.value)
    assert message == f"google_play PUT /tracks/production: {expected}"
    status = int(expected.split()[1])
    assert (caught.value.reason, caught.value.status) == (reason, status)
    assert len(pool.calls) == 1 and sleeps == []


def test_an_echoed_credential_never_reaches_the_message() -> None:
    # Given an API that echoes the Authorization header in its error
    pool = FakePool(answer(401, {"error": {"code": 401, "message": f"bad header Bearer {TOKEN}"}}))
    # When / Then the error masks it
    with pytest.raises(StoreRejected) as caught:
        client(pool, []).request("GET", "/x")
    assert TOKEN not in str(caught.value) and "Bearer ***" in str(caught.value)


def test_every_response_reaches_the_header_observer() -> None:
    # Given an observer and a 429 followed by a 200, each with a rate-limit header
    seen: list[str] = []
    pool = FakePool(answer(429, headers={"X-Rate-Limit": "user-hour-rem:0"}), answer(200, headers={"X-Rate-Limit": "user-hour-rem:9"}))
    # When the call is made / Then both headers were observed, in order
    client(pool, [], on_headers=lambda h: seen.append(h["X-Rate-Limit"])).request("GET", "/x")
    assert seen == ["user-hour-rem:0", "user-hour-rem:9"]
