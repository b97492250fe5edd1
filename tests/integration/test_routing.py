"""Routing (guide: Routing Rules): patterns, order, catch-all, prefixes, no route."""

import json

from fasterapi.mcp import ProxyRoute

from support.proxy_helpers import upstream_for


def three_upstreams(mcp_fake):
    math, data, admin = mcp_fake("math"), mcp_fake("data"), mcp_fake("admin")
    ups = [upstream_for(math, "math"), upstream_for(data, "data"), upstream_for(admin, "admin")]
    routes = [
        ProxyRoute(upstream_name="math", tool_pattern="math_*"),
        ProxyRoute(upstream_name="math", tool_pattern="calculate"),
        ProxyRoute(upstream_name="data", tool_pattern="data_*", resource_pattern="data://*",
                   prompt_pattern="data_*"),
        ProxyRoute(upstream_name="admin", tool_pattern="admin_*", resource_pattern="config://app/*",
                   prompt_pattern="code_*"),
    ]
    return (math, data, admin), ups, routes


def test_tool_calls_reach_the_upstream_their_pattern_names_exactly_once(start_proxy, mcp_fake):
    (math, data, admin), ups, routes = three_upstreams(mcp_fake)
    proxy, client = start_proxy(ups, routes)

    r = client.request("tools/call", {"name": "math_add", "arguments": {"a": 2, "b": 3}}, id="add-1")
    assert r == {"jsonrpc": "2.0", "id": "add-1",
                 "result": {"content": [{"type": "text", "text": "5"}], "structuredContent": {"result": 5}}}
    r = client.request("tools/call", {"name": "calculate", "arguments": {"expression": "(1+2)*4"}})
    assert r["result"]["structuredContent"] == {"result": 12}
    r = client.request("tools/call", {"name": "admin_restart_service", "arguments": {"service": "web"}})
    assert "result" in r

    assert len(math.calls(name="math_add")) == 1
    assert len(math.calls(name="calculate")) == 1
    assert len(admin.calls(name="admin_restart_service")) == 1
    assert data.calls() == [] and admin.calls(name="math_add") == []


def test_resources_and_prompts_route_by_their_own_patterns(start_proxy, mcp_fake):
    (math, data, admin), ups, routes = three_upstreams(mcp_fake)
    proxy, client = start_proxy(ups, routes)
    r = client.request("resources/read", {"uri": "data://users"})
    assert r["result"]["contents"][0]["uri"] == "data://users"
    r = client.request("resources/read", {"uri": "config://app/settings"})
    assert r["result"]["contents"][0]["uri"] == "config://app/settings"
    r = client.request("prompts/get", {"name": "code_review", "arguments": {"code": "x = 1"}})
    assert "messages" in r["result"]
    assert len(admin.calls(method="prompts/get", name="code_review")) == 1
    assert len(data.calls(method="resources/read")) == 1


def test_no_route_is_an_invalid_params_error_naming_kind_and_name(start_proxy, mcp_fake):
    (math, data, admin), ups, routes = three_upstreams(mcp_fake)
    proxy, client = start_proxy(ups, routes)
    r = client.request("tools/call", {"name": "weather_now", "arguments": {}}, id=7)
    assert r["id"] == 7
    assert r["error"]["code"] == -32602
    assert "No route found" in r["error"]["message"]
    assert r["error"]["data"] == {"reason": "no_route", "kind": "tool", "name": "weather_now"}
    r = client.request("resources/read", {"uri": "file:///etc/passwd"})
    assert r["error"]["data"]["kind"] == "resource"
    r = client.request("prompts/get", {"name": "nope"})
    assert r["error"]["data"]["kind"] == "prompt"
    # Nothing reached any upstream, and the proxy keeps serving.
    for fake in (math, data, admin):
        assert fake.calls() == []
    assert client.request("ping")["result"] == {}
    stats = proxy.get_stats()
    assert stats.failed_requests == 3


def test_routes_are_tried_in_order_and_a_route_without_patterns_catches_all(start_proxy, mcp_fake):
    echo, math = mcp_fake("echo"), mcp_fake("math")
    ups = [upstream_for(echo, "echo"), upstream_for(math, "math")]
    routes = [ProxyRoute(upstream_name="math", tool_pattern="math_a*"),
              ProxyRoute(upstream_name="echo")]
    proxy, client = start_proxy(ups, routes)
    assert "result" in client.request("tools/call", {"name": "math_add", "arguments": {"a": 1, "b": 1}})
    # math_multiply does not match math_a*, so the catch-all sends it to echo, which lacks it.
    r = client.request("tools/call", {"name": "math_multiply", "arguments": {"a": 1, "b": 1}})
    assert len(echo.calls(name="math_multiply")) == 1 and math.calls(name="math_multiply") == []
    assert "error" in r or r["result"].get("isError")
    r = client.request("tools/call", {"name": "echo", "arguments": {"text": "hi"}})
    assert r["result"]["content"][0]["text"] == "hi"


