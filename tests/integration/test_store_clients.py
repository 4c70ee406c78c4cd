"""The store clients against the local store simulators, over real HTTP on 127.0.0.1."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

import pytest
import urllib3

from capstan.adapters.stores import AppStoreConnectClient, GooglePlayClient, LiveUpdateClient
from capstan.errors import ArtifactIntegrityError, StoreRejected, StoreUnavailable
from capstan_local.sims import StoreSimulators

PKG = "com.example.capstan"
APP_ID = "1234567890"


@pytest.fixture
def sims() -> Iterator[StoreSimulators]:
    with StoreSimulators(chunk_size=1024) as running:
        yield running


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def play(sims: StoreSimulators, sleeps: list[float]) -> GooglePlayClient:
    return GooglePlayClient(sims.urls["google_play"], sims.token, sleep=sleeps.append)


@pytest.fixture
def app_store(sims: StoreSimulators, sleeps: list[float]) -> AppStoreConnectClient:
    return AppStoreConnectClient(sims.urls["app_store"], sims.token, sleep=sleeps.append, poll_interval_s=0.0)


@pytest.fixture
def live(sims: StoreSimulators, sleeps: list[float]) -> LiveUpdateClient:
    return LiveUpdateClient(sims.urls["live_update"], sims.token, sleep=sleeps.append)


def _actions(sims: StoreSimulators, store: str) -> list[tuple[str, Any]]:
    return [(a["action"], a["version"]) for a in sims.actions() if a["store"] == store]


class _RecordingPool(urllib3.PoolManager):
    """A real pool that remembers which URLs saw an Authorization header."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[str, bool]] = []

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        self.seen.append((url, "Authorization" in (kwargs.get("headers") or {})))
        return super().request(method, url, *args, **kwargs)


# -- Google Play -------------------------------------------------------------------------------


def test_play_upload_assigns_increasing_version_codes(sims: StoreSimulators, play: GooglePlayClient) -> None:
    # Given two bundles
    first, second = b"aab-one" * 50, b"aab-two" * 50
    # When both are uploaded
    codes = [play.upload_bundle(PKG, first), play.upload_bundle(PKG, second)]
    # Then Play numbered them from the configured start and kept their digests
    assert codes == [100, 101]
    assert [b["sha256"] for b in sims.google_play.bundles(PKG)] == [hashlib.sha256(first).hexdigest(), hashlib.sha256(second).hexdigest()]
    assert _actions(sims, "google_play") == [("upload", 100), ("upload", 101)]


def test_play_upload_refuses_a_store_digest_that_differs(sims: StoreSimulators, play: GooglePlayClient) -> None:
    # Given Play reports a digest other than the bundle's
    sims.google_play.inject("/bundles", 200, body={"versionCode": 100, "sha256": "0" * 64})
    # When / Then the upload fails as an integrity error and nothing is committed
    with pytest.raises(ArtifactIntegrityError):
        play.upload_bundle(PKG, b"aab")
    assert sims.actions() == []


def test_play_staged_rollout_then_complete(sims: StoreSimulators, play: GooglePlayClient) -> None:
    # Given an uploaded bundle
    code = play.upload_bundle(PKG, b"aab")
    # When it is rolled out to 10 %, then 50 %, then everyone
    for fraction in (0.1, 0.5, 1.0):
        play.set_rollout(PKG, "production", code, fraction, "1.2.0")
    # Then the track holds one completed release without a fraction, and every step was recorded
    assert sims.google_play.track(PKG, "production") == [{"name": "1.2.0", "versionCodes": [str(code)], "status": "completed"}]
    rollout = [(a["action"], a.get("fraction")) for a in sims.actions() if a["action"] != "upload"]
    assert rollout == [("rollout", 0.1), ("rollout", 0.5), ("complete", None)]


def test_play_halt_keeps_fraction_and_blocks_resume(sims: StoreSimulators, play: GooglePlayClient) -> None:
    # Given a release at 20 %
    code = play.upload_bundle(PKG, b"aab")
    play.set_rollout(PKG, "production", code, 0.2, "1.2.0")
    # When it is halted
    halted = play.halt(PKG, "production", code)
    # Then it is halted at the same fraction, and cannot be resumed without a new bundle
    assert halted == {"name": "1.2.0", "versionCodes": [str(code)], "status": "halted", "userFraction": 0.2}
    assert sims.google_play.track(PKG, "production") == [halted]
    assert _actions(sims, "google_play")[-1] == ("halt", code)
    with pytest.raises(StoreRejected, match="halted release cannot be updated"):
        play.set_rollout(PKG, "production", code, 0.5, "1.2.0")


def test_play_redoes_the_operation_in_a_new_edit_after_edit_deleted(sims: StoreSimulators, play: GooglePlayClient) -> None:
    # Given Play deletes the edit before its commit
    sims.google_play.inject(":commit", 400, body=sims.google_play.error_body(400, "This Edit has been deleted.", "editDeleted"))
    # When a bundle is uploaded
    code = play.upload_bundle(PKG, b"aab")
    # Then the upload lost with the edit was redone in a fresh one, and committed once
    assert code == 101
    assert _actions(sims, "google_play") == [("upload", 101)]


