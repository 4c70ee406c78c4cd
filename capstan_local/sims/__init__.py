"""Local HTTP simulators of Google Play, App Store Connect and the live-update service, started together."""

from __future__ import annotations

import secrets
from typing import Any, Self

from capstan_local.sims.app_store import AppStoreSimulator
from capstan_local.sims.google_play import GooglePlaySimulator
from capstan_local.sims.live_update import LiveUpdateSimulator

__all__ = ["AppStoreSimulator", "GooglePlaySimulator", "LiveUpdateSimulator", "StoreSimulators"]


class StoreSimulators:
    """The three store simulators, sharing one bearer token.

    Parameters
    ----------
    token : str, optional
        Credential every simulator requires; a random one by default.
    version_code_start : int
        First versionCode the Play simulator assigns.
    processing_delay_s : float
        How long App Store builds stay PROCESSING.
    chunk_size : int
        Size of the App Store upload operations.
    """

    def __init__(
        self, token: str | None = None, *, version_code_start: int = 100, processing_delay_s: float = 0.0, chunk_size: int = 5 * 1024 * 1024
    ) -> None:
        self.token = token or secrets.token_urlsafe(24)
        self.google_play = GooglePlaySimulator(self.token, version_code_start=version_code_start)
        self.app_store = AppStoreSimulator(self.token, processing_delay_s=processing_delay_s, chunk_size=chunk_size)
        self.live_update = LiveUpdateSimulator(self.token)
        self._all = (self.google_play, self.app_store, self.live_update)

    def start(self) -> Self:
        """Start all three; returns self."""
        try:
            for sim in self._all:
                sim.start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop whichever are running."""
        for sim in self._all:
            sim.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def urls(self) -> dict[str, str]:
        """Base URL of each simulator, keyed ``google_play``, ``app_store``, ``live_update``."""
        return {sim.store: sim.url for sim in self._all}

    def actions(self) -> list[dict[str, Any]]:
        """Every store's release actions, merged in the order they happened."""
        return sorted((a for sim in self._all for a in sim.actions()), key=lambda a: a["seq"])
