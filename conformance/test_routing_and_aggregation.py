"""Conformance: routing and list aggregation (guide: Routing Rules; MCP 2025-11-25
Lifecycle, Tools, Pagination)."""


def topology(mcp_fake, proxy_process):
    math, data = mcp_fake("math", page_size=2), mcp_fake("data")
    proxy = proxy_process({"math": math, "data": data},
                          [{"upstream_name": "math", "tool_pattern": "math_*"},
                           {"upstream_name": "data", "tool_pattern": "data_*", "resource_pattern": "data://*"}])
    proxy.client.initialize()
    return math, data, proxy.client


def test_lifecycle_initialize_is_answered_with_a_supported_version(mcp_fake, proxy_process):
    """MCP Lifecycle, version negotiation: the server replies with the requested version if supported."""
    math = mcp_fake("math")
    proxy = proxy_process({"math": math}, [{"upstream_name": "math", "tool_pattern": "*"}])
    r = proxy.client.request("initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                                            "clientInfo": {"name": "conf", "version": "0"}})
    assert r["result"]["protocolVersion"] == "2025-06-18"


def test_tools_list_is_the_union_of_routed_upstream_tools(mcp_fake, proxy_process):
    """Guide, Routing Rules; MCP Pagination: every page of every upstream, via the proxy's cursors."""
    math, data, client = topology(mcp_fake, proxy_process)
    names, cursor = [], None
    while True:
        r = client.request("tools/list", {"cursor": cursor} if cursor else {})
        names += [t["name"] for t in r["result"]["tools"]]
        cursor = r["result"].get("nextCursor")
        if not cursor:
            break
    assert sorted(names) == sorted(["math_add", "math_subtract", "math_multiply", "math_divide",
                                    "data_query", "data_count"])


def test_a_routed_call_is_delivered_once_to_its_upstream_only(mcp_fake, proxy_process):
    """Guide, Route by Tool Pattern: math_* goes to the math server, nowhere else."""
    math, data, client = topology(mcp_fake, proxy_process)
    r = client.request("tools/call", {"name": "math_multiply", "arguments": {"a": 6, "b": 7}})
    assert r["result"]["structuredContent"] == {"result": 42}
    assert len(math.calls(name="math_multiply")) == 1 and data.calls(name="math_multiply") == []


def test_an_unrouted_tool_is_a_json_rpc_error_not_a_result(mcp_fake, proxy_process):
    """Guide, Troubleshooting ("No route found"); MCP Tools, error handling: unknown tool = -32602."""
    math, data, client = topology(mcp_fake, proxy_process)
    r = client.request("tools/call", {"name": "nope", "arguments": {}})
    assert r["error"]["code"] == -32602 and "No route found" in r["error"]["message"]
