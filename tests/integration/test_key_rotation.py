"""Rotating the link-signing keys through Secrets Manager's real rotation protocol (moto calls our function)."""

from __future__ import annotations

import json
import time

import boto3
import pytest

from capstan.domain import approval as rules
from capstan.errors import InvalidInput
from capstan.ports import default_ports


def _rotate(stack) -> dict:
    sm = boto3.client("secretsmanager", region_name="us-east-1")
    fn = "arn:aws:lambda:us-east-1:123456789012:function:capstan-rotate_link_keys"
    sm.rotate_secret(SecretId=stack.env["CAPSTAN_LINK_KEY_SECRET_ID"], RotationLambdaARN=fn, RotateImmediately=True)
    return json.loads(sm.get_secret_value(SecretId=stack.env["CAPSTAN_LINK_KEY_SECRET_ID"])["SecretString"])


def test_a_rotation_adds_a_current_key_and_links_signed_before_still_verify(stack):
    # Given a link signed with today's key
    reader = default_ports().secrets
    kid, keys = reader.link_keys(stack.env["CAPSTAN_LINK_KEY_SECRET_ID"])
    claims = rules.LinkClaims(v=1, approval_id="a", release_id="r", approver="alice", expires_at=int(time.time()) + 600, kid=kid)
    token, _ = rules.issue_link(claims, b"s" * 32, keys[kid])
    # When the secret is rotated
    doc = _rotate(stack)
    # Then there is a new current key, the old one stays, and the old link still verifies
    assert doc["current"] != kid and kid in doc and len(doc[doc["current"]]) >= 43
    new_kid, new_keys = reader.link_keys(stack.env["CAPSTAN_LINK_KEY_SECRET_ID"])
    assert new_kid == doc["current"]
    assert rules.verify_link(token, new_keys, int(time.time()))[0].approver == "alice"
    # And a second rotation drops the oldest key: its links are long expired by then
    assert kid not in _rotate(stack)
    assert any(e["kind"] == "link keys rotated" for e in stack.ledger("keys#link"))


def test_the_rotation_function_refuses_other_secrets(stack):
    with pytest.raises(InvalidInput, match="SecretId"):
        stack.invoke("rotate_link_keys", {"Step": "createSecret", "SecretId": "someone-elses-secret", "ClientRequestToken": "x" * 36})
