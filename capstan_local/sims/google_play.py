"""A local Google Play Developer API (androidpublisher v3): edits, bundles and tracks, with Play's release rules."""

from __future__ import annotations

import copy
import hashlib
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from capstan_local.sims.base import SimError, SimRequest, StoreSimulator

_EDITS = r"/androidpublisher/v3/applications/(?P<pkg>[^/]+)/edits"
_EDIT = _EDITS + r"/(?P<edit>[^/:]+)"
_STATUSES = ("draft", "inProgress", "halted", "completed")
_ACTION_OF_STATUS = {"inProgress": "rollout", "completed": "complete", "halted": "halt"}
_GOOGLE_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "INVALID_ARGUMENT",
    409: "ABORTED",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}
_GOOGLE_REASON = {
    400: "badRequest",
    401: "authError",
    403: "forbidden",
    404: "notFound",
    405: "badRequest",
    409: "conflict",
    429: "rateLimitExceeded",
    500: "backendError",
    503: "backendError",
}


@dataclass
class _App:
    next_code: int
    bundles: dict[int, dict[str, Any]] = field(default_factory=dict)
    tracks: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


@dataclass
class _Edit:
    id: str
    package: str
    expires_at: float
    bundles: dict[int, dict[str, Any]] = field(default_factory=dict)
    tracks: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


