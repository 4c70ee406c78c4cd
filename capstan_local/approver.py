"""Acting as an approver's browser would: open the emailed link, read the page, press a button."""

from __future__ import annotations

import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass


@dataclass(frozen=True)
class PageReply:
    status: int
    body: str


def _request(url: str, data: bytes | None = None, headers: dict[str, str] | None = None, method: str = "GET") -> PageReply:
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310 - a local http:// URL of our own server
            return PageReply(resp.status, resp.read().decode())
    except urllib.error.HTTPError as exc:
        return PageReply(exc.code, exc.read().decode())


def open_link(url: str) -> PageReply:
    return _request(url)


def decide(url: str, decision: str, reason: str = "", origin: str | None = None) -> PageReply:
    """GET the page, take its CSRF token, POST the decision from the page's own origin."""
    page = open_link(url)
    match = re.search(r'name=csrf value="([^"]+)"', page.body)
    if not match:
        return page
    parts = urllib.parse.urlsplit(url)
    body = urllib.parse.urlencode({"csrf": match.group(1), "decision": decision, "reason": reason}).encode()
    headers = {"Origin": origin or f"{parts.scheme}://{parts.netloc}", "Content-Type": "application/x-www-form-urlencoded"}
    return _request(url, body, headers, "POST")
