"""The user's configuration objects (the guide's dataclasses) and their validators.

Validators return every problem as (field path, message); callers decide when
to raise. Availability (features not built yet) is checked separately, after
validation, in `*_feature_errors`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional
from urllib.parse import urlsplit

from .availability import unavailable
from .checks import NAME_PREFIX_RE, Checker
from .errors import FieldError

TRANSPORT_TYPES = ("stdio", "http", "websocket")


@dataclass
class UpstreamConfig:
    name: str
    transport_type: str  # "stdio", "http", "websocket"
    command: str = ""
    args: List[str] = field(default_factory=list)
    url: str = ""
    auth_token: str = ""
    max_connections: int = 10
    connect_timeout_ms: int = 5000
    request_timeout_ms: int = 30000
    enable_health_check: bool = True
    health_check_interval_ms: int = 30000
    max_retries: int = 3
    retry_delay_ms: int = 1000
    # Beyond the guide: what a stdio child needs, and collision handling.
    env: Optional[Dict[str, str]] = None
    cwd: str = ""
    name_prefix: str = ""
    eager_start: bool = False
    shutdown_grace_ms: int = 2000
    # Beyond the guide: PEM trust anchors for an https:// or wss:// upstream ("" = the
    # system's trust store).
    tls_ca_file: str = ""


@dataclass
class ProxyRoute:
    upstream_name: str
    tool_pattern: str = ""
    resource_pattern: str = ""
    prompt_pattern: str = ""
    enable_request_transform: bool = False
    enable_response_transform: bool = False
    required_scope: Optional[str] = None
    rate_limit_override: Optional[int] = None
    # Beyond the guide: when a call that may have reached the upstream may be re-sent.
    idempotent: bool = False
    trust_annotations: bool = False


# MCPProxy's keyword arguments and defaults, in the guide's order (+ ours at the end).
PROXY_DEFAULTS: Dict[str, Any] = {
    "name": "FasterAPI MCP Proxy",
    "version": "1.0.0",
    "enable_auth": True,
    "enable_rate_limiting": True,
    "enable_authorization": True,
    "enable_caching": False,
    "cache_ttl_ms": 60000,
    "enable_request_logging": True,
    "enable_metrics": True,
    "failover_enabled": True,
    "circuit_breaker_enabled": True,
    "circuit_breaker_threshold": 5,
    "max_message_bytes": 4 * 1024 * 1024,
    "circuit_breaker_open_ms": 60000,
    "circuit_breaker_half_open_max_calls": 1,
    "circuit_breaker_half_open_max_ms": 30000,
    "shutdown_drain_ms": 5000,
    "cache_max_entries": 10000,
    "cache_max_bytes": 64 * 1024 * 1024,
}

# Smaller than this and an initialize result cannot fit.
MIN_MESSAGE_BYTES = 1024


def check_proxy_options(opts: Dict[str, Any], prefix: str = "proxy") -> List[FieldError]:
    c = Checker()
    c.string(f"{prefix}.name", opts["name"], non_empty=True)
    c.string(f"{prefix}.version", opts["version"], non_empty=True)
    for flag in ("enable_auth", "enable_rate_limiting", "enable_authorization",
                 "enable_caching", "enable_request_logging", "enable_metrics",
                 "failover_enabled", "circuit_breaker_enabled"):
        c.boolean(f"{prefix}.{flag}", opts[flag])
    c.integer(f"{prefix}.cache_ttl_ms", opts["cache_ttl_ms"])
    c.integer(f"{prefix}.cache_max_entries", opts["cache_max_entries"])
    c.integer(f"{prefix}.cache_max_bytes", opts["cache_max_bytes"])
    c.integer(f"{prefix}.circuit_breaker_threshold", opts["circuit_breaker_threshold"])
    c.integer(f"{prefix}.circuit_breaker_open_ms", opts["circuit_breaker_open_ms"])
    c.integer(f"{prefix}.circuit_breaker_half_open_max_calls", opts["circuit_breaker_half_open_max_calls"])
    c.integer(f"{prefix}.circuit_breaker_half_open_max_ms", opts["circuit_breaker_half_open_max_ms"])
    c.integer(f"{prefix}.shutdown_drain_ms", opts["shutdown_drain_ms"], minimum=0)
    c.integer(f"{prefix}.max_message_bytes", opts["max_message_bytes"],
              minimum=MIN_MESSAGE_BYTES)
    return c.errors


def proxy_feature_errors(opts: Dict[str, Any], prefix: str = "proxy") -> List[FieldError]:
    return []


def check_upstream(u: Any, path: str) -> List[FieldError]:
    c = Checker()
    if not isinstance(u, UpstreamConfig):
        c.add(path, f"must be an UpstreamConfig, got {type(u).__name__}")
        return c.errors
    c.string(f"{path}.name", u.name, non_empty=True)
    transport_ok = c.choice(f"{path}.transport_type", u.transport_type, TRANSPORT_TYPES)
    c.string(f"{path}.command", u.command, no_nul=True)
    c.string_list(f"{path}.args", u.args, no_nul=True)
    c.string(f"{path}.url", u.url)
    c.string(f"{path}.auth_token", u.auth_token)
    c.integer(f"{path}.max_connections", u.max_connections)
    c.integer(f"{path}.connect_timeout_ms", u.connect_timeout_ms)
    c.integer(f"{path}.request_timeout_ms", u.request_timeout_ms)
    c.boolean(f"{path}.enable_health_check", u.enable_health_check)
    c.integer(f"{path}.health_check_interval_ms", u.health_check_interval_ms)
    c.integer(f"{path}.max_retries", u.max_retries, minimum=0)
    c.integer(f"{path}.retry_delay_ms", u.retry_delay_ms, minimum=0)
    c.string_map(f"{path}.env", u.env)
    c.string(f"{path}.cwd", u.cwd, no_nul=True)
    if c.string(f"{path}.name_prefix", u.name_prefix) and \
            not NAME_PREFIX_RE.fullmatch(u.name_prefix):
        c.add(f"{path}.name_prefix",
              f"may contain only letters, digits, '_', '.' and '-', got {u.name_prefix!r}")
    c.boolean(f"{path}.eager_start", u.eager_start)
    c.integer(f"{path}.shutdown_grace_ms", u.shutdown_grace_ms)
    if transport_ok:
        # Only complain about the missing endpoint when the field itself is a string.
        if u.transport_type == "stdio" and u.command == "":
            c.add(f"{path}.command", "stdio upstreams need a command")
        if u.transport_type in ("http", "websocket") and u.url == "":
            c.add(f"{path}.url", f"{u.transport_type} upstreams need a url")
        elif u.transport_type in ("http", "websocket") and isinstance(u.url, str):
            scheme = "http" if u.transport_type == "http" else "ws"
            parts = urlsplit(u.url)
            if parts.scheme not in (scheme, scheme + "s") or not parts.hostname:
                c.add(f"{path}.url", f"must be {scheme}://host[:port]/path or {scheme}s://..., got {u.url!r}")
    if c.string(f"{path}.tls_ca_file", u.tls_ca_file, no_nul=True) and u.tls_ca_file:
        if not (isinstance(u.url, str) and urlsplit(u.url).scheme in ("https", "wss")):
            c.add(f"{path}.tls_ca_file", "only used with an https:// or wss:// url")
        elif not os.path.isfile(u.tls_ca_file):
            c.add(f"{path}.tls_ca_file", f"no such file: {u.tls_ca_file!r}")
    return c.errors


def upstream_feature_errors(u: UpstreamConfig, path: str) -> List[FieldError]:
    return unavailable(f"upstream_transport:{u.transport_type}", f"{path}.transport_type")


def check_route(r: Any, path: str) -> List[FieldError]:
    c = Checker()
    if not isinstance(r, ProxyRoute):
        c.add(path, f"must be a ProxyRoute, got {type(r).__name__}")
        return c.errors
    c.string(f"{path}.upstream_name", r.upstream_name, non_empty=True)
    c.string(f"{path}.tool_pattern", r.tool_pattern)
    c.string(f"{path}.resource_pattern", r.resource_pattern)
    c.string(f"{path}.prompt_pattern", r.prompt_pattern)
    c.boolean(f"{path}.enable_request_transform", r.enable_request_transform)
    c.boolean(f"{path}.enable_response_transform", r.enable_response_transform)
    c.optional_string(f"{path}.required_scope", r.required_scope, non_empty=True)
    c.optional_integer(f"{path}.rate_limit_override", r.rate_limit_override)
    c.boolean(f"{path}.idempotent", r.idempotent)
    c.boolean(f"{path}.trust_annotations", r.trust_annotations)
    return c.errors


def route_feature_errors(r: ProxyRoute, path: str) -> List[FieldError]:
    errors: List[FieldError] = []
    if r.required_scope is not None:
        errors += unavailable("route:required_scope", f"{path}.required_scope")
    if r.rate_limit_override is not None:
        errors += unavailable("route:rate_limit_override", f"{path}.rate_limit_override")
    return errors


def check_cross_references(upstreams: List[Any], routes: List[Any]) -> List[FieldError]:
    """Checks that need the whole config: unique names, routes pointing somewhere."""
    c = Checker()
    first_index: Dict[str, int] = {}
    for i, u in enumerate(upstreams):
        name = getattr(u, "name", None)
        if not isinstance(name, str) or not name:
            continue
        if name in first_index:
            c.add(f"upstreams[{i}].name",
                  f"duplicate upstream name {name!r} (also upstreams[{first_index[name]}])")
        else:
            first_index[name] = i
    if not upstreams:
        c.add("upstreams", "no upstream configured")
    if not routes:
        c.add("routes", "no route configured (a ProxyRoute with no patterns is a catch-all)")
    known = ", ".join(repr(n) for n in first_index) or "none"
    for i, r in enumerate(routes):
        name = getattr(r, "upstream_name", None)
        if isinstance(name, str) and name and name not in first_index:
            c.add(f"routes[{i}].upstream_name",
                  f"no upstream named {name!r} (known: {known})")
    return c.errors
