"""What a transformer costs, end to end: sequential `tools/call echo` requests through a
real proxy in front of the echo fake (a real stdio upstream), over pipes, with

    none         the route runs no chain (no Python on the request path)
    builtins     metadata + sanitizer both ways, in C++
    python       one Python transformer both ways that returns its input unchanged
                 (the floor: GIL, ctx dict, call, and the core re-parsing the text)
    python-json  one Python transformer both ways that does json.loads/json.dumps

and the same again with every call a cache hit (enable_caching, a trusted readOnly tool):
no upstream, so the only difference left between configurations is the response chain,
measured on its own (the upstream's own latency, a Python process on a shared machine,
otherwise swamps it).

Prints the median over runs of the mean latency per call (client-measured, µs), and of
the proxy's own latency (from its stats: routing to reply, the upstream's time included),
each with its ratio to `none`. Not a test: nothing here asserts a time.

    python bench/bench_transformers.py [--calls 1000] [--runs 3]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import sys
import time

from fasterapi.mcp import (MCPProxy, ProxyRoute, UpstreamConfig, create_metadata_transformer,
                           create_sanitizing_transformer)

FAKES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fakes")


class Client:
    def __init__(self, proxy: MCPProxy) -> None:
        to_proxy_r, self.w = os.pipe()
        from_proxy, from_proxy_w = os.pipe()
        proxy.serve_fds(to_proxy_r, from_proxy_w)
        os.close(to_proxy_r)
        os.close(from_proxy_w)
        self.r = os.fdopen(from_proxy, "rb")
        self.ids = itertools.count(1)

    def request(self, method, params=None):
        rid = next(self.ids)
        os.write(self.w, json.dumps({"jsonrpc": "2.0", "id": rid, "method": method,
                                     "params": params or {}}).encode() + b"\n")
        while True:
            msg = json.loads(self.r.readline())
            if msg.get("id") == rid:
                return msg

    def close(self):
        os.close(self.w)


def identity(ctx, data):
    return data


def json_roundtrip(ctx, data):
    return json.dumps(json.loads(data))


def build(config: str, cached: bool) -> MCPProxy:
    proxy = MCPProxy(enable_auth=False, enable_rate_limiting=False, enable_authorization=False,
                     enable_request_logging=False, circuit_breaker_enabled=False,
                     failover_enabled=False, enable_caching=cached, cache_ttl_ms=3_600_000)
    proxy.add_upstream(UpstreamConfig(
        name="echo", transport_type="stdio", command=sys.executable,
        args=["-m", "mcp_fakes", "--profile", "echo"], env={"PYTHONPATH": FAKES},
        enable_health_check=False, max_retries=0, max_connections=1))
    on = config != "none"
    proxy.add_route(ProxyRoute(upstream_name="echo", enable_request_transform=on,
                               enable_response_transform=on, trust_annotations=True))
    if config == "builtins":
        for add in (proxy.add_request_transformer, proxy.add_response_transformer):
            add("meta", create_metadata_transformer("bench"))
            add("sanitize", create_sanitizing_transformer(["password", "token"]))
    elif config in ("python", "python-json"):
        fn = identity if config == "python" else json_roundtrip
        proxy.add_request_transformer("py", fn)
        proxy.add_response_transformer("py", fn)
    return proxy


def run_once(config: str, calls: int, cached: bool):
    proxy = build(config, cached)
    with proxy:
        client = Client(proxy)
        client.request("initialize", {"protocolVersion": "2025-11-25", "capabilities": {},
                                      "clientInfo": {"name": "bench", "version": "1"}})
        client.request("tools/list")  # learns readOnlyHint (for `cached`)
        params = {"name": "echo", "arguments": {"text": "hello", "password": "p"}}
        for _ in range(50):  # warm-up: process started, connection ready
            client.request("tools/call", params)
        before = proxy.get_stats()
        t0 = time.perf_counter()
        for _ in range(calls):
            answer = client.request("tools/call", params)
        elapsed = time.perf_counter() - t0
        assert "result" in answer, answer
        after = proxy.get_stats()
        client.close()
    core_us = (after.extra["total_latency_us"] - before.extra["total_latency_us"]) / calls
    return elapsed / calls * 1e6, core_us


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    configs = ["none", "builtins", "python", "python-json"]
    for cached, title in ((False, "through the upstream (request and response chains)"),
                          (True, "cache hits (no upstream: the response chain alone)")):
        results = {c: [] for c in configs}
        for _ in range(args.runs):
            for c in configs:  # interleaved, so a noisy moment hits every configuration
                results[c].append(run_once(c, args.calls, cached))
        base_client = statistics.median(r[0] for r in results["none"])
        base_core = statistics.median(r[1] for r in results["none"])
        print(f"\n{title}: {args.calls} sequential tools/call per run, median of {args.runs} runs")
        print(f"{'config':<12} {'client µs/call':>15} {'ratio':>7} {'proxy µs/call':>14} {'ratio':>7}")
        for c in configs:
            client_us = statistics.median(r[0] for r in results[c])
            core_us = statistics.median(r[1] for r in results[c])
            print(f"{c:<12} {client_us:>15.1f} {client_us / base_client:>7.2f} "
                  f"{core_us:>14.1f} {core_us / base_core if base_core else 0:>7.2f}")


if __name__ == "__main__":
    main()
