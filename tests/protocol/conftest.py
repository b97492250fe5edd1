"""Protocol tests (issue 4): both MCP eras through a real proxy, in front of fakes of either
era. The fakes speak the stateless 2026-07-28 era unless told to refuse server/discover,
which makes the proxy fall back to the handshake."""

from __future__ import annotations

import pytest

from fasterapi.mcp import MCPProxy

from support.proxy_helpers import connect

# A fake that refuses the era probe is a handshake-era server to the proxy.
HANDSHAKE_ONLY = "error method=server/discover code=-32601"
STATELESS = "2026-07-28"


def meta(capabilities=None, level=None, **extra):
    """params._meta of a stateless-era request."""
    m = {"io.modelcontextprotocol/protocolVersion": STATELESS,
         "io.modelcontextprotocol/clientCapabilities": capabilities or {}}
    if level:
        m["io.modelcontextprotocol/logLevel"] = level
    m.update(extra)
    return m


def stateless(params=None, **meta_kw):
    p = dict(params or {})
    p["_meta"] = {**meta(**meta_kw), **p.get("_meta", {})}
    return p


def fake_faults(era):
    return [HANDSHAKE_ONLY] if era == "handshake" else []


@pytest.fixture
def more_clients():
    """more_clients(proxy, n) -> n extra (uninitialized) clients, closed at the end."""
    made = []

    def make(proxy: MCPProxy, n: int = 1):
        clients = [connect(proxy) for _ in range(n)]
        made.extend(clients)
        return clients

    yield make
    for c in made:
        c.close()
