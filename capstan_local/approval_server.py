"""The approval page on 127.0.0.1: HTTP requests become API Gateway proxy events for the real approval handler."""

from __future__ import annotations

from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import urlsplit

from capstan_local.http import LocalEndpoint

MAX_BODY = 16 * 1024


class ApprovalServer(LocalEndpoint):
    def __init__(self, invoke: Callable[[str, dict[str, Any]], dict[str, Any]], host: str = "127.0.0.1", port: int = 0):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the path holds the one-time link
                return

            def _serve(self) -> None:
                length = min(int(self.headers.get("Content-Length") or 0), MAX_BODY)
                body = self.rfile.read(length).decode("utf-8", "replace") if length else None
                path = urlsplit(self.path).path
                token = path[3:] if path.startswith("/a/") else ""
                function = "github_webhook" if path == "/github/push" else "approval_api"
                event = {
                    "resource": "/a/{token}" if function == "approval_api" else path,
                    "path": path,
                    "httpMethod": self.command,
                    "headers": {k: v for k, v in self.headers.items()},
                    "multiValueHeaders": {k: [v] for k, v in self.headers.items()},
                    "queryStringParameters": None,
                    "multiValueQueryStringParameters": None,
                    "pathParameters": {"token": token} if token else None,
                    "stageVariables": None,
                    "requestContext": {
                        "resourcePath": "/a/{token}",
                        "httpMethod": self.command,
                        "stage": "local",
                        "path": path,
                        "requestId": "local",
                        "accountId": "123456789012",
                        "apiId": "local",
                        "identity": {"sourceIp": self.client_address[0], "userAgent": self.headers.get("User-Agent", "")},
                    },
                    "body": body,
                    "isBase64Encoded": False,
                }
                response = server._invoke(function, event)
                payload = (response.get("body") or "").encode()
                self.send_response(int(response.get("statusCode", 500)))
                for key, value in (response.get("headers") or {}).items():
                    self.send_header(key, value)
                for key, values in (response.get("multiValueHeaders") or {}).items():
                    for value in values:
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)

            do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = _serve

        self._invoke = invoke
        super().__init__(Handler, "approval-server", host, port)