def test_play_second_edit_deleted_is_not_retried_again(sims: StoreSimulators, play: GooglePlayClient) -> None:
    # Given every edit is deleted before its commit
    sims.google_play.inject(":commit", 400, times=2, body=sims.google_play.error_body(400, "This Edit has been deleted.", "editDeleted"))
    # When / Then the operation gives up after one fresh edit
    with pytest.raises(StoreRejected, match="editDeleted"):
        play.upload_bundle(PKG, b"aab")
    assert sims.actions() == []


def test_play_retries_503_then_succeeds(sims: StoreSimulators, play: GooglePlayClient, sleeps: list[float]) -> None:
    # Given the upload endpoint answers 503 twice
    sims.google_play.inject("/bundles", 503, times=2)
    # When a bundle is uploaded
    code = play.upload_bundle(PKG, b"aab")
    # Then it succeeded after two backoffs within the jitter ceilings
    assert code == 100
    assert len(sleeps) == 2 and 0 <= sleeps[0] <= 0.2 and 0 <= sleeps[1] <= 0.4


def test_play_honours_retry_after_on_429(sims: StoreSimulators, play: GooglePlayClient, sleeps: list[float]) -> None:
    # Given the edits endpoint is over quota once and says when to come back
    sims.google_play.inject("/edits", 429, headers={"Retry-After": "2"})
    # When a bundle is uploaded
    play.upload_bundle(PKG, b"aab")
    # Then the client waited exactly what Play asked
    assert sleeps == [2.0]


def test_play_gives_up_with_store_unavailable(sims: StoreSimulators, play: GooglePlayClient, sleeps: list[float]) -> None:
    # Given Play keeps failing
    sims.google_play.inject("/edits", 503, times=10)
    # When / Then four attempts are made and the error is typed as transient
    with pytest.raises(StoreUnavailable, match=r"HTTP 503 .* after 4 attempts"):
        play.upload_bundle(PKG, b"aab")
    assert len(sleeps) == 3


def test_non_retryable_rejection_is_one_line_without_token(sims: StoreSimulators, play: GooglePlayClient, sleeps: list[float]) -> None:
    # Given a versionCode that was never uploaded
    # When it is rolled out
    with pytest.raises(StoreRejected) as caught:
        play.set_rollout(PKG, "production", 999, 0.1, "9.9.9")
    # Then it fails at once with a one-line message naming store, method, path, status and reason
    message = str(caught.value)
    assert "\n" not in message and sims.token not in message
    assert message.startswith("google_play PUT /androidpublisher/v3/applications/com.example.capstan/edits/")
    assert "/tracks/production: HTTP 400 badRequest version codes not found" in message
    assert sleeps == []


def test_bad_token_gets_401_in_the_store_error_shape(sims: StoreSimulators) -> None:
    # Given clients holding the wrong credential
    wrong = "not-the-token-" + "x" * 20
    play = GooglePlayClient(sims.urls["google_play"], wrong, sleep=lambda s: None)
    apple = AppStoreConnectClient(sims.urls["app_store"], wrong, sleep=lambda s: None)
    # When they call the stores / Then both are refused and the credential is never echoed
    with pytest.raises(StoreRejected, match="HTTP 401 authError") as play_error:
        play.upload_bundle(PKG, b"aab")
    with pytest.raises(StoreRejected, match="HTTP 401 NOT_AUTHORIZED") as apple_error:
        apple.start_phased_release("some-version")
    assert wrong not in str(play_error.value) + str(apple_error.value)


# -- App Store Connect ---------------------------------------------------------------------------


def test_app_store_upload_in_chunks_waits_for_processing(sims: StoreSimulators, sleeps: list[float]) -> None:
    # Given an .ipa spanning three upload operations and a build that processes for a moment
    ipa = bytes(range(256)) * 10
    sims.app_store.processing_delay_s = 0.05
    pool = _RecordingPool()
    client = AppStoreConnectClient(sims.urls["app_store"], sims.token, pool, poll_interval_s=0.01)
    # When it is uploaded
    upload_id = client.upload_build(APP_ID, "1.2.0", "42", ipa)
    # Then the store assembled the exact bytes, processed them and knows the app store version
    assert sims.app_store.build_sha256(upload_id) == hashlib.sha256(ipa).hexdigest()
    assert client.get_build_upload(upload_id)["attributes"]["state"]["state"] == "COMPLETE"
    assert client.app_store_version_id(upload_id)
    assert _actions(sims, "app_store") == [("upload", "1.2.0 (42)")]
    # And the three chunk PUTs went to pre-signed URLs without the bearer credential
    chunk_calls = [authorized for url, authorized in pool.seen if "/_upload/" in url]
    assert chunk_calls == [False, False, False]
    assert all(authorized for url, authorized in pool.seen if "/v1/" in url)
    assert client.rate_limit_remaining is not None and client.rate_limit_remaining < 3500


