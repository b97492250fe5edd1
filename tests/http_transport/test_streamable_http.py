"""Streamable HTTP on the proxy's front (issue 7; MCP_PROXY_OBLIGATIONS: "Streamable HTTP (L)",
"Streamable HTTP (M)", "Origin", "Authorization (HTTP)")."""

import json
import socket

import anyio
import pytest
from mcp.client.client import Client

from fasterapi.mcp import ProxyRoute

from support.proxy_helpers import eventually


def sse_messages(body):
    return [json.loads(line[len("data: "):]) for line in body.splitlines() if line.startswith("data: ")]


@pytest.mark.parametrize("mode", ["auto", "legacy"])
def test_the_sdk_client_works_over_http_in_both_modes(http_proxy, mode):
    proxy, http, fake = http_proxy("echo")
    progress = []

    async def on_progress(value, total, message):
        progress.append(value)

    async def scenario():
        async with Client(http.url, mode=mode, read_timeout_seconds=30) as client:
            assert client.protocol_version == ("2026-07-28" if mode == "auto" else "2025-11-25")
            tools = await client.list_tools()
            assert "echo" in {t.name for t in tools.tools}
            r = await client.call_tool("echo", {"text": "over http"})
            assert r.content[0].text == "over http"
            r = await client.call_tool("slow_count", {"steps": 3, "delay_ms": 1}, progress_callback=on_progress)
            assert r.content[0].text == "3"

    anyio.run(scenario)
    assert progress == [1, 2, 3]  # progress travelled on the POST's SSE stream


def test_handshake_session_lifecycle(http_proxy):
    proxy, http, fake = http_proxy("echo")
    sid = http.initialize()
    status, h, body = http.post({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                                 "params": {"name": "echo", "arguments": {"text": "a"}}}, Mcp_Session_Id=sid)
    assert status == 200 and h["content-type"] == "application/json"
    assert json.loads(body)["result"]["content"][0]["text"] == "a"
    assert http.request("DELETE", headers={"Mcp-Session-Id": sid})[0] == 204
    status, _, body = http.post({"jsonrpc": "2.0", "id": 2, "method": "ping"}, Mcp_Session_Id=sid)
    assert status == 404  # the session ended
    status, _, _ = http.post({"jsonrpc": "2.0", "id": 3, "method": "ping"}, Mcp_Session_Id="no-such-session")
    assert status == 404


def test_progress_makes_the_answer_an_sse_stream(http_proxy):
    proxy, http, fake = http_proxy("echo")
    sid = http.initialize()
    status, h, body = http.post({"jsonrpc": "2.0", "id": 7, "method": "tools/call",
                                 "params": {"name": "slow_count", "arguments": {"steps": 2, "delay_ms": 1},
                                            "_meta": {"progressToken": "p"}}}, Mcp_Session_Id=sid)
    assert status == 200 and h["content-type"] == "text/event-stream"
    msgs = sse_messages(body)
    assert [m["params"]["progress"] for m in msgs[:-1]] == [1, 2]
    assert msgs[-1]["id"] == 7 and msgs[-1]["result"]["content"][0]["text"] == "2"


def test_stateless_posts_stand_alone_and_check_their_headers(http_proxy):
    proxy, http, fake = http_proxy("echo")
    status, h, body = http.stateless("tools/call", {"name": "echo", "arguments": {"text": "m"}})
    assert status == 200 and "mcp-session-id" not in h
    assert json.loads(body)["result"]["resultType"] == "complete"
    status, _, body = http.stateless("tools/call", {"name": "echo", "arguments": {"text": "m"}},
                                     Mcp_Method="tools/list")
    assert status == 400 and json.loads(body)["error"]["code"] == -32020
    status, _, body = http.stateless("tools/frobnicate")
    assert status == 404 and json.loads(body)["error"]["code"] == -32601
    status, _, body = http.stateless("tools/list", {"_meta": {"io.modelcontextprotocol/protocolVersion": "2099-01-01"}},
                                     MCP_Protocol_Version="2099-01-01")
    assert status == 400 and json.loads(body)["error"]["code"] == -32022
    assert http.request("GET")[0] == 405 and http.request("DELETE")[0] == 405


def test_notifications_get_202_and_bad_requests_4xx(http_proxy):
    proxy, http, fake = http_proxy("echo")
    sid = http.initialize()
    assert http.post({"jsonrpc": "2.0", "method": "notifications/cancelled",
                      "params": {"requestId": 99}}, Mcp_Session_Id=sid)[0] == 202
    assert http.request("POST", raw=b"{not json", headers={"Mcp-Session-Id": sid})[0] == 400
    assert http.request("POST", raw=b"{}", headers={"Content-Type": "text/plain"})[0] == 415
    assert http.post({"jsonrpc": "2.0", "id": 1, "method": "ping"}, MCP_Protocol_Version="1999-01-01")[0] == 400
    assert http.request("PUT", {})[0] == 405
    assert http.request("GET", url=http.base + "/elsewhere")[0] == 404


