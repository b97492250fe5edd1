"""Retries that never duplicate a side effect, failover, the breaker and health checks, end
to end with fakes; the fakes' records prove what each upstream received (issue 6)."""

from fasterapi.mcp import ProxyRoute

from support.proxy_helpers import eventually, upstream_for


def test_a_read_only_call_whose_answer_was_lost_is_re_sent_and_succeeds(start_proxy, mcp_fake):
    math = mcp_fake("math", faults=["drop_response nth=1 tool=math_add"])
    proxy, client = start_proxy([upstream_for(math, "math", request_timeout_ms=1000)],
                                [ProxyRoute(upstream_name="math", trust_annotations=True)], manual_clock=True)
    client.request("tools/list")  # the proxy learns math_add is readOnlyHint
    rid = client.start_request("tools/call", {"name": "math_add", "arguments": {"a": 2, "b": 3}})
    math.control.wait_for(method="tools/call", name="math_add")
    proxy.advance_clock(1000)  # timeout: possibly accepted, but read-only, so it may go again
    proxy.advance_clock(1500)  # the jittered retry delay (retry_delay_ms 1000 * [0.5, 1.5))
    r = client.wait_response(rid)
    assert r["result"]["content"][0]["text"] == "5"
    assert len(math.calls(name="math_add")) == 2
    s = proxy.get_stats()
    assert s.retried_requests == 1 and s.successful_requests == 2 and s.failed_requests == 0


def test_a_side_effect_whose_answer_was_lost_is_never_re_sent(start_proxy, mcp_fake):
    admin = mcp_fake("admin", faults=["drop_response nth=1 tool=admin_restart_service"])
    proxy, client = start_proxy([upstream_for(admin, "admin", request_timeout_ms=1000)],
                                [ProxyRoute(upstream_name="admin", trust_annotations=True)], manual_clock=True)
    client.request("tools/list")
    rid = client.start_request("tools/call", {"name": "admin_restart_service", "arguments": {"service": "db"}})
    admin.control.wait_for(method="tools/call", name="admin_restart_service")
    proxy.advance_clock(1000)
    r = client.wait_response(rid)
    assert r["error"]["code"] == -32003
    assert r["error"]["data"]["delivery"] == "possibly_accepted"
    assert r["error"]["data"]["outcome"] == "unknown"
    proxy.advance_clock(60_000)
    client.request("ping")
    assert len(admin.calls(name="admin_restart_service")) == 1  # delivered exactly once
    assert proxy.get_stats().retried_requests == 0


def test_annotations_are_ignored_unless_the_route_trusts_them(start_proxy, mcp_fake):
    math = mcp_fake("math", faults=["drop_response nth=1 tool=math_add"])
    proxy, client = start_proxy([upstream_for(math, "math", request_timeout_ms=1000)],
                                [ProxyRoute(upstream_name="math")], manual_clock=True)
    client.request("tools/list")
    rid = client.start_request("tools/call", {"name": "math_add", "arguments": {"a": 2, "b": 3}})
    math.control.wait_for(method="tools/call", name="math_add")
    proxy.advance_clock(1000)
    assert client.wait_response(rid)["error"]["data"]["outcome"] == "unknown"


def test_an_idempotent_route_re_sends_whatever_the_tool_says(start_proxy, mcp_fake):
    admin = mcp_fake("admin", faults=["drop_response nth=1 tool=admin_restart_service"])
    proxy, client = start_proxy([upstream_for(admin, "admin", request_timeout_ms=1000)],
                                [ProxyRoute(upstream_name="admin", idempotent=True)], manual_clock=True)
    rid = client.start_request("tools/call", {"name": "admin_restart_service", "arguments": {"service": "db"}})
    admin.control.wait_for(method="tools/call", name="admin_restart_service")
    proxy.advance_clock(1000)
    proxy.advance_clock(1500)
    assert "result" in client.wait_response(rid)
    assert len(admin.calls(name="admin_restart_service")) == 2


