"""The approval page: plain HTML that works without JavaScript, loads nothing from elsewhere, and reads well on a phone."""

from __future__ import annotations

import secrets
from html import escape

from capstan.steps.approval import PageResult

_STYLE = """
body{font:16px/1.5 system-ui,sans-serif;margin:0;padding:1rem;max-width:44rem;margin:auto;color:#1b1f24}
h1{font-size:1.35rem}table{border-collapse:collapse;width:100%}
td,th{text-align:left;padding:.3rem;border-bottom:1px solid #ddd;vertical-align:top}
code{word-break:break-all;font-size:.85rem}.note{background:#fff4d6;padding:.6rem;border-radius:.4rem}
.msg{padding:.8rem;border-radius:.4rem;background:#eef3ff}
button{font-size:1rem;padding:.7rem 1.2rem;margin:.3rem .3rem .3rem 0;border-radius:.4rem;border:0}
.approve{background:#1a7f37;color:#fff}.reject{background:#cf222e;color:#fff}textarea{width:100%;box-sizing:border-box;min-height:4rem}
"""


def security_headers(nonce: str) -> dict[str, str]:
    """Headers of every approval response: nothing cached, no referrer, nothing loaded from elsewhere."""
    return {
        "Content-Type": "text/html; charset=utf-8",
        "Cache-Control": "no-store",
        "Pragma": "no-cache",
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
        "Content-Security-Policy": (
            f"default-src 'none'; style-src 'nonce-{nonce}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        ),
    }


def _counts(counts: dict) -> str:
    found = {level: int(n) for level, n in counts.items() if int(n)}
    return ", ".join(f"{n} {level}" for level, n in sorted(found.items())) or "no findings"


def _findings(summary: dict) -> str:
    if not summary:
        return "no summary"
    return (
        f"{summary.get('new', 0)} new, {summary.get('baseline', 0)} already in the last release, {summary.get('waived', 0)} waived; "
        f"{summary.get('secrets', 0)} secrets; {summary.get('blocking', 0)} blocking"
    )


def _summary(summary: dict) -> str:
    tests = summary.get("tests") or {}
    scans = summary.get("scans") or {}
    rows = [
        ("App", summary.get("app")),
        ("Track", summary.get("track")),
        ("Version", summary.get("version")),
        ("Commit", summary.get("commit")),
        ("Ref", summary.get("ref")),
        ("Pushed by", summary.get("pushed_by")),
        (
            "Tests",
            f"{tests.get('passed', 0)} passed, {tests.get('failed', 0)} failed, {tests.get('errors', 0)} errors, "
            f"{tests.get('skipped', 0)} skipped of {tests.get('total', 0)}",
        ),
        ("Line coverage", "not measured" if summary.get("coverage") is None else f"{float(summary['coverage']):.1%}"),
        ("Scans", f"tools {', '.join(scans.get('tools') or []) or 'none'}; " + _counts(scans.get("counts") or {})),
        ("Findings", _findings(scans.get("summary") or {})),
    ]
    rows += [
        (f"Quarantined: {q.get('test')}", f"failed but excused; owner {q.get('owner')}, until {q.get('expires')}: {q.get('reason')}")
        for q in summary.get("quarantined") or []
    ]
    body = "".join(f"<tr><th>{escape(str(k))}</th><td>{escape(str(v))}</td></tr>" for k, v in rows)
    arts = "".join(
        f"<tr><td>{escape(a['name'])}</td><td><code>sha256:{escape(a['sha256'])}</code></td></tr>" for a in summary.get("artifacts") or []
    )
    note = (
        ""
        if summary.get("native_compile", True)
        else ('<p class="note">The native artifacts of this release were packaged from the web bundle; no native compile ran.</p>')
    )
    return f"<table>{body}</table><h2>Artifacts</h2><table>{arts}</table>{note}"


def render(result: PageResult) -> tuple[str, dict[str, str]]:
    """The page for a result, and its headers."""
    nonce = secrets.token_urlsafe(16)
    parts = [
        "<!doctype html><html lang=en><head><meta charset=utf-8>",
        '<meta name=viewport content="width=device-width,initial-scale=1">',
        f"<meta name=referrer content=no-referrer><title>Capstan approval</title><style nonce={nonce}>{_STYLE}</style></head><body>",
    ]
    if result.view == "review":
        parts.append(f"<h1>Approve this release?</h1><p>You are signed in by this link as <b>{escape(result.approver or '')}</b>.</p>")
        if result.message:
            parts.append(f'<p class="msg" role="alert">{escape(result.message)}</p>')
        parts.append(_summary(result.summary or {}))
        # No action attribute: the form posts back to the link itself, whatever stage prefix the API has.
        parts.append(
            f'<form method=post><input type=hidden name=csrf value="{escape(result.csrf or "")}">'
            "<p><label for=reason>Reason (required to reject)</label><textarea id=reason name=reason maxlength=500></textarea></p>"
            "<button class=approve name=decision value=approve type=submit>Approve</button>"
            "<button class=reject name=decision value=reject type=submit>Reject</button></form>"
        )
    else:
        title = {"done": "Decision recorded", "decided": "Already decided", "expired": "Link expired"}.get(result.view, "Link not valid")
        parts.append(f'<h1>{title}</h1><p class="msg" role="status">{escape(result.message)}</p>')
        if result.summary:
            parts.append(_summary(result.summary))
    parts.append("</body></html>")
    return "".join(parts), security_headers(nonce)
