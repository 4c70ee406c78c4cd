"""Every hostile approval attempt of the bad-input catalogue: refused with the right status, no callback to the
workflow, one ledger record each. The suite prints how many were tried and how many were accepted."""

from __future__ import annotations

import base64
import json
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime

import boto3
import pytest
import suite_report
from flows import push, wait_for_approval_mail
from helpers import ROOT

from capstan.domain import approval as rules
from capstan.ports import default_ports
from capstan_local.stack import LocalStack

pytestmark = pytest.mark.e2e


def request(url: str, method: str = "GET", form: dict | None = None, headers: dict | None = None) -> tuple[int, str]:
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


class Waiting:
    """A release waiting at "Request approval", and what an attacker might hold."""

    def __init__(self, stack: LocalStack, started: dict, link: str):
        self.stack, self.started, self.link = stack, started, link
        self.release_id = started["execution_name"]
        self.origin = stack.approval.url
        doc = json.loads(
            boto3.client("secretsmanager", region_name="us-east-1").get_secret_value(SecretId=stack.env["CAPSTAN_LINK_KEY_SECRET_ID"])[
                "SecretString"
            ]
        )
        self.kid, self.key = doc["current"], doc[doc["current"]].encode()
        _, page = request(link)
        self.page_csrf = page.split('name=csrf value="', 1)[1].split('"', 1)[0]  # what the real page hands out

    def forge(self, approver_id: str, expires_in: int = 3600, store: bool = True, kid: str | None = None, key: bytes | None = None) -> str:
        """A correctly signed link (an insider with the key), stored as if it had been issued."""
        now = int(time.time())
        claims = rules.LinkClaims(
            v=1,
            approval_id=secrets.token_hex(16),
            release_id=self.release_id,
            approver=approver_id,
            expires_at=now + expires_in,
            kid=kid or self.kid,
        )
        token, digest = rules.issue_link(claims, secrets.token_bytes(32), key or self.key)
        if store:
            default_ports().approvals.add_link(
                claims.approval_id, self.release_id, approver_id, digest, claims.expires_at, datetime.now(UTC)
            )
        return f"{self.origin}/a/{token}"

    def approval_records(self) -> int:
        return len([e for e in self.stack.ledger_all() if e["kind"].startswith("approval ")])

    def still_waiting(self) -> bool:
        rnd = default_ports().approvals.get(f"round#{self.release_id}")
        waiting_in = self.stack.states_entered(self.started["execution_arn"])[-1]
        return rnd["status"] == "pending" and waiting_in in ("Request approval", "Remind approvers")


@pytest.fixture(scope="module")
def waiting(tmp_path_factory):
    config = json.loads((ROOT / "config" / "apps.json").read_text())
    # erin pushes the release and is also an approver: the four-eyes rule must stop her
    config["apps"][0]["approval"]["approvers"].append({"id": "erin", "email": "erin@example.com"})
    path = tmp_path_factory.mktemp("config") / "apps.json"
    path.write_text(json.dumps(config))
    stack = LocalStack(time_scale=0.001, state_dir=tmp_path_factory.mktemp("stack"), apps_config=path).start()
    started = push(stack)
    link = wait_for_approval_mail(stack, started["execution_arn"])
    yield Waiting(stack, started, link)
    suite_report.record(stack)
    stack.stop()


def _tamper(link: str, **change) -> str:
    base, token = link.rsplit("/", 1)
    payload, secret, sig = token.split(".")
    doc = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    doc.update(change)
    new = base64.urlsafe_b64encode(json.dumps(doc, separators=(",", ":"), sort_keys=True).encode()).rstrip(b"=").decode()
    return f"{base}/{new}.{secret}.{sig}"


def _resign(link: str, sig: str) -> str:
    return link.rsplit(".", 1)[0] + "." + sig


