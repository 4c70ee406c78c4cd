"""The HTTP server every local endpoint uses (approval page, control endpoint, store simulators)."""

from http.server import ThreadingHTTPServer


class LocalHTTPServer(ThreadingHTTPServer):
    """A threading server on 127.0.0.1 whose listen backlog holds a burst of requests.

    The standard library's backlog of 5 refuses connections when a dozen racing clicks
    (or parallel store calls) arrive at once.
    """

    request_queue_size = 128
    daemon_threads = True
