"""The one JSON-over-HTTP call path of the store clients: bearer auth, timeouts, retries and typed errors."""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

import urllib3

from capstan.errors import StoreRejected, StoreUnavailable
from capstan.observability import logger

CONNECT_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 30.0
UPLOAD_READ_TIMEOUT_S = 120.0  # Google's advice for bundle uploads; also used for App Store chunks

MAX_ATTEMPTS = 4
BACKOFF_BASE_S = 0.2
BACKOFF_CAP_S = 5.0
# A Retry-After longer than this is better served by the workflow's own Retry than by a
# Lambda sleeping through its timeout.
MAX_RETRY_AFTER_S = 30.0

_MESSAGE_LIMIT = 400


@dataclass(frozen=True)
class StoreResponse:
    """A successful store response: status, headers and the decoded JSON body (None when empty)."""

    status: int
    headers: Mapping[str, str]
    body: Any


def backoff_delay(attempt: int, rng: random.Random, base: float = BACKOFF_BASE_S, cap: float = BACKOFF_CAP_S) -> float:
    """Full-jitter exponential backoff before retry number `attempt` (1-based).

    Parameters
    ----------
    attempt : int
        How many attempts have failed so far.
    rng : random.Random
        Source of the jitter.
    base, cap : float
        The first ceiling and the largest ceiling, in seconds.

    Returns
    -------
    float
        A delay drawn uniformly from ``[0, min(cap, base * 2 ** (attempt - 1))]``.
    """
    return rng.uniform(0.0, min(cap, base * 2 ** (attempt - 1)))


def parse_retry_after(value: str | None, now: Callable[[], float] = time.time) -> float | None:
    """Seconds to wait from a `Retry-After` header (delta-seconds or HTTP-date); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - now())
    except (TypeError, ValueError):
        return None


def error_reason(body: Any) -> str:
    """The API's own reason and message from an error body, in Google, Apple or live-update shape."""
    if isinstance(body, dict) and isinstance(body.get("errors"), list) and body["errors"]:
        first = body["errors"][0] if isinstance(body["errors"][0], dict) else {}
        return " ".join(str(first[k]) for k in ("code", "detail") if first.get(k)) or "error"
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        err = body["error"]
        details = err.get("errors") if isinstance(err.get("errors"), list) else []
        reason = (details[0].get("reason") if details and isinstance(details[0], dict) else None) or err.get("reason")
        reason = reason or err.get("status")
        return " ".join(str(p) for p in (reason, err.get("message")) if p) or "error"
    return "no error body"


def reason_code(body: Any) -> str | None:
    """The machine-readable reason of an error body (Google's `errors[0].reason`, Apple's `code`)."""
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        details = body["error"].get("errors")
        if isinstance(details, list) and details and isinstance(details[0], dict):
            return details[0].get("reason")
        return body["error"].get("reason")
    if isinstance(body, dict) and isinstance(body.get("errors"), list) and body["errors"]:
        first = body["errors"][0]
        return first.get("code") if isinstance(first, dict) else None
    return None


