"""Helpers for tests that put a real proxy in front of fake upstreams."""

from __future__ import annotations

import os

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
