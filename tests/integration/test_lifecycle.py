"""MCP lifecycle (2025-11-25 Lifecycle; stdio transport): the proxy answers the handshake
itself, negotiates separately with each upstream, and stops its children cleanly."""

import os
import re

import pytest

from fasterapi.mcp import ProxyRoute
from support.processes import descendants, process_group_members, wait_exited

from support.proxy_helpers import connect, upstream_for


@pytest.mark.parametrize("asked, answered", [
    ("2024-11-05", "2024-11-05"), ("2025-03-26", "2025-03-26"), ("2025-06-18", "2025-06-18"),
    ("2025-11-25", "2025-11-25"), ("1999-01-01", "2025-11-25"),
])
def test_version_negotiation(start_proxy, mcp_fake, asked, answered):
    echo = mcp_fake("echo")
    proxy, client = start_proxy([upstream_for(echo, "echo")], [ProxyRoute(upstream_name="echo")],
                                initialize=False, name="neg-proxy", version="9.9")
    r = client.request("initialize", {"protocolVersion": asked, "capabilities": {},
                                      "clientInfo": {"name": "t", "version": "0"}})
    assert r["result"]["protocolVersion"] == answered
    assert r["result"]["serverInfo"] == {"name": "neg-proxy", "version": "9.9"}
    assert echo.record() == []  # the upstream handshake is separate and lazy


def test_capabilities_name_only_what_is_routed(start_proxy, mcp_fake):
    math = mcp_fake("math")
    proxy, client = start_proxy([upstream_for(math, "math")],
                                [ProxyRoute(upstream_name="math", tool_pattern="math_*")], initialize=False)
    caps = client.initialize()["result"]["capabilities"]
    assert caps == {"tools": {"listChanged": True}, "logging": {}}


def test_server_discover_is_answered_by_the_proxy(start_proxy, mcp_fake):
    echo = mcp_fake("echo")
    proxy, client = start_proxy([upstream_for(echo, "echo")], [ProxyRoute(upstream_name="echo")],
                                initialize=False)
    r = client.request("server/discover", {"_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
                                                     "io.modelcontextprotocol/clientCapabilities": {}}})
    assert "2025-11-25" in r["result"]["supportedVersions"]
    assert "tools" in r["result"]["capabilities"]


def received_methods(fake):
    return [m["msg"]["method"] for m in fake.record() if m["dir"] == "in" and "method" in m["msg"]]


def sent_call(fake):
    return next(m["msg"] for m in fake.record() if m["dir"] == "in" and m["msg"].get("method") == "tools/call")


def test_a_stateless_upstream_is_probed_with_discover_and_needs_no_handshake(start_proxy, mcp_fake):
    echo = mcp_fake("echo")
    proxy, client = start_proxy([upstream_for(echo, "echo")], [ProxyRoute(upstream_name="echo")])
    r = client.request("tools/call", {"name": "echo", "arguments": {"text": "a"}})
    assert "resultType" not in r["result"]  # a handshake-era client sees its own era
    received = received_methods(echo)
    assert received[0] == "server/discover" and "initialize" not in received
    meta = sent_call(echo)["params"]["_meta"]
    assert meta["io.modelcontextprotocol/protocolVersion"] == "2026-07-28"
    assert meta["io.modelcontextprotocol/clientCapabilities"] == {}


def test_a_handshake_upstream_is_initialized_before_use(start_proxy, mcp_fake):
    # The probe fails (any error code will do) and the proxy falls back to initialize.
    echo = mcp_fake("echo", faults=["error method=server/discover code=-32000"])
    proxy, client = start_proxy([upstream_for(echo, "echo")], [ProxyRoute(upstream_name="echo")])
    client.request("tools/call", {"name": "echo", "arguments": {"text": "a"}})
    client.request("tools/call", {"name": "echo", "arguments": {"text": "b"}})
    assert received_methods(echo)[:4] == ["server/discover", "initialize", "notifications/initialized", "tools/call"]
    assert received_methods(echo).count("server/discover") == 1  # probed once, remembered
    init = next(m["msg"] for m in echo.record() if m["dir"] == "in" and m["msg"].get("method") == "initialize")
    assert init["params"]["protocolVersion"] == "2025-11-25"
    assert "_meta" not in sent_call(echo)["params"]