def test_a_request_never_sent_is_retried_then_fails_saying_so(start_proxy, mcp_fake):
    dead = mcp_fake("echo", faults=["exit_at_start code=3"])
    proxy, client = start_proxy([upstream_for(dead, "dead", retry_delay_ms=1, max_retries=2)],
                                [ProxyRoute(upstream_name="dead")])
    r = client.request("tools/call", {"name": "echo", "arguments": {"text": "x"}})
    assert r["error"]["code"] == -32001
    assert r["error"]["data"]["delivery"] == "not_sent" and r["error"]["data"]["retries"] == 2
    assert "outcome" not in r["error"]["data"]
    s = proxy.get_stats()
    assert s.retried_requests == 2 and s.total_requests == 1 and s.failed_requests == 1
    assert s.extra["upstream_spawns"] == 3


def crashing_pair(start_proxy, mcp_fake):
    a = mcp_fake("admin", faults=["crash tool=admin_*"])
    b = mcp_fake("admin")
    routes = [ProxyRoute(upstream_name="a", trust_annotations=True),
              ProxyRoute(upstream_name="b", trust_annotations=True)]
    proxy, client = start_proxy([upstream_for(a, "a"), upstream_for(b, "b")], routes)
    client.request("tools/list")
    return a, b, proxy, client


def test_a_crash_fails_over_a_read_only_call(start_proxy, mcp_fake):
    a, b, proxy, client = crashing_pair(start_proxy, mcp_fake)
    r = client.request("tools/call", {"name": "admin_status", "arguments": {}})  # readOnlyHint
    assert "result" in r, r
    assert len(a.calls(name="admin_status")) == 1 and len(b.calls(name="admin_status")) == 1
    assert proxy.get_stats().extra["failovers"] == 1


def test_a_crash_never_fails_over_a_side_effect(start_proxy, mcp_fake):
    a, b, proxy, client = crashing_pair(start_proxy, mcp_fake)
    r = client.request("tools/call", {"name": "admin_restart_service", "arguments": {"service": "db"}})
    assert r["error"]["code"] == -32001 and r["error"]["data"]["outcome"] == "unknown"
    assert len(a.calls(name="admin_restart_service")) == 1
    assert b.calls(name="admin_restart_service") == []  # never ran twice
    assert proxy.get_stats().extra["failovers"] == 0
    # a crashed and is unhealthy: the next call goes straight to b.
    assert "result" in client.request("tools/call", {"name": "admin_status", "arguments": {}})
    assert a.calls(name="admin_status") == []


def test_a_dead_upstream_fails_over_before_anything_is_sent(start_proxy, mcp_fake):
    a = mcp_fake("echo", faults=["exit_at_start"])
    b = mcp_fake("echo")
    proxy, client = start_proxy([upstream_for(a, "a"), upstream_for(b, "b")],
                                [ProxyRoute(upstream_name="a"), ProxyRoute(upstream_name="b")])
    r = client.request("tools/call", {"name": "echo", "arguments": {"text": "side effect ok"}})
    assert r["result"]["content"][0]["text"] == "side effect ok"  # not sent to a: safe anywhere
    assert len(b.calls(name="echo")) == 1


def test_the_breaker_opens_rejects_locally_and_heals_through_a_probe(start_proxy, mcp_fake):
    math = mcp_fake("math", faults=["error_rate p=1 tool=math_add id=broken"])
    proxy, client = start_proxy([upstream_for(math, "math")], [ProxyRoute(upstream_name="math")],
                                manual_clock=True, circuit_breaker_threshold=3)
    for _ in range(3):
        assert client.request("tools/call", {"name": "math_add", "arguments": {"a": 1, "b": 1}})["error"]["code"] == -32603
    r = client.request("tools/call", {"name": "math_add", "arguments": {"a": 1, "b": 1}})
    assert r["error"]["code"] == -32001
    assert r["error"]["data"]["reason"] == "circuit_open" and r["error"]["data"]["retry_after_ms"] == 60_000
    assert len(math.calls(name="math_add")) == 3  # the fourth never left the proxy
    math.control.remove_fault("broken")
    proxy.advance_clock(60_000)  # half-open: one probe goes through, succeeds, closes
    assert client.request("tools/call", {"name": "math_add", "arguments": {"a": 1, "b": 1}})["result"]
    assert client.request("tools/call", {"name": "math_add", "arguments": {"a": 2, "b": 2}})["result"]
    assert proxy.get_stats().extra["circuit_open_rejections"] == 1


