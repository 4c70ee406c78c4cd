"""The HTTP server every local endpoint uses (approval page, control endpoint, store simulators)."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self


class LocalHTTPServer(ThreadingHTTPServer):
    """A threading server on 127.0.0.1 whose listen backlog holds a burst of requests.

    The standard library's backlog of 5 refuses connections when a dozen racing clicks
    (or parallel store calls) arrive at once.
    """

    request_queue_size = 128
    daemon_threads = True


class LocalEndpoint:
    """A `LocalHTTPServer` served from a daemon thread: its URL, start and stop, for each local endpoint."""

    def __init__(self, handler: type[BaseHTTPRequestHandler], name: str, host: str = "127.0.0.1", port: int = 0):
        self._httpd = LocalHTTPServer((host, port), handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, name=name, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
