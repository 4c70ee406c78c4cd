"""Release settings of the native shells: the Capacitor config, the Android manifest and network security
config, and the iOS Info.plist — cleartext traffic, mixed content and debugging must be off in a release."""

from __future__ import annotations

import json
import plistlib
from collections.abc import Callable
from xml.etree.ElementTree import Element  # noqa: S405 - only the type; parsing goes through defusedxml

from defusedxml import ElementTree as SafeXml

from capstan.models.release import ScanFinding
from capstan.scanning.findings import finding, fingerprint

TOOL = "capstan-bundle"
ANDROID = "{http://schemas.android.com/apk/res/android}"
MAX_CONFIG_BYTES = 4 * 1024 * 1024


def _line_of(data: bytes, needle: str) -> int | None:
    at = data.find(needle.encode())
    return data.count(b"\n", 0, at) + 1 if at >= 0 else None


def _flag(file: str, rule: str, severity: str, message: str, line: int | None, setting: str) -> ScanFinding:
    # The setting, not the line, identifies the finding: it stays the same finding when the file is edited.
    return finding(TOOL, rule, severity, message, file, line, fingerprint(TOOL, rule, file, setting))


def capacitor_config(file: str, data: bytes) -> list[ScanFinding]:
    try:
        config = json.loads(data)
    except ValueError:
        return [_flag(file, "native-config-unreadable", "medium", "capacitor.config.json is not valid JSON", None, "json")]
    if not isinstance(config, dict):
        return [_flag(file, "native-config-unreadable", "medium", "capacitor.config.json is not an object", None, "json")]
    server = config.get("server") if isinstance(config.get("server"), dict) else {}
    android = config.get("android") if isinstance(config.get("android"), dict) else {}
    out = []
    if server.get("cleartext") is True:
        out.append(
            _flag(
                file,
                "capacitor-cleartext",
                "high",
                "server.cleartext is true: the WebView allows cleartext HTTP",
                _line_of(data, '"cleartext"'),
                "server.cleartext",
            )
        )
    if server.get("url"):
        out.append(
            _flag(
                file,
                "capacitor-server-url",
                "high",
                "server.url is set: the app loads remote content instead of its bundled files (a live-reload leftover)",
                _line_of(data, '"url"'),
                "server.url",
            )
        )
    if android.get("allowMixedContent") is True:
        out.append(
            _flag(
                file,
                "capacitor-mixed-content",
                "high",
                "android.allowMixedContent is true: HTTPS pages may load HTTP content",
                _line_of(data, '"allowMixedContent"'),
                "android.allowMixedContent",
            )
        )
    for platform in ("android", "ios"):
        section = config.get(platform) if isinstance(config.get(platform), dict) else {}
        if section.get("webContentsDebuggingEnabled") is True or (
            platform == "android" and config.get("webContentsDebuggingEnabled") is True
        ):
            out.append(
                _flag(
                    file,
                    "capacitor-webview-debugging",
                    "high",
                    f"{platform}.webContentsDebuggingEnabled is true: anyone can attach a debugger to the release WebView",
                    _line_of(data, '"webContentsDebuggingEnabled"'),
                    f"{platform}.webContentsDebuggingEnabled",
                )
            )
    return out


def _xml(file: str, data: bytes) -> Element | None:
    try:
        return SafeXml.fromstring(data)
    except Exception:  # noqa: BLE001 - defusedxml raises several types; all mean "not inspectable"
        return None


def android_manifest(file: str, data: bytes) -> list[ScanFinding]:
    if data[:4] in (b"\x03\x00\x08\x00",) or data.lstrip()[:1] != b"<":
        return [
            _flag(
                file,
                "native-config-not-inspected",
                "info",
                "compiled (binary) AndroidManifest.xml: not decoded, check the source manifest",
                None,
                "binary",
            )
        ]
    root = _xml(file, data)
    app = root.find("application") if root is not None else None
    if app is None:
        return [_flag(file, "native-config-unreadable", "medium", "AndroidManifest.xml has no readable <application>", None, "xml")]
    out = []
    if app.get(f"{ANDROID}debuggable") == "true":
        out.append(
            _flag(
                file,
                "android-debuggable",
                "high",
                'android:debuggable="true" in a release manifest',
                _line_of(data, "android:debuggable"),
                "debuggable",
            )
        )
    if app.get(f"{ANDROID}usesCleartextTraffic") == "true":
        out.append(
            _flag(
                file,
                "android-cleartext",
                "high",
                'android:usesCleartextTraffic="true": the app may send HTTP in cleartext',
                _line_of(data, "android:usesCleartextTraffic"),
                "usesCleartextTraffic",
            )
        )
    return out


