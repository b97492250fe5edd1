"""Process hygiene: many spawn-and-kill cycles of stdio upstreams, some of which ignore stdin
EOF and SIGTERM, or leave grandchildren (in their process group, or in a session of their
own) holding the pipes, or only stdin. Afterwards nothing is left: no zombie under this process, no process
anywhere that carries the cycles' marker, no descriptor more than before.

FASTERAPI_HYGIENE_CYCLES sets how many upstream processes are started and stopped (1000)."""

import os
import uuid
from pathlib import Path

import pytest

from fasterapi.mcp import MCPProxy, ProxyRoute, UpstreamConfig

from support.processes import marked, open_fds, wait_exited, zombies_under
from support.proxy_helpers import eventually

SCRIPT = str(Path(__file__).with_name("tiny_upstreams.sh"))
KINDS = ("polite", "deaf", "family", "escapee", "stdin_escapee")
# Processes each kind runs once it is set up: the upstream, plus its grandchild.
PROCESSES = {"polite": 1, "deaf": 1, "family": 2, "escapee": 2, "stdin_escapee": 2}
ESCAPING = ("escapee", "stdin_escapee")  # their grandchild starts a session of its own
PER_ROUND = 40  # upstreams started and stopped together, eight of each kind
CYCLES = int(os.environ.get("FASTERAPI_HYGIENE_CYCLES", "1000"))


def own_session(pid):
    try:
        return os.getsid(pid) == pid
    except OSError:
        return False


def one_round(mark, kinds):
    proxy = MCPProxy(enable_auth=False, enable_rate_limiting=False, enable_authorization=False,
                     enable_request_logging=False, shutdown_drain_ms=0)
    for i, kind in enumerate(kinds):
        # Eager: started with the proxy, no request needed; a short grace keeps cycles quick.
        proxy.add_upstream(UpstreamConfig(
            name=f"{kind}{i}", transport_type="stdio", command="sh", args=[SCRIPT, kind],
            # LD_PRELOAD emptied: under tox -e asan the ASan runtime would start with every
            # shell and sleep here, which are not what is tested.
            env={"FASTERAPI_HYGIENE_MARK": mark, "LD_PRELOAD": ""}, eager_start=True, shutdown_grace_ms=20,
            enable_health_check=False, connect_timeout_ms=60_000))
    proxy.add_route(ProxyRoute(upstream_name=f"{kinds[0]}0"))
    proxy.start()
    expected = sum(PROCESSES[k] for k in kinds)
    escapees = sum(kinds.count(k) for k in ESCAPING)

    def set_up():  # every process running, and every escapee's grandchild in its own session
        pids = marked(f"FASTERAPI_HYGIENE_MARK={mark}")
        return len(pids) == expected and sum(own_session(p) for p in pids) == escapees

    assert eventually(set_up, timeout=30, step=0.02), "the upstreams did not all start"
    proxy.stop()
    extra = proxy.get_stats().extra
    assert extra["upstream_spawns"] == len(kinds)
    assert extra["upstream_exits"] == len(kinds)
    # Each escapee's grandchild is outside the group signal: found by its pipes and killed.
    assert extra["escaped_descendants_killed"] == escapees


@pytest.mark.timeout(600)  # about 40 s here; mostly waiting, so much the same under ASan
def test_a_thousand_spawn_and_kill_cycles_leave_no_zombie_no_orphan_no_descriptor():
    mark = uuid.uuid4().hex
    entry = f"FASTERAPI_HYGIENE_MARK={mark}"
    fds_before = open_fds(os.getpid())
    done = 0
    try:
        while done < CYCLES:
            n = min(PER_ROUND, CYCLES - done)
            one_round(mark, [KINDS[i % len(KINDS)] for i in range(n)])
            done += n
            # Reaped by the proxy before stop() returned: never a zombie, even for a moment.
            assert zombies_under(os.getpid()) == []
        # Killed grandchildren belong to init now; SIGKILL is delivered at once, but their
        # exit is the kernel's to finish: wait for it, with a bound.
        assert wait_exited(marked(entry), timeout=10)
        assert marked(entry) == []
        assert open_fds(os.getpid()) <= fds_before
    finally:
        for pid in marked(entry):  # never leave a stray behind, even when failing
            try:
                os.kill(pid, 9)
            except OSError:
                pass
    assert done == CYCLES