class GooglePlaySimulator(StoreSimulator):
    """Google Play in memory, at the androidpublisher v3 paths.

    Parameters
    ----------
    token : str
        Bearer credential to require.
    version_code_start : int
        versionCode of an app's first uploaded bundle; later ones count up.
    edit_ttl_s : float
        Seconds before an open edit expires (then `editDeleted`).
    clock : callable
        Time source for edit expiry.
    """

    store = "google_play"

    def __init__(
        self,
        token: str,
        *,
        version_code_start: int = 100,
        edit_ttl_s: float = 3600.0,
        clock: Callable[[], float] = time.time,
        host: str = "127.0.0.1",
    ) -> None:
        super().__init__(token, host=host)
        self._version_code_start = version_code_start
        self._edit_ttl_s = edit_ttl_s
        self._clock = clock
        self._apps: dict[str, _App] = {}
        self._edits: dict[str, _Edit] = {}
        self._deleted: set[str] = set()
        self.route("POST", _EDITS, self._insert_edit)
        self.route("GET", _EDIT, lambda r: (200, self._edit_resource(self._open_edit(r))))
        self.route("DELETE", _EDIT, self._delete_edit)
        self.route("POST", _EDIT + r":commit", self._commit)
        self.route("GET", _EDIT + r"/tracks/(?P<track>[^/]+)", self._get_track)
        self.route("PUT", _EDIT + r"/tracks/(?P<track>[^/]+)", self._put_track)
        self.route("GET", _EDIT + r"/bundles", self._list_bundles)
        self.route("POST", "/upload" + _EDIT + r"/bundles", self._upload_bundle)

    # -- inspection for tests and the demo ----------------------------------------------------
    def track(self, package_name: str, track: str) -> list[dict[str, Any]]:
        """The committed releases of a track."""
        with self._lock:
            return copy.deepcopy(self._app(package_name).tracks.get(track, []))

    def bundles(self, package_name: str) -> list[dict[str, Any]]:
        """The committed bundles of an app, oldest first."""
        with self._lock:
            app = self._app(package_name)
            return [dict(app.bundles[c]) for c in sorted(app.bundles)]

    def expire_edits(self) -> None:
        """Delete every open edit, as Play does when one expires or another client commits."""
        with self._lock:
            self._deleted.update(self._edits)
            self._edits.clear()

    def error_body(self, status: int, message: str, reason: str | None) -> dict[str, Any]:
        reason = reason or _GOOGLE_REASON.get(status, "backendError")
        return {
            "error": {
                "code": status,
                "message": message,
                "status": _GOOGLE_STATUS.get(status, "UNKNOWN"),
                "errors": [{"reason": reason, "message": message, "domain": "global"}],
            }
        }

    # -- routes -------------------------------------------------------------------------------
    def _insert_edit(self, req: SimRequest) -> tuple[int, Any]:
        self._app(req.params["pkg"])
        edit = _Edit(uuid.uuid4().hex[:20], req.params["pkg"], self._clock() + self._edit_ttl_s)
        self._edits[edit.id] = edit
        return 200, self._edit_resource(edit)

    def _delete_edit(self, req: SimRequest) -> tuple[int, Any]:
        edit = self._open_edit(req)
        del self._edits[edit.id]
        self._deleted.add(edit.id)
        return 204, None

    def _upload_bundle(self, req: SimRequest) -> tuple[int, Any]:
        if req.query.get("uploadType") != "media":
            raise SimError(400, "uploadType=media is required for a simple upload")
        if not req.body:
            raise SimError(400, "the bundle is empty")
        edit = self._open_edit(req)
        app = self._app(edit.package)
        code, app.next_code = app.next_code, app.next_code + 1
        bundle = {
            "versionCode": code,
            "sha1": hashlib.sha1(req.body).hexdigest(),  # noqa: S324 - Play reports it
            "sha256": hashlib.sha256(req.body).hexdigest(),
        }
        edit.bundles[code] = bundle
        return 200, dict(bundle)

    def _list_bundles(self, req: SimRequest) -> tuple[int, Any]:
        edit = self._open_edit(req)
        known = {**self._app(edit.package).bundles, **edit.bundles}
        return 200, {"kind": "androidpublisher#bundlesListResponse", "bundles": [known[c] for c in sorted(known)]}

    def _get_track(self, req: SimRequest) -> tuple[int, Any]:
        edit = self._open_edit(req)
        track = req.params["track"]
        return 200, {"track": track, "releases": copy.deepcopy(self._edit_track(edit, track))}

    def _put_track(self, req: SimRequest) -> tuple[int, Any]:
        edit = self._open_edit(req)
        track, body = req.params["track"], req.json()
        if not isinstance(body, dict) or body.get("track", track) != track:
            raise SimError(400, "the body must be a Track for the track in the path")
        releases = body.get("releases")
        if not isinstance(releases, list):
            raise SimError(400, "releases must be a list")
        known = {**self._app(edit.package).bundles, **edit.bundles}
        halted = {tuple(r["versionCodes"]) for r in self._app(edit.package).tracks.get(track, []) if r["status"] == "halted"}
        for release in releases:
            self._check_release(release, known, halted)
        edit.tracks[track] = copy.deepcopy(releases)
        return 200, {"track": track, "releases": releases}

    def _commit(self, req: SimRequest) -> tuple[int, Any]:
        edit = self._open_edit(req)
        if req.query.get("changesNotSentForReview") == "true":
            # Play refuses the flag when the changes can be sent for review as usual.
            raise SimError(400, "changesNotSentForReview must not be set when changes can be sent for review")
        app = self._app(edit.package)
        for code, bundle in sorted(edit.bundles.items()):
            app.bundles[code] = bundle
            self.record("upload", code, package=edit.package, sha256=bundle["sha256"])
        for track, releases in edit.tracks.items():
            before = {tuple(r["versionCodes"]): r for r in app.tracks.get(track, [])}
            for release in releases:
                self._record_release(edit.package, track, release, before.get(tuple(release["versionCodes"])))
            app.tracks[track] = releases
        del self._edits[edit.id]
        self._deleted.add(edit.id)
        return 200, {"id": edit.id, "expiryTimeSeconds": str(int(edit.expires_at))}

    # -- rules and state ----------------------------------------------------------------------
    def _check_release(self, release: Any, known: dict[int, Any], halted: set[tuple[str, ...]]) -> None:
        if not isinstance(release, dict):
            raise SimError(400, "a release must be an object")
        status, fraction, codes = release.get("status"), release.get("userFraction"), release.get("versionCodes")
        if status not in _STATUSES:
            raise SimError(400, f"status must be one of {', '.join(_STATUSES)}")
        if not isinstance(codes, list) or not all(isinstance(c, str) and c.isdigit() for c in codes):
            raise SimError(400, "versionCodes must be a list of numeric strings")
        if status != "draft" and not codes:
            raise SimError(400, f"a {status} release needs at least one versionCode")
        missing = [c for c in codes if int(c) not in known]
        if missing:
            raise SimError(400, f"version codes not found in this app: {', '.join(missing)}")
        if status == "inProgress" and fraction is None:
            raise SimError(400, "userFraction is required for an inProgress release")
        if fraction is not None:
            if status not in ("inProgress", "halted"):
                raise SimError(400, f"userFraction is only valid with inProgress or halted, not {status}")
            if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or not 0 < fraction < 1:
                raise SimError(400, "userFraction must be strictly between 0 and 1")
        if status not in ("halted", "draft") and tuple(codes) in halted:
            raise SimError(400, "a halted release cannot be updated without adding a new bundle")

    def _record_release(self, package: str, track: str, release: dict[str, Any], before: dict[str, Any] | None) -> None:
        action = _ACTION_OF_STATUS.get(release["status"])
        if action is None:
            return
        if before is not None and (before["status"], before.get("userFraction")) == (release["status"], release.get("userFraction")):
            return
        details: dict[str, Any] = {"package": package, "track": track}
        if action != "complete":
            details["fraction"] = release.get("userFraction", 1.0)
        self.record(action, max(int(c) for c in release["versionCodes"]), **details)

    def _app(self, package: str) -> _App:
        return self._apps.setdefault(package, _App(next_code=self._version_code_start))

    def _open_edit(self, req: SimRequest) -> _Edit:
        edit_id, package = req.params["edit"], req.params["pkg"]
        edit = self._edits.get(edit_id)
        if edit is not None and self._clock() >= edit.expires_at:
            del self._edits[edit_id]
            self._deleted.add(edit_id)
            edit = None
        if edit is None and edit_id in self._deleted:
            raise SimError(400, "This Edit has been deleted.", "editDeleted")
        if edit is None or edit.package != package:
            raise SimError(404, f"no edit {edit_id} for {package}")
        return edit

    def _edit_track(self, edit: _Edit, track: str) -> list[dict[str, Any]]:
        if track in edit.tracks:
            return edit.tracks[track]
        return self._app(edit.package).tracks.get(track, [])

    @staticmethod
    def _edit_resource(edit: _Edit) -> dict[str, Any]:
        return {"id": edit.id, "expiryTimeSeconds": str(int(edit.expires_at))}
