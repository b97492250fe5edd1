"""Micro-benchmarks timed inside C++ loops (cpp/bindings/bind_bench.cpp and
bind_security.cpp), so Python's call cost is not in the numbers: route matching, the pool's
bookkeeping, the whole per-request chain without I/O, JWT checks and rate limits. Each
figure is the median of several runs of a loop sized to take about 30 ms.

    python bench/bench_micro.py [--runs 5] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import statistics

from fasterapi.mcp import _core

import bench_security

# The guide's "Expected Performance" table (shared/seed/MCP_PROXY_GUIDE.md), in ns.
GUIDE = {"route": 100, "auth": 1000, "rate": 50, "pool": 10, "chain": 2000}
ROUTE_COUNTS = (10, 100, 1000, 10000)
CHAIN_STAGES = ("parse", "envelope", "auth", "route", "authz + rate limit", "bookkeeping",
                "forward (id remap, serialise)", "answer back (skim, id spliced in)")
LOOP_NS = 30e6


def median_ns(fn, runs: int) -> float:
    """fn(iterations) -> ns/op; the loop is sized from a short first run."""
    probe = fn(50)
    iterations = int(min(5_000_000, max(50, LOOP_NS / max(probe, 1.0))))
    return statistics.median(fn(iterations) for _ in range(runs))


def route_rows(runs: int) -> list:
    rows = []
    for n in ROUTE_COUNTS:
        row = {"routes": n}
        for mode in ("first", "all", "miss", "head"):
            row[mode] = median_ns(lambda it: _core.bench_route_match(n, mode, it), runs)
        rows.append(row)
    return rows


def pool_rows(runs: int) -> list:
    rows = []
    for connections in (1, 10, 64):
        rows.append({"connections": connections,
                     "pick": median_ns(lambda it: _core.bench_pool(connections, it, True), runs),
                     "acquire_release": median_ns(lambda it: _core.bench_pool(connections, it, False),
                                                  runs)})
    return rows


def chain_cases():
    """(label, security section, token, required_scope) for the chain benchmark."""
    limit = {"max_requests": 1_000_000_000, "window_ms": 1000, "burst": 1_000_000_000,
             "algorithm": "token_bucket"}
    off = {"enable_auth": False, "enable_authorization": False, "enable_rate_limiting": False}
    yield "security off", off, "", ""
    yield ("bearer token + global rate limit",
           {"enable_auth": True, "enable_authorization": True, "enable_rate_limiting": True,
            "bearer_token": "bench-bearer-token-0123456789", "rate_limit": limit},
           "bench-bearer-token-0123456789", "")
    _, jwt_config, token = next(iter(bench_security.jwt_cases()))  # HS256
    yield ("JWT HS256 (cached) + route scope + global rate limit",
           {"enable_auth": True, "enable_authorization": True, "enable_rate_limiting": True,
            "jwt": json.loads(jwt_config), "rate_limit": limit}, token, "calculate")


def target_route(n_routes: int) -> int:
    """A tool route in the middle of the table (routes i % 4 == 3 have no tool pattern)."""
    i = n_routes // 2
    return i - 1 if i % 4 == 3 else i


def chain_rows(runs: int) -> dict:
    rows = []
    stages = {}
    for label, security, token, scope in chain_cases():
        for n in (10, 1000):
            sec = json.dumps(security)
            fn = lambda depth: (lambda it: _core.bench_chain(sec, n, target_route(n), token, scope,  # noqa: E731
                                                             depth, it))
            request = median_ns(fn(7), runs)
            round_trip = median_ns(fn(8), runs)
            rows.append({"case": label, "routes": n, "request": request, "round_trip": round_trip})
            if n == 10 and scope:
                # Stage by stage: cumulative loops 1..k, each stage = the difference.
                cumulative = [median_ns(fn(depth), runs) for depth in range(1, 9)]
                stages = {"case": label, "routes": n,
                          "stages": [(name, cumulative[i] - (cumulative[i - 1] if i else 0.0))
                                     for i, name in enumerate(CHAIN_STAGES)]}
    return {"rows": rows, "stages": stages}


def collect(runs: int = 5) -> dict:
    return {
        "runs": runs,
        "route": route_rows(runs),
        "pool": pool_rows(runs),
        "chain": chain_rows(runs),
        "security": [{"name": n, "ns": ns, "target": t} for n, ns, t in bench_security.collect(runs)],
    }


def show(ns: float) -> str:
    return f"{ns / 1000:.2f} us" if ns >= 1000 else f"{ns:.1f} ns"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per figure (median reported)")
    parser.add_argument("--json", help="write the results here")
    args = parser.parse_args()
    results = collect(args.runs)
    for r in results["route"]:
        print(f"route match, {r['routes']:>6} routes: first-match {show(r['first'])}, "
              f"match_all {show(r['all'])}, miss {show(r['miss'])}, head {show(r['head'])}")
    for r in results["pool"]:
        print(f"pool, {r['connections']:>3} connections: pick {show(r['pick'])}, "
              f"acquire+release {show(r['acquire_release'])}")
    for r in results["chain"]["rows"]:
        print(f"chain [{r['case']}], {r['routes']} routes: request {show(r['request'])}, "
              f"round trip {show(r['round_trip'])}")
    for r in results["security"]:
        print(f"{r['name']}: {show(r['ns'])}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
