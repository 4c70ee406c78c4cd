"""Google Play Developer API (androidpublisher v3) client: upload a bundle, stage a rollout, halt it."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import quote

import urllib3

from capstan.adapters.stores.http import StoreHttp
from capstan.errors import ArtifactIntegrityError, StoreRejected

STORE = "google_play"
_T = TypeVar("_T")


def _seg(value: str) -> str:
    # Package and track names come from config; quoting keeps them one path segment each.
    return quote(str(value), safe="")


class GooglePlayClient:
    """Publish to Google Play through edits, one edit per operation.

    Parameters
    ----------
    base_url : str
        Replaces ``https://androidpublisher.googleapis.com``.
    token : str
        OAuth2 access token, sent as a bearer credential.
    http : urllib3.PoolManager, optional
        Injected connection pool.
    sleep : callable, optional
        Backoff sleep between retries (a no-op in tests).
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

    def upload_bundle(self, package_name: str, aab: bytes) -> int:
        """Upload an Android App Bundle in its own edit and commit it.

        Parameters
        ----------
        package_name : str
            Application id, e.g. ``com.example.app``.
        aab : bytes
            The bundle.

        Returns
        -------
        int
            The versionCode Play read from the bundle.

        Raises
        ------
        ArtifactIntegrityError
            Play reports a SHA-256 other than that of the bytes sent.
        StoreRejected, StoreUnavailable
            See `StoreHttp.request`.
        """
        digest = hashlib.sha256(aab).hexdigest()

        def upload(edit_id: str) -> int:
            resp = self._http.request(
                "POST",
                f"/upload/androidpublisher/v3/applications/{_seg(package_name)}/edits/{_seg(edit_id)}/bundles",
                query={"uploadType": "media"},
                body=aab,
                content_type="application/octet-stream",
                upload=True,
            )
            bundle = resp.body or {}
            if bundle.get("sha256") and bundle["sha256"] != digest:
                raise ArtifactIntegrityError(f"{STORE} upload of {package_name}: the store's digest differs from the bundle's")
            return int(bundle["versionCode"])

        return self._in_edit(package_name, upload)

    def set_rollout(self, package_name: str, track: str, version_code: int, user_fraction: float, release_name: str) -> dict[str, Any]:
        """Put one release on a track: staged (`inProgress`) below 1.0, `completed` at 1.0.

        Parameters
        ----------
        package_name, track : str
            Where the release goes (``production``, ``beta``, ...).
        version_code : int
            The bundle to release; the only code the track keeps.
        user_fraction : float
            Share of users, 0 < f <= 1.
        release_name : str
            Release name shown in the Play Console.

        Returns
        -------
        dict
            The release as sent.
        """
        if not 0.0 < user_fraction <= 1.0:
            raise ValueError(f"user_fraction must be in (0, 1], got {user_fraction}")
        release: dict[str, Any] = {"name": release_name, "versionCodes": [str(version_code)]}
        if user_fraction < 1.0:
            release.update(status="inProgress", userFraction=user_fraction)
        else:
            release["status"] = "completed"

        def put(edit_id: str) -> dict[str, Any]:
            self._http.request("PUT", self._track_path(package_name, edit_id, track), json_body={"track": track, "releases": [release]})
            return release

        return self._in_edit(package_name, put)

    def halt(self, package_name: str, track: str, version_code: int) -> dict[str, Any]:
        """Halt the release of `version_code` on `track`, keeping its userFraction and the other releases.

        Returns
        -------
        dict
            The halted release.

        Raises
        ------
        StoreRejected
            No release on the track carries that versionCode.
        """

        def put(edit_id: str) -> dict[str, Any]:
            path = self._track_path(package_name, edit_id, track)
            current = self._http.request("GET", path).body or {}
            releases = current.get("releases") or []
            target = next((r for r in releases if str(version_code) in r.get("versionCodes", [])), None)
            if target is None:
                raise StoreRejected(f"{STORE} halt: versionCode {version_code} is not on track {track} of {package_name}")
            target["status"] = "halted"
            self._http.request("PUT", path, json_body={"track": track, "releases": releases})
            return target

        return self._in_edit(package_name, put)

    def _track_path(self, package_name: str, edit_id: str, track: str) -> str:
        return f"/androidpublisher/v3/applications/{_seg(package_name)}/edits/{_seg(edit_id)}/tracks/{_seg(track)}"

    def _in_edit(self, package_name: str, operation: Callable[[str], _T]) -> _T:
        # An edit can be deleted under us (expiry, a concurrent console edit); everything in it
        # is lost, so the whole operation is redone once in a fresh edit.
        try:
            return self._run_edit(package_name, operation)
        except StoreRejected as exc:
            if getattr(exc, "reason", None) != "editDeleted":
                raise
        return self._run_edit(package_name, operation)

    def _run_edit(self, package_name: str, operation: Callable[[str], _T]) -> _T:
        edits = f"/androidpublisher/v3/applications/{_seg(package_name)}/edits"
        edit_id = str(self._http.request("POST", edits, json_body={}).body["id"])
        result = operation(edit_id)
        # ERROR_IF_IN_REVIEW: the default silently cancels a review in progress.
        self._http.request("POST", f"{edits}/{_seg(edit_id)}:commit", query={"changesInReviewBehavior": "ERROR_IF_IN_REVIEW"})
        return result
