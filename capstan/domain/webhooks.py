"""GitHub webhooks: the signature over the raw body is what makes a push event trustworthy."""

from __future__ import annotations

import hashlib
import hmac

MAX_WEBHOOK_BYTES = 5 * 1024 * 1024


def github_signature_ok(secret: bytes, body: bytes, header: str | None) -> bool:
    """Check `X-Hub-Signature-256` (`sha256=<hex HMAC of the raw body>`) in constant time."""
    if not secret or not header or not header.startswith("sha256=") or len(header) != 71:
        return False
    expected = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), header.encode())
