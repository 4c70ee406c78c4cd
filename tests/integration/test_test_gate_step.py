"""The "Evaluate tests" handler on the local stack: reports read from the artifact bucket, decided, recorded or refused."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import uuid

import pytest
import yaml
from helpers import ROOT, built_release_state

from capstan.domain.test_reports import MAX_REPORT_BYTES
from capstan.errors import InvalidInput, TestGateFailed
from capstan_local.stack import LocalStack
from capstan_local.timeline import _summary

FIXTURES = ROOT / "tests" / "fixtures" / "test_reports"
COMMIT = "3f2a9c1d4b5e6f708192a3b4c5d6e7f801234567"
POLICY = {
    "min_tests": 5,
    "min_pass_rate": 0.8,
    "min_line_coverage": 0.6,
    "coverage_exclude": ["tests/*"],
    "quarantine": [
        {
            "test": "io.capstan.helloai.ChatBridgeTest::streamsAnswerChunksInOrder",
            "owner": "erin",
            "reason": "coroutine timing on shared runners",
            "expires": "2999-12-31",
        },
        {
            "test": "io.capstan.helloai.ChatBridgeTest::rejectsCleartextBackend",
            "owner": "frank",
            "reason": "was flaky before the TLS fix",
            "expires": "2000-01-31",
        },
    ],
}


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    # The sample app's catalogue entry with a test policy that uses every rule the step feeds.
    state = tmp_path_factory.mktemp("gate-stack")
    catalog = json.loads((ROOT / "config" / "apps.json").read_text())
    for app in catalog["apps"]:
        app["tests"] = POLICY
    (state / "apps.json").write_text(json.dumps(catalog))
    s = LocalStack(time_scale=0.0005, state_dir=state, apps_config=state / "apps.json", run_builds=False, seed_baseline=False).start()
    yield s
    s.stop()


def _publish(stack, build_id: str, reports: dict[str, tuple[str, bytes]]) -> list[dict]:
    """Put reports where a build publishes them; `reports` maps group/file to (format, bytes)."""
    s3, bucket = stack.client("s3"), stack.env["CAPSTAN_ARTIFACT_BUCKET"]
    refs = []
    for path, (fmt, data) in reports.items():
        key = f"builds/{build_id}/reports/{path}"
        s3.put_object(Bucket=bucket, Key=key, Body=data)
        refs.append({"group": path.split("/", 1)[0], "format": fmt, "key": key})
    return refs


def _state(build_id: str, reports: list[dict]) -> dict:
    return built_release_state(f"capstan-hello-ai:{build_id}", reports=reports, commit=COMMIT, release_id=f"rel-hello-ai-{build_id}")


def _build_id() -> str:
    return uuid.uuid4().hex[:12]


def _fixture(relative: str) -> bytes:
    return (FIXTURES / relative).read_bytes()


def _refusals(stack) -> list[dict]:
    return stack.ledger("refused#evaluate_tests")


def test_the_sample_apps_own_test_run_gives_the_counts_and_coverage(stack, tmp_path):
    # Given the sample app's tests run with its buildspec's own command (Node's junit and lcov reporters)
    app = tmp_path / "hello-ai"
    shutil.copytree(ROOT / "examples" / "hello-ai", app, ignore=shutil.ignore_patterns("node_modules", "dist", "reports"))
    buildspec = yaml.safe_load((app / "buildspec.yml").read_text())
    command = next(c for c in buildspec["phases"]["build"]["commands"] if c.startswith("node --test"))
    (app / "reports").mkdir()
    run = subprocess.run(["bash", "-c", command], cwd=app, capture_output=True, text=True, timeout=120, check=True)
    ran = int(re.search(r"ℹ tests (\d+)", run.stdout)[1])
    published = {}
    for group, fmt in (("unit-tests", "JUNITXML"), ("coverage", "LCOV")):
        section = buildspec["reports"][group]
        name = section["files"][0]
        published[f"{group}/{name}"] = (fmt, (app / section["base-directory"] / name).read_bytes())
    build_id = _build_id()
    refs = _publish(stack, build_id, published)
    state = _state(build_id, refs)
    # When the handler evaluates them
    decision = stack.invoke("evaluate_tests", state)
    # Then the counts are the run's own, the coverage is the lcov's lines outside tests/, and the ledger has it
    assert decision["decision"] == "pass", decision["reasons"]
    assert decision["tests"]["total"] == decision["tests"]["passed"] == ran
    assert 0.6 < decision["coverage"] < 1
    assert decision["reports"] == ["unit-tests/junit.xml", "coverage/lcov.info"]
    entry = stack.ledger(state["release"]["request"]["release_id"])[-1]
    assert entry["kind"] == "test gate pass" and entry["detail"]["tests"]["total"] == ran
    # And the timeline line shows them
    line = _summary("Evaluate tests", {"tests": decision})
    assert line == f"{ran} passed, 0 failed, 0 errors, 0 skipped, line coverage {decision['coverage']:.1%}"


def test_gradle_files_and_cobertura_with_one_live_and_one_expired_quarantine(stack):
    # Given Gradle's per-class files (two failures) and a Cobertura report
    build_id = _build_id()
    reports = {
        f"unit-tests/{p.name}": ("JUNITXML", p.read_bytes())
        for p in sorted((FIXTURES / "gradle/test-results/testDebugUnitTest").glob("*.xml"))
    }
    reports["coverage/cobertura-coverage.xml"] = ("COBERTURAXML", _fixture("coverage/cobertura-coverage.xml"))
    state = _state(build_id, _publish(stack, build_id, reports))
    # When the handler evaluates them today: one quarantine holds, the other expired in 2000
    with pytest.raises(TestGateFailed) as caught:
        stack.invoke("evaluate_tests", state)
    # Then only the expired one blocks, and the ledger keeps the whole decision
    assert "failed: io.capstan.helloai.ChatBridgeTest::rejectsCleartextBackend" in str(caught.value)
    assert "its quarantine (owner frank) expired on 2000-01-31" in str(caught.value)
    entry = stack.ledger(state["release"]["request"]["release_id"])[-1]
    assert entry["kind"] == "test gate fail"
    assert [q["test"] for q in entry["detail"]["quarantined"]] == ["io.capstan.helloai.ChatBridgeTest::streamsAnswerChunksInOrder"]
    assert entry["detail"]["tests"] == {"total": 10, "passed": 7, "failed": 2, "errors": 0, "skipped": 1}
    assert float(entry["detail"]["coverage"]) == pytest.approx(0.8041)


def _junit_with(attribute: str) -> bytes:
    return f'<testsuite name="s" {attribute}><testcase name="a"/></testsuite>'.encode()


BAD_REPORTS = {
    "not XML": ("JUNITXML", b"Tests: 12 passed", "not well-formed XML"),
    "entity bomb": (
        "JUNITXML",
        b'<!DOCTYPE t [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><testsuite name="&b;"/>',
        "refused XML construct",
    ),
    "negative count": ("JUNITXML", _junit_with('tests="1" failures="-1"'), "counts must be whole numbers, not negative"),
    "inconsistent count": ("JUNITXML", _junit_with('tests="40"'), "inconsistent counts: suite 's' declares 40 tests but holds 1"),
    "another commit": ("JUNITXML", _junit_with(f'commit="{"9" * 40}"'), "report is for commit '9999"),
    "broken lcov": ("LCOV", b"SF:src/a.js\nDA:1,1\nLF:1\nLH:5\nend_of_record\n", "inconsistent counts for src/a.js"),
    "cobertura with inflated totals": (
        "COBERTURAXML",
        b'<coverage lines-valid="10" lines-covered="10" line-rate="1"><packages><package><classes><class filename="a.js"><lines>'
        b'<line number="1" hits="0"/></lines></class></classes></package></packages></coverage>',
        "disagree with its lines",
    ),
    "over the cap": ("JUNITXML", b"<testsuite>" + b" " * MAX_REPORT_BYTES + b"</testsuite>", "over the"),
}


@pytest.mark.parametrize("case", sorted(BAD_REPORTS))
def test_a_bad_report_is_refused_with_one_line_and_one_record(stack, case):
    fmt, data, why = BAD_REPORTS[case]
    build_id = _build_id()
    green = ("JUNITXML", _fixture("node/junit-green.xml"))
    path = "coverage/report.info" if fmt != "JUNITXML" else "unit-tests/junit.xml"
    reports = {"unit-tests/green.xml": green, path: (fmt, data)}
    state = _state(build_id, _publish(stack, build_id, reports))
    before = len(_refusals(stack))
    with pytest.raises(InvalidInput) as caught:
        stack.invoke("evaluate_tests", state)
    message = str(caught.value)
    assert why in message and "\n" not in message
    assert path.rsplit("/", 1)[-1] in message  # it names the report
    assert len(_refusals(stack)) == before + 1 and why in _refusals(stack)[-1]["detail"]["error"]
    assert stack.ledger(state["release"]["request"]["release_id"]) == []  # refused, not decided
