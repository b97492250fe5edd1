"""FasterAPI MCP Proxy: the guide's Complete Example, as far as the proxy goes today.

Starts a proxy in front of three upstream MCP servers (math, data, admin: the fake servers
from the mcp_fakes package, real MCP servers over stdio), routes by wildcard patterns,
makes real calls through it as an MCP client would, and prints the answers and the stats.

    python examples/mcp_proxy_example.py            # the demo
    python examples/mcp_proxy_example.py --serve    # serve MCP on stdin/stdout instead

Features of the guide's example that are not built yet (JWT, rate limits, transformers,
circuit breaker and failover) are shown at the end with the error the API gives for them.
"""

from __future__ import annotations

import itertools
import json
import os
import sys

from fasterapi.mcp import (FeatureNotAvailableError, MCPProxy, ProxyRoute, UpstreamConfig,
                           create_sanitizing_transformer)


def fake_server(profile: str) -> UpstreamConfig:
    return UpstreamConfig(
        name=f"{profile}-server",
        transport_type="stdio",
        command=sys.executable,
        args=["-m", "mcp_fakes", "--profile", profile],
        max_connections=4,
        request_timeout_ms=10_000,
        # Not built yet (they default to on and would only be reported as inactive).
        enable_health_check=False,
        max_retries=0,
    )


def build_proxy() -> MCPProxy:
    proxy = MCPProxy(
        name="Example MCP Proxy",
        version="1.0.0",
        enable_auth=False,           # JWT arrives with the Security issue
        enable_rate_limiting=False,
        enable_authorization=False,
        circuit_breaker_enabled=False,  # arrives with the Resilience issue
        failover_enabled=False,
    )
    for profile in ("math", "data", "admin"):
        proxy.add_upstream(fake_server(profile))

    # Routes are tried in order; the first match wins.
    proxy.add_route(ProxyRoute(upstream_name="math-server", tool_pattern="math_*"))
    proxy.add_route(ProxyRoute(upstream_name="math-server", tool_pattern="calculate"))
    proxy.add_route(ProxyRoute(upstream_name="data-server", tool_pattern="data_*",
                               resource_pattern="data://*", prompt_pattern="data_*"))
    proxy.add_route(ProxyRoute(upstream_name="admin-server", tool_pattern="admin_*",
                               resource_pattern="config://app/*", prompt_pattern="code_*"))
    return proxy


class PipeClient:
    """The smallest MCP client: newline-delimited JSON-RPC over a pair of pipes."""

    def __init__(self, proxy: MCPProxy) -> None:
        to_proxy_r, self._to_proxy = os.pipe()
        from_proxy, from_proxy_w = os.pipe()
        proxy.serve_fds(to_proxy_r, from_proxy_w)
        os.close(to_proxy_r)
        os.close(from_proxy_w)
        self._from_proxy = os.fdopen(from_proxy, "rb")
        self._ids = itertools.count(1)

    def _send(self, message: dict) -> None:
        os.write(self._to_proxy, json.dumps(message).encode() + b"\n")

    def request(self, method: str, params: dict | None = None) -> dict:
        rid = next(self._ids)
        self._send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params or {}})
        while True:
            message = json.loads(self._from_proxy.readline())
            if message.get("id") == rid:
                return message

    def notify(self, method: str) -> None:
        self._send({"jsonrpc": "2.0", "method": method})

    def close(self) -> None:
        os.close(self._to_proxy)


def show(title: str, value) -> None:
    print(f"\n== {title}")
    print(json.dumps(value, indent=2) if not isinstance(value, str) else value)


def demo() -> None:
    proxy = build_proxy()
    print("Routes:")
    for route in proxy.routes:
        patterns = [p for p in (route.tool_pattern, route.resource_pattern, route.prompt_pattern) if p]
        print(f"  {', '.join(patterns) or '(catch-all)'} -> {route.upstream_name}")

    with proxy:
        client = PipeClient(proxy)
        init = client.request("initialize", {"protocolVersion": "2025-11-25", "capabilities": {},
                                             "clientInfo": {"name": "example", "version": "1"}})
        client.notify("notifications/initialized")
        show("initialize", init["result"]["serverInfo"])

        tools = client.request("tools/list")["result"]["tools"]
        show("tools/list (merged from three upstreams)", [t["name"] for t in tools])

        answer = client.request("tools/call", {"name": "math_add", "arguments": {"a": 2, "b": 3}})
        show("math_add(2, 3) -> math-server", answer["result"]["content"][0]["text"])

        answer = client.request("tools/call", {"name": "calculate", "arguments": {"expression": "(2+3)*7"}})
        show("calculate('(2+3)*7') -> math-server", answer["result"]["content"][0]["text"])

        answer = client.request("resources/read", {"uri": "data://users"})
        show("resources/read data://users -> data-server", answer["result"]["contents"][0]["text"])

        answer = client.request("tools/call", {"name": "admin_status", "arguments": {}})
        show("admin_status -> admin-server", answer["result"]["content"][0]["text"])

        answer = client.request("tools/call", {"name": "weather_now", "arguments": {}})
        show("weather_now (no route)", answer["error"])

        client.close()

        stats = proxy.get_stats()
        print("\n== stats")
        print(f"Total Requests: {stats.total_requests}")
        print(f"Success Rate: {stats.success_rate:.1%}")
        print(f"Avg Latency: {stats.avg_latency_ms:.2f} ms")
        for upstream, count in stats.upstream_requests.items():
            print(f"  {upstream}: {count} requests")
        for tool, count in stats.tool_requests.items():
            print(f"  {tool}: {count} calls")

        health = proxy.get_upstream_health()
        print("\n== health")
        for upstream, healthy in health.items():
            print(f"  {upstream}: {'healthy' if healthy else 'UNHEALTHY'}")

    print("\n== not built yet (the API says so instead of ignoring them)")
    later = build_proxy()
    attempts = [
        ("set_jwt_auth", lambda: later.set_jwt_auth(secret="x" * 32, algorithm="HS256",
                                                    issuer="your-service", audience="mcp-clients")),
        ("set_rate_limit", lambda: later.set_rate_limit(max_requests=1000, window_ms=60_000, burst=100)),
        ("add_request_transformer",
         lambda: later.add_request_transformer("sanitize", create_sanitizing_transformer(["password"]))),
    ]
    for name, attempt in attempts:
        try:
            attempt()
        except FeatureNotAvailableError as exc:
            print(f"  {name}: {str(exc).splitlines()[-1].strip()}")


def serve() -> None:
    build_proxy().run(transport="stdio")


if __name__ == "__main__":
    serve() if "--serve" in sys.argv[1:] else demo()
