"""Builds the one JSON document the C++ core is configured with (docs/core_config.md)."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Sequence
from urllib.parse import urlsplit

from .config import ProxyRoute, UpstreamConfig
from .transformers import chain_document


def upstream_document(u: UpstreamConfig) -> Dict[str, Any]:
    return {
        "name": u.name,
        "transport_type": u.transport_type,
        "command": u.command,
        "args": list(u.args),
        "env": dict(u.env) if u.env else {},
        "cwd": u.cwd,
        "name_prefix": u.name_prefix,
        "max_connections": u.max_connections,
        "eager_start": u.eager_start,
        "connect_timeout_ms": u.connect_timeout_ms,
        "request_timeout_ms": u.request_timeout_ms,
        "shutdown_grace_ms": u.shutdown_grace_ms,
        "enable_health_check": u.enable_health_check,
        "health_check_interval_ms": u.health_check_interval_ms,
        "max_retries": u.max_retries,
        "retry_delay_ms": u.retry_delay_ms,
        **_http_target(u),
    }


def _http_target(u: UpstreamConfig) -> Dict[str, Any]:
    """An HTTP upstream's URL, split here (urllib) so the core parses no URLs; and the
    proxy's own credential for it."""
    if u.transport_type not in ("http", "websocket"):
        return {}
    parts = urlsplit(u.url)
    tls = parts.scheme in ("https", "wss")
    return {"url": u.url, "http_host": parts.hostname or "", "http_port": parts.port or (443 if tls else 80),
            "http_path": parts.path or "/", "http_tls": tls, "tls_ca_file": u.tls_ca_file,
            "auth_token": u.auth_token}


def route_document(r: ProxyRoute) -> Dict[str, Any]:
    return {
        "upstream_name": r.upstream_name,
        "tool_pattern": r.tool_pattern,
        "resource_pattern": r.resource_pattern,
        "prompt_pattern": r.prompt_pattern,
        "idempotent": r.idempotent,
        "trust_annotations": r.trust_annotations,
        "enable_request_transform": r.enable_request_transform,
        "enable_response_transform": r.enable_response_transform,
        "required_scope": r.required_scope,
        "rate_limit_override": r.rate_limit_override,
    }


def security_document(options: Dict[str, Any], security: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    """The "security" section: the stage switches plus what the setters configured
    (MCPProxy keeps it in this shape already; see docs/core_config.md)."""
    security = security or {}
    return {
        "enable_auth": options["enable_auth"],
        "enable_authorization": options["enable_authorization"],
        "enable_rate_limiting": options["enable_rate_limiting"],
        "jwt": security.get("jwt"),
        "bearer_token": security.get("bearer_token"),
        "token_env": security.get("token_env", "FASTERAPI_MCP_TOKEN"),
        "meta_key": security.get("meta_key", "dev.fasterapi/authorization"),
        "rate_limit": security.get("rate_limit"),
        "client_rate_limit": security.get("client_rate_limit"),
        "tool_rate_limits": list(security.get("tool_rate_limits", [])),
    }


def caching_document(options: Dict[str, Any]) -> Dict[str, Any]:
    return {
        "enabled": options["enable_caching"],
        "ttl_ms": options["cache_ttl_ms"],
        "max_entries": options["cache_max_entries"],
        "max_bytes": options["cache_max_bytes"],
    }


def core_document(options: Dict[str, Any], upstreams: Sequence[UpstreamConfig],
                  routes: Sequence[ProxyRoute],
                  security: Optional[Dict[str, Any]] = None,
                  transformers: Optional[Dict[str, List[Any]]] = None) -> Dict[str, Any]:
    """Only what the core acts on; inactive options stay in Python (see availability.py)."""
    return {
        "name": options["name"],
        "version": options["version"],
        "max_message_bytes": options["max_message_bytes"],
        "enable_request_logging": options["enable_request_logging"],
        "failover_enabled": options["failover_enabled"],
        "circuit_breaker_enabled": options["circuit_breaker_enabled"],
        "circuit_breaker_threshold": options["circuit_breaker_threshold"],
        "circuit_breaker_open_ms": options["circuit_breaker_open_ms"],
        "circuit_breaker_half_open_max_calls": options["circuit_breaker_half_open_max_calls"],
        "circuit_breaker_half_open_max_ms": options["circuit_breaker_half_open_max_ms"],
        "shutdown_drain_ms": options["shutdown_drain_ms"],
        "upstreams": [upstream_document(u) for u in upstreams],
        "routes": [route_document(r) for r in routes],
        "security": security_document(options, security),
        "caching": caching_document(options),
        "transformers": {
            "request": chain_document((transformers or {}).get("request", [])),
            "response": chain_document((transformers or {}).get("response", [])),
        },
    }


def core_json(options: Dict[str, Any], upstreams: Sequence[UpstreamConfig],
              routes: Sequence[ProxyRoute], security: Optional[Dict[str, Any]] = None,
              transformers: Optional[Dict[str, List[Any]]] = None) -> str:
    return json.dumps(core_document(options, upstreams, routes, security, transformers),
                      ensure_ascii=False)
