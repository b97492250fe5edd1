"""The Streamable HTTP transport: the SDK client in both eras, the transport's rules on the
wire, and each HTTP fault seen from the client."""

import http.client
import json
import socket
from urllib.parse import urlsplit

import anyio
import pytest
from mcp import Client

MODERN_META = {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
               "io.modelcontextprotocol/clientCapabilities": {}}
INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}}}


def post(url, msg, headers=None, timeout=5.0):
    """(status, headers, body bytes) of one POST."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        body = msg if isinstance(msg, bytes) else json.dumps(msg).encode()
        conn.request("POST", parts.path, body, {"Content-Type": "application/json",
                                                "Accept": "application/json, text/event-stream", **(headers or {})})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def request(url, verb, headers=None):
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    try:
        conn.request(verb, parts.path, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def read_event(stream):
    """The fields of the next SSE event on a response (blocking, bounded by the socket timeout)."""
    fields = {}
    while True:
        line = stream.readline()
        if line in (b"\n", b""):
            return fields
        key, _, value = line.decode().rstrip("\n").partition(": ")
        fields[key] = value


def modern(method, params=None, msg_id=1):
    return {"jsonrpc": "2.0", "id": msg_id, "method": method, "params": dict(params or {}, _meta=MODERN_META)}


MODERN_HEADERS = {"MCP-Protocol-Version": "2026-07-28"}


@pytest.mark.parametrize("mode", ["auto", "legacy"])
def test_sdk_client_over_http(mcp_fake, mode):
    fake = mcp_fake("data", transport="http")
    assert fake.url.startswith("http://127.0.0.1:") and fake.url.endswith("/mcp")

    async def main():
        async with Client(fake.url, mode=mode) as client:
            tools = await client.list_tools()
            assert {t.name for t in tools.tools} == {"data_query", "data_count"}
            count = await client.call_tool("data_count", {"table": "users"})
            assert count.content[0].text == "3"
            user = await client.read_resource("data://users/2")
            assert '"Grace"' in user.contents[0].text
            prompt = await client.get_prompt("data_summary", {"table": "orders"})
            assert "orders" in prompt.messages[0].content.text

    anyio.run(main)
    assert len(fake.calls(name="data_count")) == 1
    expected = "server/discover" if mode == "auto" else "initialize"
    assert fake.record()[0]["msg"]["method"] == expected


def test_sdk_progress_over_http_sse(mcp_fake):
    fake = mcp_fake("echo", transport="http")
    progress = []

    async def on_progress(value, total, message):
        progress.append(value)

    async def main():
        async with Client(fake.url) as client:
            result = await client.call_tool("slow_count", {"steps": 2, "delay_ms": 1}, progress_callback=on_progress)
            assert result.content[0].text == "2"

    anyio.run(main)
    assert progress == [1, 2]


def test_handshake_sessions(mcp_fake):
    url = mcp_fake("echo", transport="http").url
    status, headers, body = post(url, INIT)
    session = headers["Mcp-Session-Id"]
    assert status == 200 and json.loads(body)["result"]["protocolVersion"] == "2025-11-25"
    status, _, body = post(url, {"jsonrpc": "2.0", "method": "notifications/initialized"}, {"Mcp-Session-Id": session})
    assert status == 202 and body == b""
    ping = {"jsonrpc": "2.0", "id": 2, "method": "ping"}
    assert post(url, ping, {"Mcp-Session-Id": session})[0] == 200
    assert post(url, ping)[0] == 400
    assert post(url, ping, {"Mcp-Session-Id": "nope"})[0] == 404
    assert request(url, "DELETE", {"Mcp-Session-Id": session})[0] == 200
    assert post(url, ping, {"Mcp-Session-Id": session})[0] == 404


def test_stateless_rules(mcp_fake):
    url = mcp_fake("math", transport="http").url
    status, _, body = post(url, modern("server/discover"), MODERN_HEADERS)
    assert status == 200 and "2026-07-28" in json.loads(body)["result"]["supportedVersions"]
    status, _, body = post(url, modern("tools/call", {"name": "math_add", "arguments": {"a": 1, "b": 2}}),
                           dict(MODERN_HEADERS, **{"Mcp-Method": "tools/call", "Mcp-Name": "math_add"}))
    assert status == 200 and json.loads(body)["result"]["resultType"] == "complete"
    status, _, body = post(url, modern("tools/list"), dict(MODERN_HEADERS, **{"Mcp-Method": "tools/call"}))
    assert status == 400 and json.loads(body)["error"]["code"] == -32020
    status, _, body = post(url, modern("no/such"), MODERN_HEADERS)
    assert status == 404 and json.loads(body)["error"]["code"] == -32601
    status, _, body = post(url, {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}, MODERN_HEADERS)
    assert status == 400 and json.loads(body)["error"]["code"] == -32602
    status, _, body = post(url, modern("tools/list"), {"MCP-Protocol-Version": "2099-01-01"})
    assert status == 400 and json.loads(body)["error"]["code"] == -32022
    assert request(url, "GET", MODERN_HEADERS)[0] == 405
    assert request(url, "DELETE", MODERN_HEADERS)[0] == 405


def test_foreign_origin_or_host_is_forbidden(mcp_fake):
    url = mcp_fake("echo", transport="http").url
    assert post(url, INIT, {"Origin": "http://evil.example"})[0] == 403
    assert post(url, INIT, {"Origin": "http://localhost:3000"})[0] == 200
    assert post(url, INIT, {"Host": "evil.example:80"})[0] == 403  # DNS rebinding


def test_list_changed_on_the_session_stream(mcp_fake):
    fake = mcp_fake("echo", transport="http")
    _, headers, _ = post(fake.url, INIT)
    parts = urlsplit(fake.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    conn.request("GET", parts.path, headers={"Mcp-Session-Id": headers["Mcp-Session-Id"],
                                             "Accept": "text/event-stream"})
    stream = conn.getresponse()
    assert stream.status == 200 and stream.headers["Content-Type"] == "text/event-stream"
    assert read_event(stream) == {"id": "0-0", "retry": "500", "data": ""}  # the priming event
    fake.control.list_changed("prompts")
    event = read_event(stream)
    assert event["id"] == "0-1" and event["event"] == "message"
    assert json.loads(event["data"])["method"] == "notifications/prompts/list_changed"
    conn.close()


# -- HTTP faults -------------------------------------------------------------------------

def test_http_reset_and_empty(mcp_fake):
    url = mcp_fake("echo", transport="http", faults=["http_reset method=ping", "http_empty method=tools/list"]).url
    with pytest.raises((ConnectionResetError, http.client.RemoteDisconnected)):
        post(url, modern("ping"), MODERN_HEADERS)
    with pytest.raises(http.client.RemoteDisconnected):
        post(url, modern("tools/list"), MODERN_HEADERS)
    assert post(url, modern("prompts/list"), MODERN_HEADERS)[0] == 200


def test_http_5xx_and_429(mcp_fake):
    url = mcp_fake("echo", transport="http",
                   faults=["http_status status=502 method=ping", "http_429 retry_after=3 method=tools/list"]).url
    assert post(url, modern("ping"), MODERN_HEADERS)[0] == 502
    status, headers, _ = post(url, modern("tools/list"), MODERN_HEADERS)
    assert status == 429 and headers["Retry-After"] == "3"


def test_sse_cut_mid_event(mcp_fake):
    url = mcp_fake("echo", transport="http", faults=["sse_cut method=ping"]).url
    status, headers, body = post(url, modern("ping"), MODERN_HEADERS)
    assert status == 200 and headers["Content-Type"] == "text/event-stream"
    assert body.startswith(b"id: 1\nevent: message\ndata: {") and not body.endswith(b"\n\n")


def test_http_refuse_then_heal(mcp_fake):
    fake = mcp_fake("echo", transport="http", faults=["http_refuse ms=500 nth=1 method=ping"])
    with pytest.raises((ConnectionResetError, http.client.RemoteDisconnected)):
        post(fake.url, modern("ping"), MODERN_HEADERS)
    parts = urlsplit(fake.url)
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((parts.hostname, parts.port), timeout=2).close()
    assert fake.control.wait_listening(timeout=10)  # an event in the fake, not a poll
    assert post(fake.url, modern("ping"), MODERN_HEADERS)[0] == 200


def test_http_fault_added_through_control(mcp_fake):
    fake = mcp_fake("echo", transport="http")
    assert post(fake.url, modern("ping"), MODERN_HEADERS)[0] == 200
    fake.control.add_fault("http_status status=503")
    assert post(fake.url, modern("ping"), MODERN_HEADERS)[0] == 503
    fake.control.reset()
    assert post(fake.url, modern("ping"), MODERN_HEADERS)[0] == 200


def test_response_to_a_notification_over_http(mcp_fake):
    url = mcp_fake("echo", transport="http", faults=["respond_to_notification"]).url
    session = post(url, INIT)[1]["Mcp-Session-Id"]
    status, _, body = post(url, {"jsonrpc": "2.0", "method": "notifications/initialized"}, {"Mcp-Session-Id": session})
    assert status == 200 and json.loads(body) == {"jsonrpc": "2.0", "id": None, "result": {}}


def test_partial_line_over_http_drops_one_connection(mcp_fake):
    url = mcp_fake("echo", transport="http", faults=["partial_line nth=1 method=ping"]).url
    status, headers, body = post(url, modern("ping"), MODERN_HEADERS)
    assert status == 200 and headers["Content-Type"] == "text/event-stream"
    assert body.startswith(b"event: message\ndata: {") and not body.endswith(b"\n\n")
    assert post(url, modern("ping", msg_id=2), MODERN_HEADERS)[0] == 200  # the fake lives on
