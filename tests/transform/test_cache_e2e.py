"""The response cache through a running proxy, on the manual clock: hits never reach the
upstream (its record proves it), misses and expiry, the upstream's ttlMs hint, what is
safe to cache, invalidation by list_changed and resources/updated, and its bounds."""

from __future__ import annotations

import pytest

from fasterapi.mcp import ProxyRoute, create_caching_transformer

from .helpers import OPTIONS, fake_upstream

HANDSHAKE_ONLY = "error method=server/discover code=-32601"


def read(client, uri, **meta):
    params = {"uri": uri}
    if meta:
        params["_meta"] = meta
    return client.request("resources/read", params)


def reads(fake, uri=None):
    return [c for c in fake.calls(method="resources/read")
            if uri is None or c["msg"]["params"]["uri"] == uri]


def data_proxy(start_proxy, mcp_fake, ttl_hint=60000, faults=(), routes=None, **options):
    fake = mcp_fake("data", faults=list(faults), extra_args=["--cache-ttl-ms", str(ttl_hint)])
    opts = dict(OPTIONS, enable_caching=True, manual_clock=True)
    opts.update(options)
    proxy, client = start_proxy([fake_upstream(fake, "data")],
                                routes or [ProxyRoute(upstream_name="data")], **opts)
    return fake, proxy, client


def test_hit_miss_and_expiry_on_the_manual_clock(start_proxy, mcp_fake):
    fake, proxy, client = data_proxy(start_proxy, mcp_fake, cache_ttl_ms=1000)
    first = read(client, "data://users")
    assert len(reads(fake)) == 1
    second = read(client, "data://users")
    assert second["result"]["contents"] == first["result"]["contents"]
    # The upstream said 60 s; the proxy keeps it 1 s: a hit says what is left of that.
    assert (first["result"]["ttlMs"], second["result"]["ttlMs"]) == (60000, 1000)
    assert len(reads(fake)) == 1                      # the hit never reached the upstream
    proxy.advance_clock(999)
    read(client, "data://users")
    assert len(reads(fake)) == 1
    proxy.advance_clock(1)                            # ttl 1000 ms: now stale
    read(client, "data://users")
    assert len(reads(fake)) == 2
    stats = proxy.get_stats()
    assert stats.cached_responses == 2
    assert stats.total_requests == 4 and stats.successful_requests == 4
    assert stats.upstream_requests["data"] == 2
    assert (stats.extra["cache_misses"], stats.extra["cache_stores"], stats.extra["cache_expired"]) == (2, 2, 1)


def test_the_upstreams_ttl_hint_shortens_the_proxys(start_proxy, mcp_fake):
    fake, proxy, client = data_proxy(start_proxy, mcp_fake, ttl_hint=300, cache_ttl_ms=60000)
    read(client, "data://users")
    proxy.advance_clock(299)
    read(client, "data://users")
    assert len(reads(fake)) == 1
    proxy.advance_clock(1)
    read(client, "data://users")
    assert len(reads(fake)) == 2


def test_ttl_zero_from_the_upstream_is_never_cached(start_proxy, mcp_fake):
    fake, proxy, client = data_proxy(start_proxy, mcp_fake, ttl_hint=0)
    for _ in range(3):
        read(client, "data://users")
    assert len(reads(fake)) == 3 and proxy.get_stats().cached_responses == 0


def test_a_handshake_era_upstream_gives_no_hints_so_the_proxys_ttl_applies(start_proxy, mcp_fake):
    fake, proxy, client = data_proxy(start_proxy, mcp_fake, faults=[HANDSHAKE_ONLY], cache_ttl_ms=500)
    read(client, "data://orders")
    read(client, "data://orders")
    assert len(reads(fake)) == 1
    proxy.advance_clock(500)
    read(client, "data://orders")
    assert len(reads(fake)) == 2


def test_volatile_meta_does_not_split_the_key_but_arguments_do(start_proxy, mcp_fake):
    fake, proxy, client = data_proxy(start_proxy, mcp_fake)
    read(client, "data://users", progressToken="a")
    read(client, "data://users", progressToken=7)
    assert len(reads(fake)) == 1
    read(client, "data://users/1")
    read(client, "data://users/2")
    assert len(reads(fake)) == 3


def test_prompts_and_lists_are_cached_and_list_changed_drops_them(start_proxy, mcp_fake):
    fake, proxy, client = data_proxy(start_proxy, mcp_fake)
    tools = client.request("tools/list")
    assert client.request("tools/list") == {**tools, "id": tools["id"] + 1}
    assert len(fake.calls(method="tools/list")) == 1
    prompt = {"name": "data_summary", "arguments": {"table": "users"}}
    client.request("prompts/get", prompt)
    client.request("prompts/get", prompt)
    assert len(fake.calls(method="prompts/get")) == 1
    assert proxy.get_stats().cached_responses == 2

    fake.control.list_changed("tools")
    client.wait_notification("notifications/tools/list_changed")
    client.request("tools/list")
    assert len(fake.calls(method="tools/list")) == 2   # dropped: asked again
    client.request("prompts/get", prompt)
    assert len(fake.calls(method="prompts/get")) == 1  # another kind: still cached
    fake.control.list_changed("prompts")
    client.wait_notification("notifications/prompts/list_changed")
    client.request("prompts/get", prompt)
    assert len(fake.calls(method="prompts/get")) == 2
    assert proxy.get_stats().extra["cache_invalidations"] >= 2


