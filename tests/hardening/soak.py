"""Soak: a bounded run of many concurrent clients against a proxy in front of a steady, a
crashing, a hanging and a flooding fake, checking that nothing leaks and nothing is lost.

Short form (CI): tests/hardening/test_soak.py, FASTERAPI_SOAK_SECONDS long (60).
Long form:       python tests/hardening/soak.py --minutes 10 [--clients 32] [--seed 1]
                 (exit status 0 when every check holds; the figures are printed as JSON).

The proxy runs as its own process (socket_proxy.py), each client a session over a unix
socket, so the proxy's memory, descriptors and children are read from /proc alone."""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any, Dict, List

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:
    sys.path.insert(0, str(HERE.parent))  # tests/, for support.*

from mcp_fakes import calls, command, read_record  # noqa: E402
from support.line_client import LineClient  # noqa: E402
from support.processes import descendants, marked, open_fds, state, status_kib, zombies_under  # noqa: E402
from support.proxy_helpers import eventually  # noqa: E402
from hardening.proxy_process import MEMORY_FACTOR, proxy_environment  # noqa: E402

# What a run must hold, and why:
# - resident memory after the run at most RSS_GROWTH_MIB above what it was once every client
#   and upstream was warm: per-request state must not accumulate (a leak of even 1 KiB per
#   request shows beyond this within a minute at this load);
RSS_GROWTH_MIB = 32 * MEMORY_FACTOR  # doubled under ASan (proxy_process.py says why)
# - descriptors: the same count once each live upstream process's 4 (3 pipes and a pidfd)
#   are set aside, give or take FD_SLACK for a connection being set up or torn down;
FDS_PER_UPSTREAM_PROCESS = 4
FD_SLACK = 8
# - every request answered exactly once; the steady upstream received each of its calls
#   exactly once; no zombie (beyond the instant before a reap); spawns == exits at the end;
#   no process carrying RUN_MARK left anywhere.
RUN_MARK = "FASTERAPI_SOAK_RUN"

# name, fake profile, faults, the tools routed to it, upstream options
UPSTREAMS = [
    ("steady", "math", [], "math_*", {}),
    ("crashy", "echo", ["crash p=0.02 tool=echo"], "echo", {"max_retries": 0}),
    ("hangy", "data", ["drop_response p=0.05 tool=data_*"], "data_*",
     {"max_retries": 0, "request_timeout_ms": 500}),
    ("floody", "admin", ["notification_flood count=50 size=200 tool=admin_status"], "admin_*",
     {"max_retries": 0}),
]


def write_config(workdir: Path) -> Path:
    # The breaker reopens the crashing upstream after a second, so it crashes again and again.
    lines = ["[proxy]", 'name = "soak"', "enable_request_logging = false", "circuit_breaker_open_ms = 1000", ""]
    for name, profile, faults, pattern, options in UPSTREAMS:
        # Only the steady fake keeps a record (the one checked): a long run's floods would
        # fill the disk.
        record = ["--record", str(workdir / f"{name}.jsonl")] if name == "steady" else []
        argv = command("--profile", profile, *record, *[a for f in faults for a in ("--fault", f)])
        upstream = {"name": name, "transport_type": "stdio", "command": argv[0], "args": argv[1:],
                    "max_connections": 2, "shutdown_grace_ms": 500, **options}
        lines += ["[[upstreams]]"] + [f"{k} = {json.dumps(v)}" for k, v in upstream.items()]
        # The run's mark on every upstream process, to find any left behind wherever it went.
        lines += [f"env = {{ {RUN_MARK} = {json.dumps(str(workdir))} }}", ""]
        lines += ["[[routes]]", f'upstream_name = "{name}"', f"tool_pattern = {json.dumps(pattern)}", ""]
    path = workdir / "soak.toml"
    path.write_text("\n".join(lines))
    return path


