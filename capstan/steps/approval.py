"""Approval: per-approver signed links out by email, decisions in through the approval page."""

from __future__ import annotations

import secrets
import time
import uuid
from dataclasses import dataclass

from capstan.domain import approval as rules
from capstan.errors import ApprovalRejected
from capstan.models.common import Contract
from capstan.models.release import ApprovalOutcome, ApprovalTaskInput
from capstan.ports import Ports


class ApprovalRequested(Contract):
    release_id: str
    approvers: list[str]
    expires_at: int


def request_approval(inp: ApprovalTaskInput, ports: Ports) -> ApprovalRequested:
    """Open an approval round (holding the task token) and email each eligible approver their own link."""
    state = inp.state
    req = state.release.request
    app = ports.app(req.app_id)
    now = ports.clock()
    approvers = [a for a in app.approval.approvers if a.id != req.pushed_by]
    if len(approvers) < app.approval.required:
        raise ApprovalRejected(
            f"{app.approval.required} approval(s) needed but only {len(approvers)} approver(s) did not push this release"
        )
    deadline = int(now.timestamp()) + state.release.timeouts.approval_s
    expires = rules.link_expiry(int(now.timestamp()), app.approval.link_ttl_minutes * 60, deadline)
    build, tests, scans = state.build, state.tests, state.scans
    summary = {
        "app": app.app_id,
        "track": req.track,
        "version": f"{build.version_name} ({build.version_code})",
        "commit": req.commit,
        "ref": req.ref,
        "pushed_by": req.pushed_by,
        "artifacts": [{"name": a.name, "sha256": a.sha256, "size": a.size} for a in build.artifacts],
        "tests": tests.tests.model_dump() if tests else None,
        "test_duration_s": tests.duration_s if tests else None,
        "coverage": tests.coverage if tests else None,
        "quarantined": tests.quarantined if tests else [],
        "scans": {"counts": scans.counts, "tools": scans.tools, "summary": scans.summary.model_dump()} if scans else None,
        "native_compile": build.native_compile,
        "notes": build.notes,
    }
    digests = sorted(a.sha256 for a in build.artifacts)
    ports.approvals.open_round(
        req.release_id,
        app.app_id,
        ports.tokens.seal(inp.task_token, req.release_id),
        app.approval.required,
        req.pushed_by,
        summary,
        digests,
        deadline,
        now,
    )
    kid, keys = ports.secrets.link_keys(ports.settings.link_key_secret_id)
    for approver in approvers:
        approval_id = uuid.uuid4().hex
        claims = rules.LinkClaims(
            v=rules.LINK_VERSION, approval_id=approval_id, release_id=req.release_id, approver=approver.id, expires_at=expires, kid=kid
        )
        token, digest = rules.issue_link(claims, secrets.token_bytes(rules.SECRET_BYTES), keys[kid])
        ports.approvals.add_link(approval_id, req.release_id, approver.id, digest, expires, now)
        link = f"{ports.settings.approval_base_url.rstrip('/')}/a/{token}"
        ports.notifier.send(
            f"Approve {app.app_id} {build.version_name} for {req.track}?",
            _email(summary, link, approver.id, expires),
            audience="approver",
            recipient=approver.id,
        )
    ports.ledger.append(
        req.release_id,
        "approval requested",
        now,
        {"approvers": [a.id for a in approvers], "required": app.approval.required, "expires_at": expires},
    )
    return ApprovalRequested(release_id=req.release_id, approvers=[a.id for a in approvers], expires_at=expires)


ROUND_WAIT_TRIES, ROUND_WAIT_S = 40, 0.25


class ReminderSent(Contract):
    release_id: str
    reminded: list[str]
    status: str


