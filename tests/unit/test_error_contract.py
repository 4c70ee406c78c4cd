"""The contract between code and workflow: every error name in the ASL is a Capstan exception that code really raises."""

from __future__ import annotations

import json
import re

import pytest

from capstan import errors
from capstan.workflow import FUNCTIONS_DIR, RELEASE_ASL, ROLLBACK_ASL, ROOT

AWS_PREFIXES = ("States.", "Lambda.", "SNS.")


def _error_names(node) -> set[str]:
    names: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "ErrorEquals":
                names.update(value)
            else:
                names |= _error_names(value)
    elif isinstance(node, list):
        for item in node:
            names |= _error_names(item)
    return names


ASL_ERRORS = sorted(
    n for asl in (RELEASE_ASL, ROLLBACK_ASL) for n in _error_names(json.loads(asl.read_text())) if not n.startswith(AWS_PREFIXES)
)
SOURCE = "\n".join(p.read_text() for p in [*(ROOT / "capstan").rglob("*.py"), *FUNCTIONS_DIR.rglob("*.py")])


def test_the_asl_names_capstan_errors():
    assert ASL_ERRORS, "the ASL should catch Capstan errors by name"


@pytest.mark.parametrize("name", ASL_ERRORS)
def test_each_asl_error_is_an_exception_class(name):
    # Given an error name the ASL catches, then it is a CapstanError subclass of that exact name
    cls = getattr(errors, name, None)
    assert isinstance(cls, type) and issubclass(cls, errors.CapstanError)


@pytest.mark.parametrize("name", ASL_ERRORS)
def test_each_asl_error_is_raised_or_sent_somewhere(name):
    # Given an error name the ASL catches, then some code raises it or sends it as a task failure
    pattern = rf"raise {name}\(|{name}\.__name__|except {name}"
    assert re.search(pattern, SOURCE), f"{name} is caught by the ASL but never raised"


def test_every_task_has_a_timeout_a_lambda_retry_and_a_catch():
    for asl in (RELEASE_ASL, ROLLBACK_ASL):
        doc = json.loads(asl.read_text())
        for name, state, in_branch in _states(doc):
            if state["Type"] != "Task":
                continue
            assert "TimeoutSeconds" in state or "TimeoutSecondsPath" in state, name
            assert state.get("Retry"), name
            assert state.get("Catch") or in_branch, f"{name} has no Catch and no enclosing Parallel Catch"
            if "sns:publish" not in state["Resource"]:
                assert "Lambda.ServiceException" in state["Retry"][0]["ErrorEquals"], name


def test_validation_errors_are_never_retried():
    for asl in (RELEASE_ASL, ROLLBACK_ASL):
        for name, state, _ in _states(json.loads(asl.read_text())):
            for retry in state.get("Retry", []):
                assert "InvalidInput" not in retry["ErrorEquals"] and "States.ALL" not in retry["ErrorEquals"], name


def _states(doc, in_branch=False):
    for name, state in doc["States"].items():
        yield name, state, in_branch
        for branch in state.get("Branches", []):
            yield from _states(branch, in_branch=bool(state.get("Catch")))
