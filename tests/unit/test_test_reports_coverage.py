"""Line coverage from Cobertura XML, lcov and Istanbul's json-summary; and the coverage reports that must be refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from capstan.domain.test_reports import LineCoverage, detect, parse_cobertura, parse_istanbul_summary, parse_lcov
from capstan.errors import InvalidInput

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "test_reports"


def _read(relative: str) -> bytes:
    return (FIXTURES / relative).read_bytes()


def test_one_jest_run_gives_the_same_coverage_in_all_three_formats():
    # Given Jest's cobertura, lcov and json-summary reporters on one run of the sample's library
    cobertura = parse_cobertura(_read("coverage/cobertura-coverage.xml"))
    lcov = parse_lcov(_read("coverage/jest-lcov.info"))
    summary = parse_istanbul_summary(_read("coverage/coverage-summary.json"))
    # Then each reads 78 of 97 lines, file by file alike
    for coverage in (cobertura, lcov, summary):
        assert (coverage.covered, coverage.total) == (78, 97)
        assert coverage.rate == pytest.approx(0.8041, abs=1e-4)
    assert cobertura.files == lcov.files
    assert sorted(summary.files.values()) == sorted(lcov.files.values())


def test_nodes_lcov_from_the_sample_build():
    coverage = parse_lcov(_read("coverage/node-lcov.info"))
    assert coverage.files["src/lib/render.js"] == (52, 52)
    assert "tests/render.test.mjs" in coverage.files  # Node measures its test files too; the policy can exclude them
    assert coverage.total == 996


def test_merging_reports_keeps_the_better_covered_record_of_a_file():
    web = LineCoverage({"src/a.js": (5, 10), "src/b.js": (1, 4)}, ["web"])
    again = LineCoverage({"src/a.js": (9, 10)}, ["again"])
    merged = web.add(again)
    assert merged.files == {"src/a.js": (9, 10), "src/b.js": (1, 4)} and merged.reports == ["web", "again"]
    assert LineCoverage().rate is None


def test_cobertura_from_coverage_py_shape_with_several_classes_in_one_file():
    data = b"""<?xml version="1.0" ?>
<coverage version="7.4.0" timestamp="1714640000000" lines-valid="4" lines-covered="3" line-rate="0.75"
    branches-covered="0" branches-valid="0" branch-rate="0" complexity="0">
  <sources><source>/codebuild/output/src/app</source></sources>
  <packages><package name="." line-rate="0.75" branch-rate="0" complexity="0"><classes>
    <class name="Bridge" filename="ChatBridge.kt" line-rate="1" branch-rate="0" complexity="0"><methods/><lines>
      <line number="1" hits="1"/><line number="2" hits="3"/></lines></class>
    <class name="Bridge$Companion" filename="ChatBridge.kt" line-rate="0.5" branch-rate="0" complexity="0"><methods/><lines>
      <line number="2" hits="0"/><line number="9" hits="1"/><line number="10" hits="0"/></lines></class>
  </classes></package></packages>
