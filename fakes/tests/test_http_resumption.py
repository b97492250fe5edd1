"""Last-Event-ID resumption on the Streamable HTTP fake (handshake era, 2025-11-25): SSE
events carry ids, a POST stream starts with a priming event, and a GET with Last-Event-ID
replays the events after it on that stream only."""

import http.client
import json
from urllib.parse import urlsplit

import anyio
from mcp import Client

from test_http import INIT, post, read_event


def open_get(url, session, last_event_id=None):
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    headers = {"Mcp-Session-Id": session, "Accept": "text/event-stream"}
    if last_event_id is not None:
        headers["Last-Event-ID"] = last_event_id
    conn.request("GET", parts.path, headers=headers)
    return conn, conn.getresponse()


def test_sdk_client_resumes_a_stream_the_tool_closed(mcp_fake):
    fake = mcp_fake("conformance", transport="http")

    async def main():
        async with Client(fake.url, mode="legacy") as client:
            result = await client.call_tool("test_reconnection", {})
            assert result.content[0].text == "Reconnection test completed successfully"

    anyio.run(main)
    assert len(fake.calls(name="test_reconnection")) == 1


def test_last_event_id_replays_that_stream_only(mcp_fake):
    fake = mcp_fake("conformance", transport="http")
    _, headers, _ = post(fake.url, INIT)
    session = headers["Mcp-Session-Id"]
    assert post(fake.url, {"jsonrpc": "2.0", "method": "notifications/initialized"},
                {"Mcp-Session-Id": session})[0] == 202

    # The session's GET stream: priming event 0-0, then a list_changed as event 0-1.
    get_conn, stream = open_get(fake.url, session)
    assert read_event(stream) == {"id": "0-0", "retry": "500", "data": ""}
    fake.control.list_changed("tools")
    assert read_event(stream)["id"] == "0-1"

    # A POST whose tool closes its stream: only the priming event arrives, then the end.
    call = {"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {"name": "test_reconnection"}}
    status, headers, body = post(fake.url, call, {"Mcp-Session-Id": session})
    assert status == 200 and headers["Content-Type"] == "text/event-stream"
    priming = {key: value.strip() for key, _, value in
               (line.partition(":") for line in body.decode().strip().split("\n"))}
    stream_id = priming["id"].split("-")[0]
    assert priming["id"] == f"{stream_id}-0" and priming["data"] == "" and stream_id != "0"

    # Resuming that POST stream gives its answer and not the GET stream's list_changed.
    resume_conn, resumed = open_get(fake.url, session, f"{stream_id}-0")
    event = read_event(resumed)
    assert event["id"] == f"{stream_id}-1"
    assert json.loads(event["data"])["result"]["content"][0]["text"].startswith("Reconnection")
    assert resumed.read() == b""  # the stream is complete: the connection closes
    resume_conn.close()

    # Resuming the GET stream from its priming event replays 0-1 only.
    get_conn.close()
    again_conn, again = open_get(fake.url, session, "0-0")
    event = read_event(again)
    assert event["id"] == "0-1" and json.loads(event["data"])["method"] == "notifications/tools/list_changed"
    again_conn.close()

    # An id this session never issued is refused.
    bad_conn, bad = open_get(fake.url, session, f"{stream_id}-99")
    assert bad.status == 400
    bad_conn.close()


def test_stateless_posts_have_no_event_ids(mcp_fake):
    fake = mcp_fake("echo", transport="http")
    meta = {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": {}}
    call = {"jsonrpc": "2.0", "id": 1, "method": "tools/call",
            "params": {"name": "slow_count", "arguments": {"steps": 1, "delay_ms": 1},
                       "_meta": dict(meta, progressToken="p")}}
    status, headers, body = post(fake.url, call, {"MCP-Protocol-Version": "2026-07-28"})
    assert status == 200 and headers["Content-Type"] == "text/event-stream"
    assert b"id:" not in body and body.startswith(b"event: message\ndata: ")
