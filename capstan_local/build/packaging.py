"""Packs the built web files into a deterministic web bundle and unsigned native-shell archives, and digests bytes."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
SHELL_LAYOUTS = {
    "app-release.aab": ("android_aab", "base/assets/public/", "base/assets/"),
    "app-release.ipa": ("ios_ipa", "Payload/App.app/public/", "Payload/App.app/"),
}
SHELL_NOTE = (
    "app-release.aab and app-release.ipa are native-shell packages: a local packaging of the web bundle "
    "into the Android/iOS archive layout, not a native compile (this machine has no Xcode or Android SDK). "
    "They are unsigned and cannot be installed or uploaded to a store."
)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def deterministic_zip(entries: list[tuple[str, bytes]]) -> bytes:
    """A zip of (name, data) entries that is the same bytes for the same inputs."""
    # Fixed timestamps, modes and order: the same inputs always give the same bytes.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
            info.compress_type, info.create_system, info.external_attr = zipfile.ZIP_DEFLATED, 3, 0o644 << 16
            archive.writestr(info, data, compresslevel=9)
    return buffer.getvalue()


def packages(
    web: list[tuple[str, bytes]], src: Path, *, build_id: str, commit: str, version_name: str, version_code: int
) -> list[tuple[str, str, bytes]]:
    """(name, kind, bytes) of web-bundle.zip and of each native-shell package laid out around it."""
    bundle = deterministic_zip(web)
    result = [("web-bundle.zip", "web_bundle", bundle)]
    config = src / "capacitor.config.json"
    for name, (kind, public_dir, config_dir) in SHELL_LAYOUTS.items():
        readme = (
            f"CAPSTAN LOCAL NATIVE-SHELL PACKAGE - NOT A NATIVE BUILD\n\n{name} is a local packaging of "
            "the web bundle into a native-shell artifact, not a native compile. capstan_local.build "
            "made it on a machine without Xcode or the Android SDK: the files of web-bundle.zip (sha256 "
            f"{sha256_hex(bundle)}) are laid out under {public_dir}. Nothing is signed; "
            "it cannot be installed on a device or uploaded to Google Play or App Store Connect.\n\n"
            f"build: {build_id}\ncommit: {commit}\nversion: {version_name} ({version_code})\n"
        )
        entries = [(public_dir + relative, data) for relative, data in web]
        entries.append(("CAPSTAN-LOCAL-SHELL.txt", readme.encode()))
        if config.is_file():
            entries.append((config_dir + "capacitor.config.json", config.read_bytes()))
        result.append((name, kind, deterministic_zip(entries)))
    return result
