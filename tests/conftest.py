"""Shared fixtures and the end-to-end state-coverage report."""

import pytest
import suite_report
from helpers import load_event


@pytest.fixture
def event():
    return load_event


def _worker(config):
    return getattr(config, "workerinput", {}).get("workerid")


def pytest_sessionstart(session):
    if _worker(session.config) is None:
        suite_report.reset()


def pytest_sessionfinish(session, exitstatus):
    worker = _worker(session.config)
    if worker is not None:
        suite_report.save(worker)
        return
    whole_suite = not session.config.getoption("keyword") and not session.config.getoption("markexpr")
    entered_any = any(suite_report.merged().values())
    if whole_suite and entered_any and exitstatus == 0 and any(suite_report.missing().values()):
        session.exitstatus = 1  # a state no e2e test enters is a state nobody has seen work


def pytest_terminal_summary(terminalreporter):
    attempts = suite_report.hostile()
    if attempts["tried"]:
        terminalreporter.section("hostile approval attempts")
        terminalreporter.write_line(f"{attempts['tried']} hostile approval attempts tried, {attempts['accepted']} accepted")
    merged = suite_report.merged()
    if not any(merged.values()):
        return
    terminalreporter.section("state coverage (e2e)")
    for flow, missing in suite_report.missing().items():
        total = len(suite_report.DEFINED[flow])
        terminalreporter.write_line(
            f"{flow}.asl.json: {total - len(missing)}/{total} states entered"
            + (f"; never entered: {', '.join(missing)}" if missing else "")
        )
