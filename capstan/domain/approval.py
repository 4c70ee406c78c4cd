"""Approval links: signed, expiring, addressed to one approver, carrying a one-time secret.

The link never carries the task token. Its token is `payload.secret.signature`, all
base64url: the payload names the approval, release, approver, expiry and key id; the
secret (256 bits) is stored only as its SHA-256; the signature is HMAC-SHA256 over the
payload under the key named by the key id.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import asdict, dataclass

LINK_VERSION = 1
SECRET_BYTES = 32
REFUSED = "this approval link is not valid"


class LinkRefused(Exception):
    """A link failed verification; `public` is what the approver is shown, `reason` goes to the ledger."""

    def __init__(self, reason: str, public: str = REFUSED, status: int = 403):
        super().__init__(reason)
        self.reason = reason
        self.public = public
        self.status = status


@dataclass(frozen=True)
class LinkClaims:
    v: int
    approval_id: str
    release_id: str
    approver: str
    expires_at: int
    kid: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    if not text or len(text) > 4096 or any(c not in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_" for c in text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _sign(key: bytes, payload: str) -> str:
    return _b64(hmac.new(key, payload.encode(), hashlib.sha256).digest())


def issue_link(claims: LinkClaims, secret: bytes, key: bytes) -> tuple[str, str]:
    """Make a link token; returns (token, SHA-256 of the secret to store)."""
    if len(secret) < SECRET_BYTES:
        raise ValueError("the one-time secret must be at least 256 bits")
    payload = _b64(json.dumps(asdict(claims), separators=(",", ":"), sort_keys=True).encode())
    secret_text = _b64(secret)
    return f"{payload}.{secret_text}.{_sign(key, payload)}", secret_hash(secret_text)


def verify_link(token: str, keys: dict[str, bytes], now: int) -> tuple[LinkClaims, str]:
    """Check a link token's shape, signature and expiry; returns the claims and the secret.

    Every malformed, unknown-key or bad signature gets the same refusal, so a caller
    learns nothing about which part was wrong.
    """
    parts = token.split(".") if isinstance(token, str) and len(token) <= 4096 else []
    if len(parts) != 3:
        raise LinkRefused("malformed link token")
    payload, secret, signature = parts
    try:
        raw = json.loads(_unb64(payload))
        claims = LinkClaims(**raw)
        if claims.v != LINK_VERSION or not isinstance(claims.expires_at, int):
            raise ValueError("version")
        _unb64(secret)
        given = _unb64(signature)
    except (ValueError, TypeError):
        raise LinkRefused("malformed link token") from None
    key = keys.get(claims.kid)
    expected = hmac.new(key or b"\0" * 32, payload.encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(expected, given) or key is None:
        raise LinkRefused("bad signature or unknown key id")
    if now >= claims.expires_at:
        raise LinkRefused("link expired", public="this approval link has expired", status=410)
    return claims, secret


def csrf_token(key: bytes, approval_id: str, secret: str) -> str:
    """The token the page's form must send back: bound to this approval and this link's secret."""
    return _sign(key, f"csrf|{approval_id}|{secret_hash(secret)}")


def check_csrf(key: bytes, approval_id: str, secret: str, given: str) -> bool:
    return hmac.compare_digest(csrf_token(key, approval_id, secret).encode(), (given or "").encode())


def same_origin(origin: str | None, fetch_site: str | None, base_url: str) -> bool:
    """Did the POST come from the approval page itself?

    Our pages send `Referrer-Policy: no-referrer`, under which browsers serialize the
    Origin of a form POST as "null"; they then still say `Sec-Fetch-Site: same-origin`,
    a header no page can set. Anything else must carry our exact origin.
    """
    scheme, _, rest = base_url.partition("://")
    ours = f"{scheme}://{rest.split('/', 1)[0]}"
    if origin == ours:
        return True
    return origin == "null" and fetch_site == "same-origin"


def refuse_approver(approver: str, allowed: set[str], pushed_by: str) -> str | None:
    """Why this person may not decide, or None: approvers only, and never the pusher (four eyes)."""
    if approver not in allowed:
        return f"{approver} is not an approver for this app"
    if approver == pushed_by:
        return f"{approver} pushed this release and cannot approve it"
    return None


MIN_KEY_CHARS = 43


def rotated_keys(doc: dict[str, str], new_key: str) -> dict[str, str]:
    """The link-key secret after one rotation: a new current key, and the previous one kept so that
    links it signed keep verifying until they expire (rotation is far rarer than a link's 24 h life).
    Keys older than the previous one are dropped.
    """
    current = doc.get("current")
    if current not in doc or len(new_key) < MIN_KEY_CHARS:
        raise ValueError("link key secret is malformed, or the new key is too short")
    numbers = [int(k[1:]) for k in doc if k != "current" and k[:1] == "k" and k[1:].isdigit()]
    new_kid = f"k{max(numbers, default=0) + 1}"
    return {"current": new_kid, new_kid: new_key, current: doc[current]}


def reminder_lead(approval_s: int) -> int:
    """How long before the links expire the reminder goes out: a quarter of the wait, at most two hours."""
    return max(1, min(2 * 3600, approval_s // 4))


def link_expiry(now: int, ttl_s: int, step_deadline: int) -> int:
    """A link expires after its TTL, and never after the workflow step itself times out."""
    return min(now + ttl_s, step_deadline)
