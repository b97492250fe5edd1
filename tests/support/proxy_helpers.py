"""Helpers for tests that put a real proxy in front of fake upstreams."""

from __future__ import annotations

import os
import threading
import time

from fasterapi.mcp import MCPProxy, UpstreamConfig
from support.line_client import LineClient


def connect(proxy: MCPProxy) -> LineClient:
    """A new client session on a running proxy, over a fresh pair of pipes."""
    c2p_r, c2p_w = os.pipe()
    p2c_r, p2c_w = os.pipe()
    proxy.serve_fds(c2p_r, p2c_w)
    os.close(c2p_r)
    os.close(p2c_w)
    return LineClient(p2c_r, c2p_w)


def upstream_for(fake, name: str, **kw) -> UpstreamConfig:
    return UpstreamConfig(name=name, transport_type="stdio", command=fake.command,
                          args=list(fake.args), **kw)


def eventually(predicate, timeout: float = 10.0, step: float = 0.005) -> bool:
    """For state that only the proxy's loop thread changes and no message announces (health):
    true as soon as `predicate()` holds, false if it still does not after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    wake = threading.Event()
    while not predicate():
        if time.monotonic() >= deadline:
            return False
        wake.wait(step)
    return True
