"""Approval links: signed, expiring, one approver, the same refusal for every kind of bad signature."""

from __future__ import annotations

import base64
import json

import pytest

from capstan.domain import approval as rules

KEY, OLD = b"k" * 32, b"o" * 32
NOW = 1_800_000_000


def _link(expires=NOW + 3600, kid="k2", key=KEY):
    claims = rules.LinkClaims(v=1, approval_id="a1", release_id="rel-x", approver="alice", expires_at=expires, kid=kid)
    return rules.issue_link(claims, b"s" * 32, key)


def test_a_fresh_link_verifies_and_returns_its_secret():
    token, digest = _link()
    claims, secret = rules.verify_link(token, {"k2": KEY}, NOW)
    assert claims.approver == "alice" and rules.secret_hash(secret) == digest


def test_the_secret_is_not_stored_only_its_hash():
    token, digest = _link()
    secret = token.split(".")[1]
    assert secret not in digest and len(digest) == 64


def test_the_previous_key_still_verifies_during_rotation():
    token, _ = _link(kid="k1", key=OLD)
    claims, _ = rules.verify_link(token, {"k2": KEY, "k1": OLD}, NOW)
    assert claims.kid == "k1"


def _tamper(token: str, **change) -> str:
    payload, secret, sig = token.split(".")
    doc = json.loads(base64.urlsafe_b64decode(payload + "=="))
    doc.update(change)
    new = base64.urlsafe_b64encode(json.dumps(doc).encode()).rstrip(b"=").decode()
    return f"{new}.{secret}.{sig}"


@pytest.mark.parametrize(
    "mutate",
    [
        lambda t: _tamper(t, approver="mallory"),
        lambda t: _tamper(t, release_id="rel-other"),
        lambda t: _tamper(t, expires_at=NOW + 10**7),
        lambda t: _tamper(t, kid="k9"),
        lambda t: t.rsplit(".", 1)[0] + ".",
        lambda t: t.rsplit(".", 1)[0] + "." + t.rsplit(".", 1)[1][:10],
        lambda t: t.rsplit(".", 1)[0] + "." + "A" * 43,
        lambda t: t + "x",
        lambda t: "",
        lambda t: "AAAA",
        lambda t: "arn:aws:states:us-east-1:123456789012:task-token/AAAAKgAAAAIAAAAAAAAAAQ==",
    ],
)
def test_every_bad_link_gets_the_same_refusal(mutate):
    token, _ = _link()
    with pytest.raises(rules.LinkRefused) as caught:
        rules.verify_link(mutate(token), {"k2": KEY}, NOW)
    assert caught.value.public == rules.REFUSED and caught.value.status == 403


def test_an_expired_link_says_expired():
    token, _ = _link(expires=NOW - 1)
    with pytest.raises(rules.LinkRefused) as caught:
        rules.verify_link(token, {"k2": KEY}, NOW)
    assert caught.value.status == 410


def test_csrf_is_bound_to_the_link():
    assert rules.check_csrf(KEY, "a1", "sec", rules.csrf_token(KEY, "a1", "sec"))
    assert not rules.check_csrf(KEY, "a1", "other", rules.csrf_token(KEY, "a1", "sec"))
    assert not rules.check_csrf(KEY, "a1", "sec", "")


def test_four_eyes_and_approver_role():
    assert rules.refuse_approver("alice", {"alice", "bob"}, pushed_by="erin") is None
    assert "cannot approve" in rules.refuse_approver("erin", {"erin", "bob"}, pushed_by="erin")
    assert "not an approver" in rules.refuse_approver("mallory", {"alice"}, pushed_by="erin")


def test_a_link_never_outlives_the_step():
    assert rules.link_expiry(NOW, 86400, NOW + 600) == NOW + 600


def test_only_the_pages_own_posts_pass_the_origin_check():
    base = "https://approve.example.com/v1"
    assert rules.same_origin("https://approve.example.com", None, base)
    assert rules.same_origin("null", "same-origin", base)  # no-referrer pages post with Origin: null
    assert not rules.same_origin("null", "cross-site", base)
    assert not rules.same_origin("null", None, base)
    assert not rules.same_origin("https://evil.example.com", "same-origin", base)
    assert not rules.same_origin(None, None, base)
