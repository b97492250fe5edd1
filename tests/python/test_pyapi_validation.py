"""Every bad field is reported by its path, and all of them at once."""

import pytest

from fasterapi.mcp import (ConfigError, FeatureNotAvailableError, MCPProxy, ProxyRoute,
                           UpstreamConfig)

from mcp_api_helpers import error_paths, simple_proxy, stdio_upstream


def test_config_error_is_a_value_error_listing_every_field():
    with pytest.raises(ValueError) as excinfo:
        MCPProxy(name="", cache_ttl_ms=0, enable_auth="yes")
    err = excinfo.value
    assert isinstance(err, ConfigError)
    assert error_paths(excinfo) == ["proxy.name", "proxy.enable_auth", "proxy.cache_ttl_ms"]
    text = str(err)
    assert text.startswith("3 configuration errors:")
    for path in error_paths(excinfo):
        assert path in text


def test_single_error_message_is_one_line():
    with pytest.raises(ConfigError) as excinfo:
        MCPProxy(circuit_breaker_threshold=-1)
    assert str(excinfo.value) == \
        "proxy.circuit_breaker_threshold: must be a positive integer, got -1"


@pytest.mark.parametrize("field, value", [
    ("name", 3), ("version", ""), ("enable_rate_limiting", 1), ("enable_metrics", None),
    ("cache_ttl_ms", "60000"), ("cache_ttl_ms", 1.5), ("circuit_breaker_threshold", True),
    ("circuit_breaker_threshold", 2**31), ("failover_enabled", "false"),
])
def test_proxy_option_types(field, value):
    with pytest.raises(ConfigError) as excinfo:
        MCPProxy(**{field: value})
    assert error_paths(excinfo) == [f"proxy.{field}"]


def test_max_message_bytes_has_a_floor():
    with pytest.raises(ConfigError) as excinfo:
        MCPProxy(max_message_bytes=100)
    assert excinfo.value.errors == [
        ("proxy.max_message_bytes", "must be an integer >= 1024, got 100")]
    assert MCPProxy(max_message_bytes=1024).options["max_message_bytes"] == 1024


def test_upstream_errors_are_named_by_position_and_all_collected():
    proxy = MCPProxy()
    proxy.add_upstream(stdio_upstream("math"))
    bad = UpstreamConfig(name="", transport_type="stdio", command="", args=["ok", 3],
                         max_connections=0, connect_timeout_ms=-5, request_timeout_ms="30s",
                         max_retries=-1, env={"A=B": "x", "OK": 1}, name_prefix="bad prefix",
                         eager_start=1, shutdown_grace_ms=-1)
    with pytest.raises(ConfigError) as excinfo:
        proxy.add_upstream(bad)
    assert error_paths(excinfo) == [
        "upstreams[1].name", "upstreams[1].args[1]", "upstreams[1].max_connections",
        "upstreams[1].connect_timeout_ms", "upstreams[1].request_timeout_ms",
        "upstreams[1].max_retries", "upstreams[1].env", "upstreams[1].env.OK",
        "upstreams[1].name_prefix", "upstreams[1].eager_start",
        "upstreams[1].shutdown_grace_ms", "upstreams[1].command",
    ]
    assert not isinstance(excinfo.value, FeatureNotAvailableError)
    assert len(proxy.upstreams) == 1  # a rejected upstream is not kept


def test_stdio_needs_a_command_and_http_needs_a_url():
    proxy = MCPProxy()
    with pytest.raises(ConfigError) as excinfo:
        proxy.add_upstream(UpstreamConfig(name="a", transport_type="stdio"))
    assert excinfo.value.errors == [("upstreams[0].command", "stdio upstreams need a command")]
    for transport in ("http", "websocket"):
        with pytest.raises(ConfigError) as excinfo:
            proxy.add_upstream(UpstreamConfig(name="a", transport_type=transport))
        assert type(excinfo.value) is ConfigError
        assert excinfo.value.errors == [("upstreams[0].url", f"{transport} upstreams need a url")]


def test_transport_type_must_be_known():
    with pytest.raises(ConfigError) as excinfo:
        MCPProxy().add_upstream(UpstreamConfig(name="a", transport_type="grpc", command="x"))
    assert excinfo.value.errors == [(
        "upstreams[0].transport_type",
        "must be one of 'stdio', 'http', 'websocket', got 'grpc'")]