def test_a_body_over_the_limit_is_refused_with_413(http_proxy):
    proxy, http, fake = http_proxy("echo", max_message_bytes=4096)
    status, _, _ = http.request("POST", raw=b'{"x":"' + b"a" * 10_000 + b'"}')
    assert status == 413


def test_foreign_origins_and_hosts_are_refused(http_proxy):
    proxy, http, fake = http_proxy("echo")
    assert http.post({"jsonrpc": "2.0", "id": 1, "method": "ping"}, Origin="http://evil.example")[0] == 403
    assert http.post({"jsonrpc": "2.0", "id": 1, "method": "ping"}, Host="evil.example")[0] == 403
    # A bracketed host followed by anything but a port is no loopback name (found by fuzzing).
    assert http.post({"jsonrpc": "2.0", "id": 1, "method": "ping"}, Host="[::1]evil.example")[0] == 403
    status, _, _ = http.post({"jsonrpc": "2.0", "id": 1, "method": "ping"}, Origin=http.base)
    assert status == 200


def test_the_get_stream_carries_list_changed_and_resumes_after_the_last_event(http_proxy):
    proxy, http, fake = http_proxy("echo")
    sid = http.initialize()
    # list_changed with no GET stream open is kept for resumption; then a GET with
    # Last-Event-ID 0 is unknown, and one naming no event of ours is refused.
    http.post({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "touch_tools", "arguments": {}}},
              Mcp_Session_Id=sid)
    http.post({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "touch_tools", "arguments": {}}},
              Mcp_Session_Id=sid)
    assert http.request("GET", headers={"Mcp-Session-Id": sid, "Last-Event-ID": "999"})[0] == 400
    with socket.create_connection(("127.0.0.1", int(http.base.rsplit(":", 1)[1])), timeout=10) as s:
        s.sendall(f"GET /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
                  f"Mcp-Session-Id: {sid}\r\nLast-Event-ID: 1\r\n\r\n".encode())
        data = b""
        while b"list_changed" not in data:
            data += s.recv(4096)
    text = data.decode()
    assert "200 OK" in text and "text/event-stream" in text
    assert "id: 2" in text and "id: 1\n" not in text  # only what came after event 1


