"""The `capstan` command as a user runs it: real processes, one-line errors, the demo's JSON, a long-running local stack."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
from helpers import ROOT

CAPSTAN = [sys.executable, "-m", "capstan_local.cli"]


def run(*args: str, timeout: float = 120, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*CAPSTAN, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env={**os.environ, "CAPSTAN_LOCAL_URL": "", **(env or {})},
    )


@pytest.mark.parametrize(
    "args, field",
    [
        ((), "command"),
        (("launch",), "command"),
        (("rollback", "--app", "hello-ai"), "--by"),
        (("send", "/nonexistent/event.json", "--endpoint", "http://127.0.0.1:9"), "FILE"),
        (("status", "--endpoint", "http://127.0.0.1:9"), "endpoint"),
        (("scan", "/nonexistent.sarif"), "PATH"),
    ],
)
def test_bad_input_gets_one_line_naming_the_field_and_a_nonzero_exit(args, field):
    result = run(*args)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and field in lines[0] and "Traceback" not in result.stderr


def test_scan_refuses_a_report_that_is_not_sarif_2_1_0(tmp_path):
    report = tmp_path / "old.sarif"
    report.write_text(json.dumps({"version": "2.0.0", "runs": []}))
    result = run("scan", str(report))
    assert result.returncode == 2 and "SARIF 2.1.0" in result.stderr and len(result.stderr.strip().splitlines()) == 1


@pytest.mark.e2e
def test_demo_json_reports_the_release_then_the_rollback():
    result = run("demo", "--json", timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout)
    assert report["release"]["status"] == "SUCCEEDED" and report["rollback"]["status"] == "SUCCEEDED"
    assert report["release"]["states"][0] == "Validate and record" and report["release"]["states"][-1] == "Released"
    assert report["rollback"]["states"][-1] == "Rolled back"
    actions = {a["action"] for a in report["store_actions"]}
    assert {"halt", "pause", "revert"} <= actions
    assert "Evaluate tests" in result.stderr and "passed" in result.stderr  # progress and timeline on stderr


@pytest.mark.e2e
def test_local_up_serves_send_status_outbox_and_history(tmp_path):
    proc = subprocess.Popen([*CAPSTAN, "local", "up", "--json"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        info = json.loads(proc.stdout.readline())
        endpoint = ["--endpoint", info["control"]]
        sent = run("send", "events/codecommit-push.json", "--json", *endpoint)
        assert sent.returncode == 0, sent.stderr
        delivery = json.loads(sent.stdout)["deliveries"][0]
        assert delivery["status"] == "started" and delivery["execution_name"].startswith("rel-hello-ai-")
        # Bad input through the same door: one line, non-zero, and a ledger record
        bad = tmp_path / "bad.json"
        bad.write_text("{not json")
        refused = run("send", str(bad), *endpoint)
        assert refused.returncode == 1 and len(refused.stderr.strip().splitlines()) == 1 and "event" in refused.stderr
        history = json.loads(run("history", "--json", *endpoint).stdout)
        assert any(e["subject"] == "refused#send" for e in history)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            mails = json.loads(run("outbox", "--json", *endpoint).stdout)
            if any(m["to"] == "alice@example.com" for m in mails):
                break
            time.sleep(0.5)
        assert {"to", "subject", "body", "links"} <= set(mails[0])
        status = json.loads(run("status", "--json", *endpoint).stdout)
        assert status[0]["status"] == "RUNNING" and status[0]["states"][-1] == "Request approval"
        # The same AWS state is reachable over HTTP for other tools
        import boto3

        sfn = boto3.client(
            "stepfunctions", endpoint_url=info["aws"], region_name="us-east-1", aws_access_key_id="local", aws_secret_access_key="local"
        )
        arn = info["state_machines"]["release"]
        assert [e["name"] for e in sfn.list_executions(stateMachineArn=arn)["executions"]] == [delivery["execution_name"]]
    finally:
        proc.terminate()
        proc.wait(timeout=30)
