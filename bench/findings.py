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
            f"- **Routing is indexed** (cpp/src/policy/route_table.cpp): literal names and the literal "
            f"lead of each wildcard pattern are looked up by FNV-1a hashes computed in one pass over the "
            f"name (every prefix's hash comes on the way), so a call costs a few integer probes, not the "
            f"table: {route[1000]['all']:.0f} ns at 1,000 routes (match_all, the request path), "
            f"{route[10]['all']:.0f} ns at 10, about {per_route:.2f} ns per extra route. Only patterns "
            "that start with a wildcard are scanned.")
    chain = micro.get("chain", {}).get("stages")
    if chain:
        top = sorted(chain["stages"], key=lambda s: -s[1])[:3]
        out.append("- **The chain's biggest stages besides routing** (JWT case, 10 routes): " + ", ".join(
            f"{name} {v:.0f} ns" for name, v in top) + ". The chain models the document path of a "
            "request (json::parse, the id rewritten, serialised); a plain tools/call skips both "
            "(next point), and the answer leg is already the skim and splice.")
    ours, floor = m.get("fasterapi|pinned"), m.get("c-forwarder|pinned")
    o64, f64 = _level(ours, 64), _level(floor, 64)
    if o64 and f64:
        out.append(
            f"- **Throughput at 64 in flight** (pinned) is {o64['rps']:,.0f} req/s against the forwarder's "
            f"{f64['rps']:,.0f} ({o64['rps'] / f64['rps']:.0%}). A plain `tools/call` and its answer are "
            "read by Boost.JSON's SAX parser without building a document and forwarded as their own "
            "bytes with the id spliced in (docs/performance.md); the completion lives inside the pending "
            "entry of a flat map; writes are gathered per turn of the loop; the clock is read twice per "
            "request. What is left is the validation of every line (both skims), the session's "
            "bookkeeping (call state, in-flight map, stats) and the kernel's pipe writes and wake-ups.")
    log_on = m.get("fasterapi-log|pinned")
    l64 = _level(log_on, 64)
    if o64 and l64:
        out.append(
            f"- **The request log costs {1 - l64['rps'] / o64['rps']:.0%} of throughput** at 64 in flight "
            f"({l64['rps']:,.0f} vs {o64['rps']:,.0f} req/s, pinned): each line is formatted directly "
            "(cpp/src/proxy/request_log.cpp) and the lines of one loop turn are written together in "
            "`PIPE_BUF`-sized writes. It is on by default (`enable_request_logging=True`).")
    if ours:
        bare = e2e["bare_python_rss_kb"]
        out.append(
            f"- **RSS at rest is {ours['rss_rest_kb'] / 1024:.1f} MB against {bare / 1024:.1f} MB for a bare "
            "interpreter.** The compiled core exports no symbols (hidden visibility, `--gc-sections`, "
            "libstdc++ linked in), which cut its load cost from about 5.8 to 3 MB; freed start-up memory "
            "is handed back (`malloc_trim`) when serving starts. The rest is the standard-library modules "
            "the CLI needs (tomllib with datetime, argparse, logging, dataclasses with inspect, typing, "
            "json) and libcrypto/libssl's own tables.")
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
    fm = m.get("fastmcp|pinned")
    fm64 = _level(fm, 64)
    if fm64 and o64:
        out.append(
            f"- **Against FastMCP's proxy:** {o64['rps'] / fm64['rps']:,.0f}x its throughput at 64 in flight "
            f"({fm64['rps']:,.0f} req/s), and a sequential p50 of {ours['seq']['p50_us']:.0f} µs against "
            f"{fm['seq']['p50_us'] / 1000:.1f} ms. FastMCP's throughput falls as requests in flight grow "
            "(by its documentation, `create_proxy` with a transport target gives each request a fresh backend client session).")
    return out