def _post(
    w: Waiting,
    link: str,
    csrf: str | None = "from-page",
    origin: str | None = "ours",
    decision: str = "approve",
    fetch_site: str | None = None,
    reason: str = "",
) -> tuple[int, str]:
    form = {"decision": decision, "reason": reason}
    if csrf == "from-page":
        form["csrf"] = w.page_csrf
    elif csrf is not None:
        form["csrf"] = csrf
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if origin is not None:
        headers["Origin"] = w.origin if origin == "ours" else origin
    if fetch_site:
        headers["Sec-Fetch-Site"] = fetch_site
    return request(link, "POST", form, headers)


def _task_token(w: Waiting) -> str:
    """The raw task token, as someone with the key and the table could recover it."""
    return default_ports().tokens.open(default_ports().approvals.get(f"round#{w.release_id}")["task_token"], w.release_id)


CASES = {
    "GET only shows": (lambda w: request(w.link), 200),
    "HEAD only shows": (lambda w: request(w.link, "HEAD"), 200),
    "POST without CSRF token": (lambda w: _post(w, w.link, csrf=None), 403),
    "POST with a made-up CSRF token": (lambda w: _post(w, w.link, csrf="A" * 43), 403),
    "POST from another origin": (lambda w: _post(w, w.link, origin="https://evil.example.com"), 403),
    "POST without Origin": (lambda w: _post(w, w.link, origin=None), 403),
    "POST with Origin null from another site": (lambda w: _post(w, w.link, origin="null", fetch_site="cross-site"), 403),
    "reject without a reason": (lambda w: _post(w, w.link, decision="reject"), 400),
    "unknown decision": (lambda w: _post(w, w.link, decision="approve-all"), 400),
    "tampered approver": (lambda w: _post(w, _tamper(w.link, approver="bob")), 403),
    "tampered release": (lambda w: _post(w, _tamper(w.link, release_id="rel-hello-ai-0000000000000000")), 403),
    "tampered expiry": (lambda w: _post(w, _tamper(w.link, expires_at=int(time.time()) + 10**7)), 403),
    "tampered key id": (lambda w: _post(w, _tamper(w.link, kid="k0")), 403),
    "bad signature": (lambda w: _post(w, _resign(w.link, base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode())), 403),
    "empty signature": (lambda w: _post(w, _resign(w.link, "")), 403),
    "truncated signature": (lambda w: _post(w, _resign(w.link, w.link.rsplit(".", 1)[1][:20])), 403),
    "signed with an unknown key": (lambda w: _post(w, w.forge("alice", kid="k9", key=secrets.token_bytes(48), store=True)), 403),
    "link never issued": (lambda w: _post(w, w.forge("alice", store=False)), 403),
    "expired link": (lambda w: _post(w, w.forge("alice", expires_in=-60)), 410),
    "someone who is not an approver": (lambda w: _post(w, w.forge("mallory")), 403),
    "the pusher approving their own release": (lambda w: _post(w, w.forge("erin")), 403),
    "a raw task token pasted in": (lambda w: _post(w, f"{w.origin}/a/{urllib.parse.quote(_task_token(w), safe='')}"), 403),
    "a raw task token in the query string": (
        lambda w: request(f"{w.link}?taskToken={urllib.parse.quote(_task_token(w))}", "POST", {}),
        403,
    ),
    "path traversal": (lambda w: request(f"{w.origin}/a/..%2F..%2Fetc%2Fpasswd"), 403),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_hostile_attempt_is_refused_and_recorded_once(waiting, case):
    attempt, expected = CASES[case]
    before = waiting.approval_records()
    status, body = attempt(waiting)
    suite_report.HOSTILE["tried"] += 1
    accepted = not waiting.still_waiting()
    suite_report.HOSTILE["accepted"] += int(accepted)
    assert status == expected, body[:300]
    assert not accepted, "the workflow was called back"
    assert waiting.approval_records() == before + 1
    assert "Decision recorded" not in body


def test_no_page_carries_a_token_a_secret_or_a_third_party_resource(waiting):
    status, page = request(waiting.link)
    assert status == 200 and _task_token(waiting) not in page
    assert "://" not in page, "the page links to nothing and loads nothing from anywhere"
    assert waiting.link.rsplit(".", 2)[1] not in page, "the one-time secret is not echoed into the page"
