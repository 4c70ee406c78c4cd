"""No task token, link token, one-time secret, signing key or store credential reaches a log."""

from __future__ import annotations

import json

import boto3
import pytest
from flows import release_until_approved

from capstan.ports import default_ports

pytestmark = pytest.mark.e2e


def test_a_whole_release_logs_no_secret(make_stack):
    stack = make_stack()
    for handler in __import__("logging").getLogger("capstan").handlers:
        handler.setLevel("DEBUG")
    arn, _ = release_until_approved(stack)
    assert stack.wait(arn)["status"] == "SUCCEEDED"
    secrets = boto3.client("secretsmanager", region_name="us-east-1")
    link_keys = json.loads(secrets.get_secret_value(SecretId=stack.env["CAPSTAN_LINK_KEY_SECRET_ID"])["SecretString"])
    needles = {"store token": stack.sims.token, **{f"link key {k}": v for k, v in link_keys.items() if k != "current"}}
    for i, mail in enumerate(m for m in stack.outbox.messages() if m["links"]):
        token = mail["links"][0].rsplit("/", 1)[1]
        needles[f"link {i}"] = token
        needles[f"link {i} secret"] = token.split(".")[1]
        needles[f"link {i} signature"] = token.split(".")[2]
    rounds = boto3.resource("dynamodb", region_name="us-east-1").Table(stack.env["CAPSTAN_APPROVALS_TABLE"]).scan()["Items"]
    builds = boto3.resource("dynamodb", region_name="us-east-1").Table(stack.env["CAPSTAN_BUILDS_TABLE"]).scan()["Items"]
    vault = default_ports().tokens
    for item in [*rounds, *builds]:
        if "task_token" in item:
            where = item.get("approval_id") or item.get("build_id")
            needles[f"task token of {where}"] = vault.open(item["task_token"], item["release_id"])
            needles[f"sealed task token of {where}"] = item["task_token"]
    assert len(needles) >= 6
    logs = stack.log_path.read_text() + "".join(p.read_text(errors="replace") for p in stack.state_dir.glob("builds/*/build.log"))
    assert logs, "the handlers should have logged something"
    leaked = [name for name, value in needles.items() if value and value in logs]
    assert leaked == []
