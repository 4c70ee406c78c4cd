"""Clients for the stores a release ships to: Google Play, App Store Connect and the live-update service."""

from capstan.adapters.stores.app_store import AppStoreConnectClient
from capstan.adapters.stores.google_play import GooglePlayClient
from capstan.adapters.stores.live_update import LiveUpdateClient

__all__ = ["AppStoreConnectClient", "GooglePlayClient", "LiveUpdateClient"]
