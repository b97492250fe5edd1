"""End-to-end benchmarks: the same C load client (c/loadgen.c) and the same near-zero-cost C
upstream (c/upstream.c) with different things between them, side by side in one run:

  direct        the client talks to the upstream itself
  c-forwarder   a trivial C program forwarding lines between pipes (c/forwarder.c): the floor
  fasterapi     this proxy over stdio: python -m fasterapi.mcp serve --config <toml>
  fastmcp       FastMCP's proxy (PyPI fastmcp, create_proxy) over stdio (fastmcp_proxy.py)
  http          this proxy serving Streamable HTTP, loaded by wrk (http_load.py; needs wrk)

The C helpers are compiled here with the system cc. Results are medians over --runs runs;
the rounds go through the targets in turn, so noise from the shared machine falls on all of
them alike. Nothing is asserted about time.

    python bench/e2e.py --fastmcp-python /path/to/venv/bin/python [--quick] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import http_load  # noqa: E402

LEVELS = (1, 8, 64, 256)
UPSTREAM_COUNTS = (1, 2, 4, 8, 16, 32, 64)
POOL_SIZES = (1, 2, 4, 8, 16)
PAYLOADS = (1024, 4096, 16384, 65536, 262144, 1048576)


def build_helpers(out: Path) -> dict:
    cc = os.environ.get("CC", "cc")
    binaries = {}
    for name, extra in (("upstream", []), ("forwarder", ["-pthread"]), ("loadgen", [])):
        target = out / name
        subprocess.run([cc, "-O2", "-Wall", "-o", str(target), str(HERE / "c" / f"{name}.c"), *extra],
                       check=True)
        binaries[name] = str(target)
    return binaries


def package_path() -> str:
    """The directory holding the importable fasterapi package (source tree or site-packages)."""
    import fasterapi.mcp  # noqa: F401  (the compiled core must be importable too)
    from fasterapi.mcp import _core  # noqa: F401
    return str(Path(sys.modules["fasterapi"].__file__).resolve().parent.parent)


def toml_string(s: str) -> str:
    return json.dumps(s)


def proxy_config(path: Path, upstream: str, upstreams: int = 1, max_connections: int = 1,
                 request_log: bool = False) -> Path:
    """A proxy config in front of `upstreams` copies of the C upstream; with more than one,
    tool u<i>_* goes to upstream i (the load client spreads its calls over them)."""
    lines = ["[proxy]", 'name = "bench"',
             # No credentials are configured, so the security stages are switched off
             # (on with nothing to enforce they only print a warning).
             "enable_auth = false", "enable_rate_limiting = false", "enable_authorization = false",
             f"enable_request_logging = {'true' if request_log else 'false'}", ""]
    for i in range(upstreams):
        lines += ["[[upstreams]]", f'name = "u{i}"', 'transport_type = "stdio"',
                  f"command = {toml_string(upstream)}", "args = []",
                  f"max_connections = {max_connections}", "enable_health_check = false",
                  "max_retries = 0", ""]
    for i in range(upstreams):
        pattern = "*" if upstreams == 1 else f"u{i}_*"
        lines += ["[[routes]]", f'upstream_name = "u{i}"', f'tool_pattern = "{pattern}"', ""]
    path.write_text("\n".join(lines))
    return path


class Runner:
    def __init__(self, bins: dict, workdir: Path, fastmcp_python: str | None, python: str):
        self.bins = bins
        self.workdir = workdir
        self.python = python
        self.fastmcp_python = fastmcp_python
        self.env = dict(os.environ, PYTHONPATH=package_path(), PYTHONDONTWRITEBYTECODE="1")
        self.env.pop("FASTERAPI_MCP_TOKEN", None)
        self._configs = {}
        self.failures = []

    def config(self, **kw) -> Path:
        key = tuple(sorted(kw.items()))
        if key not in self._configs:
            name = "proxy-" + "-".join(f"{k}{v}" for k, v in key) + ".toml"
            self._configs[key] = proxy_config(self.workdir / name, self.bins["upstream"], **kw)
        return self._configs[key]

    def command(self, target: str, **kw) -> list:
        up = self.bins["upstream"]
        if target == "direct":
            return [up]
        if target == "c-forwarder":
            return [self.bins["forwarder"], up]
        if target == "fasterapi":
            return [self.python, "-m", "fasterapi.mcp", "serve", "--config", str(self.config(**kw))]
        if target == "fasterapi-log":
            return [self.python, "-m", "fasterapi.mcp", "serve", "--config",
                    str(self.config(request_log=True, **kw))]
        if target == "fastmcp":
            return [self.fastmcp_python, str(HERE / "fastmcp_proxy.py"), up]
        raise ValueError(target)

    def load(self, target: str, args: list, pinned: bool = False, **kw) -> dict | None:
        cmd = ["taskset", "-c", "0"] if pinned else []
        cmd += [self.bins["loadgen"], "--stderr", str(self.workdir / f"{target}.stderr"), *args, "--",
                *self.command(target, **kw)]
        try:
            done = subprocess.run(cmd, cwd=self.workdir, env=self.env, capture_output=True, text=True,
                                  timeout=600)
        except subprocess.TimeoutExpired:
            self.failures.append(f"{target} {args}: timed out")
            return None
        if done.returncode != 0 or not done.stdout.strip():
            self.failures.append(f"{target} {args} (pinned={pinned}): exit {done.returncode}: "
                                 f"{done.stderr.strip()[-300:]}")
            return None
        result = json.loads(done.stdout)
        if result.get("errors"):
            self.failures.append(f"{target} {args}: {result['errors']} error answers "
                                 f"({done.stderr.strip()[-300:]})")
        return result


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def summarise(results: list) -> dict | None:
    """Medians over runs of every figure the load client reports."""
    results = [r for r in results if r]
    if not results:
        return None
    out = {"runs": len(results),
           "startup_s": median(r["startup_s"] for r in results),
           "rss_start_kb": median(r["rss_start_kb"] for r in results),
           "rss_rest_kb": median(r["rss_rest_kb"] for r in results),
           "rss_load_kb": median(r["rss_load_kb"] for r in results),
           "rss_hwm_kb": median(r["rss_hwm_kb"] for r in results),
           "errors": sum(r["errors"] for r in results)}
    if all("seq" in r for r in results):
        out["seq"] = {k: median(r["seq"][k] for r in results) for k in ("p50_us", "p90_us", "p99_us", "mean_us")}
        out["seq"]["n"] = sum(r["seq"]["n"] for r in results)
    levels = {}
    for r in results:
        for lv in r["levels"]:
            levels.setdefault(lv["inflight"], []).append(lv)
    out["levels"] = [{"inflight": k, **{f: median(lv[f] for lv in v) for f in ("rps", "p50_us", "p99_us")},
                      "all_rps": [lv["rps"] for lv in v]}
                     for k, v in sorted(levels.items())]
    return out


def summarise_http(results: list) -> dict | None:
    """Medians over runs of the HTTP row's figures (bench/http_load.py)."""
    results = [r for r in results if r]
    if not results:
        return None
    levels = {}
    for r in results:
        for lv in r["levels"]:
            if "rps" in lv:
                levels.setdefault(lv["inflight"], []).append(lv)
    return {"runs": len(results),
            "rss_rest_kb": median(r["rss_rest_kb"] for r in results),
            "rss_load_kb": median(r["rss_load_kb"] for r in results),
            "seq": {k: median(r["seq"].get(k) for r in results) for k in ("p50_us", "p99_us")},
            "levels": [{"inflight": k, **{f: median(lv.get(f) for lv in v) for f in ("rps", "p50_us", "p99_us")}}
                       for k, v in sorted(levels.items())]}


