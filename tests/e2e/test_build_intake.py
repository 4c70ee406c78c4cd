"""The build stage end to end: every CodeBuild end state, repeated and late events, provenance, and artifacts
that change after the build."""

from __future__ import annotations

import uuid

import boto3
import pytest
from flows import push, wait_for_approval_mail
from helpers import load_event

from capstan_local import approver

pytestmark = pytest.mark.e2e


def _build_id(stack, release_id: str) -> str:
    stack.wait(
        f"{stack.state_machines['release'].replace(':stateMachine:', ':execution:')}:{release_id}",
        30,
        until=lambda _d: any(e["kind"] == "build started" for e in stack.ledger(release_id)),
    )
    return next(e for e in stack.ledger(release_id) if e["kind"] == "build started")["detail"]["build_id"]


def _build_event(build_id: str, status: str) -> dict:
    event = load_event("codebuild-build-failed.json")
    event["id"] = str(uuid.uuid4())
    event["detail"]["build-status"] = status
    event["detail"]["build-id"] = f"arn:aws:codebuild:us-east-1:123456789012:build/{build_id}"
    event["detail"]["project-name"] = build_id.split(":")[0]
    return event


@pytest.mark.parametrize("status", ["FAILED", "FAULT", "STOPPED", "TIMED_OUT"])
def test_each_unsuccessful_build_end_state_fails_the_release_with_its_reason(make_stack, status):
    # Given a release waiting for its build (the local runner is off: we play CodeBuild)
    stack = make_stack(run_builds=False)
    started = push(stack)
    build_id = _build_id(stack, started["execution_name"])
    # When CodeBuild reports the end state
    [delivery] = stack.put_event(_build_event(build_id, status))
    # Then the release fails through "Build failed", recording why
    desc = stack.wait(started["execution_arn"])
    assert desc["status"] == "FAILED" and "Build failed" in stack.states_entered(started["execution_arn"])
    failed = [e for e in stack.ledger(started["execution_name"]) if e["kind"] == "build failed"]
    assert len(failed) == 1 and status in failed[0]["detail"]["error"]
    # And the same event again, or a late SUCCEEDED, changes nothing
    assert stack.put_event(_build_event(build_id, status))[0].result["status"] == "duplicate"
    assert stack.put_event(_build_event(build_id, "SUCCEEDED"))[0].result["status"] == "duplicate"
    assert [e["kind"] for e in stack.ledger(started["execution_name"])].count("build failed") == 1


def test_a_successful_build_records_its_provenance(make_stack):
    stack = make_stack()
    started = push(stack)
    wait_for_approval_mail(stack, started["execution_arn"])
    built = next(e for e in stack.ledger(started["execution_name"]) if e["kind"] == "build succeeded")
    provenance = built["detail"]["provenance"]
    assert provenance["commit"] == "3f2a9c1e4b7d8a0f6e5c2b1a9d8e7f6a5b4c3d2e"
    assert len(provenance["buildspec_sha256"]) == 64 and provenance["builder_image"].startswith("capstan-local/")
    assert provenance["native_compile"] is False
    assert set(built["detail"]["artifacts"]) == {"web-bundle.zip", "app-release.aab", "app-release.ipa"}


def test_an_artifact_changed_after_the_build_never_reaches_a_store(make_stack):
    # Given a release whose build produced and recorded its artifacts
    stack = make_stack()
    started = push(stack)
    link = wait_for_approval_mail(stack, started["execution_arn"])
    built = next(e for e in stack.ledger(started["execution_name"]) if e["kind"] == "build succeeded")
    build_id = built["detail"]["build_id"]
    # When someone swaps the AAB in the bucket, and the release is approved
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.put_object(Bucket=stack.env["CAPSTAN_ARTIFACT_BUCKET"], Key=f"builds/{build_id}/artifacts/app-release.aab", Body=b"not the build")
    approver.decide(link, "approve")
    # Then the upload stops on the digest check, and no store receives the swapped file
    desc = stack.wait(started["execution_arn"])
    assert desc["status"] == "FAILED" and "Upload failed" in stack.states_entered(started["execution_arn"])
    assert not [a for a in stack.store_actions() if a["store"] == "google_play"]
    end = next(e for e in stack.ledger(started["execution_name"]) if e["kind"] == "release failed")
    assert "ArtifactIntegrityError" in end["detail"]["error"] or "ArtifactIntegrityError" in end["detail"]["cause"]
