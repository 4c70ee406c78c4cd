"""The handlers' environment, as one validated model; nothing else reads `os.environ`."""

from __future__ import annotations

import os
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from capstan.errors import InvalidInput


class Settings(BaseModel):
    """Every environment variable a Capstan function reads.

    The CDK stack sets the same variables on every function and the local stack sets
    them for its in-process handlers, so both worlds are configured by this one model.
    """

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    ledger_table: str = Field(alias="CAPSTAN_LEDGER_TABLE", min_length=3)
    releases_table: str = Field(alias="CAPSTAN_RELEASES_TABLE", min_length=3)
    approvals_table: str = Field(alias="CAPSTAN_APPROVALS_TABLE", min_length=3)
    builds_table: str = Field(alias="CAPSTAN_BUILDS_TABLE", min_length=3)
    locks_table: str = Field(alias="CAPSTAN_LOCKS_TABLE", min_length=3)
    idempotency_table: str = Field(alias="CAPSTAN_IDEMPOTENCY_TABLE", min_length=3)
    artifact_bucket: str = Field(alias="CAPSTAN_ARTIFACT_BUCKET", min_length=3)
    topic_arn: str = Field(alias="CAPSTAN_TOPIC_ARN", pattern=r"^arn:aws[a-z-]*:sns:")
    release_state_machine_arn: str = Field(alias="CAPSTAN_RELEASE_STATE_MACHINE_ARN", pattern=r"^arn:aws[a-z-]*:states:")
    rollback_state_machine_arn: str = Field(alias="CAPSTAN_ROLLBACK_STATE_MACHINE_ARN", pattern=r"^arn:aws[a-z-]*:states:")
    approval_base_url: str = Field(alias="CAPSTAN_APPROVAL_BASE_URL", pattern=r"^https?://")
    link_key_secret_id: str = Field(alias="CAPSTAN_LINK_KEY_SECRET_ID", min_length=1)
    store_secret_id: str = Field(alias="CAPSTAN_STORE_SECRET_ID", min_length=1)
    webhook_secret_id: str = Field(alias="CAPSTAN_WEBHOOK_SECRET_ID", min_length=1)
    token_key_id: str = Field(alias="CAPSTAN_TOKEN_KEY_ID", min_length=1, description="the KMS key that seals task tokens")
    google_play_url: str = Field(alias="CAPSTAN_GOOGLE_PLAY_URL", pattern=r"^https?://")
    app_store_url: str = Field(alias="CAPSTAN_APP_STORE_URL", pattern=r"^https?://")
    live_update_url: str = Field(alias="CAPSTAN_LIVE_UPDATE_URL", pattern=r"^https?://")
    apps_config: str = Field(alias="CAPSTAN_APPS_CONFIG", min_length=1, description="path of the apps catalogue JSON")
    secret_max_age_s: int = Field(alias="CAPSTAN_SECRET_MAX_AGE_S", default=300, ge=0, le=3600)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        """Read and validate the environment; a missing or bad variable is named in the error."""
        source = dict(os.environ if env is None else env)
        wanted = {f.alias: source[f.alias] for f in cls.model_fields.values() if f.alias in source}
        try:
            return cls.model_validate(wanted)
        except ValidationError as exc:
            err = exc.errors()[0]
            field = ".".join(str(p) for p in err["loc"])
            raise InvalidInput(f"environment {field}: {err['msg']}") from None


@lru_cache(maxsize=1)
def settings() -> Settings:
    """The settings of this process, validated once at cold start."""
    return Settings.from_env()


def env_names() -> list[str]:
    """The names of every variable `Settings` reads (for the CDK stack and the local stack)."""
    return [f.alias for f in Settings.model_fields.values() if f.alias]
