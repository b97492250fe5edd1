"""Runs every conformance case (conformance/cases) against every adapter; see conftest.py."""

import pytest

from conformance import report
from scenarios.runner import run_scenario


def test_case(adapter, adapter_name, case, baseline, log_dir, tmp_path):
    listed = case["id"] in baseline.get(adapter_name, {})
    result = run_scenario(case, adapter, tmp_path / "run", log_path=log_dir / f"{adapter_name}--{case['id']}.jsonl")
    outcome = report.outcome(result.status, listed)
    report.record(case["id"], adapter_name, outcome, result.detail)
    if outcome == report.UNSUPPORTED:
        pytest.skip(f"unsupported: {result.detail}")
    if outcome == report.XFAIL:
        pytest.xfail(f"expected failure ({baseline[adapter_name][case['id']]}): {result.detail}")
    if outcome == report.FIXED:
        pytest.fail(f"{case['id']} passes on {adapter_name} but is listed in conformance/baseline/"
                    f"expected-failures.json: remove it from the baseline", pytrace=False)
    if outcome == report.FAIL:
        pytest.fail(f"{case['behaviour']} [{case['ref']}]\n{result.detail}", pytrace=False)
