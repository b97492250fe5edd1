"""ProxyStats: the guide's statistics object, built from the core's stats() dict."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Dict, Mapping


@dataclass
class ProxyStats:
    total_requests: int = 0
    successful_requests: int = 0
    failed_requests: int = 0
    retried_requests: int = 0
    cached_responses: int = 0
    total_latency_ms: int = 0
    min_latency_ms: int = 0
    max_latency_ms: int = 0
    upstream_requests: Dict[str, int] = field(default_factory=dict)
    tool_requests: Dict[str, int] = field(default_factory=dict)
    # Core-only counters (active_sessions, upstream_spawns, timeouts, ...), see
    # docs/core_config.md. Kept apart so the guide's fields stay exactly the guide's.
    extra: Dict[str, Any] = field(default_factory=dict)

    @property
    def avg_latency_ms(self) -> float:
        """Mean latency per counted request; 0.0 before the first request."""
        if self.total_requests == 0:
            return 0.0
        return self.total_latency_ms / self.total_requests

    @property
    def success_rate(self) -> float:
        """successful / total, from 0.0 to 1.0; 0.0 before the first request
        (no request has succeeded yet, and it never divides by zero)."""
        if self.total_requests == 0:
            return 0.0
        return self.successful_requests / self.total_requests

    @classmethod
    def from_core(cls, raw: Mapping[str, Any]) -> "ProxyStats":
        known = {f.name for f in fields(cls)} - {"extra"}
        kwargs: Dict[str, Any] = {}
        for name in known:
            if name in raw:
                value = raw[name]
                kwargs[name] = dict(value) if isinstance(value, Mapping) else int(value)
        extra = {k: v for k, v in raw.items() if k not in known}
        return cls(**kwargs, extra=extra)
