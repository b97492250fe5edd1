"""Which processes exist: for tests that check no zombie or orphan is left behind."""

import os
import select
import time
from typing import List


def descendants(pid: int) -> List[int]:
    """Every live process whose parent chain leads to `pid` (zombies included)."""
    parents = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        # The command name may hold spaces or parentheses: fields start after the last ')'.
        fields = stat[stat.rfind(")") + 2:].split()
        parents[int(entry)] = int(fields[1])
    found, frontier = [], [pid]
    while frontier:
        p = frontier.pop()
        kids = [c for c, parent in parents.items() if parent == p]
        found += kids
        frontier += kids
    return found


def process_group_members(pgid: int) -> List[int]:
    members = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.getpgid(int(entry)) == pgid:
                    members.append(int(entry))
            except OSError:
                pass
    return members


def wait_exited(pids: List[int], timeout: float = 10.0) -> bool:
    """Waits for processes that need not be our children to exit (pidfd: an event, with a
    bound). A pid that is already gone counts as exited."""
    poller = select.poll()
    fds = []
    try:
        for pid in pids:
            try:
                fd = os.pidfd_open(pid)
            except ProcessLookupError:
                continue
            fds.append(fd)
            poller.register(fd, select.POLLIN)
        deadline = time.monotonic() + timeout
        pending = set(fds)
        while pending:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            for fd, _ in poller.poll(left * 1000):
                pending.discard(fd)
                poller.unregister(fd)
        return True
    finally:
        for fd in fds:
            os.close(fd)


def state(pid: int) -> str:
    """The one-letter state from /proc/PID/stat ("Z" for a zombie); "" if the pid is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except OSError:
        return ""
    return stat[stat.rfind(")") + 2:].split()[0]


def zombies_under(pid: int) -> List[int]:
    return [p for p in descendants(pid) if state(p) == "Z"]


def marked(env_entry: str) -> List[int]:
    """Live processes (zombies excluded) started with `env_entry` ("KEY=value") in their
    environment: how a test finds what it started wherever it was reparented to."""
    wanted = env_entry.encode()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as f:
                env = f.read().split(b"\0")
        except OSError:
            continue
        if wanted in env and state(int(entry)) not in ("Z", ""):
            found.append(int(entry))
    return found


def status_kib(pid: int, field: str) -> int:
    """A memory figure from /proc/PID/status in KiB: VmRSS (resident now), VmHWM (peak)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))
