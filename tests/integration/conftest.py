"""Integration fixtures: the handlers against moto, through one local stack per module."""

from __future__ import annotations

import pytest

from capstan_local.stack import LocalStack


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    s = LocalStack(time_scale=0.0005, state_dir=tmp_path_factory.mktemp("stack")).start()
    yield s
    s.stop()


@pytest.fixture
def ledger_count(stack):
    def count(subject_prefix: str = "") -> int:
        return len([e for e in stack.ledger_all() if e["subject"].startswith(subject_prefix)])

    return count
