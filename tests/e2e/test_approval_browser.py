"""The approval page in a real headless Chromium: read the summary, press Approve, and see the decision stick."""

from __future__ import annotations

import shutil

import pytest
from flows import push, wait_for_approval_mail

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# As root and offline: no sandbox, no GPU, and none of Chromium's own background traffic.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def browser():
    if CHROMIUM is None:
        pytest.skip("no headless Chromium on this machine (Debian package `chromium`; .ci/run installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield b
        b.close()


def test_an_approver_reads_the_page_clicks_approve_and_the_release_proceeds(make_stack, browser, tmp_path):
    # Given a release waiting for approval and alice's emailed link
    stack = make_stack()
    started = push(stack)
    link = wait_for_approval_mail(stack, started["execution_arn"])
    page = browser.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    # When she opens it, the page shows what ships and decides nothing
    response = page.goto(link)
    assert response.status == 200
    assert response.headers["cache-control"] == "no-store" and response.headers["referrer-policy"] == "no-referrer"
    text = page.inner_text("body")
    assert "Approve this release?" in text and "3f2a9c1e4b7d8a0f6e5c2b1a9d8e7f6a5b4c3d2e" in text and "erin" in text
    assert "28 passed, 0 failed" in text
    for digest in (a["sha256"] for a in _artifacts(stack, started["execution_name"])):
        assert digest in text
    page.screenshot(path=str(tmp_path / "approval-page.png"), full_page=True)
    assert stack.wait(started["execution_arn"], 0.5)["status"] == "RUNNING"
    # And when she presses Approve
    page.click("button[value=approve]")
    assert "Decision recorded" in page.inner_text("body")
    assert stack.wait(started["execution_arn"])["status"] == "SUCCEEDED"
    # Then opening the same link again shows the decision already made
    page.goto(link)
    again = page.inner_text("body")
    assert "Already approved by alice at" in again and "Approve this release?" not in again
    assert all(url.startswith(stack.approval.url) for url in requests), "the page loads nothing from elsewhere"


def _artifacts(stack, release_id):
    built = next(e for e in stack.ledger(release_id) if e["kind"] == "build succeeded")
    return [{"name": k, "sha256": v} for k, v in built["detail"]["artifacts"].items()]
