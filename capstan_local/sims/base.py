"""What every store simulator shares: a quiet threaded HTTP server, routing, auth, failure injection, the action log."""

from __future__ import annotations

import hmac
import itertools
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler
from typing import Any, ClassVar, Self
from urllib.parse import parse_qsl, unquote, urlsplit

from capstan_local.http import LocalHTTPServer

# One counter for all simulators, so actions from the three stores merge in the order they happened.
_SEQUENCE = itertools.count(1)


class SimError(Exception):
    """An API error a route answers with, rendered in the simulated store's error shape."""

    def __init__(self, status: int, message: str, reason: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.reason = reason


@dataclass
class SimRequest:
    """One request as a route sees it; `params` are the route's named groups, URL-decoded."""

    method: str
    path: str
    query: dict[str, str]
    headers: Message
    body: bytes
    params: dict[str, str]

    def json(self) -> Any:
        """The body as JSON, or a 400 in the store's shape."""
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            raise SimError(400, "request body is not valid JSON") from None


@dataclass
class _Injection:
    path_substring: str
    status: int
    remaining: int
    body: dict[str, Any] | None
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[SimRequest], tuple[int, Any]]


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so urllib3's pool reuses connections
    disable_nagle_algorithm = True  # headers and body go out in two writes; Nagle would hold the body ~40 ms

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        """Stay quiet: request lines would drown the test and demo output."""

    def _serve(self) -> None:
        self.server.simulator._serve(self)  # type: ignore[attr-defined]

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve


class StoreSimulator:
    """Base of the simulators: subclasses register routes and render their API's error shape.

    Parameters
    ----------
    token : str
        The bearer credential every API request must carry.
    host : str
        Interface to listen on; the port is chosen by the OS.
    """

    store: ClassVar[str]
    # Paths that carry their own authorization (pre-signed URLs) or control the simulator.
    open_prefixes: ClassVar[tuple[str, ...]] = ("/_sim/",)

    def __init__(self, token: str, *, host: str = "127.0.0.1") -> None:
        self.token = token
        self._host = host
        self._lock = threading.RLock()
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self._actions: list[dict[str, Any]] = []
        self._injections: list[_Injection] = []
        self._server: LocalHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.route("GET", r"/_sim/actions", lambda req: (200, self.actions()))

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> Self:
        """Listen on a free port and serve from a daemon thread; returns self."""
        server = LocalHTTPServer((self._host, 0), _RequestHandler)
        server.daemon_threads = True
        server.simulator = self  # type: ignore[attr-defined]
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, name=f"sim-{self.store}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Base URL of the running simulator, e.g. ``http://127.0.0.1:54321``."""
        if self._server is None:
            raise RuntimeError(f"{self.store} simulator is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # -- test and demo controls --------------------------------------------------------------
    def inject(
        self, path_substring: str, status: int, times: int = 1, body: dict[str, Any] | None = None, headers: dict[str, str] | None = None
    ) -> None:
        """Answer the next `times` requests whose path contains `path_substring` with `status`.

        Parameters
        ----------
        path_substring : str
            Matched against the request path (no query string).
        status : int
            HTTP status to answer with (503, 429, 400 ...).
        times : int
            How many matching requests get the failure.
        body : dict, optional
            Response body; the store's own error shape for `status` by default.
        headers : dict, optional
            Extra response headers, e.g. ``{"Retry-After": "1"}``.
        """
        with self._lock:
            self._injections.append(_Injection(path_substring, status, times, body, dict(headers or {})))

    def actions(self) -> list[dict[str, Any]]:
        """Copies of the release actions recorded so far, oldest first."""
        with self._lock:
            return [dict(a) for a in self._actions]

    # -- for subclasses ----------------------------------------------------------------------
    def route(self, method: str, pattern: str, handler: Handler) -> None:
        """Serve `method` on paths that fully match the regex `pattern`."""
        self._routes.append((method, re.compile(pattern), handler))

    def record(self, action: str, version: Any, **details: Any) -> None:
        """Append one release action to the log."""
        with self._lock:
            self._actions.append(
                {"store": self.store, "action": action, "version": version, **details, "seq": next(_SEQUENCE), "at": time.time()}
            )

    def error_body(self, status: int, message: str, reason: str | None) -> dict[str, Any]:
        """The store's error document; subclasses render their API's shape."""
        raise NotImplementedError

    def response_headers(self) -> dict[str, str]:
        """Headers added to every response (the App Store's rate limit)."""
        return {}

    # -- serving -----------------------------------------------------------------------------
    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        split = urlsplit(handler.path)
        status, payload, headers = self._dispatch(handler.command, split.path, split.query, handler.headers, body)
        data = b"" if payload is None else json.dumps(payload).encode()
        handler.send_response(status)
        for name, value in {**self.response_headers(), **headers}.items():
            handler.send_header(name, value)
        if data:
            handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def _dispatch(self, method: str, path: str, query: str, headers: Message, body: bytes) -> tuple[int, Any, dict[str, str]]:
        injected = None if path.startswith("/_sim/") else self._take_injection(path)
        if injected is not None:
            return injected.status, injected.body or self.error_body(injected.status, "injected failure", None), injected.headers
        if not path.startswith(self.open_prefixes) and not self._authorized(headers):
            return 401, self.error_body(401, "request is missing a valid bearer credential", None), {}
        allowed = False
        for route_method, pattern, fn in self._routes:
            match = pattern.fullmatch(path)
            if match is None:
                continue
            allowed = True
            if route_method != method:
                continue
            params = {k: unquote(v) for k, v in match.groupdict().items()}
            request = SimRequest(method, path, dict(parse_qsl(query)), headers, body, params)
            try:
                with self._lock:
                    status, payload = fn(request)
            except SimError as exc:
                return exc.status, self.error_body(exc.status, exc.message, exc.reason), {}
            except Exception as exc:  # a simulator bug must answer, not hang the client
                return 500, self.error_body(500, f"simulator error {type(exc).__name__}: {exc}", None), {}
            return status, payload, {}
        if allowed:
            return 405, self.error_body(405, f"{method} is not allowed on {path}", None), {}
        return 404, self.error_body(404, f"no such resource {path}", None), {}

    def _take_injection(self, path: str) -> _Injection | None:
        with self._lock:
            for injection in self._injections:
                if injection.path_substring in path and injection.remaining > 0:
                    injection.remaining -= 1
                    return injection
            self._injections = [i for i in self._injections if i.remaining > 0]
        return None

    def _authorized(self, headers: Message) -> bool:
        presented = (headers.get("Authorization") or "").encode()
        return hmac.compare_digest(presented, f"Bearer {self.token}".encode())
