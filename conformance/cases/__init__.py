"""The conformance cases, one module per suite. Each case is a scenario (scenarios/runner.py)
with an `id` (suite.behaviour), the `behaviour` it checks in words, and `ref`: the guide or
MCP specification section it comes from."""

from __future__ import annotations

import importlib
from typing import Any, Dict, List

SUITES = ["routing", "id_remapping", "failover", "circuit_breaker", "rate_limiting",
          "authentication", "authorization", "crash_recovery", "cancellation",
          "transformers_cache", "http_transport"]


def all_cases() -> List[Dict[str, Any]]:
    cases: List[Dict[str, Any]] = []
    seen = set()
    for suite in SUITES:
        module = importlib.import_module(f"{__name__}.{suite}")
        for case in module.CASES:
            case = dict(case, suite=suite)
            assert case["id"].startswith(suite + "."), case["id"]
            assert case["id"] not in seen, case["id"]
            assert case.get("behaviour") and case.get("ref"), case["id"]
            seen.add(case["id"])
            cases.append(case)
    return cases
