"""Writes bench/REPORT.md and its PNG plots from the results run.py collected
(bench/results/latest.json). Can be re-run alone: python bench/report.py [results.json]."""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

NAMES = {"direct": "direct to the upstream", "c-forwarder": "C forwarder (floor)",
         "fasterapi": "FasterAPI proxy (stdio)", "fasterapi-log": "FasterAPI proxy, request log on",
         "fastmcp": "FastMCP proxy (stdio)"}


def us(v) -> str:
    if v is None:
        return "n/a"
    return f"{v / 1000:.2f} ms" if v >= 10000 else f"{v:.1f} µs"


def ns(v) -> str:
    if v is None:
        return "n/a"
    return f"{v / 1000:.2f} µs" if v >= 1000 else f"{v:.1f} ns"


def rps(v) -> str:
    return "n/a" if v is None else f"{v:,.0f}"


def mb(kb) -> str:
    return "n/a" if kb is None or kb < 0 else f"{kb / 1024:.1f} MB"


def ratio(a, b) -> str:
    return "n/a" if not a or not b else f"{a / b:.2f}x"


def level(summary, k):
    if not summary:
        return None
    for lv in summary["levels"]:
        if lv["inflight"] == k:
            return lv
    return None


def verdict(ok) -> str:
    return "n/a" if ok is None else ("**met**" if ok else "**missed**")


def headline(res: dict) -> dict:
    """The figures the targets and the README quote."""
    e2e = res["e2e"]
    m = e2e["main"]
    h = {}
    for pin in ("pinned", "unpinned"):
        ours, floor = m.get(f"fasterapi|{pin}"), m.get(f"c-forwarder|{pin}")
        if ours and floor and "seq" in ours and "seq" in floor:
            h[f"p50_{pin}"] = (ours["seq"]["p50_us"], floor["seq"]["p50_us"])
            h[f"p99_{pin}"] = (ours["seq"]["p99_us"], floor["seq"]["p99_us"])
        o64, f64 = level(ours, 64), level(floor, 64)
        if o64 and f64:
            h[f"tp64_{pin}"] = (o64["rps"], f64["rps"])
        if ours:
            rates = {lv["inflight"]: lv["rps"] for lv in ours["levels"]}
            h[f"levels_{pin}"] = rates
        fm = m.get(f"fastmcp|{pin}")
        if fm and level(fm, 64):
            h[f"fastmcp64_{pin}"] = level(fm, 64)["rps"]
    ours = m.get("fasterapi|unpinned")
    if ours:
        h["rss"] = (ours["rss_rest_kb"], ours["rss_load_kb"], e2e["bare_python_rss_kb"])
    return h