class SocketClient(LineClient):
    """A session over a unix socket; close() half-closes it, as EOF on stdin would."""

    def __init__(self, path: str) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        super().__init__(os.dup(self.sock.fileno()), os.dup(self.sock.fileno()), keep_raw=False)

    def close(self) -> None:
        self.sock.shutdown(socket.SHUT_WR)
        super().close()
        self.sock.close()


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.outcomes: Counter = Counter()
        self.math_add_sent = 0
        self.wrong: List[str] = []      # answers that are not what was asked for
        self.unanswered: List[str] = []  # a request with no answer within the bound
        self.duplicates: List[str] = []  # an answer no request was waiting for
        self.flood_notifications = 0
        self.crashed: List[str] = []  # a client thread that stopped on an exception

    def add(self, what: str) -> None:
        with self.lock:
            self.outcomes[what] += 1


def one_call(rng: random.Random, client: LineClient, tally: Tally) -> None:
    pick = rng.random()
    if pick < 0.5:
        a, b = rng.randrange(1000), rng.randrange(1000)
        with tally.lock:
            tally.math_add_sent += 1
        method, params, want = "tools/call", {"name": "math_add", "arguments": {"a": a, "b": b}}, a + b
    elif pick < 0.7:
        text = f"t{rng.randrange(10**6)}"
        method, params, want = "tools/call", {"name": "echo", "arguments": {"text": text}}, text
    elif pick < 0.85:
        method, params, want = "tools/call", {"name": "data_count", "arguments": {"table": "users"}}, None
    elif pick < 0.95:
        method, params, want = "tools/call", {"name": "admin_status", "arguments": {}}, None
    else:
        method, params, want = "tools/list", None, None
    rid = client.start_request(method, params)
    try:
        r = client.wait_response(rid, timeout=30)
    except TimeoutError:
        with tally.lock:
            tally.unanswered.append(f"{method} {params}")
        return
    if "error" in r:
        tally.add(f"error {r['error']['code']} {(r['error'].get('data') or {}).get('reason', '')}")
        if params and params["name"] == "math_add":
            tally.wrong.append(f"math_add failed: {r['error']}")
        return
    tally.add(f"ok {params['name'] if params else method}")
    result = r["result"]
    if params and params["name"] == "math_add" and result["structuredContent"]["result"] != want:
        tally.wrong.append(f"math_add {params['arguments']} -> {result}")
    if params and params["name"] == "echo" and result["content"][0]["text"] != want:
        tally.wrong.append(f"echo {want!r} -> {result}")


def client_loop(path: str, seed: int, start: Dict[str, Any], tally: Tally, warm: threading.Barrier) -> None:
    """`start`: the main thread sets "deadline" and then the event "go" once all are warm."""
    rng = random.Random(seed)
    client = SocketClient(path)
    try:
        run_client(client, rng, start, tally, warm)
    except Exception as e:  # an answer of the wrong shape, a broken barrier: the run fails
        with tally.lock:
            tally.crashed.append(f"client {seed}: {e!r}")
        warm.abort()
    finally:
        client.close()
        client.wait_closed(timeout=60)
        for key, msgs in client.unclaimed().items():
            with tally.lock:
                tally.duplicates.append(f"client {seed} id {key}: {msgs[:1]}")


def run_client(client: LineClient, rng: random.Random, start: Dict[str, Any], tally: Tally,
               warm: threading.Barrier) -> None:
    client.initialize()
    client.request("logging/setLevel", {"level": "info"})
    for name in ("math_add", "echo", "data_count", "admin_status"):  # every upstream once
        client.request("tools/call", {"name": name, "arguments": {"a": 1, "b": 1, "text": "w",
                                                                  "table": "users"}}, timeout=30)
    warm.wait(timeout=120)
    start["go"].wait(timeout=120)
    while time.monotonic() < start["deadline"]:
        one_call(rng, client, tally)
        while not client.notifications.empty():  # read as it comes: a fast client
            if client.notifications.get().get("params", {}).get("logger") == "flood":
                with tally.lock:
                    tally.flood_notifications += 1


def live_children(pid: int) -> int:
    return sum(1 for p in descendants(pid) if state(p) not in ("Z", ""))


