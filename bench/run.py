"""Runs every benchmark and rewrites bench/REPORT.md (what `tox -e bench` runs).

    python bench/run.py [--quick] [--runs N] [--micro-runs N] [--no-fastmcp] [--fastmcp-python PY]

FastMCP's proxy runs in a venv of its own (its pins must not meet the project's), created
with `pip install fastmcp==4.1.2` the first time at $FASTERAPI_BENCH_FASTMCP_VENV (default
/tmp/fasterapi-bench-fastmcp).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_micro  # noqa: E402
import e2e  # noqa: E402
import findings  # noqa: E402
import report  # noqa: E402

FASTMCP_VERSION = "4.1.2"  # the newest that installs here


def fastmcp_python(explicit: str | None) -> str | None:
    if explicit:
        return explicit
    venv = Path(os.environ.get("FASTERAPI_BENCH_FASTMCP_VENV", "/tmp/fasterapi-bench-fastmcp"))
    py = venv / "bin" / "python"
    ok = py.exists() and subprocess.run(
        [str(py), "-c", f"import fastmcp, sys; sys.exit(fastmcp.__version__ != '{FASTMCP_VERSION}')"],
        capture_output=True).returncode == 0
    if not ok:
        print(f"[bench] installing fastmcp=={FASTMCP_VERSION} into {venv}", file=sys.stderr, flush=True)
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        done = subprocess.run([str(py), "-m", "pip", "install", "-q", f"fastmcp=={FASTMCP_VERSION}"])
        if done.returncode != 0:
            print("[bench] could not install fastmcp: FastMCP is left out of this run", file=sys.stderr)
            return None
    return str(py)


def first_line(cmd: list) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True).stdout.splitlines()[0].strip()
    except (OSError, IndexError):
        return "?"


def machine() -> dict:
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kb = int(f.readline().split()[1])
    return {"cpu": cpu, "cpus": os.cpu_count(), "memory": f"{mem_kb / 1024 / 1024:.0f} GiB RAM",
            "os": f"{platform.system()} {platform.release()}", "python": platform.python_version(),
            "cc": first_line(["cc", "--version"]),
            "load_before": " ".join(f"{x:.2f}" for x in os.getloadavg())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter runs and fewer points")
    parser.add_argument("--runs", type=int, default=3, help="end-to-end runs per figure (median)")
    parser.add_argument("--micro-runs", type=int, default=5, help="micro runs per figure (median)")
    parser.add_argument("--no-fastmcp", action="store_true", help="leave FastMCP's proxy out")
    parser.add_argument("--fastmcp-python", help="python of an existing venv with fastmcp")
    parser.add_argument("--out", default=str(HERE), help="where REPORT.md and the PNGs go")
    args = parser.parse_args()

    res = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
           "machine": machine(), "fastmcp_version": FASTMCP_VERSION}
    fm = None if args.no_fastmcp else fastmcp_python(args.fastmcp_python)
    print("[bench] micro-benchmarks", file=sys.stderr, flush=True)
    res["micro"] = bench_micro.collect(2 if args.quick else args.micro_runs)
    print("[bench] end to end", file=sys.stderr, flush=True)
    res["e2e"] = e2e.run(argparse.Namespace(runs=1 if args.quick else args.runs, quick=args.quick,
                                            fastmcp_python=fm, python=None, keep=False))
    res["machine"]["load_after"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    res["findings"] = findings.lines(res)
    out = Path(args.out)
    (out / "results").mkdir(parents=True, exist_ok=True)
    (out / "results" / "latest.json").write_text(json.dumps(res, indent=1))
    path = report.write(res, out)
    print(f"[bench] wrote {path}", file=sys.stderr)
    h = report.headline(res)
    for key in sorted(h):
        print(f"  {key}: {h[key]}", file=sys.stderr)


if __name__ == "__main__":
    main()
