"""The scan gate's policy for one app."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ScanPolicy(BaseModel):
    """What the security scans of a build may find for the release to go on."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # SARIF levels that fail the gate.
    fail_levels: list[str] = Field(default_factory=lambda: ["error"])
    required_tools: list[str] = Field(default_factory=list)