def run(workdir: Path, seconds: float, clients: int = 16, seed: int = 1) -> Dict[str, Any]:
    """Runs the soak; returns its figures and `failures` (empty when every check held)."""
    sock = str(workdir / "proxy.sock")
    log = open(workdir / "proxy.stderr", "wb")
    server = subprocess.Popen([sys.executable, str(HERE / "socket_proxy.py"), str(write_config(workdir)), sock],
                              stdout=subprocess.PIPE, stderr=log, cwd=workdir, text=True,
                              env=proxy_environment())
    failures: List[str] = []
    figures: Dict[str, Any] = {"clients": clients, "seconds": seconds}
    try:
        assert server.stdout.readline().strip() == "ready", "the proxy did not start"
        tally = Tally()
        warm = threading.Barrier(clients + 1)
        start: Dict[str, Any] = {"go": threading.Event(), "deadline": 0.0}
        threads = [threading.Thread(target=client_loop, args=(sock, seed * 1000 + i, start, tally, warm))
                   for i in range(clients)]
        for t in threads:
            t.start()
        try:
            warm.wait(timeout=120)
        except threading.BrokenBarrierError:
            start["go"].set()
            for t in threads:
                t.join()
            raise AssertionError(f"the clients did not all warm up: {tally.crashed}")
        rss0, fds0, kids0 = status_kib(server.pid, "VmRSS"), open_fds(server.pid), live_children(server.pid)
        start["deadline"] = time.monotonic() + seconds
        start["go"].set()
        for t in threads:
            t.join()
        assert eventually(lambda: zombies_under(server.pid) == [], timeout=10, step=0.05), \
            f"zombies: {zombies_under(server.pid)}"
        rss1, fds1, kids1 = status_kib(server.pid, "VmRSS"), open_fds(server.pid), live_children(server.pid)
        figures.update(rss_warm_kib=rss0, rss_end_kib=rss1, fds_warm=fds0, fds_end=fds1,
                       upstream_processes_warm=kids0, upstream_processes_end=kids1,
                       outcomes=dict(tally.outcomes), requests=sum(tally.outcomes.values()),
                       flood_notifications=tally.flood_notifications)
        if (rss1 - rss0) / 1024 > RSS_GROWTH_MIB:
            failures.append(f"RSS grew by {(rss1 - rss0) / 1024:.1f} MiB (bound {RSS_GROWTH_MIB})")
        fd_growth = (fds1 - FDS_PER_UPSTREAM_PROCESS * kids1) - (fds0 - FDS_PER_UPSTREAM_PROCESS * kids0)
        if fd_growth > FD_SLACK:
            failures.append(f"{fd_growth} more descriptors than when warm (slack {FD_SLACK})")
        failures += [f"wrong: {w}" for w in tally.wrong[:5]]
        failures += [f"unanswered: {u}" for u in tally.unanswered[:5]]
        failures += [f"duplicate: {d}" for d in tally.duplicates[:5]]
        failures += [f"client stopped: {c}" for c in tally.crashed[:5]]
        received = len(calls(read_record(workdir / "steady.jsonl"), name="math_add"))
        expected = tally.math_add_sent + clients  # + each client's warm-up call
        figures["steady_math_add_received"] = received
        if received != expected:
            failures.append(f"the steady upstream received {received} math_add calls, {expected} were sent")
    finally:
        if server.poll() is None:
            server.terminate()
        try:
            out, _ = server.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            out, _ = server.communicate()
        log.close()
    figures["exit_code"] = server.returncode
    if server.returncode != 0:
        failures.append(f"the proxy exited with {server.returncode}")
    else:
        extra = json.loads(out.strip().splitlines()[-1])
        figures.update(upstream_spawns=extra["upstream_spawns"], upstream_exits=extra["upstream_exits"])
        if extra["upstream_spawns"] != extra["upstream_exits"]:
            failures.append(f"{extra['upstream_spawns']} upstream processes started, {extra['upstream_exits']} ended")
    left = marked(f"{RUN_MARK}={workdir}")
    if left:
        failures.append(f"processes left behind: {left}")
        for pid in left:  # reported; not left running
            try:
                os.kill(pid, 9)
            except OSError:
                pass
    figures["failures"] = failures
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="soak-") as tmp:
        figures = run(Path(tmp), args.minutes * 60, args.clients, args.seed)
    print(json.dumps(figures, indent=2))
    return 1 if figures["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
