"""Both eras on one proxy, and any mix of client era and upstream era (MCP_PROXY_OBLIGATIONS:
"Two eras", "Stateless requests (M)", "Caching hints (M)", "Schemas")."""

import json

import pytest

from fasterapi.mcp import ProxyRoute

from support.proxy_helpers import upstream_for
from protocol.conftest import STATELESS, fake_faults, meta, stateless

ERAS = ["stateless", "handshake"]


def test_discover_lists_both_eras_and_is_a_stateless_result(start_proxy, mcp_fake):
    echo = mcp_fake("echo")
    proxy, client = start_proxy([upstream_for(echo, "echo")], [ProxyRoute(upstream_name="echo")],
                                initialize=False)
    r = client.request("server/discover", {"_meta": meta()})["result"]
    assert r["supportedVersions"][0] == STATELESS and "2025-11-25" in r["supportedVersions"]
    assert r["resultType"] == "complete" and r["cacheScope"] == "public" and r["ttlMs"] == 0
    assert echo.record() == []  # answered by the proxy alone


def test_discover_is_validated_like_any_stateless_request_and_names_the_proxy_in_meta(start_proxy, mcp_fake):
    echo = mcp_fake("echo")
    proxy, client = start_proxy([upstream_for(echo, "echo")], [ProxyRoute(upstream_name="echo")],
                                initialize=False)
    assert client.request("server/discover")["error"]["data"]["reason"] == "missing_protocol_version"
    r = client.request("server/discover", {"_meta": {"io.modelcontextprotocol/protocolVersion": STATELESS}})
    assert r["error"]["data"]["reason"] == "missing_client_capabilities"
    r = client.request("server/discover", {"_meta": meta(**{"io.modelcontextprotocol/protocolVersion": "v9"})})
    assert r["error"]["code"] == -32022 and r["error"]["data"]["requested"] == "v9"
    result = client.request("server/discover", {"_meta": meta()})["result"]
    assert result["_meta"]["io.modelcontextprotocol/serverInfo"] == result["serverInfo"]


@pytest.mark.parametrize("method", ["initialize", "ping", "logging/setLevel", "resources/subscribe",
                                    "resources/unsubscribe"])
def test_methods_the_stateless_revision_removed_are_not_found_in_it(start_proxy, mcp_fake, method):
    echo = mcp_fake("echo")
    proxy, client = start_proxy([upstream_for(echo, "echo")], [ProxyRoute(upstream_name="echo")],
                                initialize=False)
    r = client.request(method, stateless({"uri": "echo://x", "level": "info"}))
    assert r["error"]["code"] == -32601 and r["error"]["data"]["reason"] == "removed_in_stateless_era"
    assert client.request("ping")["result"] == {}  # without stateless _meta, ping is answered
    assert echo.record() == []


def test_stateless_request_needs_version_and_capabilities(start_proxy, mcp_fake):
    echo = mcp_fake("echo")
    proxy, client = start_proxy([upstream_for(echo, "echo")], [ProxyRoute(upstream_name="echo")],
                                initialize=False)
    r = client.request("tools/list", {"_meta": {"io.modelcontextprotocol/protocolVersion": "2099-01-01",
                                                "io.modelcontextprotocol/clientCapabilities": {}}})
    assert r["error"]["code"] == -32022
    assert r["error"]["data"]["supported"] == [STATELESS]
    assert r["error"]["data"]["requested"] == "2099-01-01"
    # A handshake version in _meta is not a stateless request either.
    r = client.request("tools/list", {"_meta": {"io.modelcontextprotocol/protocolVersion": "2025-11-25",
                                                "io.modelcontextprotocol/clientCapabilities": {}}})
    assert r["error"]["code"] == -32022
    r = client.request("tools/list", {"_meta": {"io.modelcontextprotocol/protocolVersion": STATELESS}})
    assert r["error"]["code"] == -32602
    assert r["error"]["data"]["reason"] == "missing_client_capabilities"
    assert echo.record() == []
    assert client.request("tools/list", stateless())["result"]["resultType"] == "complete"


