"""What the whole suite saw, merged across xdist workers: the ASL states the e2e tests entered, and the
hostile approval attempts tried and accepted."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from helpers import ROOT

from capstan.workflow import RELEASE_ASL, ROLLBACK_ASL

ENTERED: dict[str, set[str]] = {"release": set(), "rollback": set()}
HOSTILE = {"tried": 0, "accepted": 0}
COVERAGE_DIR = ROOT / ".capstan" / "suite-report"


def all_states(asl: Path) -> set[str]:
    def walk(doc):
        for name, state in doc["States"].items():
            yield name
            for branch in state.get("Branches", []):
                yield from walk(branch)

    return set(walk(json.loads(asl.read_text())))


DEFINED = {"release": all_states(RELEASE_ASL), "rollback": all_states(ROLLBACK_ASL)}


def record(stack) -> None:
    """Note every state any execution of this local stack entered."""
    sfn = stack.client("stepfunctions")
    for flow, arn in stack.state_machines.items():
        for ex in sfn.list_executions(stateMachineArn=arn)["executions"]:
            ENTERED[flow].update(stack.states_entered(ex["executionArn"]))


def reset() -> None:
    shutil.rmtree(COVERAGE_DIR, ignore_errors=True)


def save(worker: str) -> None:
    COVERAGE_DIR.mkdir(parents=True, exist_ok=True)
    (COVERAGE_DIR / f"{worker}.json").write_text(json.dumps({"entered": {k: sorted(v) for k, v in ENTERED.items()}, "hostile": HOSTILE}))


def merged() -> dict[str, set[str]]:
    result = {k: set(v) for k, v in ENTERED.items()}
    for doc in _saved():
        for flow, names in doc["entered"].items():
            result[flow].update(names)
    return result


def _saved() -> list[dict]:
    return [json.loads(p.read_text()) for p in COVERAGE_DIR.glob("*.json")] if COVERAGE_DIR.exists() else []


def hostile() -> dict[str, int]:
    total = dict(HOSTILE)
    for doc in _saved():
        for key in total:
            total[key] += doc["hostile"][key]
    return total


def missing() -> dict[str, list[str]]:
    m = merged()
    return {flow: sorted(DEFINED[flow] - m[flow]) for flow in DEFINED}
