"""The proxy's statistics in the Prometheus text exposition format (version 0.0.4).

Built from get_stats() off the request path; an HTTP endpoint will serve the same text.
"""

from __future__ import annotations

import re
from typing import Dict, Iterable, List, Tuple

from .stats import ProxyStats

PREFIX = "fasterapi_mcp_"
_NAME_RE = re.compile(r"[^a-zA-Z0-9_]")


def _label_value(value: str) -> str:
    return str(value).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(labels: Dict[str, str]) -> str:
    if not labels:
        return ""
    return "{" + ",".join(f'{k}="{_label_value(v)}"' for k, v in sorted(labels.items())) + "}"


class _Writer:
    def __init__(self) -> None:
        self.lines: List[str] = []

    def metric(self, name: str, kind: str, help_text: str,
               samples: Iterable[Tuple[Dict[str, str], float]]) -> None:
        full = PREFIX + _NAME_RE.sub("_", name)
        self.lines.append(f"# HELP {full} {help_text}")
        self.lines.append(f"# TYPE {full} {kind}")
        for labels, value in samples:
            self.lines.append(f"{full}{_labels(labels)} {value:g}" if isinstance(value, float)
                              else f"{full}{_labels(labels)} {value}")


def prometheus_text(stats: ProxyStats) -> str:
    w = _Writer()
    w.metric("requests_total", "counter", "Requests counted by the proxy, by outcome.",
             [({"outcome": "success"}, stats.successful_requests),
              ({"outcome": "failure"}, stats.failed_requests)])
    w.metric("retried_requests_total", "counter", "Re-sends of requests (retries).",
             [({}, stats.retried_requests)])
    w.metric("cached_responses_total", "counter", "Answers served from the response cache.",
             [({}, stats.cached_responses)])
    w.metric("request_latency_ms_sum", "counter", "Total latency of counted requests, ms.",
             [({}, stats.total_latency_ms)])
    w.metric("request_latency_ms_min", "gauge", "Smallest request latency, ms.", [({}, stats.min_latency_ms)])
    w.metric("request_latency_ms_max", "gauge", "Largest request latency, ms.", [({}, stats.max_latency_ms)])
    w.metric("upstream_requests_total", "counter", "Exchanges with each upstream.",
             [({"upstream": k}, v) for k, v in sorted(stats.upstream_requests.items())])
    w.metric("tool_requests_total", "counter", "tools/call requests by tool.",
             [({"tool": k}, v) for k, v in sorted(stats.tool_requests.items())])
    extra = dict(stats.extra)
    state = extra.pop("upstream_state", {}) or {}
    w.metric("upstream_healthy", "gauge", "1 if the upstream is healthy.",
             [({"upstream": k}, int(bool(v.get("healthy")))) for k, v in sorted(state.items())])
    w.metric("upstream_circuit_state", "gauge", "1 for the circuit breaker's current state.",
             [({"upstream": k, "state": s}, int(v.get("circuit") == s))
              for k, v in sorted(state.items()) for s in ("closed", "open", "half_open")])
    w.metric("upstream_circuit_opened_total", "counter", "Times each upstream's circuit opened.",
             [({"upstream": k}, int(v.get("circuit_opened", 0))) for k, v in sorted(state.items())])
    clients = extra.pop("client_requests", {}) or {}
    w.metric("client_requests_total", "counter", "Requests by client (principal).",
             [({"client": k}, v) for k, v in sorted(clients.items())])
    active = extra.pop("active_sessions", 0)
    w.metric("active_sessions", "gauge", "Client sessions open now.", [({}, active)])
    for key, help_text in (("cache_entries", "Entries in the response cache."),
                           ("cache_bytes", "Bytes (keys and values) in the response cache.")):
        if key in extra:
            w.metric(key, "gauge", help_text, [({}, extra.pop(key))])
    for key in ("total_latency_us", "min_latency_us", "max_latency_us"):
        extra.pop(key, None)
    for key, value in sorted(extra.items()):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            w.metric(f"{key}_total", "counter", f"Core counter {key}.", [({}, value)])
    return "\n".join(w.lines) + "\n"
