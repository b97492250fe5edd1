"""Progress tokens and cancellation across clients sharing one upstream connection
(MCP_PROXY_OBLIGATIONS: "Progress", "Cancellation")."""

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from fasterapi.mcp import ProxyRoute

from support.proxy_helpers import connect, upstream_for
from protocol.conftest import fake_faults, stateless

ERAS = ["stateless", "handshake"]


def progress_of(client, token, n):
    got = []
    while len(got) < n:
        msg = client.wait_notification("notifications/progress")
        got.append(msg["params"])
    return got


@pytest.mark.parametrize("upstream_era", ERAS)
def test_same_token_from_two_clients_is_kept_apart(start_proxy, mcp_fake, more_clients, upstream_era):
    echo = mcp_fake("echo", faults=fake_faults(upstream_era))
    proxy, a = start_proxy([upstream_for(echo, "echo")], [ProxyRoute(upstream_name="echo")])
    (b,) = more_clients(proxy)
    b.initialize()
    ra = a.start_request("tools/call", {"name": "slow_count", "arguments": {"steps": 3, "delay_ms": 1},
                                        "_meta": {"progressToken": "tok"}})
    rb = b.start_request("tools/call", {"name": "slow_count", "arguments": {"steps": 5, "delay_ms": 1},
                                        "_meta": {"progressToken": "tok"}})
    assert a.wait_response(ra)["result"]["content"][0]["text"] == "3"
    assert b.wait_response(rb)["result"]["content"][0]["text"] == "5"
    pa, pb = progress_of(a, "tok", 3), progress_of(b, "tok", 5)
    assert [p["progress"] for p in pa] == [1, 2, 3] and {p["progressToken"] for p in pa} == {"tok"}
    assert [p["progress"] for p in pb] == [1, 2, 3, 4, 5] and {p["total"] for p in pb} == {5}
    # Upstream, each request had a token of the proxy's own, unique across requests.
    tokens = [m["msg"]["params"]["_meta"]["progressToken"] for m in echo.calls(name="slow_count")]
    assert len(set(tokens)) == 2 and "tok" not in tokens


def test_progress_after_the_request_finished_is_dropped(start_proxy, mcp_fake):
    echo = mcp_fake("echo", faults=["unknown_progress"])
    proxy, client = start_proxy([upstream_for(echo, "echo")], [ProxyRoute(upstream_name="echo")])
    client.request("tools/call", {"name": "echo", "arguments": {"text": "x"}, "_meta": {"progressToken": 7}})
    client.request("ping")
    assert client.notifications.empty()
    assert proxy.get_stats().extra["dropped_progress"] >= 1


@pytest.mark.parametrize("upstream_era", ERAS)
def test_a_cancelled_request_is_cancelled_upstream_and_never_answered(start_proxy, mcp_fake, upstream_era):
    echo = mcp_fake("echo", faults=fake_faults(upstream_era))
    proxy, client = start_proxy([upstream_for(echo, "echo")], [ProxyRoute(upstream_name="echo")])
    rid = client.start_request("tools/call", {"name": "slow_count", "arguments": {"steps": 1000, "delay_ms": 5},
                                              "_meta": {"progressToken": "p"}})
    client.wait_notification("notifications/progress")
    client.notify("notifications/cancelled", {"requestId": rid, "reason": "user gave up"})
    cancel = echo.control.wait_for(method="notifications/cancelled")[0]["msg"]
    upstream_id = echo.calls(name="slow_count")[0]["msg"]["id"]
    assert cancel["params"] == {"requestId": upstream_id, "reason": "user gave up"}
    client.request("ping")
    assert client.responses_for(rid) == []
    assert proxy.get_stats().extra["cancelled_by_client"] == 1


def test_initialize_is_never_cancelled(start_proxy, mcp_fake):
    echo = mcp_fake("echo")
    proxy, client = start_proxy([upstream_for(echo, "echo")], [ProxyRoute(upstream_name="echo")],
                                initialize=False)
    rid = client.start_request("initialize", {"protocolVersion": "2025-11-25", "capabilities": {},
                                              "clientInfo": {"name": "t", "version": "0"}})
    client.notify("notifications/cancelled", {"requestId": rid})
    assert client.wait_response(rid)["result"]["protocolVersion"] == "2025-11-25"


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=st.lists(st.tuples(st.integers(1, 4), st.booleans(), st.sampled_from(["t", 1, "x-1"])),
                     min_size=2, max_size=10))
def test_progress_and_cancel_race_with_many_requests(shared_echo_proxy, plan):
    """Many concurrent requests with colliding client tokens, some cancelled at once: every
    request not cancelled is answered exactly once, with only its own increasing progress;
    no cancelled one is ever answered."""
    proxy = shared_echo_proxy
    client = connect(proxy)
    try:
        client.initialize()
        rids = []
        for steps, cancel, token in plan:
            rid = client.start_request("tools/call", {"name": "slow_count",
                                                      "arguments": {"steps": steps, "delay_ms": 1},
                                                      "_meta": {"progressToken": token}})
            if cancel:
                client.notify("notifications/cancelled", {"requestId": rid})
            rids.append((rid, steps, cancel))
        for rid, steps, cancel in rids:
            if not cancel:
                r = client.wait_response(rid)
                assert r["result"]["content"][0]["text"] == str(steps)
        client.request("ping")
        for rid, steps, cancel in rids:
            assert len(client.responses_for(rid)) == 0  # each answer was taken once, or never came
        seen = {}
        while not client.notifications.empty():
            p = client.notifications.get_nowait()["params"]
            assert p["progressToken"] in ("t", 1, "x-1")
            seen.setdefault(p["progressToken"], []).append(p["progress"])
        total_expected = sum(steps for steps, cancel, _ in plan if not cancel)
        assert sum(len(v) for v in seen.values()) >= total_expected
    finally:
        client.close()


@pytest.fixture(scope="module")
def shared_echo_proxy(tmp_path_factory):
    from mcp_fakes.launcher import FakeFactory  # the plugin's factory, at module scope
    from fasterapi.mcp import MCPProxy
    factory = FakeFactory(tmp_path_factory.mktemp("fakes"))
    try:
        echo = factory("echo")
        proxy = MCPProxy()
        proxy.add_upstream(upstream_for(echo, "echo"))
        proxy.add_route(ProxyRoute(upstream_name="echo"))
        proxy.start()
        yield proxy
        proxy.stop()
    finally:
        factory.close()


@pytest.mark.parametrize("upstream_era", ERAS)
def test_an_answer_racing_the_cancel_never_reaches_the_client(start_proxy, mcp_fake, upstream_era):
    echo = mcp_fake("echo", faults=fake_faults(upstream_era) + ["late_after_cancel tool=echo"])
    proxy, client = start_proxy([upstream_for(echo, "echo")], [ProxyRoute(upstream_name="echo")])
    rid = client.start_request("tools/call", {"name": "echo", "arguments": {"text": "late"}})
    echo.control.wait_for(method="tools/call", name="echo")
    sent_before = len([m for m in echo.record() if m["dir"] == "out"])
    client.notify("notifications/cancelled", {"requestId": rid})
    # The fake answers the cancelled request anyway; the proxy must swallow that answer.
    assert len(echo.control.wait_for(method=None, direction="out", count=sent_before + 1)) > sent_before
    # A later call on the same upstream pipe: its answer comes after the late one.
    client.request("tools/call", {"name": "add", "arguments": {"a": 1, "b": 2}})
    assert client.responses_for(rid) == []
    assert proxy.get_stats().extra["upstream_unmatched_responses"] == 1
