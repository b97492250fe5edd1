"""The response cache never gives one client's private answer to another: two JWT
principals with different scopes, the same principal with other scopes, and what a
`public` answer may share (callers with the same scopes only)."""

from __future__ import annotations

from freezegun import freeze_time

from fasterapi.mcp import ProxyRoute
from transform.helpers import fake_upstream

from .security_tokens import AUDIENCE, ISSUER, SECRET, claims, hs

FROZEN = "2026-03-01 12:00:00"
NOW = 1772366400

ROUTES = [
    ProxyRoute(upstream_name="admin", tool_pattern="admin_*", resource_pattern="config://*",
               required_scope="admin"),
    ProxyRoute(upstream_name="data", tool_pattern="data_*", resource_pattern="data://*",
               required_scope="read_data"),
]


def jwt_auth(proxy):
    proxy.set_jwt_auth(secret=SECRET, issuer=ISSUER, audience=AUDIENCE)


def start(secure_proxy, mcp_fake, scope):
    hint = ["--cache-ttl-ms", "60000", "--cache-scope", scope]
    data, admin = mcp_fake("data", extra_args=hint), mcp_fake("admin", extra_args=hint)
    proxy, client = secure_proxy([fake_upstream(admin, "admin"), fake_upstream(data, "data")], ROUTES,
                                 configure=jwt_auth, enable_caching=True)
    return data, admin, proxy, client


def reads(fake):
    return len(fake.calls(method="resources/read"))


def tool_names(answer):
    return sorted(t["name"] for t in answer["result"]["tools"])


def test_private_answers_stay_with_their_principal_and_scopes(secure_proxy, mcp_fake):
    with freeze_time(FROZEN):
        data, admin, proxy, client = start(secure_proxy, mcp_fake, "private")
        alice = hs(claims(NOW, sub="alice", scopes=["read_data"]))
        bob = hs(claims(NOW, sub="bob", scopes=["read_data", "admin"]))
        alice_admin = hs(claims(NOW, sub="alice", scopes=["read_data", "admin"]))

        # Lists: the proxy filters by scopes, so each context has its own entry.
        bob_tools = tool_names(client.request("tools/list", token=bob))
        alice_tools = tool_names(client.request("tools/list", token=alice))
        assert "admin_status" in bob_tools and "admin_status" not in alice_tools
        assert tool_names(client.request("tools/list", token=alice)) == alice_tools  # a hit
        assert tool_names(client.request("tools/list", token=bob)) == bob_tools      # a hit
        assert proxy.get_stats().cached_responses == 2

        # A private read: cached for alice, never served to bob (nor to alice with
        # other scopes, another authorization context).
        client.request("resources/read", {"uri": "data://users"}, token=alice)
        assert reads(data) == 1
        client.request("resources/read", {"uri": "data://users"}, token=bob)
        assert reads(data) == 2
        client.request("resources/read", {"uri": "data://users"}, token=alice_admin)
        assert reads(data) == 3
        for token in (alice, bob, alice_admin):  # each now hits its own entry
            client.request("resources/read", {"uri": "data://users"}, token=token)
        assert reads(data) == 3

        # Authorization still runs before the cache: no scope, no answer, cached or not.
        refused = client.request("resources/read", {"uri": "config://app/settings"}, token=alice)
        assert refused["error"]["code"] == -32012
        assert client.request("resources/read", {"uri": "config://app/settings"}, token=bob)["result"]
        assert client.request("resources/read", {"uri": "config://app/settings"},
                              token=alice)["error"]["code"] == -32012
        assert reads(admin) == 1


def test_public_answers_are_shared_only_by_callers_with_the_same_scopes(secure_proxy, mcp_fake):
    with freeze_time(FROZEN):
        data, admin, proxy, client = start(secure_proxy, mcp_fake, "public")
        alice = hs(claims(NOW, sub="alice", scopes=["read_data"]))
        carol = hs(claims(NOW, sub="carol", scopes=["read_data"]))
        bob = hs(claims(NOW, sub="bob", scopes=["read_data", "admin"]))
        first = client.request("resources/read", {"uri": "data://orders"}, token=alice)
        shared = client.request("resources/read", {"uri": "data://orders"}, token=carol)
        assert shared["result"]["contents"] == first["result"]["contents"]
        assert reads(data) == 1                      # public: carol got alice's entry
        client.request("resources/read", {"uri": "data://orders"}, token=bob)
        assert reads(data) == 2                      # other scopes: not shared
