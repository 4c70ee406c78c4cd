"""Every sample event parses into its contract; settings and the apps config validate with clear errors."""

from __future__ import annotations

import json

import pytest
from helpers import ROOT, load_event
from pydantic import TypeAdapter, ValidationError

from capstan.config import load_catalog
from capstan.errors import InvalidInput
from capstan.models.common import first_error
from capstan.models.events import BuildStateChange, PushEvent, RollbackTrigger
from capstan.rules import ALL_RULES
from capstan.settings import Settings, env_names

SAMPLES = {
    "codecommit-push.json": PushEvent,
    "github-push.json": PushEvent,
    "codebuild-build-succeeded.json": BuildStateChange,
    "codebuild-build-failed.json": BuildStateChange,
    "cloudwatch-alarm-state-change.json": RollbackTrigger,
    "oncall-rollback.json": RollbackTrigger,
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_each_sample_event_parses(name):
    TypeAdapter(SAMPLES[name]).validate_python(load_event(name))


def test_every_entry_point_has_a_sample_matching_its_rule():
    from moto.events.models import EventPattern

    events = [load_event(p.name) for p in (ROOT / "events").glob("*.json")]
    for rule in ALL_RULES:
        pattern = EventPattern.load(json.dumps(rule.pattern))
        assert any(pattern.matches_event(e) for e in events), f"no sample event for rule {rule.name}"


@pytest.mark.parametrize(
    "change, field",
    [
        (lambda e: e.pop("account"), "account"),
        (lambda e: e["detail"].update(commitId="xyz"), "commitId"),
        (lambda e: e["detail"].update(referenceName="main\u202e"), "referenceName"),
        (lambda e: e.update(source="evil.source"), "source"),
        (lambda e: e.update(time="yesterday"), "time"),
    ],
)
def test_a_bad_push_names_the_field(change, field):
    event = load_event("codecommit-push.json")
    change(event)
    with pytest.raises(ValidationError) as caught:
        TypeAdapter(PushEvent).validate_python(event)
    assert field in first_error(caught.value)


def test_oncall_requests_refuse_unknown_fields_and_short_reasons():
    event = load_event("oncall-rollback.json")
    event["detail"]["reason"] = "x"
    with pytest.raises(ValidationError) as caught:
        TypeAdapter(RollbackTrigger).validate_python(event)
    assert "reason" in first_error(caught.value)
    event["detail"].update(reason="a good reason", extra_field=1)
    with pytest.raises(ValidationError):
        TypeAdapter(RollbackTrigger).validate_python(event)


def test_settings_name_the_missing_variable():
    with pytest.raises(InvalidInput, match="CAPSTAN_"):
        Settings.from_env({})
    assert "CAPSTAN_LEDGER_TABLE" in env_names()


def test_the_apps_config_is_valid_and_bad_config_names_the_field(tmp_path):
    catalog = load_catalog(ROOT / "config" / "apps.json")
    app = catalog.get("hello-ai")
    assert app.releases_ref("main") and app.releases_ref("v1.4.0") and not app.releases_ref("feature/x")
    doc = json.loads((ROOT / "config" / "apps.json").read_text())
    doc["apps"][0]["approval"]["required"] = 5
    bad = tmp_path / "apps.json"
    bad.write_text(json.dumps(doc))
    with pytest.raises(InvalidInput, match="apps config apps.0.approval"):
        load_catalog(bad)
