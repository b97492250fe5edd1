"""The TOML file mirrors the Python API; every problem is reported by path."""

import json
import os
import pathlib
import textwrap

import pytest

from fasterapi.mcp import ConfigError, FeatureNotAvailableError, load_config

from mcp_api_helpers import error_paths

EXAMPLE = pathlib.Path(__file__).resolve().parents[2] / "examples" / "proxy.toml"

MINIMAL = """
[[upstreams]]
name = "math"
transport_type = "stdio"
command = "python"
args = ["-m", "mcp_fakes", "--profile", "math"]

[[routes]]
upstream_name = "math"
tool_pattern = "math_*"
"""


def write(tmp_path, text, name="proxy.toml"):
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return str(path)


def load_errors(tmp_path, text):
    with pytest.raises(ConfigError) as excinfo:
        load_config(write(tmp_path, text))
    return excinfo


def test_minimal_file_uses_the_python_defaults(tmp_path):
    proxy = load_config(write(tmp_path, MINIMAL))
    assert proxy.options["name"] == "FasterAPI MCP Proxy"
    assert proxy.options["enable_auth"] is True
    u = proxy.upstreams[0]
    assert (u.name, u.max_connections, u.request_timeout_ms, u.cwd) == ("math", 10, 30000, "")
    assert proxy.routes[0].tool_pattern == "math_*"


def test_the_shipped_example_loads_with_three_upstreams():
    proxy = load_config(str(EXAMPLE))
    proxy.check()
    assert [u.name for u in proxy.upstreams] == ["math", "data", "admin"]
    assert [u.args for u in proxy.upstreams] == [
        ["-m", "mcp_fakes", "--profile", p] for p in ("math", "data", "admin")]
    assert all(u.command == "python" for u in proxy.upstreams)
    table = [(r.upstream_name, r.tool_pattern, r.resource_pattern, r.prompt_pattern)
             for r in proxy.routes]
    assert table == [("math", "math_*", "", "math_*"), ("math", "calculate", "", ""),
                     ("data", "data_*", "data://*", "data_*"),
                     ("admin", "admin_*", "config://app/*", "code_*")]
    assert proxy.inactive_options() == []


def test_proxy_table_sets_constructor_arguments(tmp_path):
    proxy = load_config(write(tmp_path, """
        [proxy]
        name = "Mine"
        enable_auth = false
        max_message_bytes = 65536
    """ + MINIMAL))
    assert proxy.options["name"] == "Mine"
    assert proxy.options["enable_auth"] is False
    assert proxy.options["max_message_bytes"] == 65536


def test_unknown_keys_are_errors_with_a_suggestion(tmp_path):
    excinfo = load_errors(tmp_path, """
        [proxy]
        nmae = "x"

        [[upstreams]]
        name = "math"
        transport_type = "stdio"
        comand = "python"

        [[routes]]
        upstream_name = "math"
        tool_patern = "*"

        [extra]
        a = 1
    """)
    errors = dict(excinfo.value.errors)
    assert "did you mean 'name'?" in errors["proxy.nmae"]
    assert "did you mean 'command'?" in errors["upstreams[0].comand"]
    assert "did you mean 'tool_pattern'?" in errors["routes[0].tool_patern"]
    assert errors["extra"].startswith("unknown key")
    # The misspelt command also leaves the upstream without one.
    assert errors["upstreams[0].command"] == "stdio upstreams need a command"


def test_missing_required_keys_are_named_once(tmp_path):
    excinfo = load_errors(tmp_path, """
        [[upstreams]]
        command = "python"

        [[routes]]
        tool_pattern = "*"
    """)
    assert excinfo.value.errors == [
        ("upstreams[0].name", "required key is missing"),
        ("upstreams[0].transport_type", "required key is missing"),
        ("routes[0].upstream_name", "required key is missing"),
    ]


def test_every_error_in_the_file_is_collected(tmp_path):
    excinfo = load_errors(tmp_path, """
        [proxy]
        cache_ttl_ms = 0

        [[upstreams]]
        name = "math"
        transport_type = "stdio"
        command = "python"
        max_connections = "ten"

        [[upstreams]]
        name = "math"
        transport_type = "stdio"

        [[routes]]
        upstream_name = "data"
        rate_limit_override = 10
    """)
    assert error_paths(excinfo) == [
        "proxy.cache_ttl_ms", "upstreams[0].max_connections", "upstreams[1].command",
        "upstreams[1].name", "routes[0].upstream_name"]
    assert type(excinfo.value) is ConfigError


def test_wrong_shapes(tmp_path):
    excinfo = load_errors(tmp_path, """
        proxy = 3
        routes = "math_*"

        [upstreams]
        name = "math"
    """)
    assert excinfo.value.errors == [
        ("proxy", "must be a table, got int"),
        ("upstreams", "must be an array of tables, written [[upstreams]]"),
        ("routes", "must be an array of tables, written [[routes]]"),
    ]


def test_setter_tables_configure_the_security_stages(tmp_path):
    proxy = load_config(write(tmp_path, MINIMAL + """
        [jwt_auth]
        secret = "0123456789abcdef0123456789abcdef"
        issuer = "me"

        [bearer_auth]
        token = "t"

        [rate_limit]
        max_requests = 100
        window_ms = 60000

        [client_rate_limit]
        max_requests = 10
        window_ms = 1000
        algorithm = "fixed_window"

        [[tool_rate_limits]]
        tool_name = "expensive"
        max_requests = 5
        window_ms = 60000
        burst = 2
    """))
    security = json.loads(proxy.core_config_json())["security"]
    assert security["jwt"]["issuer"] == "me" and security["jwt"]["algorithm"] == "HS256"
    assert security["bearer_token"] == "t"
    assert security["rate_limit"] == {"max_requests": 100, "window_ms": 60000, "burst": None,
                                      "algorithm": "token_bucket"}
    assert security["client_rate_limit"]["algorithm"] == "fixed_window"
    assert security["tool_rate_limits"] == [{"tool_name": "expensive", "max_requests": 5,
                                             "window_ms": 60000, "burst": 2,
                                             "algorithm": "token_bucket"}]


