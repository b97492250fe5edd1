"""Id remapping under concurrency (hypothesis): many clients, many requests in flight,
one pooled upstream connection. Each answer reaches the request that caused it, once."""

import threading

from hypothesis import HealthCheck, given, settings, strategies as st

from fasterapi.mcp import MCPProxy, ProxyRoute

from support.proxy_helpers import connect, upstream_for


def test_many_clients_share_one_upstream_without_mixing_answers(mcp_fake):
    fake = mcp_fake("echo", faults=["out_of_order n=3 ms=20"], record=False)
    proxy = MCPProxy()
    proxy.add_upstream(upstream_for(fake, "echo", max_connections=1))
    proxy.add_route(ProxyRoute(upstream_name="echo"))
    proxy.start()
    clients = [connect(proxy) for _ in range(4)]
    try:
        for c in clients:
            c.initialize()

        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
        @given(st.lists(st.tuples(st.integers(0, 3), st.one_of(st.integers(-2**40, 2**40), st.text(max_size=6))),
                        min_size=1, max_size=40, unique_by=lambda t: (t[0], repr(t[1]))))
        def run(batch):
            sent = []
            for n, (ci, rid) in enumerate(batch):
                text = f"{ci}:{rid!r}:{n}"
                clients[ci].start_request("tools/call", {"name": "echo", "arguments": {"text": text}}, id=rid)
                sent.append((ci, rid, text))
            for ci, rid, text in sent:
                r = clients[ci].wait_response(rid)
                assert r["id"] == rid and type(r["id"]) is type(rid)
                assert r["result"]["content"][0]["text"] == text
            for ci, rid, _ in sent:
                assert clients[ci].responses_for(rid) == []  # exactly once

        run()
        assert proxy.get_stats().extra["upstream_spawns"] == 1
    finally:
        for c in clients:
            c.close()
        proxy.stop()
