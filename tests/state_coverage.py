"""Which states of the two ASL files the end-to-end tests have entered, merged across xdist workers."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from capstan.workflow import RELEASE_ASL, ROLLBACK_ASL
from helpers import ROOT

ENTERED: dict[str, set[str]] = {"release": set(), "rollback": set()}
COVERAGE_DIR = ROOT / ".capstan" / "state-coverage"


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
    (COVERAGE_DIR / f"{worker}.json").write_text(json.dumps({k: sorted(v) for k, v in ENTERED.items()}))


def merged() -> dict[str, set[str]]:
    result = {k: set(v) for k, v in ENTERED.items()}
    for path in COVERAGE_DIR.glob("*.json") if COVERAGE_DIR.exists() else []:
        for flow, names in json.loads(path.read_text()).items():
            result[flow].update(names)
    return result


def missing() -> dict[str, list[str]]:
    m = merged()
    return {flow: sorted(DEFINED[flow] - m[flow]) for flow in DEFINED}
