"""Fixtures for the security tests: keys (made once), and a running proxy with a
manual clock in front of fake upstreams, with a client that presents a token."""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional

import pytest

from fasterapi.mcp import MCPProxy, ProxyRoute, UpstreamConfig
from support.line_client import LineClient
from support.proxy_helpers import connect, upstream_for

from .security_tokens import make_keys

META_KEY = "dev.fasterapi/authorization"


@pytest.fixture(scope="session")
def keys():
    return make_keys()


class AuthClient:
    """A LineClient that puts a token into params._meta of every request."""

    def __init__(self, client: LineClient, token: Optional[str] = None) -> None:
        self.client = client
        self.token = token

    def request(self, method: str, params: Optional[Dict[str, Any]] = None,
                token: Any = "default") -> Dict[str, Any]:
        params = dict(params or {})
        token = self.token if token == "default" else token
        if token is not None:
            meta = dict(params.get("_meta", {}))
            meta[META_KEY] = f"Bearer {token}"
            params["_meta"] = meta
        return self.client.request(method, params)

    def call(self, tool: str, arguments: Optional[Dict[str, Any]] = None, **kw) -> Dict[str, Any]:
        return self.request("tools/call", {"name": tool, "arguments": arguments or {}}, **kw)


@pytest.fixture
def secure_proxy():
    """secure_proxy(upstreams, routes, configure=lambda proxy: ..., **MCPProxy options)
    -> (proxy, AuthClient). Manual clock; the wall clock starts at time.time() (freezegun's
    when frozen)."""
    running: List[tuple] = []

    def start(upstreams: Iterable[UpstreamConfig], routes: Iterable[ProxyRoute],
              configure=None, token: Optional[str] = None, **options):
        options.setdefault("circuit_breaker_enabled", False)
        options.setdefault("failover_enabled", False)
        proxy = MCPProxy(**options)
        proxy.use_manual_clock()
        for u in upstreams:
            proxy.add_upstream(u)
        for r in routes:
            proxy.add_route(r)
        if configure:
            configure(proxy)
        proxy.start()
        client = connect(proxy)
        running.append((proxy, client))
        client.initialize()
        return proxy, AuthClient(client, token)

    yield start
    for proxy, client in running:
        client.close()
        proxy.stop()


def math_admin_data(mcp_fake):
    math, admin, data = mcp_fake("math"), mcp_fake("admin"), mcp_fake("data")
    ups = [upstream_for(math, "math", enable_health_check=False, max_retries=0),
           upstream_for(admin, "admin", enable_health_check=False, max_retries=0),
           upstream_for(data, "data", enable_health_check=False, max_retries=0)]
    return (math, admin, data), ups
