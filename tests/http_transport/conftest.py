"""HTTP tests: a real proxy serving Streamable HTTP on a free loopback port, in front of fakes."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any, Dict, Optional, Tuple

import pytest

from fasterapi.mcp import MCPProxy, ProxyRoute

from support.proxy_helpers import upstream_for

STATELESS_META = {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
                  "io.modelcontextprotocol/clientCapabilities": {}}


class Http:
    """A bare HTTP client: status, headers and body as a user's tools would see them."""

    def __init__(self, port: int, path: str = "/mcp") -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.url = self.base + path

    def request(self, method: str, body: Any = None, headers: Optional[Dict[str, str]] = None,
                url: Optional[str] = None, raw: Optional[bytes] = None) -> Tuple[int, Dict[str, str], str]:
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        h = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
        h.update(headers or {})
        req = urllib.request.Request(url or self.url, data=data, method=method, headers=h)
        try:
            with urllib.request.urlopen(req, timeout=15) as r:
                return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read().decode()

    def post(self, body: Any, **headers: str):
        return self.request("POST", body, {k.replace("_", "-"): v for k, v in headers.items()})

    def stateless(self, method: str, params: Optional[Dict[str, Any]] = None, id: Any = 1, **headers: Optional[str]):
        p = dict(params or {})
        p["_meta"] = {**STATELESS_META, **p.get("_meta", {})}
        h = {"MCP-Protocol-Version": "2026-07-28", "Mcp-Method": method}
        named = {"tools/call": "name", "prompts/get": "name", "resources/read": "uri"}.get(method)
        if named and named in p:
            h["Mcp-Name"] = p[named]  # what a 2026-07-28 client sends (plain names need no encoding)
        h.update({k.replace("_", "-"): v for k, v in headers.items()})
        h = {k: v for k, v in h.items() if v is not None}  # a header given as None is left out
        return self.request("POST", {"jsonrpc": "2.0", "id": id, "method": method, "params": p}, h)

    def initialize(self, **headers: str) -> str:
        status, h, body = self.post({"jsonrpc": "2.0", "id": 0, "method": "initialize",
                                     "params": {"protocolVersion": "2025-11-25", "capabilities": {},
                                                "clientInfo": {"name": "t", "version": "0"}}}, **headers)
        assert status == 200, body
        sid = h["mcp-session-id"]
        assert self.post({"jsonrpc": "2.0", "method": "notifications/initialized"},
                         Mcp_Session_Id=sid, **headers)[0] == 202
        return sid


@pytest.fixture
def http_proxy(mcp_fake):
    """http_proxy(profile="echo", configure=None, **options) -> (proxy, Http, fake)."""
    made = []

    def make(profile: str = "echo", configure=None, faults=(), **options):
        fake = mcp_fake(profile, faults=list(faults))
        proxy = MCPProxy(**options)
        proxy.add_upstream(upstream_for(fake, profile))
        proxy.add_route(ProxyRoute(upstream_name=profile))
        if configure:
            configure(proxy)
        port = proxy.serve_http()
        made.append(proxy)
        return proxy, Http(port), fake

    yield make
    for p in made:
        p.stop()
