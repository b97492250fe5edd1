"""Upstreams reached over Streamable HTTP (UpstreamConfig(transport_type="http")), in both
eras: calls, progress on the POST's SSE stream, lists, list_changed, and a dead upstream."""

import pytest

from fasterapi.mcp import ProxyRoute, UpstreamConfig

HANDSHAKE_ONLY = "error method=server/discover code=-32601"


@pytest.mark.parametrize("era", ["stateless", "handshake"])
def test_an_http_upstream_serves_calls_progress_lists_and_notifications(start_proxy, mcp_fake, era):
    echo = mcp_fake("echo", transport="http", faults=[HANDSHAKE_ONLY] if era == "handshake" else [])
    up = UpstreamConfig(name="echo", transport_type="http", url=echo.url, auth_token="the-proxys-own-token")
    proxy, client = start_proxy([up], [ProxyRoute(upstream_name="echo")])
    r = client.request("tools/call", {"name": "echo", "arguments": {"text": "over http"}})
    assert r["result"] == {"content": [{"type": "text", "text": "over http"}]}
    r = client.request("tools/call", {"name": "slow_count", "arguments": {"steps": 3, "delay_ms": 1},
                                      "_meta": {"progressToken": "mine"}})
    assert r["result"]["content"][0]["text"] == "3"
    progress = [client.wait_notification("notifications/progress")["params"] for _ in range(3)]
    assert [p["progress"] for p in progress] == [1, 2, 3] and {p["progressToken"] for p in progress} == {"mine"}
    assert "echo" in {t["name"] for t in client.request("tools/list")["result"]["tools"]}
    client.request("tools/call", {"name": "touch_tools", "arguments": {}})
    client.wait_notification("notifications/tools/list_changed")  # GET stream, or the listen stream
    assert len(echo.calls(name="echo")) == 1


def test_an_unreachable_http_upstream_is_unavailable_not_sent(start_proxy, mcp_fake):
    up = UpstreamConfig(name="gone", transport_type="http", url="http://127.0.0.1:9/mcp",
                        max_retries=0, connect_timeout_ms=2000)
    proxy, client = start_proxy([up], [ProxyRoute(upstream_name="gone")])
    r = client.request("tools/call", {"name": "echo", "arguments": {"text": "x"}})
    assert r["error"]["code"] == -32001
    assert r["error"]["data"]["upstream"] == "gone"


@pytest.mark.parametrize("era", ["stateless", "handshake"])
def test_a_websocket_upstream_serves_calls_progress_and_notifications(start_proxy, mcp_fake, era):
    echo = mcp_fake("echo", transport="websocket", faults=[HANDSHAKE_ONLY] if era == "handshake" else [])
    up = UpstreamConfig(name="echo", transport_type="websocket", url=echo.url)
    proxy, client = start_proxy([up], [ProxyRoute(upstream_name="echo")])
    r = client.request("tools/call", {"name": "echo", "arguments": {"text": "over ws"}})
    assert r["result"] == {"content": [{"type": "text", "text": "over ws"}]}
    r = client.request("tools/call", {"name": "slow_count", "arguments": {"steps": 2, "delay_ms": 1},
                                      "_meta": {"progressToken": 5}})
    assert r["result"]["content"][0]["text"] == "2"
    assert [client.wait_notification("notifications/progress")["params"]["progress"] for _ in range(2)] == [1, 2]
    client.request("tools/call", {"name": "touch_tools", "arguments": {}})
    client.wait_notification("notifications/tools/list_changed")


def test_a_websocket_upstream_that_goes_away_fails_what_was_in_flight(start_proxy, mcp_fake):
    echo = mcp_fake("echo", transport="websocket", faults=["hang tool=echo"])
    up = UpstreamConfig(name="echo", transport_type="websocket", url=echo.url, max_retries=0)
    proxy, client = start_proxy([up], [ProxyRoute(upstream_name="echo")])
    rid = client.start_request("tools/call", {"name": "echo", "arguments": {"text": "x"}})
    echo.control.wait_for(method="tools/call", name="echo")
    echo.stop()  # the fake process ends: its socket closes
    r = client.wait_response(rid)
    assert r["error"]["code"] == -32001 and r["error"]["data"]["reason"] == "disconnected"
