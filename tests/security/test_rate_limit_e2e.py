"""Rate limits through a running proxy on the manual clock: the error a limited client
sees, and that limited calls never reached the upstream."""

from __future__ import annotations

from freezegun import freeze_time

from fasterapi.mcp import ProxyRoute

from .conftest import math_admin_data
from .security_tokens import AUDIENCE, ISSUER, SECRET, claims, hs

FROZEN = "2026-03-01 12:00:00"
NOW = 1772366400
ROUTES = [ProxyRoute(upstream_name="math", tool_pattern="math_*"),
          ProxyRoute(upstream_name="admin", tool_pattern="admin_*", rate_limit_override=2)]


def add(client, a=1, **kw):
    return client.call("math_add", {"a": a, "b": 1}, **kw)


def test_a_tool_limit_refuses_with_retry_after_and_the_call_never_reaches_the_upstream(secure_proxy, mcp_fake):
    (math, _, _), ups = math_admin_data(mcp_fake)
    proxy, client = secure_proxy(ups[:1], ROUTES[:1], configure=lambda p: p.set_tool_rate_limit(
        "math_add", max_requests=2, window_ms=1000, algorithm="fixed_window"))
    proxy.advance_clock(250)
    assert "result" in add(client, 1) and "result" in add(client, 2)
    r = add(client, 3)
    assert r["error"]["code"] == -32013
    assert r["error"]["data"] == {
        "reason": "rate_limited", "limit": "tool", "tool": "math_add", "algorithm": "fixed_window",
        "max_requests": 2, "window_ms": 1000, "retry_after_ms": 750}
    assert "retry after 750 ms" in r["error"]["message"]
    assert "result" in client.call("math_multiply", {"a": 2, "b": 3})  # other tools are not limited
    proxy.advance_clock(749)
    assert add(client, 4)["error"]["data"]["retry_after_ms"] == 1
    proxy.advance_clock(1)
    assert "result" in add(client, 5)
    assert [c["msg"]["params"]["arguments"]["a"] for c in math.calls(name="math_add")] == [1, 2, 5]
    stats = proxy.get_stats()
    assert stats.extra["rate_limited"] == 2
    assert stats.failed_requests == 2


def test_the_global_token_bucket_counts_lists_too(secure_proxy, mcp_fake):
    (math, _, _), ups = math_admin_data(mcp_fake)
    proxy, client = secure_proxy(ups[:1], ROUTES[:1], configure=lambda p: p.set_rate_limit(
        max_requests=10, window_ms=1000, burst=3))
    assert "result" in client.request("tools/list")
    assert "result" in add(client) and "result" in add(client)
    r = client.request("tools/list")
    assert r["error"]["data"]["limit"] == "global"
    assert r["error"]["data"]["burst"] == 3
    assert r["error"]["data"]["retry_after_ms"] == 100  # one token every 1000/10 ms
    proxy.advance_clock(100)
    assert "result" in add(client)
    assert add(client)["error"]["data"]["retry_after_ms"] == 100
    assert len(math.calls(name="math_add")) == 3


def test_per_client_limits_are_keyed_by_principal(secure_proxy, mcp_fake):
    with freeze_time(FROZEN):
        (math, _, _), ups = math_admin_data(mcp_fake)

        def configure(p):
            p.set_jwt_auth(secret=SECRET, issuer=ISSUER, audience=AUDIENCE)
            p.set_client_rate_limit(max_requests=2, window_ms=60000, algorithm="sliding_window")
        proxy, client = secure_proxy(ups[:1], ROUTES[:1], configure=configure)
        alice, bob = hs(claims(NOW, sub="alice")), hs(claims(NOW, sub="bob"))
        alice_again = hs(claims(NOW, sub="alice", jti="another-token"))
        assert "result" in add(client, token=alice)
        assert "result" in add(client, token=alice_again)  # a different token, the same client
        r = add(client, token=alice)
        assert r["error"]["data"]["limit"] == "client" and r["error"]["data"]["client"] == "alice"
        # The sliding window still weighs the previous window fully at its very start.
        assert r["error"]["data"]["retry_after_ms"] == 60001
        assert "result" in add(client, token=bob)
    assert proxy.get_stats().extra["client_requests"] == {"alice": 2, "bob": 1}
    assert len(math.calls(name="math_add")) == 3


def test_a_route_override_replaces_the_global_limit(secure_proxy, mcp_fake):
    (math, admin, _), ups = math_admin_data(mcp_fake)
    proxy, client = secure_proxy(ups[:2], ROUTES, configure=lambda p: p.set_rate_limit(
        max_requests=100, window_ms=1000, algorithm="fixed_window"))
    assert "result" in client.call("admin_status") and "result" in client.call("admin_status")
    r = client.call("admin_status")
    assert r["error"]["data"] == {"reason": "rate_limited", "limit": "route", "route": 1,
                                  "algorithm": "fixed_window", "max_requests": 2,
                                  "window_ms": 1000, "retry_after_ms": 1000}
    assert "result" in add(client)  # the global limit is untouched by the admin route's calls
    assert len(admin.calls(name="admin_status")) == 2


def test_rate_limiting_off(secure_proxy, mcp_fake):
    (math, _, _), ups = math_admin_data(mcp_fake)
    proxy, client = secure_proxy(ups[:1], ROUTES[:1], enable_rate_limiting=False,
                                 configure=lambda p: p.set_tool_rate_limit("math_add", 1, 1000))
    for i in range(3):
        assert "result" in add(client, i)
    assert len(math.calls(name="math_add")) == 3
