"""Features not built yet: a clear error when asked for, one log line for defaults."""

import logging

import pytest

from fasterapi.mcp import (ConfigError, FeatureNotAvailableError, MCPProxy, ProxyRoute,
                           UpstreamConfig, availability, create_caching_transformer,
                           create_metadata_transformer, create_sanitizing_transformer)

from mcp_api_helpers import error_paths, simple_proxy, stdio_upstream


def assert_not_available(excinfo, path, words):
    err = excinfo.value
    assert type(err) is FeatureNotAvailableError
    assert isinstance(err, ConfigError)
    assert error_paths(excinfo) == [path]
    assert "not available in this version" in str(err)
    assert words in str(err)


@pytest.mark.parametrize("call, path, words", [
    (lambda p: p.add_upstream(UpstreamConfig(name="w", transport_type="websocket",
                                             url="ws://localhost:8000")),
     "upstreams[0].transport_type", "WebSocket upstreams"),
])
def test_asking_for_a_missing_feature_raises_naming_it(call, path, words, monkeypatch):
    # Every feature is built now; the mechanism stays for the next one (a row in the table).
    monkeypatch.setitem(availability.NOT_AVAILABLE, "upstream_transport:websocket",
                        "WebSocket upstreams (transport_type='websocket')")
    proxy = MCPProxy()
    with pytest.raises(FeatureNotAvailableError) as excinfo:
        call(proxy)
    assert_not_available(excinfo, path, words)
    assert proxy.routes == [] and proxy.upstreams == []  # nothing half-added


def test_transformers_caching_and_route_flags_are_built():
    proxy = MCPProxy(enable_caching=True, cache_ttl_ms=1000)
    proxy.add_request_transformer("custom", lambda ctx, data: data)
    proxy.add_response_transformer("meta", create_metadata_transformer("My Proxy"))
    proxy.add_request_transformer("sanitize", create_sanitizing_transformer(["password"]))
    proxy.add_response_transformer("cache", create_caching_transformer(ttl_ms=60000))
    proxy.add_route(ProxyRoute(upstream_name="a", enable_request_transform=True,
                               enable_response_transform=True))
    assert proxy.request_transformers == ["custom", "sanitize"]
    assert proxy.response_transformers == ["meta", "cache"]


@pytest.mark.parametrize("call, paths", [
    (lambda p: p.set_jwt_auth(), ["jwt_auth.secret"]),
    (lambda p: p.set_jwt_auth(secret="s", algorithm="none"), ["jwt_auth.algorithm"]),
    (lambda p: p.set_jwt_auth(secret="s", algorithm="RS256"),
     ["jwt_auth.public_key", "jwt_auth.secret"]),
    (lambda p: p.set_jwt_auth(secret="s", public_key="PEM"),
     ["jwt_auth.public_key", "jwt_auth.secret"]),
    (lambda p: p.set_jwt_auth(secret="x" * 32, issuer="", audience=3, verify_expiry="yes",
                              clock_skew_seconds=-1),
     ["jwt_auth.issuer", "jwt_auth.audience", "jwt_auth.verify_expiry",
      "jwt_auth.clock_skew_seconds"]),
    (lambda p: p.set_bearer_auth(""), ["bearer_auth.token"]),
    (lambda p: p.set_bearer_auth(None), ["bearer_auth.token"]),
    (lambda p: p.set_rate_limit(0, 60000, burst=0, algorithm="leaky"),
     ["rate_limit.max_requests", "rate_limit.burst", "rate_limit.algorithm"]),
    (lambda p: p.set_rate_limit(10, "1m"), ["rate_limit.window_ms"]),
    (lambda p: p.set_tool_rate_limit("", 0, 0),
     ["tool_rate_limits[0].tool_name", "tool_rate_limits[0].max_requests",
      "tool_rate_limits[0].window_ms"]),
    (lambda p: p.add_request_transformer("", "not callable"),
     ["add_request_transformer.name", "add_request_transformer.transformer"]),
    (lambda p: p.add_response_transformer(3, None),
     ["add_response_transformer.name", "add_response_transformer.transformer"]),
    (lambda p: create_metadata_transformer(""), ["create_metadata_transformer.proxy_name"]),
    (lambda p: create_sanitizing_transformer("password"),
     ["create_sanitizing_transformer.sensitive_fields"]),
    (lambda p: create_sanitizing_transformer(["ok", ""]),
     ["create_sanitizing_transformer.sensitive_fields[1]"]),
    (lambda p: create_caching_transformer(ttl_ms=0), ["create_caching_transformer.ttl_ms"]),
    (lambda p: p.add_upstream(UpstreamConfig(name="h", transport_type="http")),
     ["upstreams[0].url"]),
    (lambda p: p.add_route(ProxyRoute(upstream_name="a", rate_limit_override=-3)),
     ["routes[0].rate_limit_override"]),
    (lambda p: p.run(transport="http", port=70000), ["run.port"]),
    (lambda p: p.run(transport="sse"), ["run.transport"]),
    (lambda p: p.run(transport="stdio", host="0.0.0.0", port=1), ["run.host", "run.port"]),
])
def test_bad_arguments_win_over_the_missing_feature(call, paths):
    with pytest.raises(ConfigError) as excinfo:
        call(MCPProxy())
    assert type(excinfo.value) is ConfigError
    assert error_paths(excinfo) == paths


