"""The "Where the time goes" section of bench/REPORT.md: what the figures of this run say
about the causes of missed targets, with the places in the code. The causes were found with
perf and strace on the proxy under load (see each item); the numbers are this run's."""

from __future__ import annotations


def _level(summary, k):
    for lv in (summary or {}).get("levels", []):
        if lv["inflight"] == k:
            return lv
    return None


def lines(res: dict) -> list:
    out = []
    micro = res.get("micro") or {}
    e2e = res["e2e"]
    m = e2e["main"]

    route = {r["routes"]: r for r in micro.get("route", [])}
    if 1000 in route and 10 in route:
        per_route = (route[1000]["all"] - route[10]["all"]) / 990
        out.append(
            f"- **Routing is a linear scan, and the request path always walks the whole table.** "
            f"`RouteTable::match_all` (cpp/src/policy/route_table.cpp:27) tries every route until it has "
            f"8 matches, and `handle_routed` calls it for every routed request "
            f"(cpp/src/proxy/routed_call.cpp:153) to collect failover candidates, so a call costs the "
            f"whole table whatever route it hits: {route[1000]['all']:.0f} ns at 1,000 routes, about "
            f"{per_route:.1f} ns per route (first-match alone: {route[1000]['first']:.0f} ns; a name that the "
            f"first route matches: {route[1000]['head']:.0f} ns). The guide's 0.1 µs at 1,000 routes needs an "
            "index: literal patterns in a hash map, prefix patterns by their fixed part (a sorted vector or "
            "a trie), only the general globs scanned, and the candidates merged in route order (lowest "
            "index first). This also decides the whole-chain target: the chain minus routing is well under "
            "2 µs (see the 10-route rows).")
    chain = micro.get("chain", {}).get("stages")
    if chain:
        top = sorted(chain["stages"], key=lambda s: -s[1])[:3]
        out.append("- **The chain's biggest stages besides routing** (JWT case, 10 routes): " + ", ".join(
            f"{name} {v:.0f} ns" for name, v in top) + ". Parsing and serialising with Boost.JSON's "
            "default allocator are most of what is left once routing is indexed.")
    ours, floor = m.get("fasterapi|unpinned"), m.get("c-forwarder|unpinned")
    o64, f64 = _level(ours, 64), _level(floor, 64)
    if o64 and f64:
        out.append(
            f"- **One write system call per message.** At 64 in flight the proxy carries "
            f"{o64['rps']:,.0f} req/s against the forwarder's {f64['rps']:,.0f}. Under load, `perf` puts "
            "most of the proxy's time in the kernel (waking the process at the other end of a pipe, "
            "context switches), and `strace -c` counts about one `write` per message in each direction, "
            "although the client's requests arrive many per `read`: `FdChannel::write_more` "
            "(cpp/src/transport/fd_channel.cpp:136) writes `queue_.front()` alone, and each completion "
            "takes another turn of the event loop before the next message goes. Writing every queued "
            "message at once (`async_write` of a buffer sequence over the whole queue, or appending to one "
            "output string while a batch of lines is handled and flushing after the batch) turns N writes "
            "and N wake-ups into one. The forwarder does exactly that (one `write` per `read`). A trial of "
            "the first form (not committed; 2026-11-24, this machine, three interleaved A/B runs) raised "
            "64-in-flight throughput from 47k–75k to 112k–151k req/s and the sequential p50 from about "
            "30–35 µs to 25 µs.")
    log_on = m.get("fasterapi-log|unpinned")
    l64 = _level(log_on, 64)
    if o64 and l64:
        out.append(
            f"- **The request log costs {1 - l64['rps'] / o64['rps']:.0%} of throughput** at 64 in flight "
            f"({l64['rps']:,.0f} vs {o64['rps']:,.0f} req/s): `log_request` "
            "(cpp/src/proxy/routed_call.cpp:27) builds a `json::object`, formats a timestamp with "
            "`gmtime_r` and writes one stderr line per request. It is on by default "
            "(`enable_request_logging=True`).")
    if ours:
        bare = e2e["bare_python_rss_kb"]
        out.append(
            f"- **RSS at rest is {ours['rss_rest_kb'] / 1024:.1f} MB against {bare / 1024:.1f} MB for a bare "
            f"interpreter.** Measured separately on this machine: `import urllib.request` alone adds about "
            "8.5 MB (it brings in `http.client`, `email` and `ssl`, with libssl), and "
            "`fasterapi/mcp/jwks.py:15` imports it at module level, so every proxy pays for it even without "
            "a JWKS URL; importing it inside the refresher (only a `jwks_url` needs it) is the cheap win. "
            "The compiled core itself (Boost.Asio/JSON code, libstdc++, libcrypto) adds about 3.5 MB, and "
            "the standard-library modules the package uses (json, logging, argparse, dataclasses, tomllib, "
            "inspect, pathlib) about 3.5 MB.")
    ups = {int(k): v for k, v in e2e.get("upstreams", {}).items() if v}
    if ups:
        lo, hi = min(ups), max(ups)
        a, b = _level(ups[lo], 64), _level(ups[hi], 64)
        if a and b:
            out.append(
                f"- **Upstreams and pool size:** from {lo} to {hi} upstreams, 64-in-flight throughput goes "
                f"from {a['rps']:,.0f} to {b['rps']:,.0f} req/s, and a larger pool of one upstream does not "
                "help either: the proxy's work is on its one event-loop thread, every extra upstream process "
                "competes for the same 2 CPUs, and requests spread over more pipes are written and read "
                "in smaller batches.")
    fm = m.get("fastmcp|unpinned")
    fm64 = _level(fm, 64)
    if fm64 and o64:
        out.append(
            f"- **Against FastMCP's proxy:** {o64['rps'] / fm64['rps']:,.0f}x its throughput at 64 in flight "
            f"({fm64['rps']:,.0f} req/s), and a sequential p50 of {ours['seq']['p50_us']:.0f} µs against "
            f"{fm['seq']['p50_us'] / 1000:.1f} ms. FastMCP's throughput falls as requests in flight grow "
            "(by its documentation, `create_proxy` with a transport target gives each request a fresh backend client session).")
    return out