def test_app_store_failed_processing_is_rejected(sims: StoreSimulators, app_store: AppStoreConnectClient) -> None:
    # Given processing will fail
    sims.app_store.processing_result = "FAILED"
    # When / Then the upload ends in StoreRejected with Apple's reason
    with pytest.raises(StoreRejected, match="processing FAILED: 90000"):
        app_store.upload_build(APP_ID, "1.2.0", "43", b"ipa")


def test_app_store_processing_wait_is_bounded(sims: StoreSimulators) -> None:
    # Given a build that processes for an hour and a client that waits ten minutes
    sims.app_store.processing_delay_s = 3600
    now = [0.0]
    client = AppStoreConnectClient(
        sims.urls["app_store"],
        sims.token,
        sleep=lambda s: now.__setitem__(0, now[0] + s),
        clock=lambda: now[0],
        poll_interval_s=60,
        max_wait_s=600,
    )
    # When / Then it gives up with a transient error the workflow can retry later
    with pytest.raises(StoreUnavailable, match="still PROCESSING after 600 s"):
        client.upload_build(APP_ID, "1.2.0", "44", b"ipa")


def test_app_store_refuses_a_duplicate_build(app_store: AppStoreConnectClient) -> None:
    # Given a build already uploaded
    app_store.upload_build(APP_ID, "1.2.0", "45", b"ipa")
    # When / Then the same version and build number is refused
    with pytest.raises(StoreRejected, match="HTTP 409 ENTITY_ERROR.ATTRIBUTE.INVALID.DUPLICATE"):
        app_store.upload_build(APP_ID, "1.2.0", "45", b"ipa")


def test_phased_release_pause_resume_complete(sims: StoreSimulators, app_store: AppStoreConnectClient) -> None:
    # Given a processed build with a phased release started
    version_id = app_store.app_store_version_id(app_store.upload_build(APP_ID, "1.2.0", "46", b"ipa"))
    phased_id = app_store.start_phased_release(version_id)
    # When it is paused twice (a retried rollback), resumed and completed
    for state in ("PAUSED", "PAUSED", "ACTIVE", "COMPLETE"):
        app_store.set_phased_release_state(phased_id, state)
    # Then each real transition was recorded once
    assert [a for a, _ in _actions(sims, "app_store")] == ["upload", "phased_release_start", "pause", "resume", "complete"]
    # And a completed phased release cannot be paused
    with pytest.raises(StoreRejected, match="HTTP 409 .*cannot go from COMPLETE to PAUSED"):
        app_store.set_phased_release_state(phased_id, "PAUSED")


# -- live update ---------------------------------------------------------------------------------


def _publish(live: LiveUpdateClient, version: str, data: bytes) -> str:
    return live.publish_bundle("capstan-demo", version, data, hashlib.sha256(data).hexdigest(), "1.0.0")


def test_live_update_publish_set_and_revert(sims: StoreSimulators, live: LiveUpdateClient) -> None:
    # Given a good bundle live at 100 % and a new one going out to 10 %
    good, new = _publish(live, "1.2.0", b"good web"), _publish(live, "1.3.0", b"new web")
    live.set_channel("capstan-demo", "production", good, 100)
    live.set_channel("capstan-demo", "production", new, 10)
    # When the channel is reverted to the good bundle
    channel = live.revert_channel("capstan-demo", "production", good)
    # Then the good bundle serves everyone and the bad one is remembered as previous
    assert live.get_channel("capstan-demo", "production") == channel
    assert (channel["bundle_id"], channel["previous_bundle_id"], channel["percentage"]) == (good, new, 100)
    assert [(a["action"], a["version"], a.get("percentage")) for a in sims.actions()] == [
        ("publish", "1.2.0", None),
        ("publish", "1.3.0", None),
        ("set_channel", "1.2.0", 100),
        ("set_channel", "1.3.0", 10),
        ("revert", "1.2.0", 100),
    ]


def test_live_update_refuses_checksum_mismatch(sims: StoreSimulators, live: LiveUpdateClient) -> None:
    # Given bytes that do not match the declared digest
    # When they are published / Then the service refuses them and records nothing
    with pytest.raises(StoreRejected, match="HTTP 400 checksumMismatch"):
        live.publish_bundle("capstan-demo", "1.2.0", b"tampered", hashlib.sha256(b"built").hexdigest(), "1.0.0")
    assert sims.actions() == []


def test_live_update_retried_publish_is_the_same_bundle(sims: StoreSimulators, live: LiveUpdateClient) -> None:
    # Given a published bundle / When the same bytes are published again / Then it is the same bundle, once
    assert _publish(live, "1.2.0", b"web") == _publish(live, "1.2.0", b"web")
    assert _actions(sims, "live_update") == [("publish", "1.2.0")]


def test_actions_are_served_as_json(sims: StoreSimulators, live: LiveUpdateClient) -> None:
    # Given one recorded action
    _publish(live, "1.2.0", b"web")
    # When the control endpoint is read
    resp = urllib3.request("GET", sims.urls["live_update"] + "/_sim/actions", timeout=5)
    # Then it lists the same actions
    assert resp.status == 200 and json.loads(resp.data) == sims.live_update.actions()
