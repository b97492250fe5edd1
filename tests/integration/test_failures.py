"""Timeouts and upstream failures (issue 2): the client always gets an answer that blames
the right party; upstream errors and isError results pass through unchanged."""

import pytest

from fasterapi.mcp import ProxyRoute

from support.proxy_helpers import upstream_for


def received(fake, method):
    return [m["msg"] for m in fake.record() if m["dir"] == "in" and isinstance(m["msg"], dict)
            and m["msg"].get("method") == method]


def test_request_timeout_answers_the_client_and_cancels_upstream(start_proxy, mcp_fake):
    fake = mcp_fake("echo", faults=["hang tool=echo"])
    proxy, client = start_proxy([upstream_for(fake, "slow", request_timeout_ms=30_000)],
                                [ProxyRoute(upstream_name="slow")], manual_clock=True)
    rid = client.start_request("tools/call", {"name": "echo", "arguments": {"text": "x"}})
    assert fake.control.wait_for(method="tools/call", name="echo")
    upstream_id = fake.calls(name="echo")[0]["msg"]["id"]
    proxy.advance_clock(29_999)
    assert client.responses_for(rid) == []  # the sweep ran inside advance_clock: nothing yet
    proxy.advance_clock(1)
    r = client.wait_response(rid)
    assert r["error"]["code"] == -32003
    assert r["error"]["data"] == {"upstream": "slow", "reason": "timeout", "timeout_ms": 30_000,
                                  "delivery": "possibly_accepted", "outcome": "unknown"}
    assert fake.control.wait_for(method="notifications/cancelled")
    cancel = received(fake, "notifications/cancelled")[0]
    assert cancel["params"]["requestId"] == upstream_id
    assert proxy.get_stats().extra["timeouts"] == 1
    assert proxy.get_stats().failed_requests == 1


@pytest.mark.parametrize("faults, handshake", [
    (["slow_initialize method=server/discover ms=60000"], "server/discover"),
    (["error method=server/discover code=-32601", "slow_initialize ms=60000"], "initialize"),
], ids=["stateless-probe", "handshake"])
def test_connect_timeout_bounds_start_and_initialize(start_proxy, mcp_fake, faults, handshake):
    fake = mcp_fake("echo", faults=faults)
    # No retries here (a never-sent request would be retried: tests/resilience).
    proxy, client = start_proxy([upstream_for(fake, "sleepy", connect_timeout_ms=5000, max_retries=0)],
                                [ProxyRoute(upstream_name="sleepy")], manual_clock=True)
    rid = client.start_request("tools/call", {"name": "echo", "arguments": {"text": "x"}})
    assert fake.control.wait_for(method=handshake)
    proxy.advance_clock(5000)
    r = client.wait_response(rid)
    assert r["error"]["code"] == -32001
    assert r["error"]["data"]["reason"] == "connect_timeout"
    assert fake.calls(name="echo") == []  # never sent: the upstream was never ready
    assert proxy.get_upstream_health()["sleepy"] is False


def test_a_crash_fails_what_was_in_flight_and_the_next_call_starts_afresh(start_proxy, mcp_fake):
    fake = mcp_fake("echo", faults=["crash code=7 nth=2 tool=echo"])
    proxy, client = start_proxy([upstream_for(fake, "crashy")], [ProxyRoute(upstream_name="crashy")])
    assert "result" in client.request("tools/call", {"name": "echo", "arguments": {"text": "1"}})
    r = client.request("tools/call", {"name": "echo", "arguments": {"text": "2"}})
    assert r["error"]["code"] == -32001
    assert r["error"]["data"] == {"upstream": "crashy", "reason": "exited", "exit_code": 7,
                                  "delivery": "possibly_accepted", "outcome": "unknown"}
    assert r["error"]["message"] == ("Upstream 'crashy' exited with code 7 "
                                     "(the upstream may have run the request; not re-sent)")
    # A new process answers the next call (its own trigger count starts again).
    r = client.request("tools/call", {"name": "echo", "arguments": {"text": "3"}})
    assert r["result"]["content"][0]["text"] == "3"
    assert proxy.get_stats().extra["upstream_spawns"] == 2


def test_an_unstartable_upstream_is_the_upstreams_fault(start_proxy, tmp_path):
    from fasterapi.mcp import UpstreamConfig
    bad = UpstreamConfig(name="ghost", transport_type="stdio", command=str(tmp_path / "no-such-server"))
    proxy, client = start_proxy([bad], [ProxyRoute(upstream_name="ghost")])
    r = client.request("tools/call", {"name": "anything", "arguments": {}})
    assert r["error"]["code"] == -32001
    assert r["error"]["data"]["reason"] == "spawn_failed"
    assert "ghost" in r["error"]["message"]


def test_upstream_errors_pass_through_unchanged(start_proxy, mcp_fake):
    fake = mcp_fake("echo", faults=["error code=-32602 message=bad_text tool=echo"])
    proxy, client = start_proxy([upstream_for(fake, "e")], [ProxyRoute(upstream_name="e")])
    r = client.request("tools/call", {"name": "echo", "arguments": {"text": 1}}, id="q")
    assert r == {"jsonrpc": "2.0", "id": "q",
                 "error": {"code": -32602, "message": "bad_text", "data": {"fault": "error"}}}


def test_is_error_results_stay_results(start_proxy, mcp_fake):
    math = mcp_fake("math")
    proxy, client = start_proxy([upstream_for(math, "math")], [ProxyRoute(upstream_name="math")])
    r = client.request("tools/call", {"name": "math_divide", "arguments": {"a": 1, "b": 0}})
    assert r["result"]["isError"] is True
    assert proxy.get_stats().successful_requests == 1  # a JSON-RPC result, whatever it says


def test_client_cancellation_reaches_upstream_and_no_answer_follows(start_proxy, mcp_fake):
    fake = mcp_fake("echo", faults=["hang tool=echo"])
    proxy, client = start_proxy([upstream_for(fake, "h")], [ProxyRoute(upstream_name="h")])
    rid = client.start_request("tools/call", {"name": "echo", "arguments": {"text": "x"}}, id="c1")
    assert fake.control.wait_for(method="tools/call", name="echo")
    upstream_id = fake.calls(name="echo")[0]["msg"]["id"]
    client.notify("notifications/cancelled", {"requestId": "c1", "reason": "user gave up"})
    assert fake.control.wait_for(method="notifications/cancelled")
    assert received(fake, "notifications/cancelled")[0]["params"] == {"requestId": upstream_id,
                                                                     "reason": "user gave up"}
    # The session goes on; the cancelled request never gets an answer.
    assert client.request("ping")["result"] == {}
    assert client.responses_for(rid) == []
