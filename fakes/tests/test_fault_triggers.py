"""The shared trigger and seeded RNG, without processes."""

import pytest

from mcp_fakes.faults import FaultSet, FaultSpecError


def call(n, name="echo"):
    return {"jsonrpc": "2.0", "id": n, "method": "tools/call", "params": {"name": name}}


def fired(spec, messages, seed=0):
    faults = FaultSet(seed)
    faults.add(spec)
    return [bool(faults.firing(msg)) for msg in messages]


def test_nth_every_after_for():
    msgs = [call(i) for i in range(1, 9)]
    assert fired("error nth=3", msgs) == [i == 3 for i in range(1, 9)]
    assert fired("error every=3", msgs) == [i % 3 == 0 for i in range(1, 9)]
    assert fired("error after=2 for=3", msgs) == [3 <= i <= 5 for i in range(1, 9)]
    assert fired("error after=6", msgs) == [i > 6 for i in range(1, 9)]


def test_method_and_tool_globs_count_only_matching_messages():
    msgs = [call(1, "admin_status"), {"jsonrpc": "2.0", "id": 2, "method": "ping"},
            call(3, "admin_restart_service"), call(4, "admin_restart_service")]
    assert fired("error tool=admin_restart_* nth=2", msgs) == [False, False, False, True]
    assert fired("error method=ping", msgs) == [False, True, False, False]
    assert fired("error method=tools/*", msgs) == [True, False, True, True]


def test_lifecycle_methods_are_spared_unless_named():
    init = {"jsonrpc": "2.0", "id": 1, "method": "initialize"}
    assert fired("error", [init]) == [False]
    assert fired("error method=initialize", [init]) == [True]
    assert fired("slow_initialize ms=1", [init]) == [True]


def test_probability_is_seeded_and_repeatable():
    msgs = [call(i) for i in range(200)]
    first = fired("error_rate p=0.3", msgs, seed=7)
    assert first == fired("error_rate p=0.3", msgs, seed=7)
    assert first != fired("error_rate p=0.3", msgs, seed=8)
    assert 30 < sum(first) < 90
    assert not any(fired("error_rate p=0", msgs)) and all(fired("error_rate p=1", msgs))


def test_latency_draws_are_seeded():
    from mcp_fakes.faults.base import REGISTRY, parse_spec

    def draws(spec, seed):
        faults = FaultSet(seed)
        armed = faults.add(spec)
        return [armed.fault.delay_ms(f.rng) for m in [call(i) for i in range(20)] for f in faults.firing(m)]

    for spec in ("latency ms=50 jitter=20", "latency dist=uniform min=10 max=30", "latency dist=lognormal ms=20"):
        assert draws(spec, 1) == draws(spec, 1) != draws(spec, 2)
    assert all(30 <= d <= 70 for d in draws("latency ms=50 jitter=20", 3))
    assert all(10 <= d <= 30 for d in draws("latency dist=uniform min=10 max=30", 3))
    assert draws("latency ms=5", 0) == [5.0] * 20
    assert parse_spec("latency ms=5")[0] in REGISTRY


@pytest.mark.parametrize("spec,complaint", [
    ("nope", "unknown fault"), ("error code=x", "expected int"), ("error colour=red", "no parameter"),
    ("error p=2", "between 0 and 1"), ("error nth=0", ">= 1"), ("latency dist=pareto", "lognormal"),
    ("error code", "key=value"), ("", "empty"),
])
def test_bad_specs_are_clear(spec, complaint):
    with pytest.raises(FaultSpecError, match=complaint):
        FaultSet().add(spec)


def test_add_remove_reset_describe():
    faults = FaultSet()
    faults.add("error nth=1")
    faults.add("error nth=2")
    faults.add("latency ms=1 id=slow")
    assert [f["id"] for f in faults.describe()] == ["error", "error#2", "slow"]
    assert faults.remove("slow") == 1
    assert faults.remove("error") == 2
    faults.add("hang")
    faults.reset()
    assert faults.describe() == []
