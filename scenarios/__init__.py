"""Scenario runner: a topology (proxy config, fake upstreams with faults and seeds), a script
of steps (requests, bursts, fault changes, clock moves, bounded waits) and expectations,
run deterministically against a proxy through an adapter. See runner.py and
docs/conformance.md."""

from .adapters import ADAPTERS, Adapter, Launched, Unsupported, make_adapter
from .runner import Result, needs, run_scenario

__all__ = ["ADAPTERS", "Adapter", "Launched", "Result", "Unsupported", "make_adapter", "needs", "run_scenario"]
