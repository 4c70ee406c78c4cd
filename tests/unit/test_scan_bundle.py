"""The built app's own checks: native release settings, shipped source maps, AI endpoints called from the client,
and zips read within caps."""

from __future__ import annotations

import io
import json
import plistlib
import random
import zipfile

import pytest

from capstan.errors import InvalidInput
from capstan.scanning import bundle
from capstan_local.scan_corpus import fake_key


def rules(findings) -> set[str]:
    return {f.rule for f in findings}


def zip_of(entries: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_release_settings_of_the_capacitor_config_are_checked():
    unsafe = {
        "appId": "com.example.app",
        "server": {"cleartext": True, "url": "http://192.168.1.20:5173"},
        "android": {"allowMixedContent": True, "webContentsDebuggingEnabled": True},
        "ios": {"webContentsDebuggingEnabled": True},
    }
    findings = bundle.scan_file("base/assets/capacitor.config.json", json.dumps(unsafe, indent=2).encode())
    assert rules(findings) == {"capacitor-cleartext", "capacitor-server-url", "capacitor-mixed-content", "capacitor-webview-debugging"}
    assert all(f.severity == "high" and f.line for f in findings)
    safe = {"appId": "com.example.app", "server": {"cleartext": False}, "android": {"allowMixedContent": False}}
    assert bundle.scan_file("capacitor.config.json", json.dumps(safe).encode()) == []


def test_android_manifest_and_network_security_config():
    manifest = b"""<?xml version="1.0" encoding="utf-8"?>
<manifest xmlns:android="http://schemas.android.com/apk/res/android" package="com.example.app">
  <application android:label="App" android:debuggable="true" android:usesCleartextTraffic="true"
      android:networkSecurityConfig="@xml/network_security_config"/>
</manifest>"""
    assert rules(bundle.scan_file("AndroidManifest.xml", manifest)) == {"android-debuggable", "android-cleartext"}
    nsc = b"""<network-security-config>
  <base-config cleartextTrafficPermitted="true">
    <trust-anchors><certificates src="system"/><certificates src="user"/></trust-anchors>
  </base-config>
  <domain-config cleartextTrafficPermitted="true"><domain includeSubdomains="true">legacy.example.com</domain></domain-config>
</network-security-config>"""
    found = bundle.scan_file("res/xml/network_security_config.xml", nsc)
    assert rules(found) == {"android-cleartext", "android-user-ca", "android-cleartext-domain"}


def test_a_compiled_manifest_is_said_to_be_not_inspected_and_xml_bombs_are_not_parsed():
    assert rules(bundle.scan_file("AndroidManifest.xml", b"\x03\x00\x08\x00" + bytes(60))) == {"native-config-not-inspected"}
    bomb = b'<?xml version="1.0"?><!DOCTYPE m [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]><manifest><application/>&b;</manifest>'
    assert rules(bundle.scan_file("AndroidManifest.xml", bomb)) == {"native-config-unreadable"}


@pytest.mark.parametrize("binary", [False, True])
def test_ios_app_transport_security_exceptions(binary):
    plist = {
        "CFBundleIdentifier": "com.example.app",
        "NSAppTransportSecurity": {
            "NSAllowsArbitraryLoads": True,
            "NSExceptionDomains": {"legacy.example.com": {"NSExceptionAllowsInsecureHTTPLoads": True}},
        },
    }
    data = plistlib.dumps(plist, fmt=plistlib.FMT_BINARY if binary else plistlib.FMT_XML)
    assert rules(bundle.scan_file("Payload/App.app/Info.plist", data)) == {"ios-arbitrary-loads", "ios-insecure-domain"}


def test_shipped_source_maps_are_reported():
    smap = json.dumps({"version": 3, "sources": ["a.ts"], "sourcesContent": ["let a = 1"], "mappings": "AAAA"}).encode()
    [f] = bundle.scan_file("assets/index-3fa9c1b2.js.map", smap)
    assert (f.rule, f.severity) == ("source-map-shipped", "medium")
    inline = b"var a=1;\n//# sourceMappingURL=data:application/json;base64,eyJ2ZXJzaW9uIjozfQ==\n"
    assert rules(bundle.scan_file("assets/app.js", inline)) == {"source-map-shipped"}


def test_an_ai_endpoint_called_from_the_client_with_a_key_is_high_and_without_one_low():
    with_key = b'fetch("https://api.openai.com/v1/chat/completions",{method:"POST",headers:{Authorization:"Bearer "+k}})'
    [f] = bundle.scan_file("assets/app.js", with_key)
    assert (f.rule, f.severity) == ("ai-endpoint-with-key", "high") and "api.openai.com" in f.message
    azure = b"const u=`https://${r}.openai.azure.com/openai/deployments/${d}/chat/completions`;"
    [g] = bundle.scan_file("assets/app.js", azure)
    assert (g.rule, g.severity) == ("ai-endpoint-in-client", "low")
    backend = b'fetch(new URL("/api/chat",base).href,{method:"POST"})'
    assert bundle.scan_file("assets/app.js", backend) == []


def test_content_hashes_do_not_change_a_bundle_finding_fingerprint():
    assert bundle.stable_name("assets/index-3fa9c1b2.js") == "assets/index.js"
    assert bundle.stable_name("assets/vendor.4f9a2c1e.js.map") == "assets/vendor.js.map"
    assert bundle.stable_name("assets/chat-client.js") == "assets/chat-client.js"


def test_a_zip_bundle_is_scanned_entry_by_entry_and_shell_copies_of_web_files_are_skipped():
    key = fake_key("google-api-key", random.Random(1))
    web = zip_of({"index.html": b"<html></html>", "app.js": f'init({{key:"{key}"}})'.encode(), "logo.png": b"\x89PNG" + bytes(100)})
    shell = zip_of({"base/assets/public/app.js": f'init({{key:"{key}"}})'.encode(), "base/assets/capacitor.config.json": b"{}"})
    web_findings = bundle.scan_entries(bundle.zip_entries(web, "web-bundle.zip"), prefix="web-bundle.zip!")
    assert [(f.kind, f.file) for f in web_findings] == [("google-api-key", "web-bundle.zip!app.js")]
    shell_names = [name for name, _ in bundle.zip_entries(shell, "app-release.aab", bundle.zip_fingerprints(web))]
    assert shell_names == ["base/assets/capacitor.config.json"]


def test_a_zip_bomb_is_refused():
    bomb = zip_of({"big.js": b"0" * (64 * 1024 * 1024)})
    with pytest.raises(InvalidInput, match="zip bomb"):
        list(bundle.zip_entries(bomb, "web-bundle.zip"))


def test_an_entry_larger_than_its_header_says_is_refused():
    data = bytearray(zip_of({"a.js": b"x" * 5000}, zipfile.ZIP_STORED))
    # Shrink the declared size in both headers: the reader must not trust it
    data = data.replace((5000).to_bytes(4, "little") * 2, (10).to_bytes(4, "little") * 2)
    with pytest.raises(InvalidInput):
        list(bundle.zip_entries(bytes(data), "web-bundle.zip"))


def test_a_file_that_is_not_a_zip_is_refused():
    with pytest.raises(InvalidInput, match="not a readable zip"):
        list(bundle.zip_entries(b"PK\x03\x04 broken", "web-bundle.zip"))
