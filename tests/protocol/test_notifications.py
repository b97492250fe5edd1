"""Notifications from upstreams reach exactly the clients that asked for them
(MCP_PROXY_OBLIGATIONS: "list_changed", "Subscriptions", "Logging")."""

import queue

import pytest

from fasterapi.mcp import ProxyRoute

from support.proxy_helpers import upstream_for
from protocol.conftest import fake_faults, stateless

ERAS = ["stateless", "handshake"]


def no_notification(client, method):
    """True if `client` got no `method` notification so far. A ping round trip first: the
    proxy writes to one client in order, so anything sent before the ping has arrived."""
    client.request("ping")
    seen = []
    while True:
        try:
            seen.append(client.notifications.get_nowait())
        except queue.Empty:
            break
    return all(n["method"] != method for n in seen)


@pytest.mark.parametrize("upstream_era", ERAS)
def test_list_changed_reaches_initialized_and_listening_clients_only(start_proxy, mcp_fake, more_clients,
                                                                     upstream_era):
    echo = mcp_fake("echo", faults=fake_faults(upstream_era))
    proxy, old = start_proxy([upstream_for(echo, "echo")], [ProxyRoute(upstream_name="echo")])
    listener, deaf = more_clients(proxy, 2)
    rid = listener.start_request("subscriptions/listen",
                                 stateless({"notifications": {"toolsListChanged": True, "promptsListChanged": True}}))
    ack = listener.wait_notification("notifications/subscriptions/acknowledged")
    assert ack["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"] == rid
    assert ack["params"]["notifications"] == {"toolsListChanged": True, "promptsListChanged": True}
    deaf.request("tools/list", stateless())  # a stateless client that never listened
    old.request("tools/call", {"name": "touch_tools", "arguments": {}})
    assert "params" not in old.wait_notification("notifications/tools/list_changed")
    got = listener.wait_notification("notifications/tools/list_changed")
    assert got["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"] == rid
    assert no_notification(deaf, "notifications/tools/list_changed")
    # Cancelling the listen ends it: no response, no more notifications.
    listener.notify("notifications/cancelled", {"requestId": rid})
    old.request("tools/call", {"name": "touch_tools", "arguments": {}})
    old.wait_notification("notifications/tools/list_changed")
    assert no_notification(listener, "notifications/tools/list_changed")
    assert listener.responses_for(rid) == []


def test_listen_ends_with_a_result_when_the_proxy_stops(start_proxy, mcp_fake):
    echo = mcp_fake("echo")
    proxy, client = start_proxy([upstream_for(echo, "echo")], [ProxyRoute(upstream_name="echo")],
                                initialize=False)
    rid = client.start_request("subscriptions/listen", stateless({"notifications": {"toolsListChanged": True}}))
    client.wait_notification("notifications/subscriptions/acknowledged")
    proxy.stop()
    r = client.wait_response(rid)
    assert r["result"]["resultType"] == "complete"
    assert r["result"]["_meta"]["io.modelcontextprotocol/subscriptionId"] == rid


@pytest.mark.parametrize("upstream_era", ERAS)
def test_resource_updates_fan_out_to_subscribed_clients(start_proxy, mcp_fake, more_clients, upstream_era):
    admin = mcp_fake("admin", faults=fake_faults(upstream_era))
    proxy, a = start_proxy([upstream_for(admin, "admin")], [ProxyRoute(upstream_name="admin")])
    b, c, d = more_clients(proxy, 3)
    for x in (b, c):
        x.initialize()
    uri = "config://app/settings"
    assert a.request("resources/subscribe", {"uri": uri})["result"] == {}
    assert b.request("resources/subscribe", {"uri": uri})["result"] == {}
    d.start_request("subscriptions/listen", stateless({"notifications": {"resourceSubscriptions": [uri]}}))
    assert d.wait_notification("notifications/subscriptions/acknowledged")["params"]["notifications"] == {
        "resourceSubscriptions": [uri]}
    if upstream_era == "handshake":
        # Three subscribers, one upstream subscription.
        assert len(admin.control.wait_for(method="resources/subscribe")) == 1
    else:
        listens = admin.control.wait_for(method="subscriptions/listen", count=2)
        assert listens[-1]["msg"]["params"]["notifications"]["resourceSubscriptions"] == [uri]
    c.request("tools/call", {"name": "admin_set_flag", "arguments": {"name": "x", "value": "1"}})
    for x in (a, b):
        assert x.wait_notification("notifications/resources/updated")["params"]["uri"] == uri
    got = d.wait_notification("notifications/resources/updated")
    assert got["params"]["uri"] == uri and "io.modelcontextprotocol/subscriptionId" in got["params"]["_meta"]
    assert no_notification(c, "notifications/resources/updated")
    # The upstream subscription lasts until the last subscriber leaves.
    a.request("resources/unsubscribe", {"uri": uri})
    assert admin.calls(method="resources/unsubscribe") == []
    b.request("resources/unsubscribe", {"uri": uri})
    d.close()
    if upstream_era == "handshake":
        assert len(admin.control.wait_for(method="resources/unsubscribe")) == 1


def test_log_level_fans_out_and_messages_reach_the_client(start_proxy, mcp_fake):
    echo = mcp_fake("echo", faults=fake_faults("handshake"))
    proxy, client = start_proxy([upstream_for(echo, "echo")], [ProxyRoute(upstream_name="echo")])
    client.request("ping")
    assert client.request("logging/setLevel", {"level": "warning"})["result"] == {}
    client.request("tools/call", {"name": "log", "arguments": {"level": "error", "data": "disk full"}})
    sent = echo.calls(method="logging/setLevel")
    assert [m["msg"]["params"]["level"] for m in sent] == ["warning"]
    msg = client.wait_notification("notifications/message")
    assert msg["params"]["level"] == "error" and msg["params"]["data"] == "disk full"
    r = client.request("logging/setLevel", {"level": "loud"})
    assert r["error"]["code"] == -32602


def test_stateless_log_level_travels_with_the_request(start_proxy, mcp_fake, more_clients):
    echo = mcp_fake("echo")
    proxy, client = start_proxy([upstream_for(echo, "echo")], [ProxyRoute(upstream_name="echo")],
                                initialize=False)
    r = client.request("tools/call", stateless({"name": "log", "arguments": {"level": "info", "data": "x"}},
                                               level="debug"))
    assert r["result"]["resultType"] == "complete"
    sent = echo.calls(name="log")[0]["msg"]
    assert sent["params"]["_meta"]["io.modelcontextprotocol/logLevel"] == "debug"
    assert client.wait_notification("notifications/message")["params"]["data"] == "x"
