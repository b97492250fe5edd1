"""The WebSocket transport: the SDK client in both eras (through a small WebSocket transport),
stdio's rules in frames, and the faults that keep their meaning there."""

import json
import threading

import anyio
import pytest
from mcp import Client
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from ws_transport import WebSocketTransport

INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}}}
MODERN_META = {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
               "io.modelcontextprotocol/clientCapabilities": {}}


def modern(method, params=None, msg_id=1):
    return {"jsonrpc": "2.0", "id": msg_id, "method": method, "params": dict(params or {}, _meta=MODERN_META)}


def ask(ws, msg, timeout=5):
    ws.send(json.dumps(msg))
    return json.loads(ws.recv(timeout=timeout))


@pytest.mark.parametrize("mode", ["auto", "legacy"])
def test_sdk_client_over_websocket(mcp_fake, mode):
    fake = mcp_fake("data", transport="websocket")
    assert fake.url.startswith("ws://127.0.0.1:") and fake.url.endswith("/mcp")

    async def main():
        async with Client(WebSocketTransport(fake.url), mode=mode) as client:
            assert {t.name for t in (await client.list_tools()).tools} == {"data_query", "data_count"}
            assert (await client.call_tool("data_count", {"table": "users"})).content[0].text == "3"
            assert '"Grace"' in (await client.read_resource("data://users/2")).contents[0].text

    anyio.run(main)
    assert len(fake.calls(name="data_count")) == 1
    assert fake.record()[0]["msg"]["method"] == ("server/discover" if mode == "auto" else "initialize")


def test_one_message_per_text_frame_no_batches(mcp_fake):
    fake = mcp_fake("echo", transport="websocket")
    with connect(fake.url, subprotocols=["mcp"]) as ws:
        assert ws.subprotocol == "mcp"
        assert ask(ws, INIT)["result"]["protocolVersion"] == "2025-11-25"
        assert ask(ws, [{"jsonrpc": "2.0", "id": 2, "method": "ping"}])["error"]["code"] == -32600
        ws.send("not json")
        assert json.loads(ws.recv(timeout=5))["error"]["code"] == -32700
        assert ask(ws, {"jsonrpc": "2.0", "id": 3, "method": "ping"}) == {"jsonrpc": "2.0", "id": 3, "result": {}}
    with connect(fake.url) as ws:  # no subprotocol offered: still served
        assert ws.subprotocol is None
        assert ask(ws, modern("tools/call", {"name": "echo", "arguments": {"text": "hi"}}))["result"]["resultType"] \
            == "complete"


def test_foreign_origin_and_other_paths_are_refused(mcp_fake):
    fake = mcp_fake("echo", transport="websocket")
    with pytest.raises(InvalidStatus) as refused:
        connect(fake.url, origin="http://evil.example")
    assert refused.value.response.status_code == 403
    with pytest.raises(InvalidStatus) as missing:
        connect(fake.url.replace("/mcp", "/other"))
    assert missing.value.response.status_code == 404


def test_error_fault_and_record(mcp_fake):
    fake = mcp_fake("math", transport="websocket", faults=["error code=-32603 nth=1 method=tools/call"])
    call = {"name": "math_add", "arguments": {"a": 1, "b": 2}}
    with connect(fake.url) as ws:
        assert ask(ws, modern("tools/call", call, 1))["error"]["code"] == -32603
        assert ask(ws, modern("tools/call", call, 2))["result"]["content"][0]["text"] == "3"
    assert len(fake.calls(name="math_add")) == 2


def test_dribble_is_a_fragmented_message(mcp_fake):
    fake = mcp_fake("echo", transport="websocket", faults=["dribble chunk=8 ms=1 method=ping"])
    with connect(fake.url) as ws:
        ws.send(json.dumps(modern("ping")))
        guard = threading.Timer(10, ws.close)  # recv_streaming has no timeout of its own
        guard.start()
        try:
            fragments = list(ws.recv_streaming())
        finally:
            guard.cancel()
        assert len(fragments) > 3
        assert json.loads("".join(fragments))["id"] == 1


def test_partial_line_drops_the_connection_not_the_fake(mcp_fake):
    fake = mcp_fake("echo", transport="websocket", faults=["partial_line nth=1 method=ping"])
    with connect(fake.url) as ws:
        ws.send(json.dumps(modern("ping")))
        partial = ws.recv(timeout=5)
        with pytest.raises(ValueError):
            json.loads(partial)
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=5)
    with connect(fake.url) as ws:  # the fake still serves
        assert ask(ws, modern("ping", msg_id=2))["id"] == 2


def test_invalid_utf8_is_a_binary_frame(mcp_fake):
    fake = mcp_fake("echo", transport="websocket", faults=["invalid_utf8 method=ping"])
    with connect(fake.url) as ws:
        ws.send(json.dumps(modern("ping")))
        frame = ws.recv(timeout=5)
        assert isinstance(frame, bytes) and b"\xff" in frame


def test_no_newline_leaves_the_message_unfinished(mcp_fake):
    fake = mcp_fake("echo", transport="websocket", faults=["no_newline method=ping"])
    with connect(fake.url) as ws:
        ws.send(json.dumps(modern("ping")))
        with pytest.raises(TimeoutError):
            ws.recv(timeout=0.5)  # the first fragment came; the message never ends
        assert fake.control.wait_for(method="ping", count=1, timeout=5)