def remind_approvers(inp: ApprovalTaskInput, ports: Ports) -> ReminderSent:
    """Take over the waiting from "Request approval" and remind whoever has not decided; links stay the same.

    A decision made while the workflow moved from one waiting task to the other has
    closed the round already: then this task completes itself with that decision.
    """
    req, now = inp.state.release.request, ports.clock()
    sealed = ports.tokens.seal(inp.task_token, req.release_id)
    rnd = ports.approvals.swap_token(req.release_id, sealed, now)
    for _ in range(ROUND_WAIT_TRIES):
        if rnd is not None or ports.approvals.get(f"round#{req.release_id}") is not None:
            break
        # The reminder came before "Request approval" had opened the round (only when the wait is very short):
        # give it a moment rather than reject a release nobody has seen.
        time.sleep(ROUND_WAIT_S)
        rnd = ports.approvals.swap_token(req.release_id, sealed, now)
    if rnd is None:
        rnd = ports.approvals.get(f"round#{req.release_id}") or {}
        status = rnd.get("status", "missing")
        if status == "approved":
            ports.workflow.succeed(inp.task_token, _outcome(rnd, now).model_dump(mode="json"))
        else:
            ports.workflow.fail(inp.task_token, ApprovalRejected.__name__, f"approval round {status}")
        return ReminderSent(release_id=req.release_id, reminded=[], status=status)
    waiting = [
        link["approver"] for link in ports.approvals.links(req.release_id, list(rnd.get("links", []))) if link["status"] == "pending"
    ]
    summary = rnd["summary"]
    for approver in waiting:
        ports.notifier.send(
            f"Reminder: approve {summary['app']} {summary['version']} for {summary['track']}?",
            f"Hello {approver},\n\n{summary['app']} {summary['version']} (commit {summary['commit'][:12]}) still waits "
            f"for your decision. Use the link in the approval email you received; it expires at "
            f"{int(rnd['expires_at_epoch'])} (Unix time), and then the release is rejected as expired.",
            audience="approver",
            recipient=approver,
        )
    ports.ledger.append(req.release_id, "approval reminder sent", now, {"approvers": waiting})
    return ReminderSent(release_id=req.release_id, reminded=waiting, status="pending")


def _outcome(rnd: dict, now) -> ApprovalOutcome:  # noqa: ANN001
    return ApprovalOutcome(
        decision="approved",
        approved_by=list(rnd["approved_by"]),
        decided_at=rnd.get("closed_at") or now,
        artifact_digests=list(rnd["digests"]),
    )


def _email(summary: dict, link: str, approver: str, expires: int) -> str:
    tests = summary["tests"] or {}
    lines = [
        f"Hello {approver},",
        "",
        f"{summary['app']} {summary['version']} is ready for {summary['track']}.",
        f"Commit {summary['commit'][:12]} on {summary['ref']}, pushed by {summary['pushed_by']}.",
        f"Tests: {tests.get('passed', 0)} passed, {tests.get('failed', 0)} failed, {tests.get('skipped', 0)} skipped"
        + (f", line coverage {summary['coverage']:.1%}." if summary.get("coverage") is not None else "."),
        f"Scans: {summary['scans']['counts'] if summary['scans'] else 'none'}.",
        "",
        "Artifacts:",
        *[f"  {a['name']}  sha256:{a['sha256']}" for a in summary["artifacts"]],
        "",
        "Review and decide (this link is yours alone and works once):",
        link,
        "",
        f"The link expires at {expires} (Unix time). Opening it decides nothing; the page has the buttons.",
    ]
    return "\n".join(lines)


@dataclass(frozen=True)
class Attempt:
    """One request to the approval page, as the audit ledger records it."""

    method: str
    token: str
    source_ip: str
    user_agent: str
    origin: str | None = None
    fetch_site: str | None = None
    decision: str | None = None
    reason: str = ""
    csrf: str = ""


@dataclass(frozen=True)
class PageResult:
    status: int
    view: str  # review | decided | expired | refused | done
    message: str
    summary: dict | None = None
    csrf: str | None = None
    approver: str | None = None


def _audit(ports: Ports, attempt: Attempt, subject: str, result: str, why: str = "", approver: str | None = None) -> None:
    ports.ledger.append(
        subject,
        f"approval {attempt.method} {result}",
        ports.clock(),
        {"why": why, "source_ip": attempt.source_ip, "user_agent": attempt.user_agent[:200], "decision": attempt.decision},
        actor=approver,
    )