def test_nul_bytes_cannot_reach_exec():
    with pytest.raises(ConfigError) as excinfo:
        MCPProxy().add_upstream(stdio_upstream("a", command="py\0thon", args=["a\0"],
                                               cwd="/tm\0p"))
    assert error_paths(excinfo) == ["upstreams[0].command", "upstreams[0].args[0]",
                                    "upstreams[0].cwd"]


@pytest.mark.parametrize("prefix", ["", "m", "math_v2", "a.b-c", "ABC123"])
def test_valid_name_prefixes(prefix):
    MCPProxy().add_upstream(stdio_upstream("a", name_prefix=prefix))


@pytest.mark.parametrize("prefix", ["a b", "a/b", "é", "a:b", "*"])
def test_invalid_name_prefixes(prefix):
    with pytest.raises(ConfigError) as excinfo:
        MCPProxy().add_upstream(stdio_upstream("a", name_prefix=prefix))
    assert error_paths(excinfo) == ["upstreams[0].name_prefix"]


def test_duplicate_upstream_names_are_rejected_with_both_positions():
    proxy = MCPProxy()
    proxy.add_upstream(stdio_upstream("math"))
    with pytest.raises(ConfigError) as excinfo:
        proxy.add_upstream(stdio_upstream("math", max_connections=0))
    assert excinfo.value.errors[-1] == (
        "upstreams[1].name", "duplicate upstream name 'math' (also upstreams[0])")
    assert len(excinfo.value.errors) == 2


def test_not_an_upstream_or_route_object():
    with pytest.raises(ConfigError) as excinfo:
        MCPProxy().add_upstream({"name": "a"})
    assert excinfo.value.errors == [("upstreams[0]", "must be an UpstreamConfig, got dict")]
    with pytest.raises(ConfigError) as excinfo:
        MCPProxy().add_route("math_*")
    assert excinfo.value.errors == [("routes[0]", "must be a ProxyRoute, got str")]


def test_route_field_errors():
    with pytest.raises(ConfigError) as excinfo:
        MCPProxy().add_route(ProxyRoute(upstream_name="", tool_pattern=None,
                                        resource_pattern=3, prompt_pattern=b"x",
                                        enable_request_transform="no",
                                        required_scope="", rate_limit_override=0))
    assert error_paths(excinfo) == [
        "routes[0].upstream_name", "routes[0].tool_pattern", "routes[0].resource_pattern",
        "routes[0].prompt_pattern", "routes[0].enable_request_transform",
        "routes[0].required_scope", "routes[0].rate_limit_override"]


def test_routes_may_be_added_before_their_upstream():
    proxy = MCPProxy()
    proxy.add_route(ProxyRoute(upstream_name="math", tool_pattern="math_*"))
    proxy.add_upstream(stdio_upstream("math"))
    proxy.check()


def test_check_reports_routes_to_unknown_upstreams():
    proxy = simple_proxy()
    proxy.add_route(ProxyRoute(upstream_name="data", resource_pattern="data://*"))
    proxy.add_route(ProxyRoute(upstream_name="math"))
    proxy.add_route(ProxyRoute(upstream_name="admn"))
    with pytest.raises(ConfigError) as excinfo:
        proxy.check()
    assert excinfo.value.errors == [
        ("routes[1].upstream_name", "no upstream named 'data' (known: 'math')"),
        ("routes[3].upstream_name", "no upstream named 'admn' (known: 'math')"),
    ]


def test_check_needs_an_upstream_and_a_route():
    with pytest.raises(ConfigError) as excinfo:
        MCPProxy().check()
    assert error_paths(excinfo) == ["upstreams", "routes"]


def test_check_revalidates_objects_mutated_after_adding():
    proxy = simple_proxy()
    proxy.upstreams[0].max_connections = 0
    proxy.routes[0].tool_pattern = 5
    with pytest.raises(ConfigError) as excinfo:
        proxy.check()
    assert error_paths(excinfo) == ["upstreams[0].max_connections", "routes[0].tool_pattern"]


def test_guide_upstream_example_with_stdio_and_http_fields_is_accepted():
    # The guide's UpstreamConfig example sets command and url together; a stdio
    # upstream ignores url and auth_token.
    proxy = MCPProxy()
    proxy.add_upstream(UpstreamConfig(
        name="math-server", transport_type="stdio", command="python",
        args=["math_server.py"], url="http://localhost:8000", auth_token="bearer-token",
        max_connections=10, connect_timeout_ms=5000, request_timeout_ms=30000,
        enable_health_check=True, health_check_interval_ms=30000, max_retries=3,
        retry_delay_ms=1000))
    assert proxy.upstreams[0].name == "math-server"