def targets_table(res: dict, h: dict) -> list:
    lines = ["| Target (issue 10) | Measured | Verdict |", "|---|---|---|"]
    for pin in ("pinned", "unpinned"):
        if f"p50_{pin}" in h:
            o, f = h[f"p50_{pin}"]
            lines.append(f"| p50 over stdio within 1.5x of the C forwarder ({pin}) | {us(o)} vs {us(f)}: "
                         f"{ratio(o, f)} | {verdict(o <= 1.5 * f)} |")
    for pin in ("pinned", "unpinned"):
        if f"tp64_{pin}" in h:
            o, f = h[f"tp64_{pin}"]
            lines.append(f"| throughput at 64 in flight ≥ half the forwarder's ({pin}) | {rps(o)} vs "
                         f"{rps(f)} req/s: {o / f:.1%} | {verdict(o >= 0.5 * f)} |")
    if "rss" in h:
        rest, load, bare = h["rss"]
        lines.append(f"| RSS at rest within 10 MB of a bare Python ({mb(bare)}) | {mb(rest)} at rest "
                     f"(+{(rest - bare) / 1024:.1f} MB), {mb(load)} under load | "
                     f"{verdict(rest - bare <= 10 * 1024)} |")
    for pin in ("pinned", "unpinned"):
        rates = h.get(f"levels_{pin}")
        if rates and 256 in rates:
            best = max(rates.values())
            lines.append(f"| no throughput collapse up to 256 in flight ({pin}) | at 256: {rps(rates[256])} "
                         f"req/s, {rates[256] / best:.0%} of the best level ({rps(best)}) | "
                         f"{verdict(rates[256] >= 0.8 * best)} |")
    micro = res.get("micro")
    if micro:
        r1000 = next((r for r in micro["route"] if r["routes"] == 1000), None)
        if r1000:
            lines.append(f"| routing < 0.1 µs at 1,000 routes | first match {ns(r1000['first'])}, "
                         f"match_all (the request path) {ns(r1000['all'])} | "
                         f"{verdict(r1000['all'] < 100)} |")
        cached = [r["ns"] for r in micro["security"] if "cached" in r["name"]]
        if cached:
            lines.append(f"| auth < 1 µs | cached JWT {ns(min(cached))}–{ns(max(cached))}; first-seen "
                         f"figures in the table below | {verdict(max(cached) < 1000)} (cached) |")
        rl = [r["ns"] for r in micro["security"] if r["name"].startswith("rate limit") and "by name" not in r["name"]]
        if rl:
            lines.append(f"| rate limit < 0.05 µs | {ns(min(rl))}–{ns(max(rl))} (known principal) | "
                         f"{verdict(max(rl) < 50)} |")
        pool = micro["pool"][0]
        lines.append(f"| pool < 0.01 µs | acquire (pick) {ns(pool['pick'])}, release: no work (connections "
                     f"are shared, never checked out); the request's id tracking on top "
                     f"{ns(pool['acquire_release'])} (1 connection, stand-in, see below) | "
                     f"{verdict(pool['pick'] < 10)} (the pool); the id tracking is part of the whole chain |")
        rows = [r for r in micro["chain"]["rows"] if r["routes"] == 1000]
        if rows:
            worst = max(r["request"] for r in rows)
            best = min(r["request"] for r in rows)
            lines.append(f"| whole chain < 2 µs at 1,000 routes | request leg {ns(best)}–{ns(worst)} "
                         f"(by security setup) | {verdict(worst < 2000)} |")
    return lines


def plots(res: dict, out: Path) -> list:
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return []
    made = []
    e2e = res["e2e"]
    m = e2e["main"]
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    for i, t in enumerate(e2e["targets"]):
        for pin, style in (("unpinned", "-o"), ("pinned", "--s")):
            s = m.get(f"{t}|{pin}")
            if not s:
                continue
            ks = [lv["inflight"] for lv in s["levels"]]
            for ax, field in ((axes[0], "p50_us"), (axes[1], "rps")):
                ax.plot(ks, [lv[field] for lv in s["levels"]], style, color=f"C{i}", label=f"{NAMES[t]} ({pin})")
    axes[0].set(xscale="log", yscale="log", xlabel="requests in flight", ylabel="p50 latency (µs)",
                title="Latency against requests in flight")
    axes[1].set(xscale="log", yscale="log", xlabel="requests in flight", ylabel="requests/s",
                title="Throughput against requests in flight")
    for ax in axes:
        ax.grid(True, which="both", alpha=0.3)
    axes[1].legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(out / "latency_vs_inflight.png", dpi=100)
    plt.close(fig)
    made.append("latency_vs_inflight.png")

    fig, ax = plt.subplots(figsize=(7, 4.5))
    ups = sorted((int(k), v) for k, v in e2e["upstreams"].items() if v)
    for k, style in ((64, "-o"), (256, "--s")):
        ax.plot([n for n, _ in ups], [level(v, k)["rps"] for _, v in ups], style, label=f"{k} in flight")
    pool = sorted((int(k), v) for k, v in e2e["pool"].items() if v)
    ax.plot([n for n, _ in pool], [level(v, 64)["rps"] for _, v in pool], ":^",
            label="1 upstream, pool size = x (64 in flight)")
    floor = level(m.get("c-forwarder|unpinned"), 64)
    if floor:
        ax.axhline(floor["rps"], color="grey", linestyle=":", label="C forwarder, 1 upstream, 64 in flight")
    ax.set(xscale="log", yscale="log", xlabel="upstreams (one process each) / pool size",
           ylabel="requests/s", title="FasterAPI proxy: throughput against upstreams")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "throughput_vs_upstreams.png", dpi=100)
    plt.close(fig)
    made.append("throughput_vs_upstreams.png")

    fig, ax = plt.subplots(figsize=(7, 4.5))
    sizes = e2e["payload_sizes"]
    for t in e2e["targets"]:
        pts = [(s, e2e["payload"].get(f"{t}|{s}")) for s in sizes]
        pts = [(s, v["seq"]["p50_us"]) for s, v in pts if v and "seq" in v]
        if pts:
            ax.plot([s / 1024 for s, _ in pts], [v for _, v in pts], "-o", label=NAMES[t])
    ax.set(xscale="log", yscale="log", xlabel="payload each way (KiB)", ylabel="sequential p50 latency (µs)",
           title="Cost against payload size")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "payload.png", dpi=100)
    plt.close(fig)
    made.append("payload.png")
    return made


