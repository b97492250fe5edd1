"""Conformance suites: MCP behaviour checked on the wire against a proxy run as a process.

A case names the behaviour it checks and the guide or MCP specification section it comes
from. The proxy under test is the fasterapi CLI with a TOML config; adapters for other
proxies come with the Scenarios issue (issue 9)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from support.line_client import LineClient  # noqa: E402


class ProxyProcess:
    def __init__(self, tmp_path, upstreams, routes):
        lines = ['[proxy]', 'name = "conformance"', '']
        for name, fake in upstreams.items():
            lines += ['[[upstreams]]', f'name = "{name}"', 'transport_type = "stdio"',
                      f'command = {json.dumps(fake.command)}',
                      f'args = [{", ".join(json.dumps(a) for a in fake.args)}]', '']
        for route in routes:
            lines += ['[[routes]]'] + [f'{k} = {json.dumps(v)}' for k, v in route.items()] + ['']
        config = tmp_path / "proxy.toml"
        config.write_text("\n".join(lines))
        self.process = subprocess.Popen([sys.executable, "-m", "fasterapi.mcp", "serve", "--config", str(config)],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                        cwd=tmp_path)  # outside the source tree: the installed package
        self.client = LineClient(os.dup(self.process.stdout.fileno()), os.dup(self.process.stdin.fileno()))

    def close(self):
        self.client.close()
        self.process.stdin.close()
        self.process.wait(timeout=30)


@pytest.fixture
def proxy_process(tmp_path):
    started = []

    def start(upstreams, routes):
        p = ProxyProcess(tmp_path, upstreams, routes)
        started.append(p)
        return p

    yield start
    for p in started:
        p.close()
