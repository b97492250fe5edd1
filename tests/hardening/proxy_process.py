"""The proxy as a process of its own (`python -m fasterapi.mcp serve` with a TOML file), so its
memory and descriptors in /proc are the proxy's alone, not the test's."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List

from support.line_client import LineClient
from support.processes import status_kib


def _table(header: str, values: Dict[str, Any]) -> List[str]:
    # JSON strings, numbers, booleans and lists of strings are also TOML.
    return [header] + [f"{key} = {json.dumps(value)}" for key, value in values.items()] + [""]


def under_asan() -> bool:
    return "libasan" in os.environ.get("LD_PRELOAD", "")


# Memory bounds are stated for a normal build. Under ASan (tox -e asan) each live allocation
# carries redzones and the allocator rounds sizes up, roughly doubling what a backlog costs:
# the bounds are doubled there, still far below any flood held whole.
MEMORY_FACTOR = 2 if under_asan() else 1


def proxy_environment() -> Dict[str, str]:
    """The test's environment, for a proxy process whose memory a test measures."""
    env = dict(os.environ)
    if under_asan():
        # ASan keeps freed memory in a quarantine (256 MiB by default), resident until it is
        # recycled: capped here so the bounds measure what the proxy holds, not the tool.
        env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":quarantine_size_mb=16"
    return env


class ProxyProcess:
    def __init__(self, workdir: Path, upstreams: List[Dict[str, Any]], routes: List[Dict[str, Any]],
                 proxy: Dict[str, Any]) -> None:
        lines = _table("[proxy]", proxy)
        for u in upstreams:
            lines += _table("[[upstreams]]", u)
        for r in routes:
            lines += _table("[[routes]]", r)
        config = workdir / "proxy.toml"
        config.write_text("\n".join(lines))
        self.log_path = workdir / "proxy.stderr"
        with open(self.log_path, "wb") as log:
            # Run outside the source tree, so the installed package (and its core) is imported.
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "fasterapi.mcp", "serve", "--config", str(config)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, cwd=workdir,
                env=proxy_environment())
        self.client = LineClient(os.dup(self.proc.stdout.fileno()), os.dup(self.proc.stdin.fileno()))

    def peak_rss_kib(self) -> int:
        return status_kib(self.proc.pid, "VmHWM")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def close(self, timeout: float = 30) -> int:
        """EOF on the proxy's stdin; its exit code (0: it shut down cleanly)."""
        self.client.close()
        self.proc.stdin.close()
        try:
            return self.proc.wait(timeout=timeout)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            self.proc.stdout.close()
