"""The third-party @modelcontextprotocol/conformance server suite, run against a URL, one
spec revision at a time.

Node 22 and the suite come from npm into CONFORMANCE_HOME/suite-<version> (scenarios/npm_tools.py). The suite is pinned here, apart
from fakes/conformance/run_suite.sh: this version is the first to know the 2026-07-28
revision, and its scenarios change between versions.

Each revision has its own baseline for the suite's `--expected-failures`:
conformance/baseline/third-party/<revision>.yml. The suite enforces it both ways: a failing
check that is not listed fails the run, and so does a listed one that now passes ("stale")."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Tuple

from .npm_tools import npm_package

ROOT = Path(__file__).resolve().parents[1]
BASELINES = ROOT / "conformance" / "baseline" / "third-party"
SUITE_VERSION = "0.2.0-alpha.12"

# The revisions the pinned suite tags its server scenarios with (`conformance list --server`).
REVISIONS = ("2025-03-26", "2025-06-18", "2025-11-25", "2026-07-28")


def baseline(revision: str) -> Path:
    return BASELINES / f"{revision}.yml"


def suite_paths() -> Tuple[Path, Path]:
    node, package = npm_package(f"suite-{SUITE_VERSION}", "@modelcontextprotocol/conformance", SUITE_VERSION)
    return node, package / "dist" / "index.js"


def run_suite(url: str, workdir: Path, revision: str) -> Tuple[bool, str]:
    """Every server scenario the suite tags with `revision` (pending ones included), run at
    that revision's wire, judged against that revision's baseline. Returns (the suite's exit
    status was 0, the summary it printed: totals, stale entries, unexpected failures)."""
    node, suite_js = suite_paths()
    argv = [str(node), str(suite_js), "server", "--url", url, "--suite", "all", "--spec-version", revision,
            "--expected-failures", str(baseline(revision)), "-o", str(workdir / f"suite-{revision}")]
    done = subprocess.run(argv, cwd=workdir, capture_output=True, text=True, timeout=600)
    out = re.sub(r"\x1b\[[0-9;]*m", "", done.stdout + done.stderr)
    (workdir / f"suite-{revision}.txt").write_text(out)
    summary = out.split("=== SUMMARY ===", 1)[-1]
    # The per-scenario lines that passed say nothing; totals and the baseline verdict do.
    lines = [ln for ln in summary.strip().splitlines() if ln.strip() and not ln.startswith("✓ ")]
    return done.returncode == 0, "\n".join(lines[-40:])
