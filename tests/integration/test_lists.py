"""List methods (issue 2: fan out and merge; MCP Pagination): merging, filtering by route,
the proxy's own cursors across upstreams, collisions, partial answers."""

from fasterapi.mcp import ProxyRoute

from support.proxy_helpers import upstream_for


def list_all(client, method, key):
    items, cursor, pages = [], None, 0
    while True:
        params = {"cursor": cursor} if cursor else {}
        r = client.request(method, params)
        assert "result" in r, r
        items += r["result"][key]
        pages += 1
        cursor = r["result"].get("nextCursor")
        if not cursor:
            return items, pages


def test_tools_list_merges_upstreams_in_route_order(start_proxy, mcp_fake):
    math, data = mcp_fake("math"), mcp_fake("data")
    ups = [upstream_for(math, "math"), upstream_for(data, "data")]
    routes = [ProxyRoute(upstream_name="math", tool_pattern="math_*"),
              ProxyRoute(upstream_name="data", tool_pattern="data_*")]
    proxy, client = start_proxy(ups, routes)
    tools, _ = list_all(client, "tools/list", "tools")
    names = [t["name"] for t in tools]
    # calculate lives on math but no route sends it there, so it is not shown.
    assert names == ["math_add", "math_subtract", "math_multiply", "math_divide", "data_query", "data_count"]
    assert all("inputSchema" in t for t in tools)
    assert proxy.get_stats().extra["shadowed_items"] == 1


def test_an_item_is_listed_only_where_a_call_would_route(start_proxy, mcp_fake):
    a, b = mcp_fake("echo"), mcp_fake("echo")
    ups = [upstream_for(a, "a"), upstream_for(b, "b")]
    routes = [ProxyRoute(upstream_name="a", tool_pattern="*"), ProxyRoute(upstream_name="b", tool_pattern="*")]
    proxy, client = start_proxy(ups, routes)
    tools, _ = list_all(client, "tools/list", "tools")
    names = [t["name"] for t in tools]
    assert len(names) == len(set(names)), "a collision must never list a name twice"
    # b's copies are reported, not silently dropped.
    assert proxy.get_stats().extra["shadowed_items"] == len(names)


def test_pagination_walks_every_page_of_every_upstream(start_proxy, mcp_fake):
    many = mcp_fake("many", page_size=7, extra_args=["--tools-count", "30"])
    math = mcp_fake("math", page_size=2)
    ups = [upstream_for(many, "many"), upstream_for(math, "math")]
    routes = [ProxyRoute(upstream_name="many", tool_pattern="tool_*"),
              ProxyRoute(upstream_name="math", tool_pattern="math_*")]
    proxy, client = start_proxy(ups, routes)
    tools, pages = list_all(client, "tools/list", "tools")
    names = [t["name"] for t in tools]
    assert sorted(names) == sorted([f"tool_{i}" for i in range(30)] +
                                   ["math_add", "math_subtract", "math_multiply", "math_divide"])
    assert pages == 5  # ceil(30/7) = 5 pages of `many`; math's 3 pages ride along


def test_a_bad_cursor_is_invalid_params(start_proxy, mcp_fake):
    echo = mcp_fake("echo")
    proxy, client = start_proxy([upstream_for(echo, "echo")], [ProxyRoute(upstream_name="echo")])
    for bad in ["nope", "", "eyJ2IjoxfQ==", 42]:
        r = client.request("tools/list", {"cursor": bad})
        assert r["error"]["code"] == -32602, (bad, r)
        assert r["error"]["data"]["reason"] == "invalid_cursor"


def test_resources_templates_and_prompts_are_merged_too(start_proxy, mcp_fake):
    data, admin = mcp_fake("data"), mcp_fake("admin")
    ups = [upstream_for(data, "data"), upstream_for(admin, "admin")]
    routes = [ProxyRoute(upstream_name="data", resource_pattern="data://*", prompt_pattern="data_*"),
              ProxyRoute(upstream_name="admin", resource_pattern="config://*", prompt_pattern="code_*")]
    proxy, client = start_proxy(ups, routes)
    uris = [r["uri"] for r in list_all(client, "resources/list", "resources")[0]]
    assert "data://users" in uris and "config://app/settings" in uris
    templates = list_all(client, "resources/templates/list", "resourceTemplates")[0]
    assert [t["uriTemplate"] for t in templates] == ["data://users/{id}"]
    prompts = [p["name"] for p in list_all(client, "prompts/list", "prompts")[0]]
    assert prompts == ["data_summary", "code_review"]


def test_schemas_pass_through_verbatim(start_proxy, mcp_fake):
    import json
    import subprocess
    echo = mcp_fake("echo")
    proxy, client = start_proxy([upstream_for(echo, "echo")], [ProxyRoute(upstream_name="echo")])
    through_proxy = {t["name"]: t for t in client.request("tools/list")["result"]["tools"]}
    direct = [m for m in echo.record() if m["dir"] == "out" and isinstance(m["msg"], dict)
              and "tools" in m["msg"].get("result", {})][-1]["msg"]["result"]["tools"]
    for tool in direct:
        assert through_proxy[tool["name"]] == tool  # $defs, $ref, $anchor included
    assert any("$defs" in json.dumps(t["inputSchema"]) for t in direct)


def test_a_failed_upstream_leaves_a_partial_list_that_says_so(start_proxy, mcp_fake):
    math, broken = mcp_fake("math"), mcp_fake("echo", faults=["exit_at_start code=3"])
    ups = [upstream_for(math, "math"), upstream_for(broken, "broken")]
    routes = [ProxyRoute(upstream_name="math", tool_pattern="math_*"),
              ProxyRoute(upstream_name="broken", tool_pattern="*")]
    proxy, client = start_proxy(ups, routes)
    r = client.request("tools/list")
    names = [t["name"] for t in r["result"]["tools"]]
    assert "math_add" in names
    assert r["result"]["_meta"]["dev.fasterapi/unavailableUpstreams"] == ["broken"]
    assert proxy.get_upstream_health()["broken"] is False
