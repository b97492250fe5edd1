"""Graceful shutdown, backpressure, crash-loop hygiene and the statistics a user reads
(issue 6)."""

import os

from fasterapi.mcp import ProxyRoute

from support.processes import descendants
from support.proxy_helpers import connect, upstream_for


def test_stop_lets_a_call_in_flight_finish(start_proxy, mcp_fake):
    echo = mcp_fake("echo", faults=["latency ms=300 tool=echo"])
    proxy, client = start_proxy([upstream_for(echo, "echo")], [ProxyRoute(upstream_name="echo")])
    rid = client.start_request("tools/call", {"name": "echo", "arguments": {"text": "finish me"}})
    echo.control.wait_for(method="tools/call", name="echo")
    proxy.stop()  # drains: the call finishes before the upstream is stopped
    assert client.wait_response(rid)["result"]["content"][0]["text"] == "finish me"


def test_stop_gives_up_on_a_hung_call_after_the_drain_bound(start_proxy, mcp_fake):
    echo = mcp_fake("echo", faults=["hang tool=echo"])
    proxy, client = start_proxy([upstream_for(echo, "echo")], [ProxyRoute(upstream_name="echo")],
                                shutdown_drain_ms=100)
    rid = client.start_request("tools/call", {"name": "echo", "arguments": {"text": "never"}})
    echo.control.wait_for(method="tools/call", name="echo")
    proxy.stop()
    r = client.wait_response(rid)
    assert r["error"]["code"] == -32005 and r["error"]["data"]["reason"] == "shutting_down"


def test_a_client_that_stops_reading_loses_notifications_not_the_proxys_memory(start_proxy, mcp_fake):
    echo = mcp_fake("echo", faults=["notification_flood count=250000 tool=echo"])
    proxy, reader = start_proxy([upstream_for(echo, "echo")], [ProxyRoute(upstream_name="echo")])
    reader.request("logging/setLevel", {"level": "debug"})
    # A second client asks for log messages, then never reads another byte.
    c2p_r, c2p_w = os.pipe()
    p2c_r, p2c_w = os.pipe()
    proxy.serve_fds(c2p_r, p2c_w)
    os.close(c2p_r), os.close(p2c_w)
    os.write(c2p_w, b'{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25",'
                    b'"capabilities":{},"clientInfo":{"name":"sleepy","version":"0"}}}\n'
                    b'{"jsonrpc":"2.0","method":"notifications/initialized"}\n'
                    b'{"jsonrpc":"2.0","id":2,"method":"logging/setLevel","params":{"level":"debug"}}\n')
    try:
        r = reader.request("tools/call", {"name": "echo", "arguments": {"text": "after the flood"}}, timeout=60)
        assert r["result"]["content"][0]["text"] == "after the flood"
        extra = proxy.get_stats().extra
        assert extra["dropped_notifications"] > 0  # the sleepy client's, beyond its 16 MiB backlog
        assert extra["slow_client_disconnects"] == 0  # losing notifications does not end a session
    finally:
        os.close(c2p_w), os.close(p2c_r)


def zombies():
    found = []
    for pid in descendants(os.getpid()):
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        if stat[stat.rfind(")") + 2:].split()[0] == "Z":
            found.append(pid)
    return found


def test_a_crash_loop_leaves_no_zombie_and_no_open_descriptor(start_proxy, mcp_fake):
    echo = mcp_fake("echo", faults=["crash tool=echo"])
    proxy, client = start_proxy([upstream_for(echo, "crashy", max_retries=0)],
                                [ProxyRoute(upstream_name="crashy")], manual_clock=True)
    client.request("tools/list")
    fds_before = len(os.listdir("/proc/self/fd"))
    for _ in range(5):
        r = client.request("tools/call", {"name": "echo", "arguments": {"text": "boom"}})
        assert r["error"]["data"]["reason"] == "exited"
        client.request("tools/list")  # a fresh process each time, once the backoff has passed
        proxy.advance_clock(31_000)
    client.request("tools/list")
    assert zombies() == []
    assert len(os.listdir("/proc/self/fd")) <= fds_before
    s = proxy.get_stats().extra
    assert s["upstream_exits"] >= 5 and s["upstream_spawns"] == s["upstream_exits"] + 1


def test_stats_and_metrics_show_health_and_the_breaker_per_upstream(start_proxy, mcp_fake):
    math = mcp_fake("math", faults=["error_rate p=1 tool=math_add"])
    proxy, client = start_proxy([upstream_for(math, "math")], [ProxyRoute(upstream_name="math")],
                                manual_clock=True, circuit_breaker_threshold=2)
    for _ in range(2):
        client.request("tools/call", {"name": "math_add", "arguments": {"a": 1, "b": 1}})
    client.request("tools/call", {"name": "math_multiply", "arguments": {"a": 2, "b": 3}})
    state = proxy.get_stats().extra["upstream_state"]["math"]
    assert state == {"healthy": True, "circuit": "open", "consecutive_failures": 0, "circuit_opened": 1}
    text = proxy.prometheus_metrics()
    assert 'fasterapi_mcp_upstream_circuit_state{state="open",upstream="math"} 1' in text
    assert 'fasterapi_mcp_upstream_healthy{upstream="math"} 1' in text
    assert 'fasterapi_mcp_requests_total{outcome="failure"} 3' in text
    assert 'fasterapi_mcp_tool_requests_total{tool="math_add"} 2' in text
    assert "fasterapi_mcp_circuit_open_rejections_total 1" in text
    for line in text.splitlines():  # the exposition format: comments or "name{labels} value"
        assert line.startswith("# ") or len(line.rsplit(" ", 1)) == 2
