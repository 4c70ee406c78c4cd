"""Loads and validates a CodeBuild version 0.2 buildspec and resolves its file sets against a source tree."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

PHASES = ("install", "pre_build", "build", "post_build")
TOP_LEVEL_KEYS = {"version", "run-as", "env", "proxy", "batch", "phases", "reports", "artifacts", "cache"}


class BuildspecError(ValueError):
    """The buildspec is missing, is not YAML, or is not a valid version 0.2 buildspec."""


def _strings(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) for v in value):
        raise BuildspecError(f"{where} must be a list of strings")
    return [str(v) for v in value]


def _file_set(section: Any, where: str) -> dict[str, Any]:
    if not isinstance(section, dict) or not section.get("files"):
        raise BuildspecError(f"{where} needs a non-empty 'files' list")
    return {
        "files": _strings(section["files"], f"{where}.files"),
        "base": str(section.get("base-directory", ".")),
        "discard": section.get("discard-paths") in (True, "yes"),
        "format": str(section.get("file-format", "JUNITXML")).upper(),
    }


def load_buildspec(text: str, name: str = "buildspec.yml") -> dict[str, Any]:
    """Parse and validate a CodeBuild buildspec (version 0.2).

    Parameters
    ----------
    text : str
        The buildspec YAML.
    name : str
        Used in error messages only.

    Returns
    -------
    dict
        ``variables``, ``phases`` (name -> commands/finally/on_failure/runtime_versions),
        ``reports`` (group -> file set) and ``artifacts`` (file set or None).

    Raises
    ------
    BuildspecError
        With a message naming the offending key.
    """
    try:
        spec = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise BuildspecError(f"{name} is not valid YAML: {exc}") from exc
    if not isinstance(spec, dict):
        raise BuildspecError(f"{name} must be a YAML mapping")
    if str(spec.get("version")) != "0.2":
        raise BuildspecError(f"{name}: version must be 0.2, got {spec.get('version')!r}")
    unknown = sorted(set(spec) - TOP_LEVEL_KEYS)
    if unknown:
        raise BuildspecError(f"{name}: unknown top-level keys {unknown}")
    raw_phases = spec.get("phases")
    if not isinstance(raw_phases, dict) or not raw_phases:
        raise BuildspecError(f"{name}: 'phases' must map phase names to commands")
    phases: dict[str, dict[str, Any]] = {}
    for phase, body in raw_phases.items():
        if phase not in PHASES:
            raise BuildspecError(f"{name}: unknown phase {phase!r}; expected one of {list(PHASES)}")
        body = body or {}
        if not isinstance(body, dict):
            raise BuildspecError(f"{name}: phases.{phase} must be a mapping")
        on_failure = str(body.get("on-failure", "ABORT")).upper()
        if on_failure not in ("ABORT", "CONTINUE"):
            raise BuildspecError(f"{name}: phases.{phase}.on-failure must be ABORT or CONTINUE")
        phases[phase] = {
            "commands": _strings(body.get("commands"), f"phases.{phase}.commands"),
            "finally": _strings(body.get("finally"), f"phases.{phase}.finally"),
            "on_failure": on_failure,
            "runtime_versions": body.get("runtime-versions") or {},
        }
    env = spec.get("env") or {}
    variables = env.get("variables") or {} if isinstance(env, dict) else None
    if not isinstance(variables, dict):
        raise BuildspecError(f"{name}: env.variables must be a mapping")
    reports = spec.get("reports") or {}
    if not isinstance(reports, dict):
        raise BuildspecError(f"{name}: 'reports' must map report groups to file sets")
    return {
        "variables": {str(k): "" if v is None else json.dumps(v) if isinstance(v, bool) else str(v) for k, v in variables.items()},
        "unresolved": sorted(k for k in ("parameter-store", "secrets-manager") if isinstance(env, dict) and env.get(k)),
        "phases": phases,
        "reports": {str(g): _file_set(body, f"reports.{g}") for g, body in reports.items()},
        "artifacts": _file_set(spec["artifacts"], "artifacts") if spec.get("artifacts") else None,
    }


def select_files(root: Path, file_set: dict[str, Any]) -> list[tuple[str, Path]]:
    """Files matched by a buildspec file set, as (name in the archive, path), sorted."""
    base = (root / file_set["base"]).resolve()
    found: dict[str, Path] = {}
    for pattern in file_set["files"]:
        for path in base.glob(pattern):
            # A pattern such as "../x" must not reach outside the checked-out source.
            if path.is_file() and path.resolve().is_relative_to(root.resolve()):
                found[path.name if file_set["discard"] else path.relative_to(base).as_posix()] = path
    return sorted(found.items())
