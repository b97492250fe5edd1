"""The fakes are correct MCP servers over stdio when no fault is set (checked on the wire)."""

import pytest

from mcp_fakes import calls, read_record, responses

MODERN = {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
          "io.modelcontextprotocol/clientCapabilities": {}}


@pytest.mark.parametrize("asked,got", [("2024-11-05", "2024-11-05"), ("2025-03-26", "2025-03-26"),
                                       ("2025-06-18", "2025-06-18"), ("2025-11-25", "2025-11-25"),
                                       ("1999-01-01", "2025-11-25"), ("2026-07-28", "2025-11-25")])
def test_initialize_negotiates_version(raw, asked, got):
    client = raw("--profile", "echo")
    reply = client.initialize(asked)
    assert reply["result"]["protocolVersion"] == got
    assert reply["result"]["serverInfo"]["name"] == "mcp-fake-echo"
    assert client.call("ping")["result"] == {}


def test_server_name_options(raw):
    client = raw("--profile", "math", "--server-name", "calc", "--name-suffix", "-2")
    assert client.initialize()["result"]["serverInfo"]["name"] == "calc-2"


def test_discover_and_stateless_requests(raw):
    client = raw("--profile", "math")
    discover = client.call("server/discover", {"_meta": MODERN})["result"]
    assert discover["resultType"] == "complete"
    assert "2026-07-28" in discover["supportedVersions"] and "2025-11-25" in discover["supportedVersions"]
    assert "tools" in discover["capabilities"] and discover["serverInfo"]["name"] == "mcp-fake-math"
    listed = client.call("tools/list", {"_meta": MODERN})["result"]
    assert listed["resultType"] == "complete"
    assert {t["name"] for t in listed["tools"]} >= {"math_add", "calculate"}
    result = client.call("tools/call", {"name": "math_add", "arguments": {"a": 2, "b": 3}, "_meta": MODERN})["result"]
    assert result == {"content": [{"type": "text", "text": "5"}], "structuredContent": {"result": 5},
                      "resultType": "complete"}


def test_stateless_unsupported_version(raw):
    client = raw("--profile", "echo")
    meta = dict(MODERN, **{"io.modelcontextprotocol/protocolVersion": "2099-01-01"})
    error = client.call("tools/list", {"_meta": meta})["error"]
    assert error["code"] == -32022 and "2026-07-28" in error["data"]["supported"]


def test_math_tools(raw):
    client = raw("--profile", "math")
    client.initialize()
    tools = {t["name"]: t for t in client.call("tools/list")["result"]["tools"]}
    assert set(tools) == {"math_add", "math_subtract", "math_multiply", "math_divide", "calculate"}
    assert all(t["annotations"]["readOnlyHint"] for t in tools.values())
    assert all(t["inputSchema"]["type"] == "object" for t in tools.values())

    def call(name, **arguments):
        return client.call("tools/call", {"name": name, "arguments": arguments})["result"]

    assert call("math_subtract", a=5, b=7)["structuredContent"] == {"result": -2}
    assert call("math_multiply", a=6, b=7)["content"][0]["text"] == "42"
    assert call("math_divide", a=7, b=2)["content"][0]["text"] == "3.5"
    assert call("math_divide", a=1, b=0)["isError"] is True
    assert call("calculate", expression="2*(3+4)")["structuredContent"] == {"result": 14}
    assert call("calculate", expression="__import__('os')")["isError"] is True
    prompt = client.call("prompts/get", {"name": "math_explain", "arguments": {"expression": "2+3"}})["result"]
    assert "5" in prompt["messages"][0]["content"]["text"]


def test_unknown_tool_is_an_error_not_a_result(raw):
    client = raw("--profile", "math")
    client.initialize()
    assert client.call("tools/call", {"name": "nope", "arguments": {}})["error"]["code"] == -32602
    assert client.call("nope/nope")["error"]["code"] == -32601
    assert client.call("resources/list")["error"]["code"] == -32601  # math serves no resources


