"""A local App Store Connect API: build uploads with chunked PUTs and processing, and phased releases."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from capstan_local.sims.base import SimError, SimRequest, StoreSimulator

RATE_LIMIT_PER_HOUR = 3500
_APPLE_CODE = {
    400: "PARAMETER_ERROR.INVALID",
    401: "NOT_AUTHORIZED",
    403: "FORBIDDEN_ERROR",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "ENTITY_ERROR",
    429: "RATE_LIMIT_EXCEEDED",
    500: "UNEXPECTED_ERROR",
    503: "SERVICE_UNAVAILABLE",
}
_TRANSITIONS = {
    ("INACTIVE", "ACTIVE"): "phased_release_start",
    ("ACTIVE", "PAUSED"): "pause",
    ("PAUSED", "ACTIVE"): "resume",
    ("ACTIVE", "COMPLETE"): "complete",
    ("PAUSED", "COMPLETE"): "complete",
}
_CHUNK_HEADERS = [{"name": "Content-Type", "value": "application/octet-stream"}]


@dataclass
class _BuildUpload:
    id: str
    app_id: str
    version: str
    build: str
    platform: str
    state: str = "AWAITING_UPLOAD"
    ready_at: float = 0.0
    errors: list[dict[str, str]] = field(default_factory=list)
    sha256: str | None = None
    version_id: str | None = None


@dataclass
class _UploadFile:
    id: str
    upload: _BuildUpload
    attributes: dict[str, Any]
    secret: str
    chunks: dict[int, bytes] = field(default_factory=dict)


class AppStoreSimulator(StoreSimulator):
    """App Store Connect in memory, at the /v1 JSON:API paths.

    Parameters
    ----------
    token : str
        Bearer credential to require (a JWT in the real API).
    processing_delay_s : float
        Seconds a committed upload stays PROCESSING.
    chunk_size : int
        Size of each upload operation.
    clock : callable
        Time source for processing.

    Attributes
    ----------
    processing_result : str
        ``COMPLETE`` (default) or ``FAILED``: how the next processing ends.
    """

    store = "app_store"
    open_prefixes = ("/_sim/", "/_upload/")  # upload URLs are pre-signed, like Apple's

    def __init__(
        self,
        token: str,
        *,
        processing_delay_s: float = 0.0,
        chunk_size: int = 5 * 1024 * 1024,
        clock: Callable[[], float] = time.monotonic,
        host: str = "127.0.0.1",
    ) -> None:
        super().__init__(token, host=host)
        self.processing_delay_s = processing_delay_s
        self.processing_result = "COMPLETE"
        self._chunk_size = chunk_size
        self._clock = clock
        self._requests = 0
        self._uploads: dict[str, _BuildUpload] = {}
        self._files: dict[str, _UploadFile] = {}
        self._versions: dict[str, dict[str, str]] = {}
        self._phased: dict[str, dict[str, Any]] = {}
        self.route("POST", r"/v1/buildUploads", self._create_upload)
        self.route("GET", r"/v1/buildUploads/(?P<id>[^/]+)", lambda r: (200, {"data": self._upload_doc(r)}))
        self.route("POST", r"/v1/buildUploadFiles", self._create_file)
        self.route("PATCH", r"/v1/buildUploadFiles/(?P<id>[^/]+)", self._commit_file)
        self.route("PUT", r"/_upload/(?P<id>[^/]+)/(?P<part>\d+)", self._put_chunk)
        self.route("GET", r"/v1/appStoreVersions/(?P<id>[^/]+)", self._get_version)
        self.route("POST", r"/v1/appStoreVersionPhasedReleases", self._create_phased)
        self.route(
            "GET",
            r"/v1/appStoreVersionPhasedReleases/(?P<id>[^/]+)",
            lambda r: (200, {"data": self._phased_doc(self._find(self._phased, r.params["id"]))}),
        )
        self.route("PATCH", r"/v1/appStoreVersionPhasedReleases/(?P<id>[^/]+)", self._patch_phased)
        self.route("DELETE", r"/v1/appStoreVersionPhasedReleases/(?P<id>[^/]+)", self._delete_phased)

    def error_body(self, status: int, message: str, reason: str | None) -> dict[str, Any]:
        code = reason or _APPLE_CODE.get(status, "UNEXPECTED_ERROR")
        return {
            "errors": [
                {
                    "id": str(uuid.uuid4()),
                    "status": str(status),
                    "code": code,
                    "title": code.replace("_", " ").replace(".", " ").capitalize(),
                    "detail": message,
                }
            ]
        }

    def response_headers(self) -> dict[str, str]:
        with self._lock:
            self._requests += 1
            remaining = max(0, RATE_LIMIT_PER_HOUR - self._requests)
        return {"X-Rate-Limit": f"user-hour-lim:{RATE_LIMIT_PER_HOUR};user-hour-rem:{remaining}"}

    def build_sha256(self, build_upload_id: str) -> str | None:
        """SHA-256 of the bytes the simulator assembled for a build upload."""
        with self._lock:
            return self._uploads[build_upload_id].sha256

    # -- build uploads ------------------------------------------------------------------------
    def _create_upload(self, req: SimRequest) -> tuple[int, Any]:
        attrs, rels = _jsonapi(req, "buildUploads")
        app_id = ((rels.get("app") or {}).get("data") or {}).get("id")
        version, build = attrs.get("cfBundleShortVersionString"), attrs.get("cfBundleVersion")
        if not (app_id and version and build) or attrs.get("platform") not in ("IOS", "MAC_OS", "TV_OS", "VISION_OS"):
            raise SimError(
                409, "cfBundleShortVersionString, cfBundleVersion, platform and app are required", "ENTITY_ERROR.ATTRIBUTE.REQUIRED"
            )
        if any((u.app_id, u.version, u.build) == (app_id, version, build) and u.state != "FAILED" for u in self._uploads.values()):
            raise SimError(409, f"build {version} ({build}) was already uploaded", "ENTITY_ERROR.ATTRIBUTE.INVALID.DUPLICATE")
        upload = _BuildUpload(str(uuid.uuid4()), app_id, version, build, attrs["platform"])
        self._uploads[upload.id] = upload
        return 201, {"data": self._upload_resource(upload)}

    def _create_file(self, req: SimRequest) -> tuple[int, Any]:
        attrs, rels = _jsonapi(req, "buildUploadFiles")
        upload = self._find(self._uploads, ((rels.get("buildUpload") or {}).get("data") or {}).get("id", ""))
        size = attrs.get("fileSize")
        if (
            not isinstance(size, int)
            or size <= 0
            or not attrs.get("fileName")
            or attrs.get("uti") != "com.apple.ipa"
            or attrs.get("assetType") != "ASSET"
        ):
            raise SimError(
                409, "fileName, fileSize > 0, uti com.apple.ipa and assetType ASSET are required", "ENTITY_ERROR.ATTRIBUTE.INVALID"
            )
        if upload.state != "AWAITING_UPLOAD":
            raise SimError(409, f"build upload is {upload.state}", "STATE_ERROR")
        file_id, secret = str(uuid.uuid4()), secrets.token_urlsafe(16)
        operations = [
            {
                "method": "PUT",
                "url": f"{self.url}/_upload/{file_id}/{i}?sig={secret}",
                "length": min(self._chunk_size, size - offset),
                "offset": offset,
                "requestHeaders": [dict(h) for h in _CHUNK_HEADERS],
            }
            for i, offset in enumerate(range(0, size, self._chunk_size))
        ]
        attributes = {
            "fileName": attrs["fileName"],
            "fileSize": size,
            "uti": attrs["uti"],
            "assetType": attrs["assetType"],
            "uploadOperations": operations,
            "assetDeliveryState": {"state": "AWAITING_UPLOAD", "errors": [], "warnings": []},
        }
        self._files[file_id] = _UploadFile(file_id, upload, attributes, secret)
        return 201, {"data": self._file_resource(self._files[file_id])}

    def _put_chunk(self, req: SimRequest) -> tuple[int, Any]:
        upload_file = self._files.get(req.params["id"])
        if upload_file is None or not hmac.compare_digest(req.query.get("sig", ""), upload_file.secret):
            raise SimError(403, "the upload URL is not valid")
        operations = upload_file.attributes["uploadOperations"]
        part = int(req.params["part"])
        if part >= len(operations):
            raise SimError(404, f"no upload operation {part}")
        if req.headers.get("Content-Type") != _CHUNK_HEADERS[0]["value"] or len(req.body) != operations[part]["length"]:
            raise SimError(400, "the chunk must be sent with its requestHeaders and its exact length")
        upload_file.chunks[part] = req.body
        return 200, None

    def _commit_file(self, req: SimRequest) -> tuple[int, Any]:
        upload_file = self._find(self._files, req.params["id"])
        data = _data(req, "buildUploadFiles")
        if data.get("id") != upload_file.id:
            raise SimError(409, "data.id must match the resource", "ENTITY_ERROR.INCLUDED.INVALID_ID")
        if (data.get("attributes") or {}).get("uploaded") is not True:
            raise SimError(409, "only uploaded: true can be set", "ENTITY_ERROR.ATTRIBUTE.INVALID")
        operations = upload_file.attributes["uploadOperations"]
        if len(upload_file.chunks) != len(operations):
            raise SimError(409, f"{len(operations) - len(upload_file.chunks)} upload operations were not done", "STATE_ERROR")
        upload = upload_file.upload
        if upload.state == "AWAITING_UPLOAD":
            upload.sha256 = hashlib.sha256(b"".join(upload_file.chunks[i] for i in range(len(operations)))).hexdigest()
            upload.state, upload.ready_at = "PROCESSING", self._clock() + self.processing_delay_s
            upload_file.attributes["assetDeliveryState"]["state"] = "UPLOAD_COMPLETE"
        return 200, {"data": self._file_resource(upload_file)}

    def _upload_doc(self, req: SimRequest) -> dict[str, Any]:
        return self._upload_resource(self._find(self._uploads, req.params["id"]))

    def _upload_resource(self, upload: _BuildUpload) -> dict[str, Any]:
        self._advance(upload)
        relationships: dict[str, Any] = {"app": {"data": {"type": "apps", "id": upload.app_id}}}
        if upload.version_id:
            relationships["appStoreVersion"] = {"data": {"type": "appStoreVersions", "id": upload.version_id}}
        return {
            "type": "buildUploads",
            "id": upload.id,
            "attributes": {
                "cfBundleShortVersionString": upload.version,
                "cfBundleVersion": upload.build,
                "platform": upload.platform,
                "state": {"state": upload.state, "errors": list(upload.errors), "warnings": [], "infos": []},
            },
            "relationships": relationships,
            "links": {"self": f"{self.url}/v1/buildUploads/{upload.id}"},
        }

    def _advance(self, upload: _BuildUpload) -> None:
        # Processing finishes lazily, when someone looks after the delay has passed.
        if upload.state != "PROCESSING" or self._clock() < upload.ready_at:
            return
        if self.processing_result == "FAILED":
            upload.state = "FAILED"
            upload.errors = [{"code": "90000", "description": "The binary is invalid (simulated)."}]
            return
        upload.state = "COMPLETE"
        version = next((v for v in self._versions.values() if (v["app"], v["versionString"]) == (upload.app_id, upload.version)), None)
        if version is None:
            version = {"id": str(uuid.uuid4()), "app": upload.app_id, "versionString": upload.version}
            self._versions[version["id"]] = version
        version["build"] = upload.build
        upload.version_id = version["id"]
        self.record("upload", f"{upload.version} ({upload.build})", app=upload.app_id, build_upload_id=upload.id, sha256=upload.sha256)

    def _file_resource(self, upload_file: _UploadFile) -> dict[str, Any]:
        return {
            "type": "buildUploadFiles",
            "id": upload_file.id,
            "attributes": upload_file.attributes,
            "relationships": {"buildUpload": {"data": {"type": "buildUploads", "id": upload_file.upload.id}}},
        }

    # -- app store versions and phased releases -------------------------------------------------
    def _get_version(self, req: SimRequest) -> tuple[int, Any]:
        version = self._find(self._versions, req.params["id"])
        return 200, {
            "data": {
                "type": "appStoreVersions",
                "id": version["id"],
                "attributes": {"versionString": version["versionString"], "platform": "IOS"},
            }
        }

    def _create_phased(self, req: SimRequest) -> tuple[int, Any]:
        attrs, rels = _jsonapi(req, "appStoreVersionPhasedReleases")
        version_id = ((rels.get("appStoreVersion") or {}).get("data") or {}).get("id", "")
        version = self._find(self._versions, version_id)
        state = attrs.get("phasedReleaseState", "INACTIVE")
        if state not in ("INACTIVE", "ACTIVE"):
            raise SimError(409, "a phased release starts INACTIVE or ACTIVE", "ENTITY_ERROR.ATTRIBUTE.INVALID")
        if any(p["version_id"] == version_id for p in self._phased.values()):
            raise SimError(409, "this version already has a phased release", "ENTITY_ERROR.RELATIONSHIP.INVALID")
        phased = {
            "id": str(uuid.uuid4()),
            "version_id": version_id,
            "state": state,
            "label": f"{version['versionString']} ({version['build']})",
        }
        self._phased[phased["id"]] = phased
        if state == "ACTIVE":
            self.record("phased_release_start", phased["label"], phased_release_id=phased["id"])
        return 201, {"data": self._phased_doc(phased)}

    def _patch_phased(self, req: SimRequest) -> tuple[int, Any]:
        phased = self._find(self._phased, req.params["id"])
        data = _data(req, "appStoreVersionPhasedReleases")
        if data.get("id") != phased["id"]:
            raise SimError(409, "data.id must match the resource", "ENTITY_ERROR.INCLUDED.INVALID_ID")
        wanted = (data.get("attributes") or {}).get("phasedReleaseState")
        action = _TRANSITIONS.get((phased["state"], wanted))
        if action is None:
            raise SimError(409, f"a phased release cannot go from {phased['state']} to {wanted}", "ENTITY_ERROR.ATTRIBUTE.INVALID")
        phased["state"] = wanted
        self.record(action, phased["label"], phased_release_id=phased["id"])
        return 200, {"data": self._phased_doc(phased)}

    def _delete_phased(self, req: SimRequest) -> tuple[int, Any]:
        phased = self._find(self._phased, req.params["id"])
        if phased["state"] != "INACTIVE":
            raise SimError(409, "a phased release can only be deleted before it starts", "STATE_ERROR")
        del self._phased[phased["id"]]
        return 204, None

    @staticmethod
    def _phased_doc(phased: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "appStoreVersionPhasedReleases",
            "id": phased["id"],
            "attributes": {"phasedReleaseState": phased["state"]},
            "relationships": {"appStoreVersion": {"data": {"type": "appStoreVersions", "id": phased["version_id"]}}},
        }

    @staticmethod
    def _find(table: dict[str, Any], key: str) -> Any:
        if key not in table:
            raise SimError(404, f"there is no resource with id {key!r}")
        return table[key]


def _data(req: SimRequest, resource_type: str) -> dict[str, Any]:
    body = req.json()
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict) or data.get("type") != resource_type:
        raise SimError(409, f"data.type must be {resource_type}", "ENTITY_ERROR.ATTRIBUTE.TYPE")
    return data


def _jsonapi(req: SimRequest, resource_type: str) -> tuple[dict[str, Any], dict[str, Any]]:
    data = _data(req, resource_type)
    return data.get("attributes") or {}, data.get("relationships") or {}
