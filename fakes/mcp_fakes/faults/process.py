"""Process faults: how a fake can die, stall or pollute its pipes."""

import os
import signal
import subprocess
import sys
import threading
import time

from .base import Fault, register


def _say(text):
    print(f"mcp-fake: fault: {text}", file=sys.stderr, flush=True)


def _die(code=0, signame=""):
    sys.stderr.flush()
    if signame:
        os.kill(os.getpid(), getattr(signal, "SIG" + signame.upper().removeprefix("SIG")))
        threading.Event().wait()  # a caught or ignored signal: stay dead to the world
    os._exit(code)


@register
class ExitAtStart(Fault):
    """Exit before reading anything."""
    name, stage, params = "exit_at_start", "start", {"code": 1}

    def apply(self, server):
        _say(f"exit_at_start code={self.code}")
        _die(self.code)


@register
class Crash(Fault):
    """Die on a request (use after=N to crash after N requests), by exit code or signal."""
    name, params = "crash", {"code": 1, "signal": ""}

    def apply(self, exchange):
        _say(f"crash on {exchange.method} id={exchange.id!r}")
        _die(self.code, self.signal)


@register
class CrashMidWrite(Fault):
    """Write part of a response, then die."""
    name, stage, params = "crash_mid_write", "write", {"code": 1, "fraction": 0.5}

    def apply(self, line, channel):
        data = channel.frame(line)
        channel.write_raw(data[: max(1, int(len(data) * self.fraction))])
        _die(self.code)


@register
class Hang(Fault):
    """Stay alive, keep reading (and recording), answer nothing from now on."""
    name = "hang"

    def apply(self, exchange):
        exchange.server.hung.set()
        exchange.dropped = True


@register
class StopReading(Fault):
    """Answer this request, then never read stdin again (the client's writes back up)."""
    name = "stop_reading"

    def apply(self, exchange):
        exchange.server.stop_reading.set()


@register
class SlowStart(Fault):
    """Sleep before reading anything."""
    name, stage, params = "slow_start", "start", {"ms": 1000.0}

    def apply(self, server):
        time.sleep(self.ms / 1000)


@register
class IgnoreSigterm(Fault):
    """Ignore SIGTERM, so only SIGKILL stops the fake."""
    name, stage = "ignore_sigterm", "start"

    def apply(self, server):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)


@register
class Grandchild(Fault):
    """Start a grandchild in its own session that inherits stdout/stderr and outlives the
    fake for ``seconds``: a client waiting for EOF on the pipes waits that long."""
    name, stage, params = "grandchild", "start", {"seconds": 30.0}

    def apply(self, server):
        child = subprocess.Popen([sys.executable, "-c", f"import time; time.sleep({self.seconds})"],
                                 stdin=subprocess.DEVNULL, start_new_session=True)
        _say(f"grandchild pid {child.pid}")


@register
class StderrFlood(Fault):
    """Write ``kb`` KiB of log lines of ``line`` bytes each to stderr in the background (blocks
    if nobody reads)."""
    name, stage, params = "stderr_flood", "start", {"kb": 1024, "line": 1024}

    def apply(self, server):
        def flood():
            prefix = b"mcp-fake: flood "
            line = prefix + b"x" * max(0, self.line - len(prefix) - 1) + b"\n"
            for _ in range(self.kb * 1024 // len(line) + 1):
                sys.stderr.buffer.write(line)
            sys.stderr.buffer.flush()

        threading.Thread(target=flood, daemon=True).start()


@register
class StdoutNoise(Fault):
    """Write a line that is not JSON to stdout before the response."""
    name, stage, params = "stdout_noise", "write", {"text": "this line is not JSON-RPC"}

    def apply(self, line, channel):
        with channel.lock:
            channel.write_raw(channel.frame(self.text.encode()))
            channel.send_line(line)