def bare_python_rss_kb(python: str, env: dict, cwd: Path) -> int:
    """VmRSS of an interpreter that has started and waits on stdin (imports nothing)."""
    p = subprocess.Popen([python, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE,
                         env=env, cwd=cwd)
    time.sleep(0.7)
    rss = -1
    with open(f"/proc/{p.pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
    p.stdin.close()
    p.wait(timeout=10)
    return rss


def run(args) -> dict:
    runs = args.runs
    quick = args.quick
    work = Path(tempfile.mkdtemp(prefix="fasterapi-bench-"))
    try:
        bins = build_helpers(work)
        runner = Runner(bins, work, args.fastmcp_python, args.python or sys.executable)
        targets = ["direct", "c-forwarder", "fasterapi", "fasterapi-log"]
        if args.fastmcp_python:
            targets.append("fastmcp")
        duration = "0.3" if quick else "1.0"
        main_args = ["--seq", "500" if quick else "2000", "--seq-max-s", "1" if quick else "2",
                     "--warmup", "200", "--inflight", ",".join(map(str, LEVELS)), "--duration", duration,
                     "--warmup-s", "0.25"]
        out = {"targets": targets, "levels": LEVELS, "runs": runs}

        # 1. Side by side: sequential latency and throughput, pinned and unpinned.
        raw = {}
        for rnd in range(runs):
            for pinned in (True, False):
                for t in targets:
                    print(f"[e2e] round {rnd + 1}/{runs} {'pinned' if pinned else 'unpinned'}: {t}",
                          file=sys.stderr, flush=True)
                    raw.setdefault((t, pinned), []).append(runner.load(t, main_args, pinned=pinned))
        out["main"] = {f"{t}|{'pinned' if p else 'unpinned'}": summarise(v) for (t, p), v in raw.items()}

        # 1b. The same proxy and upstream over Streamable HTTP, wrk as the client.
        out["http"] = None
        if http_load.wrk_path():
            raw = {}
            for rnd in range(runs):
                for pinned in (True, False):
                    print(f"[e2e] round {rnd + 1}/{runs} {'pinned' if pinned else 'unpinned'}: http",
                          file=sys.stderr, flush=True)
                    raw.setdefault(pinned, []).append(http_load.run_http(
                        runner.command("fasterapi"), runner.env, work, LEVELS, max(1, round(float(duration))),
                        pinned, runner.failures.append))
            out["http"] = {("pinned" if p else "unpinned"): summarise_http(v) for p, v in raw.items()}
        else:
            print("[e2e] wrk is not installed (apt install wrk): the HTTP row is left out", file=sys.stderr)

        # 2. RSS of a bare interpreter, for the proxy's RSS to be compared with.
        out["bare_python_rss_kb"] = bare_python_rss_kb(runner.python, runner.env, work)
        if args.fastmcp_python:
            out["bare_fastmcp_python_rss_kb"] = bare_python_rss_kb(args.fastmcp_python, runner.env, work)

        # 3. Throughput against the number of upstreams (one process each), 64 in flight.
        scale_args = ["--seq", "0", "--inflight", "64,256", "--duration", duration, "--warmup-s", "0.25"]
        counts = (1, 4, 16, 64) if quick else UPSTREAM_COUNTS
        raw = {}
        for rnd in range(runs):
            for n in counts:
                print(f"[e2e] round {rnd + 1}/{runs} upstreams={n}", file=sys.stderr, flush=True)
                raw.setdefault(n, []).append(runner.load(
                    "fasterapi", ["--tools", str(n), "--warmup", str(max(200, 4 * n)), *scale_args],
                    upstreams=n, max_connections=1))
        out["upstreams"] = {n: summarise(v) for n, v in raw.items()}

        # 4. Throughput against the pool size (max_connections) of one upstream.
        sizes = (1, 4, 16) if quick else POOL_SIZES
        raw = {}
        for rnd in range(runs):
            for size in sizes:
                print(f"[e2e] round {rnd + 1}/{runs} max_connections={size}", file=sys.stderr, flush=True)
                raw.setdefault(size, []).append(runner.load(
                    "fasterapi", ["--warmup", "200", *scale_args], max_connections=size))
        out["pool"] = {s: summarise(v) for s, v in raw.items()}

        # 5. Cost against payload size: N bytes in the request's arguments and N bytes back.
        sizes = (1024, 65536, 1048576) if quick else PAYLOADS
        payload_targets = [t for t in targets if t != "fasterapi-log"]
        raw = {}
        for rnd in range(runs):
            for size in sizes:
                for t in payload_targets:
                    print(f"[e2e] round {rnd + 1}/{runs} payload={size}: {t}", file=sys.stderr, flush=True)
                    raw.setdefault((t, size), []).append(runner.load(
                        t, ["--payload", str(size), "--warmup", "20", "--seq", "300", "--seq-max-s", "1",
                            "--inflight", "8", "--duration", "0.5", "--warmup-s", "0.1"]))
        out["payload"] = {f"{t}|{s}": summarise(v) for (t, s), v in raw.items()}
        out["payload_sizes"] = list(sizes)
        out["failures"] = runner.failures
        return out
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (median reported)")
    parser.add_argument("--quick", action="store_true", help="shorter runs and fewer points")
    parser.add_argument("--fastmcp-python", help="python of a venv with fastmcp (else FastMCP is skipped)")
    parser.add_argument("--python", help="python that runs the proxy (default: this one)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (configs, stderr)")
    parser.add_argument("--json", help="write the results here")
    args = parser.parse_args()
    out = run(args)
    text = json.dumps(out, indent=1)
    if args.json:
        Path(args.json).write_text(text)
    else:
        print(text)


if __name__ == "__main__":
    main()