@pytest.mark.parametrize("upstream_era", ERAS)
def test_stateless_client_gets_results_typed_and_upstream_sees_its_own_era(start_proxy, mcp_fake, upstream_era):
    echo = mcp_fake("echo", faults=fake_faults(upstream_era))
    proxy, client = start_proxy([upstream_for(echo, "echo")], [ProxyRoute(upstream_name="echo")],
                                initialize=False)
    r = client.request("tools/call", stateless({"name": "echo", "arguments": {"text": "hi"}}))
    assert r["result"]["content"] == [{"type": "text", "text": "hi"}]
    assert r["result"]["resultType"] == "complete"
    sent = echo.calls(name="echo")[0]["msg"]
    if upstream_era == "handshake":
        assert "_meta" not in sent["params"]  # a handshake server must not take it for stateless
    else:
        assert sent["params"]["_meta"]["io.modelcontextprotocol/protocolVersion"] == STATELESS
    lst = client.request("tools/list", stateless())["result"]
    assert lst["resultType"] == "complete"
    assert lst["cacheScope"] == ("public" if upstream_era == "stateless" else "private")
    assert lst["ttlMs"] == 0


@pytest.mark.parametrize("upstream_era", ERAS)
def test_handshake_client_sees_no_stateless_markers(start_proxy, mcp_fake, upstream_era):
    echo = mcp_fake("echo", faults=fake_faults(upstream_era))
    proxy, client = start_proxy([upstream_for(echo, "echo")], [ProxyRoute(upstream_name="echo")])
    r = client.request("tools/call", {"name": "echo", "arguments": {"text": "hi"}})
    assert r["result"] == {"content": [{"type": "text", "text": "hi"}]}
    assert "resultType" not in client.request("tools/list")["result"]


def test_both_eras_share_one_proxy_and_one_upstream(start_proxy, mcp_fake, more_clients):
    echo = mcp_fake("echo")
    proxy, old = start_proxy([upstream_for(echo, "echo")], [ProxyRoute(upstream_name="echo")])
    (new,) = more_clients(proxy)
    a = old.start_request("tools/call", {"name": "echo", "arguments": {"text": "old"}})
    b = new.start_request("tools/call", stateless({"name": "echo", "arguments": {"text": "new"}}))
    assert old.wait_response(a)["result"]["content"][0]["text"] == "old"
    assert new.wait_response(b)["result"]["content"][0]["text"] == "new"
    assert proxy.get_stats().extra["upstream_spawns"] == 1


def test_cache_hints_are_private_when_any_upstream_gives_none(start_proxy, mcp_fake):
    # A stateless upstream says public; a handshake upstream says nothing, which is not public.
    a = mcp_fake("echo", faults=fake_faults("handshake"))
    b = mcp_fake("math")
    proxy, client = start_proxy([upstream_for(a, "a"), upstream_for(b, "b")],
                                [ProxyRoute(upstream_name="b", tool_pattern="math_*"),
                                 ProxyRoute(upstream_name="a")], initialize=False)
    r = client.request("tools/list", stateless())["result"]
    assert r["cacheScope"] == "private" and r["ttlMs"] == 0
    names = {t["name"] for t in r["tools"]}
    assert "math_add" in names and "echo" in names


def test_tool_schemas_pass_through_byte_for_byte(start_proxy, mcp_fake):
    echo = mcp_fake("echo")
    proxy, client = start_proxy([upstream_for(echo, "echo")], [ProxyRoute(upstream_name="echo")])
    client.request("tools/list")
    upstream_answer = [m for m in echo.record() if m["dir"] == "out" and "tools" in m["msg"].get("result", {})][0]
    theirs = {t["name"]: t for t in upstream_answer["msg"]["result"]["tools"]}
    raw = [line for line in client.raw_lines if b'"distance"' in line][0]
    ours = {t["name"]: t for t in json.loads(raw)["result"]["tools"]}
    assert "$defs" in json.dumps(ours["distance"]["inputSchema"])
    assert "$anchor" in json.dumps(ours["distance"]["inputSchema"])
    assert ours["distance"] == theirs["distance"]