def test_enable_caching_with_a_bad_ttl_reports_the_ttl():
    with pytest.raises(ConfigError) as excinfo:
        MCPProxy(enable_caching=True, cache_ttl_ms=0)
    assert type(excinfo.value) is ConfigError
    assert error_paths(excinfo) == ["proxy.cache_ttl_ms"]


def test_defaults_that_enable_unbuilt_stages_are_accepted_and_listed():
    proxy = MCPProxy()
    proxy.add_upstream(stdio_upstream("math"))
    proxy.add_upstream(stdio_upstream("data", enable_health_check=False))
    proxy.add_upstream(stdio_upstream("admin", max_retries=0))
    assert proxy.inactive_options() == [
        "enable_auth (no set_jwt_auth or set_bearer_auth)",
        "enable_authorization (no route has required_scope)",
        "enable_rate_limiting (no rate limit set)"]


def test_nothing_inactive_when_switched_off():
    proxy = MCPProxy(enable_auth=False, enable_rate_limiting=False,
                     enable_authorization=False, circuit_breaker_enabled=False,
                     failover_enabled=False)
    proxy.add_upstream(stdio_upstream("math", enable_health_check=False, max_retries=0))
    assert proxy.inactive_options() == []


def test_start_logs_exactly_one_line_naming_the_inactive_options(fake_core, caplog):
    proxy = simple_proxy(enable_auth=False)
    with caplog.at_level(logging.WARNING, logger="fasterapi.mcp"):
        proxy.start()
    proxy.stop()
    records = [r for r in caplog.records if r.name == "fasterapi.mcp"]
    assert len(records) == 1
    message = records[0].getMessage()
    assert "\n" not in message
    assert "inactive in this version" in message
    assert "enable_auth" not in message.replace("enable_authorization", "")
    for name in ("enable_rate_limiting", "enable_authorization"):
        assert name in message


def test_start_is_silent_when_nothing_is_inactive(fake_core, caplog):
    proxy = MCPProxy(enable_auth=False, enable_rate_limiting=False,
                     enable_authorization=False, circuit_breaker_enabled=False,
                     failover_enabled=False)
    proxy.add_upstream(stdio_upstream("math", enable_health_check=False, max_retries=0))
    proxy.add_route(ProxyRoute(upstream_name="math"))
    with caplog.at_level(logging.DEBUG, logger="fasterapi.mcp"):
        with proxy:
            pass
    assert [r for r in caplog.records if r.name == "fasterapi.mcp"] == []


def test_deleting_a_table_row_is_all_it_takes(monkeypatch):
    monkeypatch.setitem(availability.NOT_AVAILABLE, "upstream_transport:websocket", "WebSocket upstreams")
    monkeypatch.delitem(availability.NOT_AVAILABLE, "upstream_transport:websocket")
    proxy = MCPProxy()
    proxy.add_upstream(UpstreamConfig(name="w", transport_type="websocket",
                                      url="ws://localhost:8000"))
    assert proxy.upstreams[0].transport_type == "websocket"


def test_security_stages_are_listed_only_while_they_have_nothing_to_enforce():
    proxy = MCPProxy(circuit_breaker_enabled=False, failover_enabled=False)
    proxy.add_upstream(stdio_upstream("math", enable_health_check=False, max_retries=0))
    proxy.add_route(ProxyRoute(upstream_name="math", tool_pattern="admin_*",
                               required_scope="admin"))
    proxy.set_bearer_auth("dev-token")
    proxy.set_tool_rate_limit("admin_restart", 1, 1000)
    assert proxy.inactive_options() == []