def test_resources_updated_drops_that_uri_only(start_proxy, mcp_fake):
    fake, proxy, client = data_proxy(start_proxy, mcp_fake)
    client.request("resources/subscribe", {"uri": "data://users"})
    read(client, "data://users")
    read(client, "data://orders")
    fake.control.resource_updated("data://users")
    client.wait_notification("notifications/resources/updated")
    read(client, "data://users")
    read(client, "data://orders")
    assert len(reads(fake, "data://users")) == 2
    assert len(reads(fake, "data://orders")) == 1


def test_only_read_only_tools_on_trusting_routes_are_cached(start_proxy, mcp_fake):
    admin = mcp_fake("admin", extra_args=["--cache-ttl-ms", "60000"])
    routes = [ProxyRoute(upstream_name="admin", tool_pattern="admin_*", trust_annotations=True)]
    proxy, client = start_proxy([fake_upstream(admin, "admin")], routes,
                                **dict(OPTIONS, enable_caching=True, manual_clock=True))
    client.request("tools/list")  # the proxy learns the annotations here
    for _ in range(2):
        client.request("tools/call", {"name": "admin_status", "arguments": {}})
        client.request("tools/call", {"name": "admin_restart_service", "arguments": {"service": "web"}})
    assert len(admin.calls(name="admin_status")) == 1          # readOnlyHint, trusted
    assert len(admin.calls(name="admin_restart_service")) == 2  # a side effect: never cached


def test_annotations_are_not_believed_unless_the_route_trusts_them(start_proxy, mcp_fake):
    admin = mcp_fake("admin")
    proxy, client = start_proxy([fake_upstream(admin, "admin")], [ProxyRoute(upstream_name="admin")],
                                **dict(OPTIONS, enable_caching=True, manual_clock=True))
    client.request("tools/list")
    for _ in range(2):
        client.request("tools/call", {"name": "admin_status", "arguments": {}})
    assert len(admin.calls(name="admin_status")) == 2


def test_memory_is_bounded_least_recently_used_first(start_proxy, mcp_fake):
    fake, proxy, client = data_proxy(start_proxy, mcp_fake, cache_max_entries=2)
    for uri in ("data://users/1", "data://users/2"):
        read(client, uri)
    read(client, "data://users/1")            # 1 is now the most recently used
    read(client, "data://users/3")            # evicts 2
    read(client, "data://users/1")
    read(client, "data://users/2")
    assert [len(reads(fake, f"data://users/{i}")) for i in (1, 2, 3)] == [1, 2, 1]
    stats = proxy.get_stats()
    assert stats.extra["cache_entries"] == 2 and stats.extra["cache_evictions"] >= 1
    assert "fasterapi_mcp_cache_entries 2" in proxy.prometheus_metrics()


def test_the_caching_transformer_caches_on_its_routes_and_stamps_hints(start_proxy, mcp_fake):
    fake = mcp_fake("data", extra_args=["--cache-ttl-ms", "60000"])
    routes = [ProxyRoute(upstream_name="data", resource_pattern="data://users*",
                         enable_response_transform=True),
              ProxyRoute(upstream_name="data")]
    proxy, client = start_proxy(
        [fake_upstream(fake, "data")], routes, manual_clock=True,
        configure=lambda p: p.add_response_transformer("cache", create_caching_transformer(ttl_ms=500)),
        **OPTIONS)  # enable_caching stays False: only the transformer's routes cache
    first = read(client, "data://users")["result"]
    assert (first["ttlMs"], first["cacheScope"]) == (500, "public")
    proxy.advance_clock(200)
    again = read(client, "data://users")["result"]
    assert again["ttlMs"] == 300                 # what is left of the proxy's own entry
    assert len(reads(fake, "data://users")) == 1
    proxy.advance_clock(300)
    read(client, "data://users")
    assert len(reads(fake, "data://users")) == 2
    read(client, "data://orders")
    read(client, "data://orders")
    assert len(reads(fake, "data://orders")) == 2  # the other route has no caching


@pytest.mark.parametrize("enabled", [False])
def test_nothing_is_cached_by_default(start_proxy, mcp_fake, enabled):
    fake, proxy, client = data_proxy(start_proxy, mcp_fake, enable_caching=enabled)
    read(client, "data://users")
    read(client, "data://users")
    client.request("tools/list")
    client.request("tools/list")
    assert len(reads(fake)) == 2 and len(fake.calls(method="tools/list")) == 2
    assert proxy.get_stats().cached_responses == 0
