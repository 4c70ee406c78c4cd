"""SARIF 2.1.0 as Semgrep, CodeQL, gitleaks and MobSF write it, normalised to findings.

Their habits differ: severity in `level` or in a `security-severity` property (on the result or its rule),
rules in `tool.driver.rules` or in `tool.extensions[].rules`, results that name their rule by `ruleId`,
`rule.id` or only `ruleIndex`, partial fingerprints that identify the result or only the commit, several runs.
"""

from __future__ import annotations

import re
from typing import Any

from capstan.errors import InvalidInput
from capstan.scanning.findings import ScannerReport, finding, fingerprint, severity_from_score, severity_from_word
from capstan.scanning.secrets import redact

# Partial fingerprints that identify one result (gitleaks' commitSha/author/date only identify the commit).
RESULT_FINGERPRINTS = ("primaryLocationLineHash", "matchBasedId/v1", "primaryLocationStartColumnFingerprint", "fingerprint")
_ARGUMENT = re.compile(r"\{(\d+)\}")


def _obj(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _text(value: Any) -> str:
    return str(_obj(value).get("text") or "")


def _score(props: dict) -> float | None:
    raw = props.get("security-severity")
    try:
        return float(raw) if raw is not None else None
    except (TypeError, ValueError):
        return None


def _severity(result: dict, rule: dict) -> str:
    if result.get("kind") == "informational":
        return "info"
    for props in (_obj(result.get("properties")), _obj(rule.get("properties"))):
        score = _score(props)
        if score is not None:
            return severity_from_score(score)
    level = result.get("level") or _obj(rule.get("defaultConfiguration")).get("level")
    if isinstance(level, str) and severity_from_word(level):
        return severity_from_word(level)  # type: ignore[return-value]
    for props in (_obj(result.get("properties")), _obj(rule.get("properties"))):
        for key in ("severity", "problem.severity"):
            word = props.get(key)
            if isinstance(word, str) and severity_from_word(word):
                return severity_from_word(word)  # type: ignore[return-value]
    return "medium"  # SARIF's default level is "warning"


class _Run:
    """One run's rule tables and artifacts, so each result can be resolved against them."""

    def __init__(self, run: dict):
        tool = _obj(run.get("tool"))
        driver = _obj(tool.get("driver"))
        self.name = str(driver.get("name") or "unknown")
        self.components = [driver] + [_obj(e) for e in _list(tool.get("extensions"))]
        self.by_id: dict[str, dict] = {}
        for component in self.components:
            for rule in _list(component.get("rules")):
                if isinstance(rule, dict) and isinstance(rule.get("id"), str):
                    self.by_id.setdefault(rule["id"], rule)
        self.artifacts = [_obj(a) for a in _list(run.get("artifacts"))]

    def rule(self, result: dict) -> tuple[str, dict]:
        ref = _obj(result.get("rule"))
        rule_id = result.get("ruleId") or ref.get("id")
        index = result.get("ruleIndex", ref.get("index"))
        component = self.components[0]
        comp_index = _obj(ref.get("toolComponent")).get("index")
        if isinstance(comp_index, int) and 0 <= comp_index < len(self.components):
            component = self.components[comp_index]
        rules = _list(component.get("rules"))
        if isinstance(index, int) and 0 <= index < len(rules) and isinstance(rules[index], dict):
            rule = rules[index]
            return str(rule_id or rule.get("id") or "unknown"), rule
        rule_id = str(rule_id or "unknown")
        return rule_id, self.by_id.get(rule_id, {})

    def location(self, result: dict) -> tuple[str | None, int | None, int | None]:
        loc = _obj((_list(result.get("locations")) or [{}])[0])
        physical = _obj(loc.get("physicalLocation"))
        artifact = _obj(physical.get("artifactLocation"))
        uri = artifact.get("uri")
        index = artifact.get("index")
        if uri is None and isinstance(index, int) and 0 <= index < len(self.artifacts):
            uri = _obj(self.artifacts[index].get("location")).get("uri")
        if uri is None:
            logical = _obj((_list(loc.get("logicalLocations")) or [{}])[0])
            uri = logical.get("fullyQualifiedName") or logical.get("name")
        region = _obj(physical.get("region"))
        line, column = region.get("startLine"), region.get("startColumn")
        return (
            str(uri) if uri is not None else None,
            line if isinstance(line, int) else None,
            column if isinstance(column, int) else None,
        )


def _message(result: dict, rule: dict) -> str:
    message = _obj(result.get("message"))
    text = message.get("text")
    if not text and message.get("id"):
        text = _text(_obj(rule.get("messageStrings")).get(message["id"]))
    if not text:
        text = _text(rule.get("shortDescription")) or _text(rule.get("fullDescription")) or str(rule.get("name") or "")
    args = [str(a) for a in _list(message.get("arguments"))]
    if args:
        text = _ARGUMENT.sub(lambda m: args[int(m.group(1))] if int(m.group(1)) < len(args) else m.group(0), text)
    # Secret scanners like to quote what they found; the gate never repeats a secret.
    return redact(str(text)[:2000])


def _fingerprint(tool: str, rule: str, result: dict, file: str | None, line: int | None, message: str) -> str:
    full = _obj(result.get("fingerprints"))
    if full:
        return fingerprint(tool, rule, *(f"{k}={full[k]}" for k in sorted(full)))
    partial = _obj(result.get("partialFingerprints"))
    own = [f"{k}={partial[k]}" for k in sorted(partial) if k.split("/")[0] in RESULT_FINGERPRINTS or k in RESULT_FINGERPRINTS]
    if own:
        return fingerprint(tool, rule, file, *own)
    snippet = _text(_obj(_obj(_obj((_list(result.get("locations")) or [{}])[0]).get("physicalLocation")).get("region")).get("snippet"))
    return fingerprint(tool, rule, file, line, snippet or message)


def parse(doc: Any, name: str) -> list[ScannerReport]:
    """One ScannerReport per run of a SARIF 2.1.0 log.

    Raises
    ------
    InvalidInput
        When the log is not SARIF 2.1.0, has no `runs`, or a run or result is not an object.
    """
    if not isinstance(doc, dict) or doc.get("version") != "2.1.0":
        raise InvalidInput(f"{name}: version must be SARIF 2.1.0")
    runs = doc.get("runs")
    if not isinstance(runs, list):
        raise InvalidInput(f"{name}: runs is missing")
    reports = []
    for run in runs:
        if not isinstance(run, dict):
            raise InvalidInput(f"{name}: each run must be an object")
        resolved = _Run(run)
        report = ScannerReport(tool=resolved.name, source=name)
        report.ran = all(_obj(i).get("executionSuccessful", True) is not False for i in _list(run.get("invocations")))
        report.commits = {str(_obj(v).get("revisionId")) for v in _list(run.get("versionControlProvenance")) if _obj(v).get("revisionId")}
        for art in resolved.artifacts:
            digest = _obj(art.get("hashes")).get("sha-256")
            uri = _obj(art.get("location")).get("uri")
            if isinstance(digest, str) and isinstance(uri, str):
                report.artifact_digests[uri.rsplit("/", 1)[-1]] = digest.lower()
        results = run.get("results")
        if results is not None and not isinstance(results, list):
            raise InvalidInput(f"{name}: results of run {resolved.name} must be a list")
        for result in results or []:
            if not isinstance(result, dict):
                raise InvalidInput(f"{name}: each result must be an object")
            if result.get("kind") in ("pass", "notApplicable"):
                continue
            rule_id, rule = resolved.rule(result)
            file, line, column = resolved.location(result)
            message = _message(result, rule)
            report.findings.append(
                finding(
                    resolved.name,
                    rule_id,
                    _severity(result, rule),
                    message,
                    file,
                    line,
                    _fingerprint(resolved.name, rule_id, result, file, line, message),
                    column=column,
                )
            )
        reports.append(report)
    return reports
