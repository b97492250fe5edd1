"""The guide's names, arguments and defaults are the contract."""

import dataclasses
import inspect

import fasterapi.mcp as mcp
from fasterapi.mcp import (MCPProxy, ProxyRoute, ProxyStats, UpstreamConfig,
                           create_caching_transformer, create_metadata_transformer,
                           create_sanitizing_transformer)


def defaults(func):
    return {name: p.default for name, p in inspect.signature(func).parameters.items()
            if name != "self"}


def test_the_guide_imports_work():
    for name in ("MCPProxy", "UpstreamConfig", "ProxyRoute", "ProxyStats",
                 "create_metadata_transformer", "create_sanitizing_transformer",
                 "create_caching_transformer", "ConfigError", "FeatureNotAvailableError"):
        assert name in mcp.__all__
    assert callable(create_caching_transformer)
    assert callable(create_metadata_transformer)
    assert callable(create_sanitizing_transformer)


def test_mcpproxy_defaults_are_the_guides():
    assert defaults(MCPProxy.__init__) == {
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
        # beyond the guide, keyword-only
        "circuit_breaker_open_ms": 60000, "circuit_breaker_half_open_max_calls": 1,
        "circuit_breaker_half_open_max_ms": 30000, "shutdown_drain_ms": 5000,
        "cache_max_entries": 10000, "cache_max_bytes": 64 * 1024 * 1024,
    }
    # The guide's arguments keep their order; ours is keyword-only.
    params = inspect.signature(MCPProxy.__init__).parameters
    assert params["max_message_bytes"].kind is inspect.Parameter.KEYWORD_ONLY
    assert list(params)[1:4] == ["name", "version", "enable_auth"]


def test_upstreamconfig_is_the_guides_dataclass_plus_our_fields():
    assert dataclasses.is_dataclass(UpstreamConfig)
    u = UpstreamConfig(name="s", transport_type="stdio")
    assert dataclasses.asdict(u) == {
        "name": "s", "transport_type": "stdio", "command": "", "args": [], "url": "",
        "auth_token": "", "max_connections": 10, "connect_timeout_ms": 5000,
        "request_timeout_ms": 30000, "enable_health_check": True,
        "health_check_interval_ms": 30000, "max_retries": 3, "retry_delay_ms": 1000,
        "env": None, "cwd": "", "name_prefix": "", "eager_start": False,
        "shutdown_grace_ms": 2000,
        "tls_ca_file": "",
    }
    # args default is not shared between instances.
    assert UpstreamConfig(name="a", transport_type="stdio").args is not u.args


def test_proxyroute_is_the_guides_dataclass():
    assert dataclasses.is_dataclass(ProxyRoute)
    assert dataclasses.asdict(ProxyRoute(upstream_name="u")) == {
        "upstream_name": "u", "tool_pattern": "", "resource_pattern": "",
        "prompt_pattern": "", "enable_request_transform": False,
        "enable_response_transform": False, "required_scope": None,
        "rate_limit_override": None, "idempotent": False, "trust_annotations": False,
    }


def test_proxystats_fields_are_the_guides():
    names = [f.name for f in dataclasses.fields(ProxyStats)]
    assert names == ["total_requests", "successful_requests", "failed_requests",
                     "retried_requests", "cached_responses", "total_latency_ms",
                     "min_latency_ms", "max_latency_ms", "upstream_requests",
                     "tool_requests", "extra"]


def positional(method):
    params = list(inspect.signature(method).parameters.values())[1:]
    return {p.name: (None if p.default is inspect.Parameter.empty else p.default)
            for p in params if p.kind is not inspect.Parameter.KEYWORD_ONLY}


def test_setter_signatures():
    # The guide's arguments, in the guide's order; additions are keyword-only.
    assert positional(MCPProxy.set_jwt_auth) == {
        "secret": None, "public_key": None, "algorithm": "HS256", "issuer": None,
        "audience": None, "verify_expiry": True, "clock_skew_seconds": 60}
    assert list(positional(MCPProxy.set_bearer_auth)) == ["token"]
    assert defaults(MCPProxy.set_rate_limit)["algorithm"] == "token_bucket"
    assert list(positional(MCPProxy.set_tool_rate_limit)) == [
        "tool_name", "max_requests", "window_ms"]
    assert defaults(MCPProxy.run)["transport"] == "stdio"


def test_guide_quick_start_configures(fake_core):
    proxy = MCPProxy(name="My MCP Proxy", version="1.0.0")
    proxy.add_upstream(UpstreamConfig(name="server1", transport_type="stdio",
                                      command="python", args=["server1.py"]))
    proxy.add_route(ProxyRoute(upstream_name="server1", tool_pattern="*"))
    proxy.check()
    assert [r.tool_pattern for r in proxy.routes] == ["*"]
    assert [u.name for u in proxy.upstreams] == ["server1"]


def test_routes_and_upstreams_list_in_order_and_are_copies():
    proxy = MCPProxy()
    proxy.add_route(ProxyRoute(upstream_name="b", tool_pattern="b_*"))
    proxy.add_route(ProxyRoute(upstream_name="a"))
    proxy.routes.clear()
    assert [r.upstream_name for r in proxy.routes] == ["b", "a"]