def network_security_config(file: str, data: bytes) -> list[ScanFinding]:
    if data.lstrip()[:1] != b"<":  # compiled into an AAB or APK (protobuf or binary XML)
        return [_flag(file, "native-config-not-inspected", "info", "compiled network security config: not decoded", None, "binary")]
    root = _xml(file, data)
    if root is None:
        return [_flag(file, "native-config-unreadable", "medium", "network security config is not readable XML", None, "xml")]
    out = []
    base = root.find("base-config")
    if base is not None and base.get("cleartextTrafficPermitted") == "true":
        out.append(
            _flag(
                file,
                "android-cleartext",
                "high",
                "base-config permits cleartext traffic to every domain",
                _line_of(data, "<base-config"),
                "base-config.cleartext",
            )
        )
    if base is not None and any(c.get("src") == "user" for c in base.iter("certificates")):
        out.append(
            _flag(
                file,
                "android-user-ca",
                "medium",
                "base-config trusts user-installed CA certificates (traffic can be intercepted)",
                _line_of(data, 'src="user"'),
                "base-config.user-ca",
            )
        )
    for domain in root.findall("domain-config"):
        if domain.get("cleartextTrafficPermitted") == "true":
            names = ",".join(sorted((d.text or "").strip() for d in domain.findall("domain")))
            out.append(
                _flag(
                    file,
                    "android-cleartext-domain",
                    "medium",
                    f"cleartext traffic permitted to {names[:200]}",
                    _line_of(data, "cleartextTrafficPermitted"),
                    f"domain.{names}",
                )
            )
    return out


def info_plist(file: str, data: bytes) -> list[ScanFinding]:
    try:
        plist = plistlib.loads(data)
    except Exception:  # noqa: BLE001 - plistlib raises several types for malformed input
        return [_flag(file, "native-config-unreadable", "medium", "Info.plist is not a readable property list", None, "plist")]
    ats = plist.get("NSAppTransportSecurity") if isinstance(plist, dict) else None
    if not isinstance(ats, dict):
        return []
    out = []
    for key in ("NSAllowsArbitraryLoads", "NSAllowsArbitraryLoadsInWebContent"):
        if ats.get(key) is True:
            out.append(
                _flag(
                    file,
                    "ios-arbitrary-loads",
                    "high",
                    f"NSAppTransportSecurity.{key} is true: App Transport Security is off",
                    _line_of(data, key),
                    key,
                )
            )
    domains = ats.get("NSExceptionDomains") if isinstance(ats.get("NSExceptionDomains"), dict) else {}
    for domain, rules in sorted(domains.items()):
        if isinstance(rules, dict) and (
            rules.get("NSExceptionAllowsInsecureHTTPLoads") or rules.get("NSTemporaryExceptionAllowsInsecureHTTPLoads")
        ):
            out.append(
                _flag(
                    file,
                    "ios-insecure-domain",
                    "medium",
                    f"insecure HTTP loads allowed for {domain[:200]}",
                    _line_of(data, "AllowsInsecureHTTPLoads"),
                    f"domain.{domain}",
                )
            )
    return out


CHECKS: dict[str, Callable[[str, bytes], list[ScanFinding]]] = {
    "capacitor.config.json": capacitor_config,
    "androidmanifest.xml": android_manifest,
    "network_security_config.xml": network_security_config,
    "info.plist": info_plist,
}


def check(file: str, data: bytes) -> list[ScanFinding] | None:
    """The native-config findings of `file`, or None when it is not a native config file."""
    run = CHECKS.get(file.rsplit("/", 1)[-1].lower())
    if run is None:
        return None
    if len(data) > MAX_CONFIG_BYTES:
        return [_flag(file, "native-config-unreadable", "medium", f"{len(data)} bytes is too large for a config file", None, "size")]
    return run(file, data)
