"""The command line and the bundled example, run as a user would: as processes."""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from support.line_client import LineClient
from support.processes import descendants

ROOT = Path(__file__).resolve().parents[2]


def write_config(tmp_path, fake_args):
    args = ", ".join(json.dumps(a) for a in fake_args)
    path = tmp_path / "proxy.toml"
    path.write_text(f"""
[proxy]
name = "cli-proxy"

[[upstreams]]
name = "echo"
transport_type = "stdio"
command = {json.dumps(sys.executable)}
args = [{args}]
shutdown_grace_ms = 500

[[routes]]
upstream_name = "echo"
""")
    return path


# Subprocesses run outside the source tree, so `-m fasterapi.mcp` imports the installed package.
def start_cli(config):
    return subprocess.Popen([sys.executable, "-m", "fasterapi.mcp", "serve", "--config", str(config)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            cwd=config.parent)


def client_of(proc):
    return LineClient(os.dup(proc.stdout.fileno()), os.dup(proc.stdin.fileno()))


def test_serve_speaks_mcp_on_stdio_and_exits_0_at_eof(tmp_path, mcp_fake):
    fake = mcp_fake("echo")
    proc = start_cli(write_config(tmp_path, fake.args))
    client = client_of(proc)
    assert client.initialize()["result"]["serverInfo"]["name"] == "cli-proxy"
    r = client.request("tools/call", {"name": "echo", "arguments": {"text": "via cli"}})
    assert r["result"]["content"][0]["text"] == "via cli"
    client.close()
    proc.stdin.close()
    assert proc.wait(timeout=30) == 0
    assert descendants(proc.pid) == []
    # stdout carried MCP and nothing else.
    assert all(json.loads(line)["jsonrpc"] == "2.0" for line in client.raw_lines)


def test_sigterm_stops_the_proxy_and_its_upstreams(tmp_path, mcp_fake):
    fake = mcp_fake("echo")
    proc = start_cli(write_config(tmp_path, fake.args))
    client = client_of(proc)
    client.initialize()
    client.request("tools/list")
    kids = descendants(proc.pid)
    assert kids
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0
    assert all(not os.path.exists(f"/proc/{k}") for k in kids)


def test_check_config_names_every_bad_field(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("""
[proxy]
circuit_breaker_treshold = 5

[[upstreams]]
name = "a"
transport_type = "stdio"
max_connections = 0

[[routes]]
upstream_name = "missing"
""")
    r = subprocess.run([sys.executable, "-m", "fasterapi.mcp", "check-config", str(bad)],
                       capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert r.returncode == 2
    for field in ["circuit_breaker_treshold", "upstreams[0].command", "upstreams[0].max_connections",
                  "routes[0].upstream_name"]:
        assert field in r.stderr, (field, r.stderr)


def test_the_bundled_example_runs_and_prints_answers_and_stats():
    r = subprocess.run([sys.executable, str(ROOT / "examples" / "mcp_proxy_example.py")],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "math_add(2, 3) -> math-server\n5" in out
    assert "calculate('(2+3)*7') -> math-server\n35" in out
    assert "No route found for tool 'weather_now'" in out
    assert "Total Requests: 16" in out
    assert "failed over to math-backup\n42" in out and "Failovers: 1" in out
    assert '"circuit": "closed"' in out and 'upstream_circuit_state{state="closed",upstream="math-server"} 1' in out
    # Transformers and the cache (docs/transformers.md).
    assert '"client_id": "operator-7"' in out and '"name": "Example MCP Proxy"' in out
    assert "from the proxy's cache\n42" in out and "Cached Responses: 1" in out
    assert "math-server: healthy" in out
    # JWT auth, scopes and a rate limit at work (docs/security.md).
    assert '"reason": "missing_credentials"' in out
    assert '"reason": "expired"' in out
    assert '"required_scope": "admin"' in out
    assert '"limit": "tool"' in out and '"retry_after_ms"' in out
    assert "client operator-7: 10 requests" in out
    assert "Refused: 1 without credentials, 1 invalid, 1 for scope, 1 rate limited" in out


def test_the_example_config_file_checks_out(tmp_path):
    r = subprocess.run([sys.executable, "-m", "fasterapi.mcp", "check-config", str(ROOT / "examples" / "proxy.toml")],
                       capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
