"""Naming, ref names, rollout steps and rollback rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from capstan.config import RolloutPolicy
from capstan.domain import naming, rollout
from capstan.domain import rollback as rb
from capstan.models.events import RefNameCheck

NOW = datetime(2026, 12, 4, 12, tzinfo=UTC)


def test_release_names_are_deterministic_and_safe():
    a = naming.release_id("hello-ai", "production", "a" * 40)
    assert a == naming.release_id("hello-ai", "production", "a" * 40)
    assert a != naming.release_id("hello-ai", "beta", "a" * 40)
    assert len(a) <= 80 and all(c.isalnum() or c in "-_" for c in a)


@pytest.mark.parametrize("ref", ["main", "release/1.4", "v1.4.0", "feature/ai-chat"])
def test_ordinary_refs_are_accepted(ref):
    assert RefNameCheck(name=ref).name == ref


@pytest.mark.parametrize(
    "ref",
    [
        "a..b",
        "a~1",
        "a^",
        "a:b",
        "a@{1}",
        "a\\b",
        "x.lock",
        "a\x01b",
        "ma\u200bin",
        "ma\u202ein",
        "m\u0430in",
        "x" * 256,
        "",
        "/main",
        "main/",
        ".hidden",
        "a b",
        "a//b",
    ],
)
def test_hostile_refs_are_refused(ref):
    with pytest.raises(ValidationError):
        RefNameCheck(name=ref)


def test_rollout_walks_the_fractions_and_completes():
    policy = RolloutPolicy(fractions=[0.1, 0.5, 1.0], bake_seconds=60)
    s0 = rollout.next_step(policy, None)
    s1 = rollout.next_step(policy, s0)
    s2 = rollout.next_step(policy, s1)
    assert [s0.fraction, s1.fraction, s2.fraction] == [0.1, 0.5, 1.0]
    assert [s0.complete, s2.complete] == [False, True]
    with pytest.raises(ValueError):
        rollout.next_step(policy, s2)


@pytest.mark.parametrize("fractions", [[0.5, 0.1, 1.0], [0.1, 0.5], [0, 1.0], [0.5, 0.5, 1.0]])
def test_bad_rollout_policies_are_refused(fractions):
    with pytest.raises(ValidationError):
        RolloutPolicy(fractions=fractions)


def _view(rid, status, good=False, bad=False, days=0, bundle="b"):
    return rb.ReleaseView(rid, status, good, bad, NOW - timedelta(days=days), bundle)


def test_rollback_targets_the_last_known_good_release_never_a_bad_one():
    releases = [
        _view("r1", "superseded", good=True, days=9),
        _view("r2", "rolled_back", good=False, bad=True, days=5),
        _view("r3", "superseded", good=True, days=3),
        _view("r4", "live", good=True, days=0),
    ]
    bad = rb.live_release(releases, None)
    assert bad.release_id == "r4"
    assert rb.target_release(releases, bad).release_id == "r3"


def test_rollback_refusals():
    assert "not on call" in rb.refuse_requester("on_call", "mallory", ["carol"])
    assert rb.refuse_requester("alarm", "cloudwatch-alarm", []) is None
    assert rb.live_release([_view("r1", "failed")], None) == "the app has no live release"
    assert "not live" in rb.live_release([_view("r1", "failed")], "r1")
    assert "unknown" in rb.live_release([], "r9")
    assert "no known-good" in rb.target_release([_view("r4", "live", good=True)], _view("r4", "live"))


def test_automatic_rollbacks_are_capped_and_cooled_down():
    recent = [NOW - timedelta(hours=h) for h in (1, 2, 3)]
    assert "cap of 3" in rb.refuse_rate("alarm", recent, NOW, cap=3, cooldown_minutes=15)
    assert "cooldown" in rb.refuse_rate("alarm", [NOW - timedelta(minutes=5)], NOW, cap=3, cooldown_minutes=15)
    assert rb.refuse_rate("alarm", [NOW - timedelta(hours=30)], NOW, cap=3, cooldown_minutes=15) is None
    assert rb.refuse_rate("on_call", recent, NOW, cap=3, cooldown_minutes=15) is None
