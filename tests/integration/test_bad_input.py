"""Bad input (issue 2): each gets the right JSON-RPC error and the proxy keeps serving."""

import json

import pytest

from fasterapi.mcp import ProxyRoute

from support.proxy_helpers import connect, upstream_for


@pytest.fixture
def echo_proxy(start_proxy, mcp_fake):
    echo = mcp_fake("echo")
    proxy, client = start_proxy([upstream_for(echo, "echo")], [ProxyRoute(upstream_name="echo")],
                                max_message_bytes=4096)
    return proxy, client, echo


def still_serving(client):
    r = client.request("tools/call", {"name": "echo", "arguments": {"text": "alive"}})
    assert r["result"]["content"][0]["text"] == "alive"


# The error carries the request's id when it can be read, else null (JSON-RPC 2.0 section 5).
@pytest.mark.parametrize("raw, reply_id, code, reason", [
    (b"{not json\n", None, -32700, "invalid_json"),
    (b'"just a string"\n', None, -32600, "not_an_object"),
    (b'[{"jsonrpc":"2.0","id":1,"method":"ping"}]\n', None, -32600, "batch_not_supported"),
    (b'{"jsonrpc":"1.0","id":1,"method":"ping"}\n', 1, -32600, "jsonrpc_must_be_2.0"),
    (b'{"jsonrpc":"2.0","id":null,"method":"ping"}\n', None, -32600, "id_must_be_a_string_or_an_integer"),
    (b'{"jsonrpc":"2.0","id":1.5,"method":"ping"}\n', None, -32600, "id_must_be_a_string_or_an_integer"),
    (b'{"jsonrpc":"2.0","id":1,"method":7}\n', 1, -32600, "method_must_be_a_string"),
])
def test_malformed_messages_get_specific_errors(echo_proxy, raw, reply_id, code, reason):
    proxy, client, echo = echo_proxy
    client.send_raw(raw)
    r = client.wait_response(reply_id)
    assert r["error"]["code"] == code
    assert r["error"]["data"]["reason"] == reason
    still_serving(client)


def test_an_over_long_line_is_refused_without_being_buffered(echo_proxy):
    proxy, client, echo = echo_proxy
    big = json.dumps({"jsonrpc": "2.0", "id": 99, "method": "tools/call",
                      "params": {"name": "echo", "arguments": {"text": "x" * 100_000}}}).encode() + b"\n"
    client.send_raw(big)
    r = client.wait_response(None)
    assert r["error"]["code"] == -32600
    assert r["error"]["data"]["reason"] == "message_too_large"
    assert r["error"]["data"]["max_bytes"] == 4096
    assert r["error"]["data"]["size"] >= 100_000
    assert echo.calls(name="echo") == []  # never forwarded
    still_serving(client)
    assert proxy.get_stats().extra["oversized_messages"] == 1


def test_unknown_method_is_method_not_found(echo_proxy):
    proxy, client, echo = echo_proxy
    r = client.request("tools/frobnicate", {})
    assert r["error"]["code"] == -32601
    assert r["error"]["data"] == {"method": "tools/frobnicate"}
    still_serving(client)


def test_requests_with_no_era_are_refused_but_ping_works(start_proxy, mcp_fake):
    # Neither initialize (handshake era) nor a protocol version in _meta (stateless era):
    # -32602, as the 2026-07-28 revision asks for a request missing its version.
    echo = mcp_fake("echo")
    proxy, client = start_proxy([upstream_for(echo, "echo")], [ProxyRoute(upstream_name="echo")],
                                initialize=False)
    assert client.request("ping")["result"] == {}
    r = client.request("tools/list")
    assert r["error"]["code"] == -32602
    assert r["error"]["data"]["reason"] == "missing_protocol_version"
    assert echo.record() == []  # the upstream was not even started
    client.initialize()
    assert "result" in client.request("tools/list")


def test_invalid_params_for_routed_methods(echo_proxy):
    proxy, client, echo = echo_proxy
    r = client.request("tools/call", {"arguments": {}})
    assert r["error"]["code"] == -32602
    r = client.request("resources/read", {"uri": 5})
    assert r["error"]["code"] == -32602
    r = client.request("completion/complete", {"ref": {"type": "ref/other"}})
    assert r["error"]["code"] == -32602
    still_serving(client)


def test_one_clients_garbage_does_not_disturb_another(echo_proxy):
    proxy, client, echo = echo_proxy
    other = connect(proxy)
    other.initialize()
    client.send_raw(b"\x00\xff garbage\n")
    assert client.wait_response(None)["error"]["code"] == -32700
    r = other.request("tools/call", {"name": "echo", "arguments": {"text": "fine"}})
    assert r["result"]["content"][0]["text"] == "fine"
    other.close()