def test_auth_over_http_401_403_429(http_proxy):
    def secure(p):
        p.set_bearer_auth("a-bearer-token-long-enough-0123456789")
        p.set_rate_limit(max_requests=1, window_ms=60_000, algorithm="fixed_window")

    proxy, http, fake = http_proxy("echo", configure=secure)
    status, h, body = http.stateless("tools/list")
    assert status == 401
    assert h["www-authenticate"].startswith("Bearer resource_metadata=")
    meta_url = h["www-authenticate"].split('"')[1]
    status, _, meta = http.request("GET", url=meta_url)
    assert status == 200 and json.loads(meta)["resource"] == http.url
    status, h, _ = http.stateless("tools/list", Authorization="Bearer wrong")
    assert status == 401 and 'error="invalid_token"' in h["www-authenticate"]
    good = "Bearer a-bearer-token-long-enough-0123456789"
    # The handshake is checked too: HTTP carries the token on every request.
    init = {"jsonrpc": "2.0", "id": 0, "method": "initialize",
            "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}}}
    status, h, _ = http.post(init, Authorization="Bearer wrong")
    assert status == 401 and 'error="invalid_token"' in h["www-authenticate"] and "mcp-session-id" not in h
    assert http.stateless("server/discover", Authorization="Bearer wrong")[0] == 401
    sid = http.initialize(Authorization=good)
    assert http.post({"jsonrpc": "2.0", "id": 1, "method": "ping"}, Mcp_Session_Id=sid,
                     Authorization="Bearer wrong")[0] == 401
    assert http.post({"jsonrpc": "2.0", "id": 2, "method": "ping"}, Mcp_Session_Id=sid, Authorization=good)[0] == 200
    assert http.stateless("tools/list", Authorization=good)[0] == 200
    status, h, body = http.stateless("tools/list", Authorization=good)
    assert status == 429 and int(h["retry-after"]) >= 1
    assert json.loads(body)["error"]["code"] == -32013
    # The client's token never reaches the upstream.
    assert "a-bearer-token" not in json.dumps(fake.record())


def test_health_and_metrics_endpoints(http_proxy):
    proxy, http, fake = http_proxy("echo")
    http.stateless("tools/call", {"name": "echo", "arguments": {"text": "m"}})
    status, _, body = http.request("GET", url=http.base + "/health")
    assert status == 200 and json.loads(body) == {"status": "ok", "upstreams": {"echo": True}}
    status, h, body = http.request("GET", url=http.base + "/metrics")
    assert status == 200 and h["content-type"].startswith("text/plain")
    assert 'fasterapi_mcp_tool_requests_total{tool="echo"} 1' in body


def test_stateless_posts_leave_no_session_behind(http_proxy):
    # Each 2026-07-28 POST gets a short-lived session; it must end once its answer is out
    # (it used to stay: one leaked session, ~2 KB, per request).
    proxy, http, fake = http_proxy("echo")
    for i in range(50):
        status, _, body = http.stateless("tools/call", {"name": "echo", "arguments": {"text": str(i)}}, id=i)
        assert status == 200 and json.loads(body)["result"]["content"][0]["text"] == str(i)
    assert eventually(lambda: proxy.get_stats().extra["active_sessions"] == 0)
    sid = http.initialize()  # a handshake session is kept until DELETE
    assert http.post({"jsonrpc": "2.0", "id": 1, "method": "ping"}, Mcp_Session_Id=sid)[0] == 200
    assert eventually(lambda: proxy.get_stats().extra["active_sessions"] == 1)


def test_a_stateless_post_whose_headers_disagree_with_its_body_is_refused(http_proxy):
    proxy, http, fake = http_proxy("echo")
    call = {"name": "echo", "arguments": {"text": "m"}}

    def refused(status_body, code=-32020):
        status, _, body = status_body
        return status == 400 and json.loads(body)["error"]["code"] == code

    assert refused(http.stateless("tools/call", call, Mcp_Method=None))         # Mcp-Method missing
    assert refused(http.stateless("tools/call", call, Mcp_Name=None))           # Mcp-Name missing
    assert refused(http.stateless("tools/call", call, Mcp_Name="other"))        # names another tool
    assert refused(http.stateless("tools/list", MCP_Protocol_Version="2025-11-25"))  # header vs _meta
    assert http.stateless("tools/call", call, Mcp_Name="  echo ")[0] == 200     # whitespace around is not the value
    assert http.stateless("tools/call", call, Mcp_Name="=?base64?ZWNobw==?=")[0] == 200  # "echo", encoded
    assert [c["msg"]["params"]["name"] for c in fake.calls(name="echo")] == ["echo", "echo"]


def test_an_unknown_protocol_version_header_gets_the_supported_versions_and_the_request_id(http_proxy):
    proxy, http, fake = http_proxy("echo")
    status, _, body = http.stateless("server/discover", {"_meta": {"io.modelcontextprotocol/protocolVersion": "v9"}},
                                     id=301, MCP_Protocol_Version="v9")
    answer = json.loads(body)
    assert status == 400 and answer["id"] == 301 and answer["error"]["code"] == -32022
    assert answer["error"]["data"]["requested"] == "v9"
    assert answer["error"]["data"]["supported"][0] == "2026-07-28" and "2025-11-25" in answer["error"]["data"]["supported"]


def test_methods_the_stateless_revision_removed_are_404(http_proxy):
    proxy, http, fake = http_proxy("echo")
    for method in ("initialize", "ping", "logging/setLevel", "resources/subscribe", "resources/unsubscribe"):
        status, _, body = http.stateless(method)
        assert status == 404 and json.loads(body)["error"]["code"] == -32601, method
    assert [m for m in fake.record() if m["dir"] == "in" and m["msg"].get("method") in
            ("ping", "logging/setLevel", "resources/subscribe")] == []


def test_server_discover_is_a_stateless_request_like_any_other(http_proxy):
    proxy, http, fake = http_proxy("echo")
    status, _, body = http.stateless("server/discover", {"_meta": {"io.modelcontextprotocol/clientCapabilities": None}})
    assert status == 400 and json.loads(body)["error"]["data"]["reason"] == "missing_client_capabilities"
    status, _, body = http.stateless("server/discover")
    result = json.loads(body)["result"]
    assert status == 200 and result["_meta"]["io.modelcontextprotocol/serverInfo"] == result["serverInfo"]


def test_a_capability_the_stateless_client_did_not_declare_is_400(http_proxy):
    proxy, http, fake = http_proxy("conformance")
    status, _, body = http.stateless("tools/call", {"name": "test_missing_capability", "arguments": {}})
    error = json.loads(body)["error"]
    assert status == 400 and error["code"] == -32021  # the upstream's refusal, passed through
    assert error["data"]["requiredCapabilities"] == {"sampling": {}}