def write(res: dict, out: Path = HERE) -> Path:
    e2e = res["e2e"]
    m = e2e["main"]
    h = headline(res)
    machine = res["machine"]
    made = plots(res, out)
    L = ["# Performance report", "",
         f"Generated by `bench/run.py` (what `tox -e bench` runs) on {res['date']}; every figure is the median of "
         f"{e2e['runs']} end-to-end runs or {res['micro']['runs'] if res.get('micro') else '?'} micro runs. "
         "Benchmarks assert nothing about time: this file says what was measured.", "",
         f"Machine: {machine['cpu']}, {machine['cpus']} CPUs, {machine['memory']}, {machine['os']}, "
         f"Python {machine['python']}, {machine['cc']}. Load average before/after the run: "
         f"{machine['load_before']} / {machine['load_after']}. "
         "The machine is shared (other builds and tests run beside the benchmark), so absolute figures "
         "move by tens of percent between runs; the side-by-side figures of one run are the ones to compare."
         + (f" The micro-benchmarks were run again on their own afterwards (load average {machine['load_micro']})."
            if machine.get("load_micro") else ""),
         "", "## Against the targets", ""]
    L += targets_table(res, h)
    L += ["", "Missed targets are missed: the causes found so far are under *Where the time goes*.", ""]

    L += ["## End to end", "",
          "One C load client (`c/loadgen.c`) speaks MCP over a stdio pipe to each target; behind every "
          "target is the same C upstream (`c/upstream.c`, a few hundred ns per request). Requests are "
          "`tools/call` of `echo` with empty arguments (answer `{\"content\":[{\"type\":\"text\",\"text\":\"ok\"}]}`). "
          "The FasterAPI proxy runs as `python -m fasterapi.mcp serve --config ...` with one upstream, "
          "`max_connections = 1` (the same topology as the forwarder: one upstream process), security "
          "stages off (nothing configured), health checks off, and the request log off (a second row has "
          "it on, as by default). FastMCP's proxy is `create_proxy(StdioTransport(...))` of fastmcp "
          f"{res.get('fastmcp_version', '?')}, run with its defaults. *Pinned*: every process on CPU 0 "
          "(`taskset -c 0`); *unpinned*: the scheduler's choice on both CPUs.", "",
          "### Sequential latency (one request at a time)", "",
          "| Target | p50 pinned | p99 pinned | p50 unpinned | p99 unpinned | p50 vs floor (pinned / unpinned) |",
          "|---|---|---|---|---|---|"]
    floor_p = (m.get("c-forwarder|pinned") or {}).get("seq", {}).get("p50_us")
    floor_u = (m.get("c-forwarder|unpinned") or {}).get("seq", {}).get("p50_us")
    for t in e2e["targets"]:
        p, u = m.get(f"{t}|pinned"), m.get(f"{t}|unpinned")
        ps, uss = (p or {}).get("seq", {}), (u or {}).get("seq", {})
        L.append(f"| {NAMES[t]} | {us(ps.get('p50_us'))} | {us(ps.get('p99_us'))} | {us(uss.get('p50_us'))} | "
                 f"{us(uss.get('p99_us'))} | {ratio(ps.get('p50_us'), floor_p)} / {ratio(uss.get('p50_us'), floor_u)} |")
    http = e2e.get("http")
    if http:
        hp, hu = (http.get("pinned") or {}).get("seq", {}), (http.get("unpinned") or {}).get("seq", {})
        L.append(f"| FasterAPI proxy over HTTP (wrk, K=1) | {us(hp.get('p50_us'))} | {us(hp.get('p99_us'))} | "
                 f"{us(hu.get('p50_us'))} | {us(hu.get('p99_us'))} | {ratio(hp.get('p50_us'), floor_p)} / "
                 f"{ratio(hu.get('p50_us'), floor_u)} |")
    else:
        L.append("| FasterAPI proxy over HTTP | wrk not installed: not measured | | | | |")
    for pin in ("pinned", "unpinned"):
        L += ["", f"### Throughput ({pin}), requests/s with K requests in flight, and p50 / p99 latency", "",
              "| Target | " + " | ".join(f"K={k}" for k in e2e["levels"]) + " |",
              "|---|" + "---|" * len(e2e["levels"])]
        for t in e2e["targets"]:
            s = m.get(f"{t}|{pin}")
            cells = []
            for k in e2e["levels"]:
                lv = level(s, k)
                cells.append("n/a" if not lv else f"{rps(lv['rps'])} ({us(lv['p50_us'])} / {us(lv['p99_us'])})")
            L.append(f"| {NAMES[t]} | " + " | ".join(cells) + " |")
        hs = (http or {}).get(pin)
        cells = []
        for k in e2e["levels"]:
            lv = level(hs, k)
            cells.append("n/a" if not lv else f"{rps(lv['rps'])} ({us(lv['p50_us'])} / {us(lv['p99_us'])})")
        L.append("| FasterAPI proxy over HTTP (wrk) | " + " | ".join(cells) + " |")
    if "latency_vs_inflight.png" in made:
        L += ["", "![latency and throughput against requests in flight](latency_vs_inflight.png)"]

    L += ["", "### Memory (RSS of the proxy process)", "",
          f"A bare interpreter (`python -c 'import sys; sys.stdin.read()'`, the proxy's Python): "
          f"{mb(e2e['bare_python_rss_kb'])}"
          + (f"; FastMCP's venv Python: {mb(e2e.get('bare_fastmcp_python_rss_kb'))}" if e2e.get(
              "bare_fastmcp_python_rss_kb") else "") + ". *At rest*: after the handshake and 200 requests, "
          "200 ms idle. *Under load*: the largest VmRSS at the end of the in-flight levels (up to 256). "
          "The proxy's upstream processes are not counted (they are the same C program for every target).", "",
          "| Target | at start | at rest | under load | peak (VmHWM) |", "|---|---|---|---|---|"]
    for t in e2e["targets"]:
        s = m.get(f"{t}|unpinned")
        if s:
            L.append(f"| {NAMES[t]} | {mb(s.get('rss_start_kb'))} | {mb(s['rss_rest_kb'])} | "
                     f"{mb(s['rss_load_kb'])} | {mb(s['rss_hwm_kb'])} |")

    L += ["", "### Scaling: upstreams and pool size (FasterAPI proxy, unpinned)", "",
          "N upstreams, each one process of the C upstream (`max_connections = 1`), route `u<i>_*` to "
          "upstream i; the client spreads its calls over all N.", "",
          "| Upstreams | req/s, 64 in flight | p50 | req/s, 256 in flight | p50 |", "|---|---|---|---|---|"]
    for n, s in sorted((int(k), v) for k, v in e2e["upstreams"].items()):
        a, b = level(s, 64), level(s, 256)
        L.append(f"| {n} | {rps(a and a['rps'])} | {us(a and a['p50_us'])} | {rps(b and b['rps'])} | "
                 f"{us(b and b['p50_us'])} |")
    L += ["", "One upstream, pool of up to `max_connections` processes (a new one starts when every "
          "connection has 4 requests in flight).", "",
          "| max_connections | req/s, 64 in flight | p50 | req/s, 256 in flight | p50 |", "|---|---|---|---|---|"]
    for n, s in sorted((int(k), v) for k, v in e2e["pool"].items()):
        a, b = level(s, 64), level(s, 256)
        L.append(f"| {n} | {rps(a and a['rps'])} | {us(a and a['p50_us'])} | {rps(b and b['rps'])} | "
                 f"{us(b and b['p50_us'])} |")
    if "throughput_vs_upstreams.png" in made:
        L += ["", "![throughput against upstreams](throughput_vs_upstreams.png)"]

    L += ["", "### Cost against payload size (unpinned)", "",
          "The request's arguments carry N bytes and the upstream answers with N bytes of text. Sequential "
          "p50 latency, and requests/s with 8 in flight.", "",
          "| Payload | " + " | ".join(NAMES[t] for t in e2e["targets"] if t != "fasterapi-log") + " |",
          "|---|" + "---|" * len([t for t in e2e["targets"] if t != "fasterapi-log"])]
    for size in e2e["payload_sizes"]:
        cells = []
        for t in e2e["targets"]:
            if t == "fasterapi-log":
                continue
            s = e2e["payload"].get(f"{t}|{size}")
            lv = level(s, 8)
            cells.append("n/a" if not s or "seq" not in s else
                         f"{us(s['seq']['p50_us'])}, {rps(lv and lv['rps'])}/s")
        L.append(f"| {size // 1024} KiB | " + " | ".join(cells) + " |")
    if "payload.png" in made:
        L += ["", "![latency against payload size](payload.png)"]

    micro = res.get("micro")
    if micro:
        L += ["", "## Micro-benchmarks (C++ loops, ns per operation)", "",
              "Timed inside C++ loops exposed through the bindings (`cpp/bindings/bind_bench.cpp`, "
              "`bind_security.cpp`), so Python's call cost is not counted. The `bind_bench.cpp` loops (routing, "
              "pool, chain) count the thread's CPU time, so time spent descheduled on the shared machine is "
              "left out; the security loops count wall time. Guide's figures: routing < 0.1 µs, "
              "auth < 1 µs, rate limit < 0.05 µs, pool < 0.01 µs, whole chain < 2 µs.", "",
              "### Route match", "",
              "Tables of mixed routes, in turn a tool literal (`tool_<i>`), a prefix (`svc<i>_*`), a glob "
              "(`a<i>_*_op?`) and a resource/prompt-only route. *first match*: `RouteTable::match` with names "
              "whose routes are spread evenly over the table; *match_all*: `RouteTable::match_all`, which a "
              "routed request calls (failover candidates) and which walks the whole table; *miss*: no route "
              "matches; *head*: the first route matches.", "",
              "| Routes | first match | match_all (request path) | miss | head |", "|---|---|---|---|---|"]
        for r in micro["route"]:
            L.append(f"| {r['routes']:,} | {ns(r['first'])} | {ns(r['all'])} | {ns(r['miss'])} | {ns(r['head'])} |")
        L += ["", "### Pool acquire and release", "",
              "The pool multiplexes: every request goes on the least-loaded shared connection, which is never "
              "checked out, so acquiring is picking it and releasing is no work. `Upstream::pick` is private "
              "and its connections are child processes, so the figure is the same logic on stand-in "
              "connections (`bind_bench.cpp`, `bench_pool`): *pick* walks the pool for the least-loaded "
              "usable shared connection and counts the live ones. *pick + id tracking* adds what "
              "`UpstreamConnection::send` and `on_response` do for each request on it, with the same types: "
              "our id, the pending entry in a flat map with its completion (`InlineFunction` holding two "
              "shared pointers, as the session's does) and deadline, the deadline FIFO; then find, erase, "
              "run. That tracking is per request, not per connection, and is counted in the whole chain below.",
              "", "| Connections | pick | pick + id tracking |", "|---|---|---|"]
        for r in micro["pool"]:
            L.append(f"| {r['connections']} | {ns(r['pick'])} | {ns(r['acquire_release'])} |")
        L += ["", "### The whole chain for one request, without I/O", "",
              "A `tools/call` line through the real functions in order (`bench_chain`): parse "
              "(`json::parse`), envelope (`protocol::classify`, `_meta`, the id key and duplicate check), "
              "auth (`SecurityChain::admit`), route (`RouteTable::match_all`), authz and rate limit "
              "(`SecurityChain::check_call`), the session's bookkeeping (call state, in-flight map, stats "
              "maps), forward (our id, pending entry, `strip_stateless_meta`, `protocol::to_line`); the "
              "round trip adds the upstream's answer as the proxy now reads it (the skim, pending lookup, "
              "the client's id spliced into its bytes). This is a request's document path; a plain "
              "`tools/call` (docs/performance.md) replaces parse, envelope and serialise with a skim and a "
              "splice. The target route sits in the middle of the table. Not included: the request log "
              "line, the event loop and the pipes.", "",
              "| Security | Routes | request leg | round trip |", "|---|---|---|---|"]
        for r in micro["chain"]["rows"]:
            L.append(f"| {r['case']} | {r['routes']:,} | {ns(r['request'])} | {ns(r['round_trip'])} |")
        st = micro["chain"].get("stages")
        if st:
            L += ["", f"Stage by stage ({st['case']}, {st['routes']:,} routes; each stage is the difference of "
                  "two cumulative loops, so small stages are noisy):", "", "| Stage | ns |", "|---|---|"]
            for name, v in st["stages"]:
                L.append(f"| {name} | {ns(v)} |")
        L += ["", "### Security stages", "", "| Benchmark | median | guide |", "|---|---|---|"]
        for r in micro["security"]:
            goal = f"< {r['target'] / 1000:g} µs" if r["target"] >= 1000 else f"< {r['target']} ns"
            L.append(f"| {r['name']} | {ns(r['ns'])} | {goal} |")

    L += ["", "## Where the time goes", ""] + res.get("findings", [])
    if e2e.get("failures"):
        L += ["", "## Runs that failed or saw error answers", ""] + [f"- {f}" for f in e2e["failures"]]
    L += ["", "## Reproduce", "",
          "```bash", "tox -e bench                       # everything; rewrites this file and the PNGs",
          "tox -e bench -- --quick            # shorter runs, fewer points (same report)",
          "python bench/bench_micro.py        # micro only (needs the package built and importable)",
          "```", "",
          "`bench/run.py` builds the C helpers with the system `cc`, installs fastmcp into its own venv "
          "(`$FASTERAPI_BENCH_FASTMCP_VENV`, default `/tmp/fasterapi-bench-fastmcp`) the first time, and "
          "keeps the raw figures in `bench/results/latest.json`.", ""]
    path = out / "REPORT.md"
    path.write_text("\n".join(L))
    return path


if __name__ == "__main__":
    src = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "results" / "latest.json"
    print(write(json.loads(src.read_text())))