def test_an_open_circuit_sends_calls_to_the_next_route(start_proxy, mcp_fake):
    a = mcp_fake("math", faults=["error_rate p=1 tool=math_add"])
    b = mcp_fake("math")
    proxy, client = start_proxy([upstream_for(a, "a"), upstream_for(b, "b")],
                                [ProxyRoute(upstream_name="a"), ProxyRoute(upstream_name="b")],
                                manual_clock=True, circuit_breaker_threshold=2)
    for _ in range(2):
        client.request("tools/call", {"name": "math_add", "arguments": {"a": 1, "b": 1}})
    r = client.request("tools/call", {"name": "math_add", "arguments": {"a": 1, "b": 1}})
    assert r["result"]["content"][0]["text"] == "2"
    assert len(a.calls(name="math_add")) == 2 and len(b.calls(name="math_add")) == 1


def test_health_checks_probe_started_upstreams_and_feed_routing(start_proxy, mcp_fake):
    a = mcp_fake("echo")
    b = mcp_fake("echo")
    ups = [upstream_for(a, "a", health_check_interval_ms=1000, request_timeout_ms=500),
           upstream_for(b, "b", health_check_interval_ms=1000)]
    proxy, client = start_proxy(ups, [ProxyRoute(upstream_name="a"), ProxyRoute(upstream_name="b")],
                                manual_clock=True)
    client.request("tools/call", {"name": "echo", "arguments": {"text": "1"}})  # starts a only
    a.control.add_fault("drop_response method=server/discover id=deaf")
    proxy.advance_clock(1000)  # a is probed; b never started, so it is left alone
    a.control.wait_for(method="server/discover", count=2)  # the era probe, then the health probe
    proxy.advance_clock(500)  # the probe times out
    assert proxy.get_upstream_health() == {"a": False, "b": True}
    r = client.request("tools/call", {"name": "echo", "arguments": {"text": "2"}})
    assert "result" in r and len(b.calls(name="echo")) == 1  # unhealthy a is passed over
    assert proxy.get_stats().extra["health_check_failures"] == 1
    a.control.remove_fault("deaf")
    proxy.advance_clock(500)
    a.control.wait_for(method="server/discover", count=3)
    assert eventually(lambda: proxy.get_upstream_health()["a"])  # its answer is on its way


def test_a_flaky_upstream_never_runs_a_side_effect_twice(start_proxy, mcp_fake):
    # Seeded flakiness (p=0.3 of answers lost) on two upstreams serving the same tools: safe
    # calls are re-sent and all succeed; a side effect runs at most once across both.
    faults = ["drop_response p=0.3 tool=admin_*"]
    a, b = mcp_fake("admin", faults=faults, seed=7), mcp_fake("admin", faults=faults, seed=8)
    routes = [ProxyRoute(upstream_name="a", trust_annotations=True),
              ProxyRoute(upstream_name="b", trust_annotations=True)]
    proxy, client = start_proxy([upstream_for(a, "a", request_timeout_ms=1000, retry_delay_ms=1),
                                 upstream_for(b, "b", request_timeout_ms=1000, retry_delay_ms=1)],
                                routes, manual_clock=True, circuit_breaker_enabled=False)
    client.request("tools/list")
    outcomes = {}
    for i in range(12):
        tool = "admin_status" if i % 2 else "admin_restart_service"
        rid = client.start_request("tools/call", {"name": tool, "arguments": {"service": f"s{i}"}})
        r = None
        for _ in range(10):  # an answer, or time passes: a timeout, then a re-send
            try:
                r = client.wait_response(rid, timeout=0.3)
                break
            except TimeoutError:
                proxy.advance_clock(1000)
        r = r or client.wait_response(rid)
        outcomes[i] = (tool, r)
    for i, (tool, r) in outcomes.items():
        if tool == "admin_status":
            assert "result" in r, r  # read-only: re-sent until answered
        elif "error" in r:
            assert r["error"]["data"]["outcome"] == "unknown"
    runs = {}
    for fake in (a, b):
        for m in fake.calls(name="admin_restart_service"):
            service = m["msg"]["params"]["arguments"]["service"]
            runs[service] = runs.get(service, 0) + 1
    assert runs and max(runs.values()) == 1  # no side effect ran twice, anywhere
