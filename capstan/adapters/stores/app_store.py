"""App Store Connect API client: upload a build through the Build Uploads API and steer a phased release."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

import urllib3

from capstan.adapters.stores.http import StoreHttp
from capstan.errors import StoreRejected, StoreUnavailable

STORE = "app_store"
PHASED_RELEASE_STATES = frozenset({"PAUSED", "ACTIVE", "COMPLETE"})
_REMAINING = re.compile(r"user-hour-rem:(\d+)")


class AppStoreConnectClient:
    """Talk JSON:API to App Store Connect.

    Parameters
    ----------
    base_url : str
        Replaces ``https://api.appstoreconnect.apple.com``.
    token : str
        The API JWT, sent as a bearer credential (never to upload URLs).
    http : urllib3.PoolManager, optional
        Injected connection pool.
    sleep : callable, optional
        Used for retry backoff and between processing polls.
    poll_interval_s : float
        Seconds between build-upload state polls.
    max_wait_s : float
        Give up waiting for processing after this long (default 30 min).
    clock : callable, optional
        Monotonic clock for the processing deadline.

    Attributes
    ----------
    rate_limit_remaining : int or None
        The last `user-hour-rem` seen in an `X-Rate-Limit` header.
    """

    def __init__(
        self,
        base_url: str,
        token: str,
        http: urllib3.PoolManager | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        poll_interval_s: float = 10.0,
        max_wait_s: float = 30 * 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._http = StoreHttp(STORE, base_url, token, http, sleep=sleep, on_headers=self._note_rate_limit)
        self._sleep = sleep
        self._poll_interval_s = poll_interval_s
        self._max_wait_s = max_wait_s
        self._clock = clock
        self.rate_limit_remaining: int | None = None

    def upload_build(self, app_id: str, version: str, build_number: str, ipa: bytes, file_name: str = "app.ipa") -> str:
        """Upload an .ipa and wait until App Store Connect has processed it.

        Parameters
        ----------
        app_id : str
            The App Store Connect app id.
        version, build_number : str
            CFBundleShortVersionString and CFBundleVersion of the build.
        ipa : bytes
            The archive.
        file_name : str
            Name the file is declared under.

        Returns
        -------
        str
            The build upload id.

        Raises
        ------
        StoreRejected
            The upload was refused or processing ended in FAILED.
        StoreUnavailable
            Transient errors outlasted the retries, or processing outlasted `max_wait_s`.
        """
        upload = self._post(
            "buildUploads",
            {
                "cfBundleShortVersionString": version,
                "cfBundleVersion": build_number,
                "platform": "IOS",
            },
            {"app": {"data": {"type": "apps", "id": app_id}}},
        )
        upload_id = upload["id"]
        upload_file = self._post(
            "buildUploadFiles",
            {
                "fileName": file_name,
                "fileSize": len(ipa),
                "uti": "com.apple.ipa",
                "assetType": "ASSET",
            },
            {"buildUpload": {"data": {"type": "buildUploads", "id": upload_id}}},
        )
        for op in upload_file["attributes"].get("uploadOperations") or []:
            offset, length = int(op["offset"]), int(op["length"])
            self._http.request(
                op.get("method", "PUT"),
                op["url"],
                body=ipa[offset : offset + length],
                headers={h["name"]: h["value"] for h in op.get("requestHeaders") or []},
                upload=True,
                authorize=False,
            )
        self._http.request(
            "PATCH",
            f"/v1/buildUploadFiles/{quote(upload_file['id'], safe='')}",
            json_body={
                "data": {"type": "buildUploadFiles", "id": upload_file["id"], "attributes": {"uploaded": True}},
            },
        )
        self._wait_processed(upload_id)
        return upload_id

    def get_build_upload(self, build_upload_id: str) -> dict[str, Any]:
        """The build upload resource (`data` of GET /v1/buildUploads/{id})."""
        return self._http.request("GET", f"/v1/buildUploads/{quote(build_upload_id, safe='')}").body["data"]

    def app_store_version_id(self, build_upload_id: str) -> str:
        """The app store version a processed build upload belongs to (its `appStoreVersion` relationship).

        Raises
        ------
        StoreRejected
            The build upload has no app store version yet.
        """
        rel = self.get_build_upload(build_upload_id).get("relationships", {}).get("appStoreVersion", {})
        if not (rel.get("data") or {}).get("id"):
            raise StoreRejected(f"{STORE}: build upload {build_upload_id} has no app store version yet")
        return rel["data"]["id"]

    def start_phased_release(self, app_store_version_id: str) -> str:
        """Start a phased release for an app store version; returns the phased release id."""
        created = self._post(
            "appStoreVersionPhasedReleases",
            {"phasedReleaseState": "ACTIVE"},
            {"appStoreVersion": {"data": {"type": "appStoreVersions", "id": app_store_version_id}}},
        )
        return created["id"]

    def set_phased_release_state(self, phased_release_id: str, state: str) -> dict[str, Any]:
        """Move a phased release to PAUSED, ACTIVE or COMPLETE.

        A request for the state it is already in succeeds, so a retried rollback
        (pause twice) is not an error.

        Returns
        -------
        dict
            The phased release resource.
        """
        if state not in PHASED_RELEASE_STATES:
            raise ValueError(f"state must be one of {sorted(PHASED_RELEASE_STATES)}, got {state!r}")
        path = f"/v1/appStoreVersionPhasedReleases/{quote(phased_release_id, safe='')}"
        try:
            return self._http.request(
                "PATCH",
                path,
                json_body={
                    "data": {
                        "type": "appStoreVersionPhasedReleases",
                        "id": phased_release_id,
                        "attributes": {"phasedReleaseState": state},
                    }
                },
            ).body["data"]
        except StoreRejected as exc:
            if getattr(exc, "status", None) != 409:
                raise
            current = self._http.request("GET", path).body["data"]
            if current["attributes"].get("phasedReleaseState") != state:
                raise
            return current

    def _post(self, resource: str, attributes: dict[str, Any], relationships: dict[str, Any]) -> dict[str, Any]:
        body = {"data": {"type": resource, "attributes": attributes, "relationships": relationships}}
        return self._http.request("POST", f"/v1/{resource}", json_body=body).body["data"]

    def _wait_processed(self, upload_id: str) -> None:
        deadline = self._clock() + self._max_wait_s
        while True:
            state = self.get_build_upload(upload_id)["attributes"].get("state") or {}
            name = state.get("state")
            if name == "COMPLETE":
                return
            if name == "FAILED":
                first = (state.get("errors") or [{}])[0]
                detail = " ".join(str(first[k]) for k in ("code", "description") if first.get(k)) or "no detail"
                detail = " ".join(detail.split())
                raise StoreRejected(f"{STORE} build upload {upload_id} processing FAILED: {detail}")
            if self._clock() >= deadline:
                # Transient from the workflow's point of view: it may come back and poll again.
                raise StoreUnavailable(f"{STORE} build upload {upload_id} still {name} after {self._max_wait_s:.0f} s")
            self._sleep(self._poll_interval_s)

    def _note_rate_limit(self, headers: Mapping[str, str]) -> None:
        match = _REMAINING.search(headers.get("X-Rate-Limit", ""))
        if match:
            self.rate_limit_remaining = int(match.group(1))
