"""Conformance suites: every case of conformance/cases run against every adapter.

    pytest conformance                                # all adapters
    pytest conformance --adapter fasterapi-inprocess  # one (repeatable)
    pytest conformance -k circuit_breaker

A case that needs a capability the adapter lacks is skipped as "unsupported" (not a
failure). A case listed in baseline/expected-failures.json for that adapter is an expected
failure; if it passes, the test fails ("FIXED: remove it from the baseline"). Each run's
event log is written under --conformance-logs (default: pytest's tmp dir)."""

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from conformance import report  # noqa: E402
from conformance.cases import all_cases  # noqa: E402
from scenarios.adapters import ADAPTERS, make_adapter  # noqa: E402

_ADAPTERS = {}


def pytest_addoption(parser):
    group = parser.getgroup("conformance")
    group.addoption("--adapter", action="append", default=None, choices=sorted(ADAPTERS),
                    help="proxy adapter(s) to run (default: all, or $CONFORMANCE_ADAPTERS)")
    group.addoption("--conformance-logs", default=None, help="directory for the event logs")
    group.addoption("--conformance-results", default=None, help="write the results table as JSON here")


def selected_adapters(config):
    chosen = config.getoption("--adapter")
    if not chosen and os.environ.get("CONFORMANCE_ADAPTERS"):
        chosen = os.environ["CONFORMANCE_ADAPTERS"].split(",")
    return chosen or list(ADAPTERS)


def pytest_generate_tests(metafunc):
    if {"adapter_name", "case"} <= set(metafunc.fixturenames):
        params, ids = [], []
        for name in selected_adapters(metafunc.config):
            for case in all_cases():
                params.append((name, case))
                ids.append(f"{name}::{case['id']}")
        metafunc.parametrize(("adapter_name", "case"), params, ids=ids)


@pytest.fixture
def adapter(adapter_name):
    if adapter_name not in _ADAPTERS:
        _ADAPTERS[adapter_name] = make_adapter(adapter_name)
    return _ADAPTERS[adapter_name]


@pytest.fixture(scope="session")
def baseline():
    return report.load_baseline()


@pytest.fixture
def log_dir(request, tmp_path_factory):
    given = request.config.getoption("--conformance-logs")
    path = Path(given) if given else tmp_path_factory.getbasetemp() / "conformance-logs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def pytest_terminal_summary(terminalreporter, config):
    if report.ROWS and not os.environ.get("CONFORMANCE_QUIET_TABLE"):
        terminalreporter.write_line(report.table(report.ROWS))
    results = config.getoption("--conformance-results")
    if results:
        report.write_results(Path(results), report.ROWS)
