"""Every adapter a handler may use, built once per process from the settings; tests pass their own."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property, lru_cache

from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

from capstan.adapters.alarms import AlarmReader
from capstan.adapters.approvals import ApprovalStore
from capstan.adapters.artifacts import ArtifactStore
from capstan.adapters.aws import client
from capstan.adapters.builds import BuildCallbacks, BuildService
from capstan.adapters.events import EventPublisher
from capstan.adapters.ledger import ReleaseLedger
from capstan.adapters.locks import LeaseLocks
from capstan.adapters.notifier import Notifier
from capstan.adapters.releases import ReleaseRegistry
from capstan.adapters.secrets import SecretReader
from capstan.adapters.stores import AppStoreConnectClient, GooglePlayClient, LiveUpdateClient
from capstan.adapters.tokens import TaskTokenVault
from capstan.adapters.workflow import WorkflowClient
from capstan.clock import utcnow
from capstan.config import AppCatalog, AppConfig, cached_catalog
from capstan.errors import InvalidInput
from capstan.settings import Settings, settings


@dataclass
class Ports:
    """Lazily built adapters; each is created on first use, so a handler pays only for what it touches."""

    settings: Settings
    clock: Callable[[], datetime] = field(default=utcnow)

    @cached_property
    def catalog(self) -> AppCatalog:
        return cached_catalog(self.settings.apps_config)

    def app(self, app_id: str) -> AppConfig:
        app = self.catalog.get(app_id)
        if app is None:
            raise InvalidInput(f"app_id: {app_id!r} is not a configured app")
        return app

    @cached_property
    def ledger(self) -> ReleaseLedger:
        return ReleaseLedger(self.settings.ledger_table)

    def idempotency(self) -> DynamoDBPersistenceLayer:
        """Powertools' idempotency records, for steps whose side effects must happen once per business key.

        A new layer per call: Powertools configures the layer with the function it guards, so one
        instance shared by concurrent steps (the local stack runs Parallel branches as threads) would mix them up.
        """
        return DynamoDBPersistenceLayer(table_name=self.settings.idempotency_table, boto3_client=client("dynamodb"))

    @cached_property
    def releases(self) -> ReleaseRegistry:
        return ReleaseRegistry(self.settings.releases_table)

    @cached_property
    def locks(self) -> LeaseLocks:
        return LeaseLocks(self.settings.locks_table)

    @cached_property
    def approvals(self) -> ApprovalStore:
        return ApprovalStore(self.settings.approvals_table)

    @cached_property
    def build_callbacks(self) -> BuildCallbacks:
        return BuildCallbacks(self.settings.builds_table)

    @cached_property
    def builds(self) -> BuildService:
        return BuildService()

    @cached_property
    def artifacts(self) -> ArtifactStore:
        return ArtifactStore(self.settings.artifact_bucket)

    @cached_property
    def notifier(self) -> Notifier:
        return Notifier(self.settings.topic_arn)

    @cached_property
    def tokens(self) -> TaskTokenVault:
        return TaskTokenVault(self.settings.token_key_id)

    @cached_property
    def events(self) -> EventPublisher:
        return EventPublisher()

    @cached_property
    def workflow(self) -> WorkflowClient:
        return WorkflowClient()

    @cached_property
    def secrets(self) -> SecretReader:
        return SecretReader(self.settings.secret_max_age_s)

    @cached_property
    def alarms(self) -> AlarmReader:
        return AlarmReader()

    def _store_token(self, store: str) -> str:
        return self.secrets.json(self.settings.store_secret_id)[store]

    @cached_property
    def google_play(self) -> GooglePlayClient:
        return GooglePlayClient(self.settings.google_play_url, self._store_token("google_play"))

    @cached_property
    def app_store(self) -> AppStoreConnectClient:
        return AppStoreConnectClient(self.settings.app_store_url, self._store_token("app_store"))

    @cached_property
    def live_update(self) -> LiveUpdateClient:
        return LiveUpdateClient(self.settings.live_update_url, self._store_token("live_update"))


@lru_cache(maxsize=1)
def default_ports() -> Ports:
    return Ports(settings())


def reset() -> None:
    """Forget the process-wide ports and settings (the local stack calls this when its endpoints change)."""
    default_ports.cache_clear()
    settings.cache_clear()
