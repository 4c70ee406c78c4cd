"""JUnit XML as jest-junit, Vitest, Gradle, xcpretty, trainer and Node's runner write it; and the reports that must be refused."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from capstan.domain.test_reports import MAX_REPORT_BYTES, TestResults, parse_junit
from capstan.domain.test_reports.model import clean
from capstan.errors import InvalidInput

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "test_reports"
COMMIT = "3f2a9c1d4b5e6f708192a3b4c5d6e7f801234567"


def _parse(relative: str, **kwargs) -> TestResults:
    return parse_junit((FIXTURES / relative).read_bytes(), relative, **kwargs)


def _counts(results: TestResults) -> tuple[int, int, int, int, int]:
    return results.total, results.passed, results.failed, results.errors, results.skipped


def _failing(results: TestResults) -> list[str]:
    return [c.id for c in results.cases if c.outcome in ("failed", "error")]


# --- each dialect, from reports the real tools wrote (see tests/fixtures/test_reports/README.md) -------------


def test_jest_junit_counts_come_from_the_cases_not_its_summary():
    # Given jest-junit's report of a green run with a skip and a todo (which it leaves out of tests="5")
    results = _parse("jest/junit-green.xml")
    # Then every case is counted, the todo as the pass jest-junit writes it
    assert _counts(results) == (14, 13, 0, 0, 1)
    assert results.duration_s == pytest.approx(sum(c.duration_s for c in results.cases)) and results.duration_s > 0
    assert {c.suite for c in results.cases} == {("sanitizePrompt",), ("chat client",), ("escapeHtml",), ("backoff",)}


def test_jest_junit_failures_are_named_by_suite_and_test():
    results = _parse("jest/junit-red.xml")
    assert _counts(results) == (14, 10, 3, 0, 1)
    assert _failing(results) == [
        "chat client::chat client answers within the latency budget",
        "escapeHtml::renderAnswer clips oversized answers and says so",
        "backoff::backoff reads Retry-After as seconds or an HTTP date",
    ]
    crash = next(c for c in results.cases if "Retry-After" in c.name)
    assert crash.message == "TypeError: value.toDate is not a function"


def test_a_jest_suite_that_failed_to_run_counts_as_an_error():
    # Given jest-junit with reportTestSuiteErrors: the suite declares tests="0" errors="1" and holds two cases
    results = _parse("jest/junit-suite-error.xml")
    assert results.errors == 1 and results.failed == 1
    assert _failing(results) == ["spec/stream.spec.js::spec/stream.spec.js"] * 2


def test_vitest_names_suites_by_file_and_marks_todo_as_skipped():
    results = _parse("vitest/junit-red.xml")
    assert _counts(results) == (14, 9, 3, 0, 2)
    assert "spec/render.spec.js::renderAnswer > clips oversized answers and says so" in _failing(results)


def test_node_runner_cases_at_the_root_nested_suites_skips_and_todos():
    results = _parse("node/junit-red.xml")
    assert _counts(results) == (9, 3, 4, 0, 2)
    top = results.cases[0]
    assert top.suite == () and top.id == "test::sanitizes before sending"
    clipped = next(c for c in results.cases if c.name == "clips oversized answers")
    assert clipped.suite == ("chat session", "streaming")
    assert "chat session > streaming::clips oversized answers" in clipped.ids()
    assert "history store::persists the last 20 turns" in _failing(results)  # cancelled by a failing before-hook
    assert results.unattributed_failures == 0


def test_the_sample_apps_own_green_run_under_node():
    results = _parse("node/junit-green.xml")
    assert _counts(results) == (28, 28, 0, 0, 0) and len(results.suites()) == 10


def test_a_node_failure_kept_only_in_the_runner_summary_is_not_lost():
    # Given a test that failed after its subtests passed: every case passes, the summary says "fail 1"
    results = _parse("node/junit-parent-failure.xml")
    assert results.failed == 0 and results.total == 2
    assert results.unattributed_failures == 1


def test_gradle_writes_one_file_per_class_and_they_add_up():
    # Given Gradle's unit-test directory (one TEST-<class>.xml each) and an instrumented-test file
    results = TestResults()
    files = sorted((FIXTURES / "gradle").rglob("TEST-*.xml"))
    for path in files:
        results.add(parse_junit(path.read_bytes(), path.name))
    assert len(files) == 4 and len(results.reports) == 4
    assert _counts(results) == (12, 9, 2, 0, 1)
    assert _failing(results) == [
        "io.capstan.helloai.ChatBridgeTest::rejectsCleartextBackend",
        "io.capstan.helloai.ChatBridgeTest::streamsAnswerChunksInOrder",
    ]
    timed_out = next(c for c in results.cases if c.name == "streamsAnswerChunksInOrder")
    assert timed_out.message == "org.junit.runners.model.TestTimedOutException: test timed out after 250 milliseconds"


def test_xctest_converted_by_xcpretty():
    results = _parse("xcode/xcpretty-junit.xml")
    assert _counts(results) == (7, 5, 1, 0, 1)
    assert _failing(results) == ["AppTests.ChatPluginTests::testRejectsCleartextBackend"]
    assert results.cases[1].message.startswith('XCTAssertEqual failed: ("http")')


def test_xctest_converted_by_trainer_counts_a_test_with_two_failures_once():
    results = _parse("xcode/trainer-junit.xml")
    assert _counts(results) == (6, 5, 1, 0, 0)
    case = next(c for c in results.cases if c.outcome == "failed")
    assert case.id == "AppTests::testRejectsCleartextBackend()"
    assert "ChatPluginTests::testRejectsCleartextBackend()" in case.ids()


# --- the commit a report names ------------------------------------------------------------------------------------


def _with_property(name: str, value: str) -> bytes:
    return (
        f'<testsuites><testsuite name="s" tests="1"><properties><property name="{name}" value="{value}"/></properties>'
        '<testcase classname="s" name="a"/></testsuite></testsuites>'
    ).encode()


@pytest.mark.parametrize("key", ["commit", "GIT_COMMIT", "CODEBUILD_RESOLVED_SOURCE_VERSION", "git.commit"])
def test_a_report_for_another_commit_is_refused(key):
    other = "0" * 40
    with pytest.raises(InvalidInput, match=r"junit.xml: report is for commit '0{12}.*not 3f2a9c1d4b5e") as caught:
        parse_junit(_with_property(key, other), "junit.xml", commit=COMMIT)
    assert "\n" not in str(caught.value)


def test_a_commit_attribute_on_the_suite_counts_too():
    data = b'<testsuite name="s" commit="abcdef0"><testcase name="a"/></testsuite>'
    with pytest.raises(InvalidInput, match="report is for commit 'abcdef0'"):
        parse_junit(data, "junit.xml", commit=COMMIT)


@pytest.mark.parametrize("value", [COMMIT, COMMIT[:7], COMMIT.upper(), ""])
def test_a_report_for_the_same_commit_full_or_abbreviated_is_read(value):
    assert parse_junit(_with_property("GIT_COMMIT", value), "junit.xml", commit=COMMIT).total == 1


def test_a_commit_name_that_is_not_a_sha_is_refused():
    with pytest.raises(InvalidInput, match="report is for commit 'main'"):
        parse_junit(_with_property("commit", "main"), "junit.xml", commit=COMMIT)


def test_without_a_commit_to_compare_the_property_is_not_checked():
    assert parse_junit(_with_property("commit", "0" * 40), "junit.xml").total == 1


# --- malformed and hostile reports -------------------------------------------------------------------------------

BOMB = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><testsuite name="&lol3;"><testcase name="a"/></testsuite>'
)


@pytest.mark.parametrize(
    "data, why",
    [
        (b"not xml at all", "not well-formed XML"),
        (b"", "not well-formed XML"),
        (b'<testsuites><testsuite name="s"><testcase name="a"/></testsuite>', "not well-formed XML"),  # truncated
        (BOMB, "refused XML construct"),
        (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><testsuite>&e;</testsuite>', "refused XML"),
        (b'<!DOCTYPE x [<!ELEMENT testsuite ANY>]><testsuite name="s"/>', "refused XML construct"),
        (b"<testsuite>" + b"<testsuite>" * 70 + b"</testsuite>" * 70 + b"</testsuite>", "nested deeper than 64"),
        (b"<html><body/></html>", "root element is <html>"),
        (b'<testsuite name="s"><testcase name="a" time="soon"/></testsuite>', "time 'soon' in suite 's' is not a number"),
        (b'<testsuite name="s"><testcase name="a" time="-1.5"/></testsuite>', "negative or not finite"),
        (b'<testsuite name="s"><testcase name="a" time="nan"/></testsuite>', "negative or not finite"),
        (b'<testsuite name="s" tests="-1"><testcase name="a"/></testsuite>', "tests='-1'; counts must be whole numbers, not negative"),
        (b'<testsuite name="s" failures="one"><testcase name="a"/></testsuite>', "failures='one'"),
        (b'<testsuite name="s" skipped="1.5"><testcase name="a"/></testsuite>', "skipped='1.5'"),
        (b'<testsuite name="s" tests="3"><testcase name="a"/></testsuite>', "inconsistent counts: suite 's' declares 3 tests but holds 1"),
        (b'<testsuites tests="9"><testsuite name="s"><testcase name="a"/></testsuite></testsuites>', "the report root declares 9 tests"),
        (
            b'<testsuite name="s" tests="2" failures="1"><testcase name="a"/><testcase name="b"/></testsuite>',
            "declares 1 failures and errors",
        ),
        (b'<testsuite name="s" tests="1" skipped="1"><testcase name="a"/></testsuite>', "declares 1 skipped but 0"),
        (gzip.compress(b'<testsuite name="s"><testcase name="a"/></testsuite>', mtime=0), "gzip-compressed"),
    ],
    # Ids from the expected message only: byte parameters would make ids that differ between xdist workers.
    ids=lambda v: v if isinstance(v, str) and len(v) < 40 else "report",
)
def test_malformed_junit_is_refused_with_one_clear_line(data, why):
    with pytest.raises(InvalidInput, match=why) as caught:
        parse_junit(data, "unit-tests/junit.xml")
    message = str(caught.value)
    assert message.startswith("unit-tests/junit.xml: ") and "\n" not in message


def test_a_report_over_the_size_cap_is_refused_before_parsing():
    with pytest.raises(InvalidInput, match=f"over the {MAX_REPORT_BYTES}-byte cap"):
        parse_junit(b" " * (MAX_REPORT_BYTES + 1), "junit.xml")


def test_a_bare_doctype_naming_an_external_dtd_is_read_but_never_fetched():
    data = (
        b'<?xml version="1.0"?><!DOCTYPE testsuite SYSTEM "http://example.invalid/junit.dtd">'
        b'<testsuite name="s"><testcase name="a"/></testsuite>'
    )
    assert parse_junit(data, "junit.xml").total == 1  # no socket: unit tests refuse them


def test_hostile_names_are_bounded_and_shown_on_one_line():
    name = "evil\u202e&#10;&lt;script>" + "x" * 5000
    data = f'<testsuite name="s"><testcase name="{name}"><failure message="line one&#10;line two"/></testcase></testsuite>'.encode()
    case = parse_junit(data, "junit.xml").cases[0]
    assert len(case.name) == 300 and case.message == "line one"
    assert clean(case.id) == "s::evil <script>" + "x" * (300 - len("s::evil <script>") - 1) + "…"


def test_a_failure_outranks_an_error_and_a_skip():
    data = b'<testsuite name="s"><testcase name="a"><skipped/><error message="e"/><failure message="f"/></testcase></testsuite>'
    case = parse_junit(data, "junit.xml").cases[0]
    assert case.outcome == "failed" and case.message == "e"
