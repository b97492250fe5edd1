"""FasterAPI MCP Proxy: the guide's Complete Example, as far as the proxy goes today.

Starts a proxy in front of three upstream MCP servers (math, data, admin: the fake servers
from the mcp_fakes package, real MCP servers over stdio), routes by wildcard patterns,
authenticates every request with a JWT, checks scopes and rate limits, transforms the math
calls (a sanitizer on the way in, metadata on the way out), caches read-only answers, makes
real calls through it as an MCP client would, and prints the answers, the refusals and the
stats.

    python examples/mcp_proxy_example.py            # the demo
    python examples/mcp_proxy_example.py --serve    # serve MCP on stdin/stdout instead
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import os
import secrets
import sys
import time

from fasterapi.mcp import (MCPProxy, ProxyRoute, UpstreamConfig, create_metadata_transformer,
                           create_sanitizing_transformer)

# HS256 for a self-contained demo: a random 256-bit secret shared with the token issuer.
# In production use the issuer's public key (RS256/ES256/EdDSA) or its JWKS URL.
SECRET = secrets.token_urlsafe(32)
ISSUER = "https://auth.example.com"
AUDIENCE = "mcp-clients"
META_KEY = "dev.fasterapi/authorization"


def mint_token(sub: str, scopes: list, lifetime_s: int = 3600) -> str:
    """What an identity provider would hand a client (a real client never sees SECRET).
    Standard library only, so the example needs nothing beyond fasterapi and mcp_fakes."""
    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
    now = int(time.time())
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    claims = b64(json.dumps({"sub": sub, "iss": ISSUER, "aud": AUDIENCE, "iat": now,
                             "exp": now + lifetime_s, "scopes": scopes}).encode())
    signature = hmac.new(SECRET.encode(), f"{header}.{claims}".encode(), hashlib.sha256).digest()
    return f"{header}.{claims}.{b64(signature)}"


def fake_server(profile: str, name: str = "", faults: tuple = ()) -> UpstreamConfig:
    args = ["-m", "mcp_fakes", "--profile", profile]
    for fault in faults:  # a fake that misbehaves on purpose (fakes/README.md)
        args += ["--fault", fault]
    return UpstreamConfig(
        name=name or f"{profile}-server",
        transport_type="stdio",
        command=sys.executable,
        args=args,
        max_connections=4,
        request_timeout_ms=10_000,
        enable_health_check=True,
        health_check_interval_ms=30_000,
        max_retries=2,
        retry_delay_ms=100,
    )


def build_proxy() -> MCPProxy:
    proxy = MCPProxy(
        name="Example MCP Proxy",
        version="1.0.0",
        enable_auth=True,
        enable_rate_limiting=True,
        enable_authorization=True,
        circuit_breaker_enabled=True,
        circuit_breaker_threshold=2,
        failover_enabled=True,
        # Answers that are safe to cache (reads, lists, tools the upstream marks read-only on
        # routes that trust it) are kept 30 s, per caller: see docs/transformers.md.
        enable_caching=True,
        cache_ttl_ms=30_000,
    )
    # math-server crashes on every math_divide (a fault of the fake); math-backup serves too.
    proxy.add_upstream(fake_server("math", faults=("crash tool=math_divide",)))
    proxy.add_upstream(fake_server("math", name="math-backup"))
    for profile in ("data", "admin"):
        proxy.add_upstream(fake_server(profile))

    # Routes are tried in order; the first match wins, and failover tries the next match.
    # The math tools run both transformer chains, and their readOnlyHint is believed: a call
    # lost in a crash may be sent again elsewhere (docs/resilience.md), and answers cached.
    proxy.add_route(ProxyRoute(upstream_name="math-server", tool_pattern="math_*",
                               enable_request_transform=True, enable_response_transform=True,
                               trust_annotations=True))
    proxy.add_route(ProxyRoute(upstream_name="math-backup", tool_pattern="math_*",
                               enable_request_transform=True, enable_response_transform=True,
                               trust_annotations=True))
    proxy.add_route(ProxyRoute(upstream_name="math-server", tool_pattern="calculate"))
    proxy.add_route(ProxyRoute(upstream_name="data-server", tool_pattern="data_*",
                               resource_pattern="data://*", prompt_pattern="data_*",
                               required_scope="read_data"))
    proxy.add_route(ProxyRoute(upstream_name="admin-server", tool_pattern="admin_*",
                               resource_pattern="config://app/*", prompt_pattern="code_*",
                               required_scope="admin", rate_limit_override=100))

    # Security: every request carries a JWT; scopes open routes; limits protect upstreams.
    proxy.set_jwt_auth(secret=SECRET, algorithm="HS256", issuer=ISSUER, audience=AUDIENCE,
                       verify_expiry=True, clock_skew_seconds=60)
    proxy.set_rate_limit(max_requests=1000, window_ms=60_000, burst=100, algorithm="token_bucket")
    proxy.set_tool_rate_limit("calculate", max_requests=2, window_ms=60_000)  # an "expensive" tool

    # Transformers (in C++; a plain Python function (ctx, data) -> str works too). They run on
    # routes that enable them: here the math_* route.
    proxy.add_request_transformer("sanitize", create_sanitizing_transformer(["password", "api_key"]))
    proxy.add_response_transformer("metadata", create_metadata_transformer("Example MCP Proxy"))
    return proxy


class PipeClient:
    """The smallest MCP client: newline-delimited JSON-RPC over a pair of pipes. On stdio
    the token travels in each request's params._meta (see docs/security.md)."""

    def __init__(self, proxy: MCPProxy, token: str | None = None) -> None:
        self.token = token
        to_proxy_r, self._to_proxy = os.pipe()
        from_proxy, from_proxy_w = os.pipe()
        proxy.serve_fds(to_proxy_r, from_proxy_w)
        os.close(to_proxy_r)
        os.close(from_proxy_w)
        self._from_proxy = os.fdopen(from_proxy, "rb")
        self._ids = itertools.count(1)

    def _send(self, message: dict) -> None:
        os.write(self._to_proxy, json.dumps(message).encode() + b"\n")

    def request(self, method: str, params: dict | None = None, token: str | None = "") -> dict:
        rid = next(self._ids)
        params = dict(params or {})
        token = self.token if token == "" else token
        if token:
            params["_meta"] = {META_KEY: f"Bearer {token}"}
        self._send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
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

    operator = mint_token("operator-7", ["read_data", "admin"])
    with proxy:
        client = PipeClient(proxy, token=operator)
        init = client.request("initialize", {"protocolVersion": "2025-11-25", "capabilities": {},
                                             "clientInfo": {"name": "example", "version": "1"}})
        client.notify("notifications/initialized")
        show("initialize", init["result"]["serverInfo"])

        tools = client.request("tools/list")["result"]["tools"]
        show("tools/list (merged from three upstreams)", [t["name"] for t in tools])

        answer = client.request("tools/call", {"name": "math_add", "arguments": {"a": 2, "b": 3}})
        show("math_add(2, 3) -> math-server", answer["result"]["content"][0]["text"])
        show("  its _proxy metadata (response transformer)", answer["_proxy"])

        # The sanitizer redacts api_key before the upstream sees it (and in the proxy's logs).
        answer = client.request("tools/call", {"name": "math_multiply",
                                               "arguments": {"a": 6, "b": 7, "api_key": "sk-live-123"}})
        show("math_multiply(6, 7) with an api_key (sent upstream as [REDACTED])",
             answer["result"]["content"][0]["text"])
        answer = client.request("tools/call", {"name": "math_multiply",
                                               "arguments": {"a": 6, "b": 7, "api_key": "sk-live-123"}})
        show("math_multiply(6, 7) again: from the proxy's cache", answer["result"]["content"][0]["text"])

        answer = client.request("tools/call", {"name": "calculate", "arguments": {"expression": "(2+3)*7"}})
        show("calculate('(2+3)*7') -> math-server", answer["result"]["content"][0]["text"])

        answer = client.request("resources/read", {"uri": "data://users"})
        show("resources/read data://users -> data-server", answer["result"]["contents"][0]["text"])

        answer = client.request("tools/call", {"name": "admin_status", "arguments": {}})
        show("admin_status -> admin-server", answer["result"]["content"][0]["text"])

        answer = client.request("tools/call", {"name": "weather_now", "arguments": {}})
        show("weather_now (no route)", answer["error"])

        print("\n== circuit breaker and failover")
        answer = client.request("tools/call", {"name": "math_divide", "arguments": {"a": 84, "b": 2}})
        show("math_divide(84, 2): math-server crashed, the call failed over to math-backup",
             answer["result"]["content"][0]["text"])
        answer = client.request("tools/call", {"name": "math_add", "arguments": {"a": 1, "b": 2}})
        show("math_add(1, 2): math-server is unhealthy now, so math-backup answers",
             answer["result"]["content"][0]["text"])
        show("upstream state", proxy.get_stats().extra["upstream_state"])

        print("\n== security")
        answer = client.request("tools/call", {"name": "math_add", "arguments": {"a": 1, "b": 1}},
                                token=None)
        show("no token", answer["error"])
        expired = mint_token("operator-7", ["admin"], lifetime_s=-120)
        answer = client.request("tools/call", {"name": "math_add", "arguments": {"a": 1, "b": 1}},
                                token=expired)
        show("expired token", answer["error"])
        reader = mint_token("reader-3", ["read_data"])
        tools = client.request("tools/list", token=reader)["result"]["tools"]
        show("tools/list as reader-3 (scope read_data: no admin tools)", [t["name"] for t in tools])
        answer = client.request("tools/call", {"name": "admin_status", "arguments": {}}, token=reader)
        show("admin_status as reader-3", answer["error"])
        for n in (2, 3):  # 'calculate' allows 2 calls a minute; the first was above
            answer = client.request("tools/call", {"name": "calculate", "arguments": {"expression": f"{n}*{n}"}})
            outcome = answer.get("result", {}).get("content", [{}])[0].get("text") or answer["error"]
            show(f"calculate call {n} of the minute", outcome)

        client.close()

        stats = proxy.get_stats()
        print("\n== stats")
        print(f"Total Requests: {stats.total_requests}")
        print(f"Success Rate: {stats.success_rate:.1%}")
        print(f"Cached Responses: {stats.cached_responses}")
        print(f"Avg Latency: {stats.avg_latency_ms:.2f} ms")
        for upstream, count in stats.upstream_requests.items():
            print(f"  {upstream}: {count} requests")
        for tool, count in stats.tool_requests.items():
            print(f"  {tool}: {count} calls")
        for who, count in stats.extra["client_requests"].items():
            print(f"  client {who}: {count} requests")
        print(f"Refused: {stats.extra['auth_missing_credentials']} without credentials, "
              f"{stats.extra['auth_invalid_credentials']} invalid, "
              f"{stats.extra['authz_denied']} for scope, {stats.extra['rate_limited']} rate limited")

        print(f"Failovers: {stats.extra['failovers']}, retries: {stats.retried_requests}")

        health = proxy.get_upstream_health()
        print("\n== health")
        for upstream, healthy in health.items():
            print(f"  {upstream}: {'healthy' if healthy else 'UNHEALTHY'}")

        metrics = proxy.prometheus_metrics().splitlines()
        show("metrics (Prometheus text, also served at /metrics over HTTP; a few lines)",
             "\n".join(line for line in metrics if line.startswith("fasterapi_mcp_upstream_circuit_state")))


def serve() -> None:
    # A stdio client that sends no credential gets the one from the environment.
    os.environ.setdefault("FASTERAPI_MCP_TOKEN", mint_token("stdio-client", ["read_data", "admin"]))
    build_proxy().run(transport="stdio")


if __name__ == "__main__":
    serve() if "--serve" in sys.argv[1:] else demo()
