"""`fasterapi-mcp check-config` and `serve`, as a user runs them."""

import os
import pathlib
import subprocess
import sys
import textwrap

import pytest

from fasterapi.mcp import cli

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "proxy.toml"

BAD = """
[proxy]
enable_auth = "yes"

[[upstreams]]
name = "math"
transport_type = "stdio"
max_conections = 2

[[routes]]
upstream_name = "maths"

[bearer_auth]
token = ""
"""


def run_cli(*args, cwd=ROOT):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "fasterapi.mcp.cli", *args], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=60)


def test_check_config_ok_summarises_the_example():
    result = run_cli("check-config", str(EXAMPLE))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith(f"ok: {EXAMPLE}\n")
    assert "upstreams (3):" in out
    assert "math: stdio python -m mcp_fakes --profile math" in out
    assert "routes (4, tried in order, first match wins):" in out
    assert "[0] tools 'math_*' | prompts 'math_*' -> math" in out
    assert "[3] tools 'admin_*' | resources 'config://app/*' | prompts 'code_*' -> admin" in out
    assert result.stderr == ""


def test_check_config_reports_every_bad_field_one_per_line(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(BAD)
    result = run_cli("check-config", str(path))
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0] == f"{path}: 5 errors"
    fields = [line.split(":", 1)[0] for line in lines[1:]]
    assert fields == ["proxy.enable_auth", "upstreams[0].max_conections",
                      "upstreams[0].command", "routes[0].upstream_name", "bearer_auth.token"]
    assert "did you mean 'max_connections'?" in lines[2]
    assert lines[-1] == "bearer_auth.token: must not be empty"


def test_check_config_lists_inactive_defaults(tmp_path, capsys):
    path = tmp_path / "p.toml"
    path.write_text(textwrap.dedent("""
        [[upstreams]]
        name = "math"
        transport_type = "stdio"
        command = "python"

        [[routes]]
        upstream_name = "math"
    """))
    assert cli.main(["check-config", str(path)]) == 0
    out = capsys.readouterr().out
    assert "[0] catch-all -> math" in out
    assert out.splitlines()[-1] == (
        "accepted but inactive in this version: "
        "enable_auth (no set_jwt_auth or set_bearer_auth), "
        "enable_authorization (no route has required_scope), "
        "enable_rate_limiting (no rate limit set)")


def test_check_config_missing_file(tmp_path, capsys):
    assert cli.main(["check-config", str(tmp_path / "nope.toml")]) == 2
    err = capsys.readouterr().err
    assert "nope.toml: cannot read" in err


def test_serve_with_a_bad_config_exits_2_and_writes_nothing_to_stdout(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(BAD)
    result = run_cli("serve", "--config", str(path))
    assert result.returncode == 2
    assert result.stdout == ""
    assert "routes[0].upstream_name: no upstream named 'maths'" in result.stderr


def test_serve_offers_stdio_and_http_only(capsys):
    with pytest.raises(SystemExit) as excinfo:
        cli.main(["serve", "--config", str(EXAMPLE), "--transport", "websocket"])
    assert excinfo.value.code == 2
    assert "invalid choice: 'websocket'" in capsys.readouterr().err


def test_a_bad_serve_table_names_its_fields(tmp_path, capsys):
    path = tmp_path / "p.toml"
    path.write_text(EXAMPLE.read_text() + '\n[serve]\ntransport = "carrier-pigeon"\nport = 70000\nhots = "x"\n')
    assert cli.main(["check-config", str(path)]) == 2
    err = capsys.readouterr().err
    assert "serve.transport" in err and "serve.port" in err and "serve.hots" in err


def test_serve_runs_the_file_over_stdio(fake_core, capsys):
    assert cli.main(["serve", "--config", str(EXAMPLE)]) == 0
    core = fake_core.Proxy.instances[-1]
    assert [u["name"] for u in core.config["upstreams"]] == ["math", "data", "admin"]
    assert core.calls[:2] == ["start", "serve_stdio"] and core.calls[-1] == "stop"
    assert capsys.readouterr().out == ""


def test_serve_without_the_core_says_how_to_build_it(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "fasterapi.mcp._core", None)  # import fails
    assert cli.main(["serve", "--config", str(EXAMPLE)]) == 1
    captured = capsys.readouterr()
    assert "pip install ." in captured.err
    assert captured.out == ""


def test_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as excinfo:
        cli.main([])
    assert excinfo.value.code == 2
