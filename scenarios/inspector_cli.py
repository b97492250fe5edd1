"""The MCP Inspector's command-line mode (npm @modelcontextprotocol/inspector), run against an
MCP URL: a real third-party client listing and calling tools through the proxy.

Node 22 and the Inspector come from npm into CONFORMANCE_HOME/inspector-<version>
(scenarios/npm_tools.py). The Inspector is pinned: its command line changes between releases."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any, Dict, List

from .npm_tools import npm_package

INSPECTOR_VERSION = "2.12.0"
PACKAGE = "@modelcontextprotocol/inspector"


def inspector_command() -> List[str]:
    """node + the Inspector's launcher in CLI mode, installing both on first use."""
    node, package = npm_package(f"inspector-{INSPECTOR_VERSION}", PACKAGE, INSPECTOR_VERSION)
    return [str(node), str(package / "clients" / "launcher" / "build" / "index.js"), "--cli"]


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
