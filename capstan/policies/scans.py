"""The scan gate's policy for one app: what the scanners and the built-in bundle checks may find for a release to go on.

Version 1 (`fail_levels`, `required_tools`) is still read and converted; version 2 is the shape below.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

SEVERITIES = ("info", "low", "medium", "high", "critical")
Severity = Literal["critical", "high", "medium", "low", "info"]
Allowed = Literal["none", "info", "low", "medium", "high", "critical"]
ToolClass = Literal["sast", "dependencies", "secrets", "mobile", "bundle", "other"]

# Tools whose class is known without the app saying so (SARIF `tool.driver.name`, case-insensitive).
KNOWN_TOOL_CLASSES: dict[str, ToolClass] = {
    "semgrep": "sast",
    "semgrep oss": "sast",
    "codeql": "sast",
    "eslint": "sast",
    "gitleaks": "secrets",
    "trufflehog": "secrets",
    "mobsf": "mobile",
    "mobsfscan": "mobile",
    "npm-audit": "dependencies",
    "osv-scanner": "dependencies",
    "capstan-bundle": "bundle",
    "capstan-secrets": "secrets",
}


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("expires must carry a time zone")
    return value


def severity_rank(severity: str) -> int:
    """0 for `none`/unknown, 1 for info ... 5 for critical."""
    return SEVERITIES.index(severity) + 1 if severity in SEVERITIES else 0


class Waiver(BaseModel):
    """An owned, reasoned, expiring exception for one finding, named by its fingerprint."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    fingerprint: str = Field(pattern=r"^[A-Za-z0-9:._/+=-]{8,128}$")
    owner: str = Field(pattern=r"^[A-Za-z0-9._@+-]{1,128}$")
    reason: str = Field(min_length=10, max_length=500)
    expires: Annotated[datetime, AfterValidator(_utc)]


def _default_max() -> dict[str, Allowed]:
    return {"sast": "medium", "dependencies": "medium", "secrets": "none", "mobile": "medium", "bundle": "low", "other": "medium"}


class ScanPolicy(BaseModel):
    """What the security scans of a build may find for the release to go on.

    A finding fails the gate when its severity is above `max_severity` for its tool's class, unless a live
    waiver names its fingerprint or its class is in `baseline` and the last released version had it too.
    A detected secret always fails (only a waiver lifts it); a required tool without a report fails closed.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: Literal[2] = 2
    required_tools: list[str] = Field(default_factory=list)
    max_severity: dict[ToolClass, Allowed] = Field(default_factory=_default_max)
    tool_classes: dict[str, ToolClass] = Field(default_factory=dict, description="tool name -> class, over KNOWN_TOOL_CLASSES")
    baseline: list[ToolClass] = Field(default_factory=list, description="classes where only findings new since the last release fail")
    waivers: list[Waiver] = Field(default_factory=list)
    bundle_checks: bool = True

    @field_validator("max_severity", mode="before")
    @classmethod
    def _over_defaults(cls, value: Any) -> Any:
        return {**_default_max(), **value} if isinstance(value, dict) else value

    @model_validator(mode="before")
    @classmethod
    def _from_version_1(cls, data: Any) -> Any:
        # Version 1 failed on SARIF levels; "error" maps to high, "warning" to medium, "note" to low.
        if isinstance(data, dict) and data.get("version", 1) == 1:
            data = dict(data)
            data.pop("version", None)
            levels = data.pop("fail_levels", ["error"])
            as_severity = {"error": "high", "warning": "medium", "note": "low", "none": "info"}
            lowest = min((severity_rank(as_severity.get(level, "high")) for level in levels), default=6)
            allowed = ("none", *SEVERITIES)[lowest - 1]  # the highest severity that does not fail
            data.setdefault("max_severity", {**_default_max(), **{c: allowed for c in ("sast", "dependencies", "mobile", "other")}})
            data["version"] = 2
        return data

    def tool_class(self, tool: str) -> ToolClass:
        return self.tool_classes.get(tool) or KNOWN_TOOL_CLASSES.get(tool.lower(), "other")

    def allows(self, tool_class: str, severity: str) -> bool:
        return severity_rank(severity) <= severity_rank(self.max_severity.get(tool_class, "medium"))  # type: ignore[call-overload]
