"""The scenario runner itself: determinism (same scenario and seed, same event log),
expectations, capability needs, and the baseline's hygiene."""

import copy
import json
from pathlib import Path

import pytest

from conformance import report
from conformance.cases import all_cases
from scenarios.adapters import ADAPTERS, Adapter, FasterAPIInProcess
from scenarios.matching import mismatches
from scenarios.runner import needs, run_scenario

EXAMPLE = Path(__file__).resolve().parents[1] / "scenarios" / "examples" / "flaky_upstream.json"


def run_twice(scenario, tmp_path):
    adapter = FasterAPIInProcess()
    first = run_scenario(scenario, adapter, tmp_path / "1", log_path=tmp_path / "1.jsonl")
    second = run_scenario(scenario, adapter, tmp_path / "2", log_path=tmp_path / "2.jsonl")
    return first, second


def test_same_scenario_and_seed_give_the_same_event_log(tmp_path):
    scenario = json.loads(EXAMPLE.read_text())
    first, second = run_twice(scenario, tmp_path)
    assert first.status == second.status == "pass", first.detail or second.detail
    assert (tmp_path / "1.jsonl").read_text() == (tmp_path / "2.jsonl").read_text()
    outcomes = [e for e in first.events if e["event"] == "request"]
    assert any("error" in e["response"] for e in outcomes[:8]) and any("result" in e["response"] for e in outcomes[:8])


def test_another_seed_gives_another_log(tmp_path):
    scenario = json.loads(EXAMPLE.read_text())
    other = dict(copy.deepcopy(scenario), seed=8)
    a = run_scenario(scenario, FasterAPIInProcess(), tmp_path / "a")
    b = run_scenario(other, FasterAPIInProcess(), tmp_path / "b")

    def flaky_phase(result):
        return ["result" in e["response"] for e in result.events if e["event"] == "request"][:8]
    assert flaky_phase(a) != flaky_phase(b)


def test_expectations_say_what_did_not_hold():
    value = {"result": {"content": [{"text": "5"}]}, "error": None}
    assert mismatches(value, {"result.content.0.text": "5", "result.content": {"$len": 1}}) == []
    assert mismatches(value, {"result.content.0.text": "6"}) == ["result.content.0.text: expected '6', got '5'"]
    assert mismatches(value, {"result.isError": {"$exists": False}, "x": {"$exists": False}}) == []
    assert mismatches(value, {"result.nope": 1}) == ["result.nope: expected 1, got <missing>"]


def test_needs_come_from_topology_and_steps():
    scenario = {"topology": {"upstreams": [], "routes": [{"upstream_name": "a", "tool_pattern": "x_*",
                                                          "required_scope": "s"}],
                             "rate_limit": {"max_requests": 1, "window_ms": 1, "algorithm": "fixed_window"}},
                "steps": [{"do": "advance", "ms": 1}, {"do": "expect_stats", "expect": {}},
                          {"do": "expect_health", "soft": True, "expect": {}}]}
    assert needs(scenario) == {"route_patterns", "scopes", "rate_limit:fixed_window", "manual_clock", "stats"}


def test_a_missing_capability_is_unsupported_not_a_failure(tmp_path):
    class Bare(Adapter):
        name = "bare"
    case = next(c for c in all_cases() if c["id"] == "circuit_breaker.opens_after_threshold_failures")
    result = run_scenario(case, Bare(), tmp_path)
    assert result.status == "unsupported" and "circuit_breaker" in result.detail


def test_the_baseline_names_only_real_cases_and_adapters():
    ids = {c["id"] for c in all_cases()}
    for adapter, cases in report.load_baseline().items():
        assert adapter in ADAPTERS, adapter
        stale = set(cases) - ids
        assert not stale, f"{adapter}: unknown cases in the baseline: {sorted(stale)}"
        assert all(isinstance(why, str) and why for why in cases.values())


def test_each_third_party_baseline_is_the_suites_format_and_says_why():
    """One file per revision the cases run (the suite fails a run on a stale entry of its
    own file, so revisions cannot share one); each entry a `scenario` or `scenario:check-id`
    string with a comment saying why."""
    import yaml

    from scenarios.third_party import BASELINES, REVISIONS, baseline

    assert sorted(p.name for p in BASELINES.glob("*.yml")) == sorted(f"{r}.yml" for r in REVISIONS)
    for revision in REVISIONS:
        text = baseline(revision).read_text()
        data = yaml.safe_load(text)
        assert set(data) == {"server"} and isinstance(data["server"], list), revision
        assert all(isinstance(e, str) and e and " " not in e for e in data["server"]), revision
        entries = [line for line in text.splitlines() if line.lstrip().startswith("- ")]
        assert len(entries) == len(data["server"]), revision
        unexplained = [line for line in entries if not line.partition(" # ")[2].strip()]
        assert not unexplained, f"{revision}: entries without a reason: {unexplained}"


def test_every_case_names_behaviour_and_source():
    for case in all_cases():
        assert case["behaviour"] and case["ref"], case["id"]


@pytest.mark.parametrize("outcome,listed,expected", [("pass", False, "pass"), ("pass", True, "FIXED"),
                                                     ("fail", True, "xfail"), ("fail", False, "FAIL"),
                                                     ("unsupported", True, "unsupported")])
def test_outcomes(outcome, listed, expected):
    assert report.outcome(outcome, listed) == expected
