"""`fasterapi-mcp serve` over HTTP from a TOML file: starts, answers, stops on SIGTERM."""

import os
import re
import signal
import subprocess
import sys

from http_transport.conftest import Http


def test_the_cli_serves_http_from_the_config_file(tmp_path, mcp_fake):
    echo = mcp_fake("echo")
    args = ", ".join(f'"{a}"' for a in echo.args)
    config = tmp_path / "proxy.toml"
    config.write_text(f"""
[serve]
transport = "http"
port = 0

[[upstreams]]
name = "echo"
transport_type = "stdio"
command = "{echo.command}"
args = [{args}]

[[routes]]
upstream_name = "echo"
""")
    proc = subprocess.Popen([sys.executable, "-m", "fasterapi.mcp", "serve", "--config", str(config)],
                            cwd=str(tmp_path), env=dict(os.environ), stderr=subprocess.PIPE, text=True)
    try:
        port = None
        for line in proc.stderr:  # an event: the line that says where it listens
            m = re.search(r"serving MCP on http://127\.0\.0\.1:(\d+)/mcp", line)
            if m:
                port = int(m.group(1))
                break
        assert port, "the CLI never said where it listens"
        http = Http(port)
        status, _, body = http.stateless("tools/call", {"name": "echo", "arguments": {"text": "cli"}})
        assert status == 200 and '"cli"' in body
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
