"""The apps catalogue: per-app build, store, approval, rollout and on-call settings, as typed config."""

from __future__ import annotations

import fnmatch
import json
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from capstan.errors import InvalidInput
from capstan.policies.scans import ScanPolicy
from capstan.policies.tests import TestPolicy
from capstan.rules import ALARM_NAME_PREFIX

Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,38}[a-z0-9]$")]
PersonId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._@+-]{1,128}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BuildSettings(_Strict):
    """The app's CodeBuild project; the buildspec path is inside the app's repository."""

    # The IAM grant names projects by this prefix (infra/access.py), so the config enforces it too.
    project: str = Field(pattern=r"^capstan-[a-z0-9][a-z0-9-]{0,60}$")
    buildspec: str = Field(default="buildspec.yml", pattern=r"^[A-Za-z0-9._/-]{1,200}$")
    compute: Literal["BUILD_GENERAL1_SMALL", "BUILD_GENERAL1_MEDIUM", "BUILD_GENERAL1_LARGE", "BUILD_GENERAL1_XLARGE"] = (
        "BUILD_GENERAL1_MEDIUM"
    )
    timeout_minutes: int = Field(default=30, ge=5, le=480)


class Person(_Strict):
    """Someone Capstan emails: an approver, or a developer told when their release stops."""

    id: PersonId
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)


class ApprovalPolicy(_Strict):
    approvers: list[Person] = Field(min_length=1)
    required: int = Field(default=1, ge=1, le=5)
    link_ttl_minutes: int = Field(default=24 * 60, ge=5, le=24 * 60)

    @model_validator(mode="after")
    def _enough_approvers(self) -> ApprovalPolicy:
        if self.required > len(self.approvers):
            raise ValueError(f"required approvals ({self.required}) exceed the number of approvers")
        return self


class RolloutPolicy(_Strict):
    fractions: list[float] = Field(min_length=1)
    bake_seconds: int = Field(default=900, ge=0, le=86400)

    @model_validator(mode="after")
    def _increasing_to_one(self) -> RolloutPolicy:
        f = self.fractions
        if any(not 0 < x <= 1 for x in f) or f != sorted(set(f)) or f[-1] != 1.0:
            raise ValueError("fractions must rise strictly within (0, 1] and end at 1.0")
        return self


class IosApp(_Strict):
    app_id: str = Field(pattern=r"^[0-9]{6,12}$")
    bundle_id: str = Field(pattern=r"^[A-Za-z0-9.-]{3,155}$")


class AndroidApp(_Strict):
    package_name: str = Field(pattern=r"^[a-zA-Z][a-zA-Z0-9_]*(\.[a-zA-Z][a-zA-Z0-9_]*)+$")
    track: str = Field(default="production", pattern=r"^[a-z0-9:_-]{1,64}$")


class LiveUpdateApp(_Strict):
    app_id: Identifier
    channel: str = Field(default="production", pattern=r"^[a-z0-9_-]{1,64}$")
    native_min: str = Field(pattern=r"^\d+\.\d+\.\d+$")


class AppConfig(_Strict):
    app_id: Identifier
    repository: str = Field(pattern=r"^[A-Za-z0-9._/-]{1,100}$")
    release_refs: list[str] = Field(min_length=1, description="branch or tag globs that start a release")
    track: str = Field(default="production", pattern=r"^[a-z0-9_-]{1,32}$")
    build: BuildSettings
    approval: ApprovalPolicy
    rollout: RolloutPolicy
    tests: TestPolicy = TestPolicy()
    scans: ScanPolicy = ScanPolicy()
    ios: IosApp
    android: AndroidApp
    live_update: LiveUpdateApp
    developers: list[Person] = Field(default_factory=list, description="people who push; told when their release stops")
    alarms: list[str] = Field(default_factory=list)
    on_call: list[PersonId] = Field(default_factory=list)
    max_auto_rollbacks_per_day: int = Field(default=3, ge=0, le=10)
    rollback_cooldown_minutes: int = Field(default=15, ge=0, le=1440)

    @model_validator(mode="after")
    def _alarm_names(self) -> AppConfig:
        bad = [a for a in self.alarms if not a.startswith(ALARM_NAME_PREFIX)]
        if bad:
            raise ValueError(f"alarm names must start with {ALARM_NAME_PREFIX!r}: {bad}")
        return self

    def releases_ref(self, ref: str) -> bool:
        """True when a pushed ref (`main`, `release/1.4`, `v1.4.0`) is one this app releases from."""
        return any(fnmatch.fnmatchcase(ref, pattern) for pattern in self.release_refs)


class AppCatalog(_Strict):
    apps: list[AppConfig]

    @model_validator(mode="after")
    def _unique(self) -> AppCatalog:
        ids = [a.app_id for a in self.apps]
        if len(ids) != len(set(ids)):
            raise ValueError("app ids must be unique")
        return self

    def get(self, app_id: str) -> AppConfig | None:
        return next((a for a in self.apps if a.app_id == app_id), None)

    def for_repository(self, repository: str) -> AppConfig | None:
        return next((a for a in self.apps if a.repository == repository), None)

    def by_alarm(self, alarm_name: str) -> AppConfig | None:
        return next((a for a in self.apps if alarm_name in a.alarms), None)

    def people(self) -> dict[str, str]:
        """Every approver and developer by id, with their one email address."""
        found: dict[str, str] = {}
        for app in self.apps:
            for person in [*app.approval.approvers, *app.developers]:
                if found.setdefault(person.id, person.email) != person.email:
                    raise InvalidInput(f"apps config: {person.id} has two email addresses")
        return found


def load_catalog(path: str | Path) -> AppCatalog:
    """Read and validate the catalogue; errors name the field and the reason."""
    try:
        return AppCatalog.model_validate(json.loads(Path(path).read_text()))
    except ValidationError as exc:
        err = exc.errors()[0]
        raise InvalidInput(f"apps config {'.'.join(map(str, err['loc']))}: {err['msg']}") from None
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"apps config {path}: {exc}") from None


@lru_cache(maxsize=4)
def cached_catalog(path: str) -> AppCatalog:
    return load_catalog(path)
