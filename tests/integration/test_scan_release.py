"""A release of the sample app with a planted key, on the local engine: the project's own lint misses it, the
scan gate's bundle check blocks it before approval, and the ledger shows it masked."""

from __future__ import annotations

import random
import shutil
import uuid

import pytest
from helpers import ROOT, load_event

from capstan_local.scan_corpus import fake_key
from capstan_local.stack import LocalStack

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(shutil.which("node") is None, reason="the sample app builds with Node")]


def test_a_hugging_face_token_in_the_sample_bundle_stops_the_release_before_approval(tmp_path):
    # Given the sample app with a Hugging Face token in its chat client (a variable name its lint does not flag)
    key = fake_key("huggingface-token", random.Random(4))
    source = tmp_path / "hello-ai"
    shutil.copytree(ROOT / "examples" / "hello-ai", source, ignore=shutil.ignore_patterns("node_modules", "dist", "reports"))
    client = source / "src" / "lib" / "chat-client.js"
    client.write_text(client.read_text() + f"\nexport const HF = '{key}';\n")
    stack = LocalStack(time_scale=0.0005, state_dir=tmp_path / "stack", sources={"hello-ai": source}).start()
    try:
        # When it is pushed
        event = load_event("codecommit-push.json")
        event["id"] = str(uuid.uuid4())
        [delivery] = stack.put_event(event)
        started = delivery.result
        stack.wait(started["execution_arn"])
        # Then the tests pass, the scan gate fails on the bundle, and nobody is asked to approve
        states = stack.states_entered(started["execution_arn"])
        assert "Evaluate tests" in states and "Scans failed" in states and "Request approval" not in states
        [gate] = [e for e in stack.ledger(started["execution_name"]) if e["kind"] == "scan gate fail"]
        reasons = " ".join(gate["detail"]["reasons"])
        assert "huggingface-token hf_" in reasons and "web-bundle.zip!app.min.js" in reasons
        assert key not in str(gate) and key not in str(stack.history(started["execution_arn"]))
    finally:
        stack.stop()
