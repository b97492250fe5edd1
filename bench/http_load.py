"""The HTTP row of the end-to-end benchmarks: this proxy serving Streamable HTTP (2026-07-28
stateless POSTs to /mcp) in front of the same C upstream as the stdio rows, loaded by wrk
(Debian's `wrk`, a C load generator) with K keep-alive connections and one request in flight
on each, so K is the number of requests in flight. K = 1 gives the sequential latency.

wrk is not on PyPI; without it on PATH the HTTP row says so instead of a figure."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional

BODY = ('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hi"},'
        '"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28",'
        '"io.modelcontextprotocol/clientCapabilities":{}}}}')
SCRIPT = f"""wrk.method = "POST"
wrk.body = '{BODY}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
wrk.headers["MCP-Protocol-Version"] = "2026-07-28"
wrk.headers["Mcp-Method"] = "tools/call"
wrk.headers["Mcp-Name"] = "echo"
"""
UNITS = {"us": 1.0, "ms": 1000.0, "s": 1_000_000.0}


def wrk_path() -> Optional[str]:
    return shutil.which("wrk")


def _rss_kb(pid: int) -> Optional[int]:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def _parse(out: str) -> Dict[str, float]:
    """Requests/s, p50 and p99 (µs) and non-2xx answers from wrk --latency's report."""
    got: Dict[str, float] = {"errors": 0}
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if m:
        got["rps"] = float(m.group(1))
    for pct, key in (("50", "p50_us"), ("99", "p99_us")):
        m = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if m:
            got[key] = float(m.group(1)) * UNITS[m.group(2)]
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    if m:
        got["errors"] = int(m.group(1))
    return got


def run_http(proxy_cmd: List[str], env: dict, workdir: Path, levels, duration_s: float, pinned: bool,
             fail: Callable[[str], None]) -> Optional[dict]:
    """One round: start the proxy on a free port, warm it up, then wrk at each level."""
    wrk = wrk_path()
    if not wrk:
        return None
    script = workdir / "mcp_post.lua"
    script.write_text(SCRIPT)
    pin = ["taskset", "-c", "0"] if pinned else []
    proc = subprocess.Popen(pin + proxy_cmd + ["--transport", "http", "--port", "0"], cwd=workdir, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        url = None
        deadline = time.monotonic() + 30
        for line in proc.stderr:  # "fasterapi-mcp: serving MCP on http://127.0.0.1:PORT/mcp"
            m = re.search(r"serving MCP on (http://\S+)", line)
            if m:
                url = m.group(1)
                break
            if time.monotonic() > deadline:
                break
        if not url:
            fail(f"http (pinned={pinned}): the proxy never said where it serves")
            return None
        # The rest of stderr (the request log is off) must not fill the pipe.
        subprocess.Popen(["cat"], stdin=proc.stderr, stdout=subprocess.DEVNULL)

        def wrk_round(k: int, seconds: float) -> Dict[str, float]:
            done = subprocess.run(pin + [wrk, "-t1", f"-c{k}", f"-d{seconds}s", "--latency", "-s", str(script), url],
                                  capture_output=True, text=True, timeout=120)
            return _parse(done.stdout)

        wrk_round(8, 0.5)  # starts the upstream and warms the connections
        time.sleep(0.2)
        out = {"rss_rest_kb": _rss_kb(proc.pid), "levels": []}
        for k in levels:
            got = wrk_round(k, duration_s)
            if "rps" not in got or got["errors"]:
                fail(f"http K={k} (pinned={pinned}): {got}")
            out["levels"].append({"inflight": k, **got})
        out["rss_load_kb"] = _rss_kb(proc.pid)
        one = next((lv for lv in out["levels"] if lv["inflight"] == 1), None)
        out["seq"] = {"p50_us": one.get("p50_us"), "p99_us": one.get("p99_us")} if one else {}
        return out
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
