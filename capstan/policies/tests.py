"""The test gate's policy for one app."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class TestPolicy(BaseModel):
    """What the test reports of a build must show for the release to go on."""

    __test__ = False  # not a pytest test class
    model_config = ConfigDict(extra="forbid", frozen=True)

    min_pass_rate: float = Field(default=1.0, ge=0, le=1)
    min_tests: int = Field(default=1, ge=0)