def test_client_ids_come_back_exactly_as_sent(start_proxy, mcp_fake):
    echo = mcp_fake("echo")
    proxy, client = start_proxy([upstream_for(echo, "echo")], [ProxyRoute(upstream_name="echo")])
    for rid in ["abc", "", "1", 0, -5, 2**53 + 1, 2**63 - 1, "ünïcode"]:
        r = client.request("tools/call", {"name": "echo", "arguments": {"text": "x"}}, id=rid)
        assert r["id"] == rid and type(r["id"]) is type(rid)
    # Upstream ids are the proxy's own: integers, never the client's.
    up_ids = [m["msg"]["id"] for m in echo.record()
              if m["dir"] == "in" and m["msg"].get("method") == "tools/call"]
    assert all(isinstance(i, int) for i in up_ids) and len(set(up_ids)) == len(up_ids)


def test_stop_ends_every_upstream_process(start_proxy, mcp_fake):
    a, b = mcp_fake("echo"), mcp_fake("math")
    proxy, client = start_proxy([upstream_for(a, "a"), upstream_for(b, "b")],
                                [ProxyRoute(upstream_name="a", tool_pattern="echo"),
                                 ProxyRoute(upstream_name="b", tool_pattern="math_*")])
    client.request("tools/list")
    assert len(descendants(os.getpid())) >= 2
    proxy.stop()
    assert descendants(os.getpid()) == []  # reaped: no zombie, no orphan


def test_an_upstream_ignoring_sigterm_is_killed_with_its_process_group(start_proxy, mcp_fake):
    stubborn = mcp_fake("echo", faults=["ignore_sigterm", "stop_reading method=tools/list"])
    proxy, client = start_proxy([upstream_for(stubborn, "s", shutdown_grace_ms=200)],
                                [ProxyRoute(upstream_name="s")])
    client.request("tools/list")
    kids = descendants(os.getpid())
    assert kids
    groups = {os.getpgid(k) for k in kids}
    proxy.stop()
    assert descendants(os.getpid()) == []
    for g in groups:
        assert wait_exited(process_group_members(g), timeout=5)


def test_a_grandchild_that_left_the_group_is_killed_once_the_upstream_is_gone(start_proxy, mcp_fake, capfd):
    # The grandchild starts its own session, out of reach of the group signal, and keeps the
    # upstream's stdout and stderr open; the proxy finds it by those pipes and kills it.
    holder = mcp_fake("echo", faults=["grandchild seconds=60"])
    proxy, client = start_proxy([upstream_for(holder, "h", shutdown_grace_ms=200)],
                                [ProxyRoute(upstream_name="h")])
    client.request("tools/list")
    match = re.search(r"grandchild pid (\d+)", capfd.readouterr().err)
    assert match, "the fake names its grandchild on stderr"
    grandchild = int(match.group(1))
    assert os.getsid(grandchild) != os.getsid(0)
    stats = proxy.get_stats  # read after stop: the core keeps its counters
    proxy.stop()
    assert descendants(os.getpid()) == []
    assert wait_exited([grandchild], timeout=5)
    assert stats().extra["escaped_descendants_killed"] >= 1


def test_stderr_floods_are_drained_not_deadlocked(start_proxy, mcp_fake):
    noisy = mcp_fake("echo", faults=["stderr_flood"])
    proxy, client = start_proxy([upstream_for(noisy, "noisy")], [ProxyRoute(upstream_name="noisy")])
    for i in range(20):
        r = client.request("tools/call", {"name": "echo", "arguments": {"text": str(i)}})
        assert r["result"]["content"][0]["text"] == str(i)


def test_client_eof_answers_what_is_in_flight_then_ends_the_session(start_proxy, mcp_fake):
    slow = mcp_fake("echo", faults=["latency ms=300 method=tools/call"])
    proxy, client = start_proxy([upstream_for(slow, "slow")], [ProxyRoute(upstream_name="slow")])
    rid = client.start_request("tools/call", {"name": "echo", "arguments": {"text": "late"}})
    client.close()  # EOF on the proxy's input while the call is in flight
    r = client.wait_response(rid)
    assert r["result"]["content"][0]["text"] == "late"
    assert client.wait_closed()
    assert proxy.get_stats().extra["active_sessions"] == 0
