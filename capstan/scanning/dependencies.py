"""Dependency scanners: `npm audit --json` (npm 7+, report version 2) and `osv-scanner --format json`, as findings."""

from __future__ import annotations

from typing import Any

from capstan.errors import InvalidInput
from capstan.scanning.findings import ScannerReport, finding, fingerprint, severity_from_score, severity_from_word


def _advisory_id(via: dict) -> str:
    url = str(via.get("url") or "")
    tail = url.rstrip("/").rsplit("/", 1)[-1]
    return tail if tail.startswith(("GHSA-", "CVE-")) else f"npm-{via.get('source', 'unknown')}"


def parse_npm_audit(doc: Any, name: str) -> ScannerReport:
    """One finding per advisory per vulnerable package of an npm 7+ audit report.

    Raises
    ------
    InvalidInput
        For npm 6's format, an audit that failed (`error`), or a report without `vulnerabilities`.
    """
    if not isinstance(doc, dict):
        raise InvalidInput(f"{name}: an npm audit report is a JSON object")
    if "error" in doc:
        code = doc["error"].get("code") if isinstance(doc["error"], dict) else doc["error"]
        raise InvalidInput(f"{name}: npm audit did not run ({str(code)[:80]})")
    if "advisories" in doc and "auditReportVersion" not in doc:
        raise InvalidInput(f"{name}: npm 6 audit format; run npm 7 or later (auditReportVersion 2)")
    if doc.get("auditReportVersion") != 2 or not isinstance(doc.get("vulnerabilities"), dict):
        raise InvalidInput(f"{name}: not an npm audit report version 2 (vulnerabilities missing)")
    report = ScannerReport(tool="npm-audit", source=name)
    for package, vuln in sorted(doc["vulnerabilities"].items()):
        if not isinstance(vuln, dict):
            raise InvalidInput(f"{name}: vulnerabilities.{package} must be an object")
        nodes = vuln.get("nodes") if isinstance(vuln.get("nodes"), list) else []
        where = f"package-lock.json#{nodes[0]}" if nodes else "package-lock.json"
        for via in vuln.get("via") or []:
            if not isinstance(via, dict):
                continue  # a name: the advisory is reported on that package's own entry
            advisory = _advisory_id(via)
            score = (via.get("cvss") or {}).get("score") if isinstance(via.get("cvss"), dict) else None
            severity = severity_from_word(str(via.get("severity") or vuln.get("severity") or ""))
            if severity is None:
                severity = severity_from_score(float(score)) if isinstance(score, int | float) and score > 0 else "high"
            fixed = " (fix available)" if vuln.get("fixAvailable") else ""
            report.findings.append(
                finding(
                    "npm-audit",
                    advisory,
                    severity,
                    f"{package} {via.get('range') or vuln.get('range') or ''}: {via.get('title') or advisory}{fixed}",
                    where,
                    None,
                    fingerprint("npm-audit", package, advisory),
                )
            )
    return report


def _osv_severity(vuln: dict, group: dict | None) -> str:
    if group and group.get("max_severity") not in (None, ""):
        try:
            return severity_from_score(float(group["max_severity"]))
        except (TypeError, ValueError):
            pass
    db = vuln.get("database_specific") if isinstance(vuln.get("database_specific"), dict) else {}
    word = severity_from_word(str(db.get("severity") or ""))
    if word:
        return word
    for entry in vuln.get("affected") or []:
        eco = (entry or {}).get("ecosystem_specific") if isinstance(entry, dict) else None
        if isinstance(eco, dict) and severity_from_word(str(eco.get("severity") or "")):
            return severity_from_word(str(eco["severity"]))  # type: ignore[return-value]
    return "high"  # unknown severity fails closed under any policy that blocks high


def parse_osv(doc: Any, name: str) -> ScannerReport:
    """One finding per vulnerability group (aliases merged) per package of an OSV-Scanner JSON report.

    Raises
    ------
    InvalidInput
        When `results` is missing or a result, package or vulnerability is not an object.
    """
    if not isinstance(doc, dict) or not isinstance(doc.get("results"), list):
        raise InvalidInput(f"{name}: not an OSV-Scanner report (results missing)")
    report = ScannerReport(tool="osv-scanner", source=name)
    for result in doc["results"]:
        if not isinstance(result, dict):
            raise InvalidInput(f"{name}: each result must be an object")
        source = str((result.get("source") or {}).get("path") or "") if isinstance(result.get("source"), dict) else ""
        for pkg in result.get("packages") or []:
            if not isinstance(pkg, dict) or not isinstance(pkg.get("package"), dict):
                raise InvalidInput(f"{name}: each package must be an object with a package")
            info = pkg["package"]
            label = f"{info.get('ecosystem', '?')}:{info.get('name', '?')}@{info.get('version', '?')}"
            vulns = {v.get("id"): v for v in pkg.get("vulnerabilities") or [] if isinstance(v, dict)}
            groups = [g for g in pkg.get("groups") or [] if isinstance(g, dict) and g.get("ids")]
            if not groups:
                groups = [{"ids": [vid]} for vid in vulns]
            for group in groups:
                ids = [str(i) for i in group["ids"]]
                main = next((i for i in ids if i.startswith("GHSA-")), ids[0])
                vuln = next((vulns[i] for i in ids if i in vulns), {})
                report.findings.append(
                    finding(
                        "osv-scanner",
                        main,
                        _osv_severity(vuln, group),
                        f"{label}: {vuln.get('summary') or main}"
                        + (f" ({', '.join(i for i in ids if i != main)})" if len(ids) > 1 else ""),
                        source.rsplit("/", 1)[-1] or None,
                        None,
                        fingerprint("osv-scanner", info.get("ecosystem"), info.get("name"), sorted(ids)[0]),
                    )
                )
    return report