def test_a_jwks_file_resolves_against_the_config_folder(tmp_path, monkeypatch):
    monkeypatch.chdir("/")
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "keys.json").write_text(json.dumps(
        {"keys": [{"kty": "oct", "kid": "k1", "k": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY"}]}))
    path = write(tmp_path, MINIMAL + """
        [jwt_auth]
        jwks_file = "keys.json"
    """, name="conf/proxy.toml")
    security = json.loads(load_config(path).core_config_json())["security"]
    assert security["jwt"]["jwks"]["keys"][0]["kid"] == "k1"


def test_short_hmac_secret_is_refused_naming_the_field(tmp_path):
    excinfo = load_errors(tmp_path, MINIMAL + """
        [jwt_auth]
        secret = "your-256-bit-secret"
    """)
    assert error_paths(excinfo) == ["jwt_auth.secret"]
    assert "at least 32 bytes" in str(excinfo.value)
    assert "your-256-bit-secret" not in str(excinfo.value)


def test_setter_tables_with_bad_fields(tmp_path):
    excinfo = load_errors(tmp_path, MINIMAL + """
        [jwt_auth]
        algorithm = "RS256"
        secert = "x"

        [rate_limit]
        max_requests = 0
        window_ms = 60000
        algorithm = "leaky_bucket"

        [[tool_rate_limits]]
        max_requests = 5
        window_ms = 60000
    """)
    assert type(excinfo.value) is ConfigError
    assert error_paths(excinfo) == [
        "jwt_auth.secert", "jwt_auth.public_key", "rate_limit.max_requests",
        "rate_limit.algorithm", "tool_rate_limits[0].tool_name"]


def test_network_upstreams_and_caching_are_accepted(tmp_path):
    path = write(tmp_path, """
        [proxy]
        enable_caching = true

        [[upstreams]]
        name = "remote"
        transport_type = "websocket"
        url = "ws://localhost:8000/mcp"

        [[upstreams]]
        name = "web"
        transport_type = "http"
        url = "http://localhost:8001/mcp"

        [[routes]]
        upstream_name = "remote"
    """)
    proxy = load_config(str(path))
    assert [u.transport_type for u in proxy.upstreams] == ["websocket", "http"]


def test_tls_files_resolve_against_the_config_folder_and_a_wrong_scheme_is_named(tmp_path, monkeypatch):
    monkeypatch.chdir("/")
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "ca.pem").write_text("trust anchors")
    path = write(tmp_path, """
        [serve]
        transport = "http"
        tls_cert_file = "tls/cert.pem"
        tls_key_file = "tls/key.pem"

        [[upstreams]]
        name = "web"
        transport_type = "http"
        url = "https://example.com/mcp"
        tls_ca_file = "ca.pem"

        [[routes]]
        upstream_name = "web"
    """, name="conf/proxy.toml")
    folder = os.path.dirname(path)
    proxy = load_config(path)
    assert proxy.upstreams[0].tls_ca_file == os.path.join(folder, "ca.pem")
    assert proxy.serve_options["tls_cert_file"] == os.path.join(folder, "tls", "cert.pem")
    assert proxy.serve_options["tls_key_file"] == os.path.join(folder, "tls", "key.pem")
    excinfo = load_errors(tmp_path, """
        [[upstreams]]
        name = "web"
        transport_type = "websocket"
        url = "https://example.com/mcp"

        [[routes]]
        upstream_name = "web"
    """)
    assert error_paths(excinfo) == ["upstreams[0].url"]


def test_relative_paths_resolve_against_the_config_folder(tmp_path, monkeypatch):
    monkeypatch.chdir("/")
    path = write(tmp_path, """
        [[upstreams]]
        name = "local"
        transport_type = "stdio"
        command = "./bin/server"
        cwd = "work"

        [[upstreams]]
        name = "onpath"
        transport_type = "stdio"
        command = "python"
        cwd = "/abs/dir"

        [[upstreams]]
        name = "inherit"
        transport_type = "stdio"
        command = "../tools/srv"

        [[routes]]
        upstream_name = "local"
    """, name="conf/proxy.toml")
    folder = os.path.dirname(path)
    local, onpath, inherit = load_config(path).upstreams
    assert local.command == os.path.join(folder, "bin", "server")
    assert local.cwd == os.path.join(folder, "work")
    assert (onpath.command, onpath.cwd) == ("python", "/abs/dir")
    assert inherit.command == os.path.join(str(tmp_path), "tools", "srv")
    assert inherit.cwd == ""


def test_env_table(tmp_path):
    proxy = load_config(write(tmp_path, MINIMAL.replace(
        'args = ["-m", "mcp_fakes", "--profile", "math"]',
        'args = ["-m", "mcp_fakes"]\nenv = { LOG = "debug", SEED = "1" }')))
    assert proxy.upstreams[0].env == {"LOG": "debug", "SEED": "1"}


def test_unreadable_and_invalid_files(tmp_path):
    with pytest.raises(ConfigError) as excinfo:
        load_config(str(tmp_path / "missing.toml"))
    assert excinfo.value.errors[0][0].endswith("missing.toml")
    assert "cannot read" in excinfo.value.errors[0][1]
    excinfo = load_errors(tmp_path, "[[upstreams]\nname=")
    assert "invalid TOML" in excinfo.value.errors[0][1]