def test_data_profile(raw):
    client = raw("--profile", "data")
    client.initialize()
    rows = client.call("tools/call", {"name": "data_query", "arguments": {"table": "users"}})["result"]
    assert len(rows["structuredContent"]["rows"]) == 3
    assert client.call("tools/call", {"name": "data_count", "arguments": {"table": "orders"}})["result"][
        "content"][0]["text"] == "3"
    uris = [r["uri"] for r in client.call("resources/list")["result"]["resources"]]
    assert uris == ["data://users", "data://orders"]
    templates = client.call("resources/templates/list")["result"]["resourceTemplates"]
    assert templates[0]["uriTemplate"] == "data://users/{id}"
    user = client.call("resources/read", {"uri": "data://users/1"})["result"]["contents"][0]
    assert '"Ada"' in user["text"] and user["uri"] == "data://users/1"
    assert client.call("resources/read", {"uri": "data://users/99"})["error"]["code"] == -32002
    completion = client.call("completion/complete", {"ref": {"type": "ref/prompt", "name": "data_summary"},
                                                     "argument": {"name": "table", "value": "u"}})["result"]
    assert completion["completion"]["values"] == ["users"]
    assert "users" in client.call("prompts/get", {"name": "data_summary", "arguments": {"table": "users"}})[
        "result"]["messages"][0]["content"]["text"]


def test_admin_profile_counts_restarts(raw):
    client = raw("--profile", "admin")
    client.initialize()
    tools = {t["name"]: t for t in client.call("tools/list")["result"]["tools"]}
    assert tools["admin_status"]["annotations"]["readOnlyHint"] is True
    assert tools["admin_restart_service"]["annotations"]["idempotentHint"] is False
    assert tools["admin_set_flag"]["annotations"]["idempotentHint"] is True
    for expected in (1, 2):
        result = client.call("tools/call", {"name": "admin_restart_service", "arguments": {"service": "db"}})
        assert result["result"]["structuredContent"]["restarts"] == expected
    settings = client.call("resources/read", {"uri": "config://app/settings"})["result"]["contents"][0]
    assert settings["mimeType"] == "application/json"
    assert client.call("prompts/get", {"name": "code_review", "arguments": {"code": "x=1"}})["result"]["messages"]


def test_echo_schema_with_defs_ref_anchor(raw):
    client = raw("--profile", "echo")
    client.initialize()
    tools = {t["name"]: t for t in client.call("tools/list")["result"]["tools"]}
    schema = tools["distance"]["inputSchema"]
    assert schema["$defs"]["point"]["$anchor"] == "point"
    assert schema["properties"]["from"] == {"$ref": "#/$defs/point"}
    assert client.call("tools/call", {"name": "echo", "arguments": {"text": "hé"}})["result"]["content"] == [
        {"type": "text", "text": "hé"}]
    assert client.call("tools/call", {"name": "add", "arguments": {"a": 2, "b": 3}})["result"]["content"][0][
        "text"] == "5"


def test_pagination_walks_all_pages(raw):
    client = raw("--profile", "many", "--tools-count", "23", "--page-size", "10")
    client.initialize()
    names, cursor, pages = [], None, 0
    while True:
        result = client.call("tools/list", {"cursor": cursor} if cursor else {})["result"]
        names += [t["name"] for t in result["tools"]]
        pages += 1
        cursor = result.get("nextCursor")
        if cursor is None:
            break
    assert names == [f"tool_{i}" for i in range(23)] and pages == 3
    assert client.call("tools/list", {"cursor": "not-a-cursor"})["error"]["code"] == -32602


def test_record_has_every_message_in_and_out(raw):
    client = raw("--profile", "admin")
    client.initialize()
    client.call("tools/call", {"name": "admin_restart_service", "arguments": {"service": "db"}})
    client.send(b"not json\n")
    client.read()  # the parse error
    assert client.close() == 0
    record = read_record(raw.record_path)
    assert [e["seq"] for e in record] == list(range(1, len(record) + 1))
    assert len(calls(record, name="admin_restart_service")) == 1
    assert calls(record, name="admin_status") == []
    assert any(e["msg"] == "not json" and e["dir"] == "in" for e in record)
    restart_id = calls(record, name="admin_restart_service")[0]["msg"]["id"]
    assert len(responses(record, restart_id)) == 1
    assert all(isinstance(e["t"], float) for e in record)


def test_python_dash_m_and_console_script_exist():
    import os
    import subprocess
    import sys

    assert os.path.exists(os.path.join(os.path.dirname(sys.executable), "mcp-fake"))
    out = subprocess.run([sys.executable, "-m", "mcp_fakes", "--help"], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0 and "--profile" in out.stdout
    bad = subprocess.run([sys.executable, "-m", "mcp_fakes", "--page-size", "0"], capture_output=True, text=True,
                         timeout=30)
    assert bad.returncode == 2 and "page-size" in bad.stderr