</coverage>"""
    coverage = parse_cobertura(data, "coverage.xml")
    assert coverage.files == {"ChatBridge.kt": (3, 4)}


@pytest.mark.parametrize(
    "data, why",
    [
        (b'<coverage lines-valid="10" lines-covered="11" line-rate="1"/>', "lines-covered 11 exceeds lines-valid 10"),
        (b'<coverage lines-valid="-3" lines-covered="1"/>', "lines-valid is '-3'; counts must be whole numbers, not negative"),
        (
            b'<coverage lines-valid="5" lines-covered="5" line-rate="1"><packages><package><classes><class filename="a.js"><lines>'
            b'<line number="1" hits="1"/><line number="2" hits="0"/></lines></class></classes></package></packages></coverage>',
            "lines-covered/lines-valid 5/5 disagree with its lines",
        ),
        (
            b'<coverage line-rate="0.99"><packages><package><classes><class filename="a.js"><lines>'
            b'<line number="1" hits="1"/><line number="2" hits="0"/></lines></class></classes></package></packages></coverage>',
            "line-rate 0.9900 but its lines give 0.5000",
        ),
        (
            b'<coverage><packages><package><classes><class filename="a.js"><lines>'
            b'<line number="1" hits="-1"/></lines></class></classes></package></packages></coverage>',
            "hits of line 1 in a.js is '-1'",
        ),
        (b'<coverage line-rate="2" lines-valid="1" lines-covered="1"/>', "line-rate '2' is outside 0..1"),
        (b"<coverage/>", "no line data"),
        (b'<coverage generated="1" clover="4.4.1"><project/></coverage>', "a Clover report, not Cobertura"),
        (b"<testsuites/>", "expected Cobertura's <coverage>"),
        (b'<!DOCTYPE coverage [<!ENTITY x "y">]><coverage/>', "refused XML construct"),
        (b"<coverage", "not well-formed XML"),
    ],
)
def test_bad_cobertura_is_refused(data, why):
    with pytest.raises(InvalidInput, match=why) as caught:
        parse_cobertura(data, "coverage/cobertura.xml")
    assert str(caught.value).startswith("coverage/cobertura.xml: ") and "\n" not in str(caught.value)


def test_lcov_without_da_lines_uses_its_lf_and_lh():
    data = b"TN:\nSF:src/a.js\nLF:10\nLH:7\nend_of_record\nSF:src/b.js\nend_of_record\n"
    assert parse_lcov(data).files == {"src/a.js": (7, 10), "src/b.js": (0, 0)}


@pytest.mark.parametrize(
    "data, why",
    [
        (b"SF:src/a.js\nDA:1,1\nDA:2,0\nLF:2\nLH:2\nend_of_record\n", "LH/LF 2/2 but its DA lines give 1/2"),
        (b"SF:src/a.js\nDA:1,-4\nend_of_record\n", "DA hit count .* is '-4'"),
        (b"SF:src/a.js\nLF:3\nLH:5\nend_of_record\n", "LH 5 exceeds LF 3"),
        (b"SF:src/a.js\nDA:1,1\n", "no end_of_record"),
        (b"SF:src/a.js\nSF:src/b.js\nend_of_record\n", "record for src/a.js has no end_of_record"),
        (b"DA:1,1\n", "DA outside a record"),
        (b"end_of_record\n", "end_of_record outside a record"),
        (b"SF:a\n<html>\nend_of_record\n", "line 2 is not an lcov record line"),
        (b"TN:\n", "no source file records"),
        (b"SF:\xff\xfe\nend_of_record\n", "not UTF-8"),
        (b"SF:a\nDA:x,1\nend_of_record\n", "DA line number"),
    ],
)
def test_bad_lcov_is_refused(data, why):
    with pytest.raises(InvalidInput, match=why) as caught:
        parse_lcov(data, "coverage/lcov.info")
    assert str(caught.value).startswith("coverage/lcov.info: ") and "\n" not in str(caught.value)


def _summary(total, files):
    return json.dumps({"total": {"lines": total}, **{k: {"lines": v} for k, v in files.items()}}).encode()


@pytest.mark.parametrize(
    "data, why",
    [
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "no 'total' object"),
        (b"[" * 100_000, "not valid JSON"),
        (_summary({"total": 10, "covered": 9}, {"a.js": {"total": 10, "covered": 5}}), "the total's lines 9/10 disagree"),
        (_summary({"total": 10, "covered": 12}, {}), "covers 12 of 10 lines"),
        (_summary({"total": -1, "covered": 0}, {}), "lines.total is '-1'"),
        (_summary({"total": True, "covered": 0}, {}), "lines.total is 'True'"),
        (_summary({"total": 1.5, "covered": 0}, {}), "lines.total is '1.5'"),
        (json.dumps({"total": {"statements": {}}}).encode(), "total has no 'lines' object"),
    ],
)
def test_bad_istanbul_summary_is_refused(data, why):
    with pytest.raises(InvalidInput, match=why):
        parse_istanbul_summary(data, "coverage-summary.json")


@pytest.mark.parametrize(
    "relative, kind",
    [
        ("jest/junit-red.xml", "junit"),
        ("gradle/test-results/testDebugUnitTest/TEST-io.capstan.helloai.PromptGuardTest.xml", "junit"),
        ("xcode/xcpretty-junit.xml", "junit"),
        ("coverage/cobertura-coverage.xml", "cobertura"),
        ("coverage/node-lcov.info", "lcov"),
        ("coverage/coverage-summary.json", "istanbul-summary"),
        ("gradle/test-results/testDebugUnitTest/binary/results.bin", None),
    ],
)
def test_a_report_is_recognised_by_its_content(relative, kind):
    assert detect(_read(relative)) == kind


def test_files_that_sit_beside_reports_are_not_taken_for_reports():
    assert detect(b'{"/src/a.js": {"path": "/src/a.js", "statementMap": {}}}') is None  # Istanbul's coverage-final.json
    assert detect(b'<?xml version="1.0"?><coverage generated="1" clover="4.4.1"><project/></coverage>') is None
    assert detect(b'{"name": "hello-ai"}') is None
