"""Uploads one build's reports, artifacts, log and manifest to S3 under ``builds/<build_id>/``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from capstan_local.build.buildspec import select_files
from capstan_local.build.packaging import sha256_hex

# Manifest formats the core package understands, keyed by buildspec file-format.
REPORT_FORMATS = {
    "JUNITXML": "JUNITXML",
    "SARIF": "SARIF",
    "LCOVINFO": "LCOV",
    "LCOV": "LCOV",
    "COBERTURAXML": "COBERTURAXML",
    "NPMAUDIT": "NPMAUDIT",
    "OSV": "OSV",
}
CONTENT_TYPES = {
    ".xml": "application/xml",
    ".json": "application/json",
    ".sarif": "application/sarif+json",
    ".zip": "application/zip",
    ".log": "text/plain",
    ".info": "text/plain",
}


class Publisher:
    """Puts one build's files in the artifact bucket, each tagged with its digest and the build id."""

    def __init__(self, s3_client: Any, bucket: str, build_id: str) -> None:
        self.s3, self.bucket, self.build_id = s3_client, bucket, build_id
        self.prefix = f"builds/{build_id}/"

    def url(self, relative_key: str) -> str:
        return f"s3://{self.bucket}/{self.prefix}{relative_key}"

    def arn(self, relative_key: str) -> str:
        return f"arn:aws:s3:::{self.bucket}/{self.prefix}{relative_key}"

    def put(self, relative_key: str, data: bytes) -> str:
        key = self.prefix + relative_key
        self.s3.put_object(
            Bucket=self.bucket,
            Key=key,
            Body=data,
            ContentType=CONTENT_TYPES.get(Path(key).suffix, "application/octet-stream"),
            Metadata={"sha256": sha256_hex(data), "build-id": self.build_id},
        )
        return key

    def reports(self, src: Path, groups: dict[str, dict[str, Any]], note: Callable[[str], None]) -> list[dict[str, Any]]:
        """Upload every report file the buildspec's report groups match; note groups that give none."""
        reports: list[dict[str, Any]] = []
        for group, file_set in groups.items():
            name = group.rsplit("report-group/", 1)[-1]
            fmt = REPORT_FORMATS.get(file_set["format"])
            files = select_files(src, file_set) if fmt else []
            if not fmt:
                note(
                    f"report group {name}: file-format {file_set['format']} is not collected "
                    f"(the manifest supports {sorted(set(REPORT_FORMATS.values()))})"
                )
            elif not files:
                note(f"report group {name}: no file matched {file_set['files']} in {file_set['base']}")
            for relative, path in files:
                reports.append({"group": name, "format": fmt, "key": self.put(f"reports/{name}/{relative}", path.read_bytes())})
        return reports

    def artifacts(self, packages: list[tuple[str, str, bytes]]) -> list[dict[str, Any]]:
        """Upload (name, kind, bytes) packages; returns their manifest entries."""
        return [
            {"name": name, "kind": kind, "key": self.put(f"artifacts/{name}", data), "sha256": sha256_hex(data), "size": len(data)}
            for name, kind, data in packages
        ]