class StoreHttp:
    """Send JSON (or raw bytes) to one store API, retrying only what is transient.

    Parameters
    ----------
    store : str
        Name used in errors and logs (``google_play``, ``app_store``, ``live_update``).
    base_url : str
        Scheme and host (and optional prefix) that API paths are appended to.
    token : str
        Bearer credential; it goes in the Authorization header and nowhere else.
    http : urllib3.PoolManager, optional
        Injected connection pool; a new one by default.
    sleep : callable, optional
        Called with the seconds to wait between attempts; tests pass a no-op.
    rng : random.Random, optional
        Jitter source.
    on_headers : callable, optional
        Called with the headers of every response, error or not (the App Store rate limit).
    """

    def __init__(
        self,
        store: str,
        base_url: str,
        token: str,
        http: urllib3.PoolManager | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        on_headers: Callable[[Mapping[str, str]], None] | None = None,
    ) -> None:
        self.store = store
        self.base_url = base_url.rstrip("/")
        self._token = token
        self._http = http or urllib3.PoolManager()
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._on_headers = on_headers

    def request(
        self,
        method: str,
        path_or_url: str,
        *,
        json_body: Any = None,
        body: bytes | None = None,
        content_type: str | None = None,
        query: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        upload: bool = False,
        authorize: bool = True,
    ) -> StoreResponse:
        """Call the API and return the decoded response, or raise a typed error.

        Parameters
        ----------
        method : str
            HTTP method.
        path_or_url : str
            A path under `base_url`, or an absolute URL (App Store upload operations).
        json_body : Any, optional
            Sent as JSON when given.
        body : bytes, optional
            Raw bytes, sent with `content_type`.
        query : mapping, optional
            Query string parameters.
        headers : mapping, optional
            Extra request headers.
        upload : bool
            Use the long read timeout.
        authorize : bool
            Send the bearer token; off for pre-signed upload URLs, which may live on
            another host that must never see the credential.

        Raises
        ------
        StoreUnavailable
            429, 5xx or connection failures outlasted the retries.
        StoreRejected
            Any other non-2xx answer; its `status` and `reason` attributes are set.
        """
        url = path_or_url if "://" in path_or_url else self.base_url + path_or_url
        if query:
            url += ("&" if "?" in url else "?") + urlencode(query)
        send_headers = {"Accept": "application/json", **(headers or {})}
        if json_body is not None:
            body = json.dumps(json_body).encode()
            send_headers["Content-Type"] = "application/json"
        elif content_type:
            send_headers["Content-Type"] = content_type
        if authorize:
            send_headers["Authorization"] = f"Bearer {self._token}"
        timeout = urllib3.Timeout(connect=CONNECT_TIMEOUT_S, read=UPLOAD_READ_TIMEOUT_S if upload else READ_TIMEOUT_S)
        # Query strings can carry signatures (pre-signed upload URLs), so messages name the path only.
        path = urlsplit(url).path
        where = f"{self.store} {method} {path}"

        last = "no attempt"
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                resp = self._http.request(
                    method,
                    url,
                    body=body,
                    headers=send_headers,
                    timeout=timeout,
                    retries=False,
                    redirect=False,
                    preload_content=True,
                )
            except (urllib3.exceptions.HTTPError, OSError) as exc:
                last = f"connection error {type(exc).__name__}"
                wait = backoff_delay(attempt, self._rng)
            else:
                if self._on_headers is not None:
                    self._on_headers(resp.headers)
                decoded = _decode(resp.data)
                if 200 <= resp.status < 300:
                    return StoreResponse(resp.status, resp.headers, decoded)
                last = f"HTTP {resp.status} {error_reason(decoded)}"
                if resp.status != 429 and resp.status < 500:
                    raise self._rejected(f"{where}: {last}", resp.status, reason_code(decoded))
                retry_after = parse_retry_after(resp.headers.get("Retry-After"))
                if retry_after is not None and retry_after > MAX_RETRY_AFTER_S:
                    raise StoreUnavailable(self._one_line(f"{where}: {last} (Retry-After {retry_after:.0f} s)"))
                wait = retry_after if retry_after is not None else backoff_delay(attempt, self._rng)
            if attempt < MAX_ATTEMPTS:
                logger.warning(
                    "store call retried",
                    extra={"store": self.store, "method": method, "path": path, "attempt": attempt, "outcome": self._one_line(last)},
                )
                self._sleep(wait)
        raise StoreUnavailable(self._one_line(f"{where}: {last} after {MAX_ATTEMPTS} attempts"))

    def _rejected(self, message: str, status: int, reason: str | None) -> StoreRejected:
        exc = StoreRejected(self._one_line(message))
        # StoreRejected takes one message string; the clients branch on these (e.g. editDeleted).
        exc.status = status  # type: ignore[attr-defined]
        exc.reason = reason  # type: ignore[attr-defined]
        return exc

    def _one_line(self, text: str) -> str:
        # An API that echoes the request back must not put the credential in our errors.
        text = re.sub(r"\s+", " ", text.replace(self._token, "***") if self._token else text).strip()
        return text if len(text) <= _MESSAGE_LIMIT else text[: _MESSAGE_LIMIT - 1] + "…"


def _decode(data: bytes) -> Any:
    if not data:
        return None
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return None
