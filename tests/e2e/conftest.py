"""End-to-end fixtures: local stacks running the real state machines, and variants of the sample app."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import suite_report
from helpers import ROOT

from capstan_local.stack import LocalStack


@pytest.fixture
def make_stack(tmp_path):
    """Start a local stack; every execution it runs counts toward the suite's state coverage."""
    stacks: list[LocalStack] = []

    def start(**kwargs) -> LocalStack:
        kwargs.setdefault("time_scale", 0.0005)
        stack = LocalStack(state_dir=tmp_path / f"stack{len(stacks)}", **kwargs).start()
        stacks.append(stack)
        return stack

    yield start
    for stack in stacks:
        suite_report.record(stack)
        stack.stop()


@pytest.fixture
def app_variant(tmp_path):
    """A copy of the sample app with files changed: `app_variant(("path", transform), ...)`."""

    def make(*changes) -> Path:
        dest = tmp_path / "variant" / "hello-ai"
        shutil.copytree(ROOT / "examples" / "hello-ai", dest, ignore=shutil.ignore_patterns("node_modules", "dist", "reports"))
        for relative, transform in changes:
            path = dest / relative
            path.write_text(transform(path.read_text()))
        return dest

    return make
