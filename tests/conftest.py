"""Shared by every test folder: tests/support on the path, and start_proxy, a real proxy
(in-process core) in front of real fake upstream processes, with a client speaking MCP over
real pipes."""

import sys
from pathlib import Path
from typing import Iterable, List, Tuple

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from fasterapi.mcp import MCPProxy, ProxyRoute, UpstreamConfig  # noqa: E402
from support.line_client import LineClient  # noqa: E402
from support.proxy_helpers import connect  # noqa: E402


@pytest.fixture
def start_proxy():
    """start_proxy(upstreams, routes, configure=None, **MCPProxy options) -> (proxy,
    initialized client). `configure(proxy)` runs before start (transformers, auth, ...)."""
    running: List[Tuple[MCPProxy, List[LineClient]]] = []

    def start(upstreams: Iterable[UpstreamConfig], routes: Iterable[ProxyRoute],
              initialize: bool = True, manual_clock: bool = False, configure=None, **options):
        proxy = MCPProxy(**options)
        if manual_clock:
            proxy.use_manual_clock()
        for u in upstreams:
            proxy.add_upstream(u)
        for r in routes:
            proxy.add_route(r)
        if configure:
            configure(proxy)
        proxy.start()
        client = connect(proxy)
        running.append((proxy, [client]))
        if initialize:
            client.initialize()
        return proxy, client

    yield start
    for proxy, clients in running:
        for c in clients:
            c.close()
        proxy.stop()
