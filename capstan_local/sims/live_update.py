"""A local live-update channel service: checksummed web bundles and channels that remember their previous bundle."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import uuid
from typing import Any

from capstan_local.sims.base import SimError, SimRequest, StoreSimulator

_APP = r"/v1/apps/(?P<app>[^/]+)"
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_REASON = {
    400: "badRequest",
    401: "unauthorized",
    403: "forbidden",
    404: "notFound",
    405: "methodNotAllowed",
    409: "conflict",
    429: "rateLimited",
    500: "internal",
    503: "unavailable",
}


class LiveUpdateSimulator(StoreSimulator):
    """The live-update service in memory.

    Parameters
    ----------
    token : str
        Bearer credential to require.
    """

    store = "live_update"

    def __init__(self, token: str, *, host: str = "127.0.0.1") -> None:
        super().__init__(token, host=host)
        self._bundles: dict[str, dict[str, Any]] = {}
        self._channels: dict[tuple[str, str], dict[str, Any]] = {}
        self.route("POST", _APP + r"/bundles", self._publish)
        self.route("GET", _APP + r"/bundles/(?P<id>[^/]+)", lambda r: (200, self._public(self._bundle(r, r.params["id"]))))
        self.route("GET", _APP + r"/channels/(?P<channel>[^/]+)", self._get_channel)
        self.route("PUT", _APP + r"/channels/(?P<channel>[^/]+)", self._put_channel)

    def channel(self, app_id: str, channel: str) -> dict[str, Any] | None:
        """The channel as stored, or None."""
        with self._lock:
            found = self._channels.get((app_id, channel))
            return dict(found) if found else None

    def error_body(self, status: int, message: str, reason: str | None) -> dict[str, Any]:
        return {"error": {"code": status, "reason": reason or _REASON.get(status, "internal"), "message": message}}

    def _publish(self, req: SimRequest) -> tuple[int, Any]:
        app, body = req.params["app"], req.json()
        if not isinstance(body, dict):
            raise SimError(400, "the body must be an object")
        version, declared, native_min = body.get("version"), body.get("sha256"), body.get("native_min")
        if not (isinstance(version, str) and version and isinstance(native_min, str) and native_min):
            raise SimError(400, "version and native_min are required")
        if not isinstance(declared, str) or not _SHA256.match(declared):
            raise SimError(400, "sha256 must be 64 lowercase hex characters")
        try:
            data = base64.b64decode(body.get("bundle_base64") or "", validate=True)
        except (binascii.Error, TypeError):
            raise SimError(400, "bundle_base64 is not valid base64") from None
        if not data:
            raise SimError(400, "the bundle is empty")
        if hashlib.sha256(data).hexdigest() != declared:
            raise SimError(400, "the bundle's SHA-256 does not match the declared sha256", "checksumMismatch")
        existing = next((b for b in self._bundles.values() if (b["app"], b["version"]) == (app, version)), None)
        if existing is not None:
            # A retried publish of the same bytes is the same bundle, not a duplicate.
            if existing["sha256"] == declared:
                return 200, self._public(existing)
            raise SimError(409, f"version {version} already holds other bytes", "bundleExists")
        bundle = {
            "id": f"bndl_{uuid.uuid4().hex[:16]}",
            "app": app,
            "version": version,
            "sha256": declared,
            "native_min": native_min,
            "size": len(data),
            "order": len(self._bundles),
        }
        self._bundles[bundle["id"]] = bundle
        self.record("publish", version, app=app, bundle_id=bundle["id"], sha256=declared)
        return 201, self._public(bundle)

    def _get_channel(self, req: SimRequest) -> tuple[int, Any]:
        found = self._channels.get((req.params["app"], req.params["channel"]))
        if found is None:
            raise SimError(404, f"no channel {req.params['channel']}")
        return 200, dict(found)

    def _put_channel(self, req: SimRequest) -> tuple[int, Any]:
        app, name, body = req.params["app"], req.params["channel"], req.json()
        if not isinstance(body, dict):
            raise SimError(400, "the body must be an object")
        percentage = body.get("percentage")
        if isinstance(percentage, bool) or not isinstance(percentage, int) or not 0 <= percentage <= 100:
            raise SimError(400, "percentage must be an integer from 0 to 100")
        bundle = self._bundle(req, str(body.get("bundle_id") or ""))
        current = self._channels.get((app, name))
        previous_id = current["previous_bundle_id"] if current else None
        if current and current["bundle_id"] != bundle["id"]:
            previous_id = current["bundle_id"]
        # Going back to the bundle served before, or to any older one, is a rollback of the web layer.
        reverting = (
            current is not None
            and current["bundle_id"] != bundle["id"]
            and (bundle["id"] == current["previous_bundle_id"] or bundle["order"] < self._bundles[current["bundle_id"]]["order"])
        )
        channel = {
            "app": app,
            "channel": name,
            "bundle_id": bundle["id"],
            "version": bundle["version"],
            "native_min": bundle["native_min"],
            "percentage": percentage,
            "previous_bundle_id": previous_id,
        }
        self._channels[(app, name)] = channel
        if reverting:
            self.record(
                "revert",
                bundle["version"],
                app=app,
                channel=name,
                percentage=percentage,
                bundle_id=bundle["id"],
                from_version=current["version"],
            )
        else:
            self.record("set_channel", bundle["version"], app=app, channel=name, percentage=percentage, bundle_id=bundle["id"])
        return 200, dict(channel)

    def _bundle(self, req: SimRequest, bundle_id: str) -> dict[str, Any]:
        bundle = self._bundles.get(bundle_id)
        if bundle is None or bundle["app"] != req.params["app"]:
            raise SimError(404, f"no bundle {bundle_id!r} in this app", "bundleNotFound")
        return bundle

    @staticmethod
    def _public(bundle: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in bundle.items() if k != "order"}