def handle_attempt(attempt: Attempt, ports: Ports) -> PageResult:
    """Show (GET/HEAD) or decide (POST) one approval; every attempt leaves one ledger entry."""
    now = ports.clock()
    _, keys = ports.secrets.link_keys(ports.settings.link_key_secret_id)
    try:
        claims, secret = rules.verify_link(attempt.token, keys, int(now.timestamp()))
    except rules.LinkRefused as exc:
        _audit(ports, attempt, "approval#refused", "refused", exc.reason)
        return PageResult(exc.status, "expired" if exc.status == 410 else "refused", exc.public)
    link = ports.approvals.get(claims.approval_id)
    rnd = ports.approvals.get(f"round#{claims.release_id}")
    if (
        not link
        or not rnd
        or link["release_id"] != claims.release_id
        or link["approver"] != claims.approver
        or link["secret_hash"] != rules.secret_hash(secret)
    ):
        _audit(ports, attempt, "approval#refused", "refused", "link does not match a stored approval")
        return PageResult(403, "refused", rules.REFUSED)
    subject = claims.release_id
    if link["status"] != "pending":
        _audit(ports, attempt, subject, "refused", "already decided", claims.approver)
        return PageResult(409, "decided", f"Already {link['status']} by {link['decided_by']} at {link['decided_at']}.", rnd["summary"])
    if rnd["status"] != "pending":
        _audit(ports, attempt, subject, "refused", f"round {rnd['status']}", claims.approver)
        return PageResult(409, "decided", f"This release was already {rnd['status']}.", rnd["summary"])
    app = ports.app(rnd["app_id"])
    if (why := rules.refuse_approver(claims.approver, {a.id for a in app.approval.approvers}, rnd["pushed_by"])) is not None:
        _audit(ports, attempt, subject, "refused", why, claims.approver)
        return PageResult(403, "refused", rules.REFUSED)
    csrf = rules.csrf_token(keys[claims.kid], claims.approval_id, secret)
    if attempt.method != "POST":
        _audit(ports, attempt, subject, "viewed", approver=claims.approver)
        return PageResult(200, "review", "", rnd["summary"], csrf, claims.approver)
    if not rules.same_origin(attempt.origin, attempt.fetch_site, ports.settings.approval_base_url):
        _audit(ports, attempt, subject, "refused", f"origin {attempt.origin!r} is not the approval page's", claims.approver)
        return PageResult(403, "refused", "This decision did not come from the approval page.")
    if not rules.check_csrf(keys[claims.kid], claims.approval_id, secret, attempt.csrf):
        _audit(ports, attempt, subject, "refused", "missing or wrong CSRF token", claims.approver)
        return PageResult(403, "refused", "This decision did not come from the approval page.")
    if attempt.decision not in ("approve", "reject") or (attempt.decision == "reject" and len(attempt.reason.strip()) < 3):
        _audit(ports, attempt, subject, "refused", "decision must be approve, or reject with a reason", claims.approver)
        return PageResult(400, "review", "Choose Approve, or Reject with a reason.", rnd["summary"], csrf, claims.approver)
    decision = "approved" if attempt.decision == "approve" else "rejected"
    if not ports.approvals.decide_link(
        claims.approval_id, rules.secret_hash(secret), decision, claims.approver, attempt.reason.strip()[:500], now
    ):
        fresh = ports.approvals.get(claims.approval_id) or {}
        _audit(ports, attempt, subject, "refused", "lost the race", claims.approver)
        return PageResult(
            409, "decided", f"Already {fresh.get('status')} by {fresh.get('decided_by')} at {fresh.get('decided_at')}.", rnd["summary"]
        )
    _audit(ports, attempt, subject, decision, attempt.reason.strip()[:500], claims.approver)
    status, message = _call_back(ports, claims.release_id, claims.approver, decision, attempt.reason.strip())
    return PageResult(status, "done" if status == 200 else "expired", message, rnd["summary"])


def _call_back(ports: Ports, release_id: str, approver: str, decision: str, reason: str) -> tuple[int, str]:
    """After the decision is recorded: close the round when it is decided, and call the workflow back once."""
    now = ports.clock()
    if decision == "rejected":
        rnd = ports.approvals.close_round(release_id, "rejected", now)
        if rnd is None:
            return 409, "Your rejection is recorded; the release had already been decided."
        token = ports.tokens.open(rnd["task_token"], release_id)
        ok = ports.workflow.fail(token, ApprovalRejected.__name__, f"rejected by {approver}: {reason[:500]}")
        return (200, "Rejected. The release is stopped.") if ok else (410, "Rejected; the release had already expired.")
    rnd = ports.approvals.count_approval(release_id, approver)
    if rnd is None:
        return 409, "Your approval is recorded; the release had already been decided."
    if len(rnd["approved_by"]) < int(rnd["required"]):
        return 200, f"Approved. {int(rnd['required']) - len(rnd['approved_by'])} more approval(s) needed."
    rnd = ports.approvals.close_round(release_id, "approved", now)
    if rnd is None:
        return 409, "Your approval is recorded; the release had already been decided."
    if not ports.workflow.succeed(ports.tokens.open(rnd["task_token"], release_id), _outcome(rnd, now).model_dump(mode="json")):
        # The link had not expired (checked above), so the workflow is between its two waiting tasks;
        # "Remind approvers" finds the round approved and goes on.
        ports.ledger.append(release_id, "approval callback deferred", now, {"why": "the waiting task was being handed over"})
    return 200, "Approved. The release proceeds to the stores."
