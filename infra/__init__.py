"""The CDK app of Capstan: one stack, built from the same ASL files, rule patterns and table schemas the local stack runs."""

from __future__ import annotations

import json

from capstan.workflow import ROOT

CDK_JSON = ROOT / "cdk.json"


def feature_flags() -> dict:
    """The context of cdk.json (feature flags), so `python app.py`, the tests and `cdk synth` build the same template."""
    return json.loads(CDK_JSON.read_text()).get("context", {})


def construct_id(name: str) -> str:
    """A construct id from a function, rule or queue name: `start_build` / `build-state-change` -> `StartBuild`."""
    return "".join(part.capitalize() for part in name.replace("_", "-").split("-"))