def test_name_prefix_shows_prefixed_names_and_strips_them_on_the_way_up(start_proxy, mcp_fake):
    a, b = mcp_fake("echo"), mcp_fake("echo")
    ups = [upstream_for(a, "a", name_prefix="left"), upstream_for(b, "b", name_prefix="right")]
    routes = [ProxyRoute(upstream_name="a", tool_pattern="left_*"),
              ProxyRoute(upstream_name="b", tool_pattern="right_*")]
    proxy, client = start_proxy(ups, routes)
    names = [t["name"] for t in client.request("tools/list")["result"]["tools"]]
    assert "left_echo" in names and "right_echo" in names and "echo" not in names
    r = client.request("tools/call", {"name": "right_echo", "arguments": {"text": "R"}})
    assert r["result"]["content"][0]["text"] == "R"
    assert len(b.calls(name="echo")) == 1 and a.calls(name="echo") == []


def test_completion_and_subscriptions_are_routed(start_proxy, mcp_fake):
    (math, data, admin), ups, routes = three_upstreams(mcp_fake)
    proxy, client = start_proxy(ups, routes)
    r = client.request("completion/complete", {"ref": {"type": "ref/prompt", "name": "data_summary"},
                                              "argument": {"name": "table", "value": "u"}})
    assert "result" in r, r
    assert len(data.calls(method="completion/complete")) == 1
    r = client.request("resources/subscribe", {"uri": "data://users"})
    assert r["result"] == {}
    # The data fake speaks the stateless era: the subscription joins the proxy's one
    # subscriptions/listen stream on it (the handshake era is in tests/protocol).
    listens = data.control.wait_for(method="subscriptions/listen", count=2)
    assert listens[-1]["msg"]["params"]["notifications"]["resourceSubscriptions"] == ["data://users"]
    r = client.request("resources/unsubscribe", {"uri": "data://users"})
    assert r["result"] == {}
    listens = data.control.wait_for(method="subscriptions/listen", count=3)
    assert "resourceSubscriptions" not in listens[-1]["msg"]["params"]["notifications"]


def test_stats_count_requests_per_upstream_and_tool(start_proxy, mcp_fake):
    (math, data, admin), ups, routes = three_upstreams(mcp_fake)
    proxy, client = start_proxy(ups, routes)
    for i in range(3):
        client.request("tools/call", {"name": "math_add", "arguments": {"a": i, "b": 1}})
    client.request("tools/call", {"name": "data_count", "arguments": {"table": "users"}})
    s = proxy.get_stats()
    assert s.total_requests == 4 and s.successful_requests == 4 and s.failed_requests == 0
    assert s.upstream_requests == {"math": 3, "data": 1, "admin": 0}
    assert s.tool_requests == {"math_add": 3, "data_count": 1}
    assert s.success_rate == 1.0
    assert s.max_latency_ms >= s.min_latency_ms >= 0


def request_records(err):
    return [json.loads(line) for line in err.splitlines() if line.startswith('{"time"')]


def test_request_logging_writes_one_json_line_per_request_to_stderr(start_proxy, mcp_fake, capfd):
    math = mcp_fake("math")
    proxy, client = start_proxy([upstream_for(math, "math")], [ProxyRoute(upstream_name="math")])
    client.request("tools/call", {"name": "math_add", "arguments": {"a": 1, "b": 2}})
    client.request("tools/call", {"name": "math_divide", "arguments": {"a": 1, "b": "x"}})
    (ok, bad) = request_records(capfd.readouterr().err)
    assert ok["event"] == "request" and ok["time"].endswith("Z")
    assert {k: ok[k] for k in ("client", "method", "name", "upstream", "outcome")} == {
        "client": "anonymous", "method": "tools/call", "name": "math_add", "upstream": "math", "outcome": "ok"}
    assert ok["latency_ms"] >= 0 and "arguments" not in json.dumps(ok)  # never the params
    assert bad["name"] == "math_divide" and bad["outcome"] in ("ok", "upstream_error")


def test_a_burst_of_requests_logs_one_whole_line_each(start_proxy, mcp_fake, capfd):
    # The lines of one turn of the loop are written together: none lost, none cut.
    math = mcp_fake("math")
    proxy, client = start_proxy([upstream_for(math, "math")], [ProxyRoute(upstream_name="math")])
    ids = [client.start_request("tools/call", {"name": "math_add", "arguments": {"a": i, "b": 1}})
           for i in range(300)]
    for rid in ids:
        assert "result" in client.wait_response(rid)
    records = request_records(capfd.readouterr().err)
    assert len(records) == 300 and all(r["outcome"] == "ok" for r in records)


def test_request_logging_can_be_switched_off(start_proxy, mcp_fake, capfd):
    math = mcp_fake("math")
    proxy, client = start_proxy([upstream_for(math, "math")], [ProxyRoute(upstream_name="math")],
                                enable_request_logging=False)
    client.request("tools/call", {"name": "math_add", "arguments": {"a": 1, "b": 2}})
    assert request_records(capfd.readouterr().err) == []
