"""subscriptions/listen (2026-07-28): the acknowledgement first, then only what the client
asked for, each stamped with the subscription id; over stdio, Streamable HTTP and WebSocket."""

import anyio
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.client.subscriptions import ResourceUpdated, ToolsListChanged

from mcp_fakes import command
from mcp_fakes.launcher import FakeFactory
from mcp_fakes.rawclient import RawStdioClient
from ws_transport import WebSocketTransport

SUBSCRIPTION_ID = "io.modelcontextprotocol/subscriptionId"
MODERN = {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
          "io.modelcontextprotocol/clientCapabilities": {}}


def target(fake):
    if fake.transport == "stdio":
        return StdioServerParameters(command=fake.command, args=fake.args)
    if fake.transport == "websocket":
        return WebSocketTransport(fake.url)
    return fake.url


@pytest.mark.parametrize("transport", ["stdio", "http", "websocket"])
def test_sdk_listen_gets_only_what_it_asked_for(mcp_fake, transport):
    fake = mcp_fake("data", transport=transport)
    control = None

    async def poke(*calls):
        for name, arg in calls:
            await anyio.to_thread.run_sync(getattr(control, name), arg)

    async def main():
        nonlocal control
        async with Client(target(fake), mode="auto") as client:
            async with client.listen(tools_list_changed=True, resource_subscriptions=["data://users"]) as sub:
                assert sub.honored.tools_list_changed is True
                assert sub.honored.resource_subscriptions == ["data://users"]
                assert not sub.honored.prompts_list_changed
                control = fake.control
                await poke(("list_changed", "prompts"), ("resource_updated", "data://orders"),
                           ("resource_updated", "data://users"), ("list_changed", "tools"))
                events = []
                with anyio.fail_after(10):
                    async for event in sub:
                        events.append(event)
                        if len(events) == 2:
                            await anyio.to_thread.run_sync(control.end_subscriptions)
                # The loop ended: the fake closed the stream gracefully, with its result.
                assert events == [ResourceUpdated(uri="data://users"), ToolsListChanged()]

    anyio.run(main)
    sent = [entry["msg"] for entry in fake.record() if entry["dir"] == "out" and isinstance(entry["msg"], dict)]
    stamped = [msg for msg in sent if SUBSCRIPTION_ID in ((msg.get("params") or msg.get("result") or {})
                                                          .get("_meta") or {})]
    assert stamped[0]["method"] == "notifications/subscriptions/acknowledged"
    assert [msg.get("method") for msg in stamped[1:]] == ["notifications/resources/updated",
                                                          "notifications/tools/list_changed", None]
    assert stamped[-1]["result"]["resultType"] == "complete"
    assert not any(msg.get("method") == "notifications/prompts/list_changed" for msg in sent)


def test_listen_on_stdio_ends_without_result_when_cancelled(tmp_path):
    factory = FakeFactory(tmp_path)
    fake = factory("echo")  # stdio: described, started here by a raw client
    with RawStdioClient(fake.argv) as client:
        listen_id = client.request("subscriptions/listen",
                                   {"_meta": MODERN, "notifications": {"toolsListChanged": True,
                                                                       "promptsListChanged": True,
                                                                       "resourcesListChanged": True}})
        ack = client.read()
        assert ack["method"] == "notifications/subscriptions/acknowledged"
        # echo has prompts but no resources: what it cannot send is left out of the ack.
        assert ack["params"] == {"notifications": {"toolsListChanged": True, "promptsListChanged": True},
                                 "_meta": {SUBSCRIPTION_ID: listen_id}}
        fake.control.list_changed("tools")
        assert client.read() == {"jsonrpc": "2.0", "method": "notifications/tools/list_changed",
                                 "params": {"_meta": {SUBSCRIPTION_ID: listen_id}}}
        client.notify("notifications/cancelled", {"requestId": listen_id, "_meta": MODERN})
        assert fake.control.wait_for(method="notifications/cancelled", count=1, timeout=5)
        assert client.call("ping", {"_meta": MODERN})["result"]["resultType"] == "complete"
        fake.control.list_changed("tools")  # written (if at all) before this call returns
        assert client.call("ping", {"_meta": MODERN})["result"]["resultType"] == "complete"
        assert client.seen == []  # no notification, no listen result after the cancel
    factory.close()


def test_handshake_era_has_no_listen(raw):
    client = raw("--profile", "echo")
    client.initialize()
    assert client.call("subscriptions/listen", {"notifications": {"toolsListChanged": True}})["error"]["code"] == -32601


def test_stateless_stdio_client_gets_no_unsolicited_list_changed(mcp_fake):
    fake = mcp_fake("echo")
    with RawStdioClient(fake.argv) as client:
        assert client.call("ping", {"_meta": MODERN})["result"]["resultType"] == "complete"
        fake.control.list_changed("tools")
        assert client.call("ping", {"_meta": MODERN})["result"]["resultType"] == "complete"
        assert client.seen == []
