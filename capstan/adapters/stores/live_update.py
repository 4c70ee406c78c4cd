"""Live-update channel service client: publish a web bundle, point a channel at it, point it back."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import urllib3

from capstan.adapters.stores.http import StoreHttp

STORE = "live_update"


class LiveUpdateClient:
    """Publish web bundles and steer channels of the live-update service.

    Parameters
    ----------
    base_url : str
        Root of the service.
    token : str
        API token, sent as a bearer credential.
    http : urllib3.PoolManager, optional
        Injected connection pool.
    sleep : callable, optional
        Backoff sleep between retries.
    """

    def __init__(
        self,
        base_url: str,
        token: str,
        http: urllib3.PoolManager | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._http = StoreHttp(STORE, base_url, token, http, sleep=sleep)

    def publish_bundle(self, app_id: str, version: str, bundle: bytes, sha256: str, native_min: str) -> str:
        """Publish a web bundle; the service checks `sha256` against the bytes it receives.

        Parameters
        ----------
        app_id : str
            The app in the live-update service.
        version : str
            The bundle's version.
        bundle : bytes
            The zipped web layer.
        sha256 : str
            Hex SHA-256 the build recorded for the bundle.
        native_min : str
            Lowest native shell version the bundle runs in.

        Returns
        -------
        str
            The bundle id.

        Raises
        ------
        StoreRejected
            The service refused it: ``checksumMismatch`` when the bytes it received do not
            match `sha256` (the recorded digest is sent, not recomputed, so transport
            corruption is caught too), ``bundleExists`` for a version taken by other bytes.
        """
        resp = self._http.request(
            "POST",
            f"/v1/apps/{quote(app_id, safe='')}/bundles",
            upload=True,
            json_body={
                "version": version,
                "sha256": sha256.lower(),
                "native_min": native_min,
                "bundle_base64": base64.b64encode(bundle).decode("ascii"),
            },
        )
        return str(resp.body["id"])

    def set_channel(self, app_id: str, channel: str, bundle_id: str, percentage: int) -> dict[str, Any]:
        """Serve `bundle_id` on `channel` to `percentage` % of devices; the service keeps the previous bundle id.

        Returns
        -------
        dict
            The channel: ``bundle_id``, ``previous_bundle_id``, ``percentage``, ``version``, ``native_min``.
        """
        if not 0 <= percentage <= 100:
            raise ValueError(f"percentage must be 0-100, got {percentage}")
        return self._http.request(
            "PUT", self._channel_path(app_id, channel), json_body={"bundle_id": bundle_id, "percentage": percentage}
        ).body

    def get_channel(self, app_id: str, channel: str) -> dict[str, Any]:
        """The channel as the service has it (see `set_channel`)."""
        return self._http.request("GET", self._channel_path(app_id, channel)).body

    def revert_channel(self, app_id: str, channel: str, to_bundle_id: str) -> dict[str, Any]:
        """Point `channel` back at a known-good bundle for every device (100 %)."""
        return self.set_channel(app_id, channel, to_bundle_id, 100)

    @staticmethod
    def _channel_path(app_id: str, channel: str) -> str:
        return f"/v1/apps/{quote(app_id, safe='')}/channels/{quote(channel, safe='')}"
