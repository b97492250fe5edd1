"""The document handed to the core is the one docs/core_config.md describes."""

import json
import pathlib
import re

from fasterapi.mcp import MCPProxy, ProxyRoute, UpstreamConfig

from mcp_api_helpers import simple_proxy

DOC = pathlib.Path(__file__).resolve().parents[2] / "docs" / "core_config.md"


def documented_example() -> dict:
    block = re.search(r"```json\n(.*?)```", DOC.read_text(), re.S).group(1)
    return json.loads(block)


def test_the_documented_example_is_what_the_python_api_produces():
    proxy = MCPProxy()
    proxy.add_upstream(UpstreamConfig(
        name="math", transport_type="stdio", command="python",
        args=["-m", "mcp_fakes", "--profile", "math"], env={"KEY": "value"}))
    proxy.add_route(ProxyRoute(upstream_name="math", tool_pattern="math_*"))
    assert json.loads(proxy.core_config_json()) == documented_example()


def test_every_upstream_field_the_core_reads_comes_from_the_config():
    proxy = MCPProxy(name="P", version="2.0", enable_request_logging=False,
                     max_message_bytes=65536)
    proxy.add_upstream(UpstreamConfig(
        name="data", transport_type="stdio", command="/usr/bin/env", args=["srv"],
        cwd="/srv", name_prefix="d", max_connections=3, eager_start=True,
        connect_timeout_ms=100, request_timeout_ms=200, shutdown_grace_ms=1,
        url="ignored", auth_token="ignored", enable_health_check=False))
    proxy.add_route(ProxyRoute(upstream_name="data", resource_pattern="data://*",
                               prompt_pattern="d_?"))
    proxy.add_route(ProxyRoute(upstream_name="data", idempotent=True, trust_annotations=True))
    assert json.loads(proxy.core_config_json()) == {
        "name": "P", "version": "2.0", "max_message_bytes": 65536,
        "enable_request_logging": False,
        "failover_enabled": True, "circuit_breaker_enabled": True, "circuit_breaker_threshold": 5,
        "circuit_breaker_open_ms": 60000, "circuit_breaker_half_open_max_calls": 1,
        "circuit_breaker_half_open_max_ms": 30000, "shutdown_drain_ms": 5000,
        "upstreams": [{
            "name": "data", "transport_type": "stdio", "command": "/usr/bin/env",
            "args": ["srv"], "env": {}, "cwd": "/srv", "name_prefix": "d",
            "max_connections": 3, "eager_start": True, "connect_timeout_ms": 100,
            "request_timeout_ms": 200, "shutdown_grace_ms": 1, "enable_health_check": False,
            "health_check_interval_ms": 30000, "max_retries": 3, "retry_delay_ms": 1000}],
        "routes": [
            {"upstream_name": "data", "tool_pattern": "", "resource_pattern": "data://*",
             "prompt_pattern": "d_?", "idempotent": False, "trust_annotations": False,
             "enable_request_transform": False, "enable_response_transform": False,
             "required_scope": None, "rate_limit_override": None},
            {"upstream_name": "data", "tool_pattern": "", "resource_pattern": "",
             "prompt_pattern": "", "idempotent": True, "trust_annotations": True,
             "enable_request_transform": False, "enable_response_transform": False,
             "required_scope": None, "rate_limit_override": None}],
        "security": {
            "enable_auth": True, "enable_authorization": True, "enable_rate_limiting": True,
            "jwt": None, "bearer_token": None, "token_env": "FASTERAPI_MCP_TOKEN",
            "meta_key": "dev.fasterapi/authorization", "rate_limit": None,
            "client_rate_limit": None, "tool_rate_limits": []},
        "caching": {"enabled": False, "ttl_ms": 60000, "max_entries": 10000,
                    "max_bytes": 64 * 1024 * 1024},
        "transformers": {"request": [], "response": []},
    }


def test_security_setters_and_route_fields_reach_the_core_document():
    proxy = simple_proxy(enable_rate_limiting=False)
    proxy.add_route(ProxyRoute(upstream_name="math", tool_pattern="admin_*",
                               required_scope="admin", rate_limit_override=10))
    proxy.set_jwt_auth(secret="k" * 48, algorithm="HS384", issuer="iss", audience="aud",
                       clock_skew_seconds=5, algorithms=["HS384"])
    proxy.set_bearer_auth("dev-token")
    proxy.set_rate_limit(1000, 60000, burst=100)
    proxy.set_client_rate_limit(10, 1000, algorithm="sliding_window")
    proxy.set_tool_rate_limit("admin_restart", 1, 5000)
    proxy.set_tool_rate_limit("admin_restart", 2, 5000)  # replaces
    doc = json.loads(proxy.core_config_json())
    assert doc["routes"][1]["required_scope"] == "admin"
    assert doc["routes"][1]["rate_limit_override"] == 10
    sec = doc["security"]
    assert sec["enable_rate_limiting"] is False
    assert sec["jwt"] == {
        "secret": "k" * 48, "public_key": None, "algorithm": "HS384", "algorithms": ["HS384"],
        "issuer": "iss", "audience": "aud", "verify_expiry": True, "clock_skew_seconds": 5,
        "max_token_bytes": 8192, "cache_size": 1024, "jwks": None, "jwks_remote": False}
    assert sec["bearer_token"] == "dev-token"
    assert sec["rate_limit"] == {"max_requests": 1000, "window_ms": 60000, "burst": 100,
                                 "algorithm": "token_bucket"}
    assert sec["client_rate_limit"]["algorithm"] == "sliding_window"
    assert sec["tool_rate_limits"] == [{"tool_name": "admin_restart", "max_requests": 2,
                                        "window_ms": 5000, "burst": None,
                                        "algorithm": "token_bucket"}]


def test_non_ascii_survives():
    proxy = simple_proxy(name="Прокси ✓")
    assert json.loads(proxy.core_config_json())["name"] == "Прокси ✓"
