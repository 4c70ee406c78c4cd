"""`capstan gate tests REPORT...`: the test gate on files (see issue: test-result intake)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    """No `gate` command yet."""
