"""Describe, start and clean up fakes from Python (used by the pytest plugin)."""

import os
import select
import shutil
import subprocess
import sys
import tempfile
import time

from .record import calls, read_record


NETWORK_TRANSPORTS = ("http", "websocket")


class Fake:
    """One fake: its argv (for a proxy to start it), its record, its control channel, its URL."""

    def __init__(self, profile, argv, record_path, control_path, transport):
        self.profile = profile
        self.argv = argv
        self.command, self.args = argv[0], argv[1:]
        self.record_path = record_path
        self.control_path = control_path
        self.transport = transport
        self.url = None
        self.process = None
        self._control = None

    def record(self):
        """Every message the fake received and sent so far (list of dicts, see read_record)."""
        return read_record(self.record_path) if self.record_path else []

    def calls(self, method="tools/call", name=None):
        return calls(self.record(), method=method, name=name)

    @property
    def control(self):
        """A FakeControl on this fake's control socket (connects on first use, waits a bounded time)."""
        if self.control_path is None:
            raise RuntimeError("this fake was started without a control channel")
        if self._control is None:
            from .control import FakeControl

            self._control = FakeControl(self.control_path)
        return self._control

    def start(self, **popen):
        """Start the process here (for stdio, normally the proxy under test does this)."""
        self.process = subprocess.Popen(self.argv, **popen)
        return self.process

    def stop(self, timeout=5.0):
        if self._control is not None:
            self._control.close()
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def fake_argv(profile="echo", faults=(), seed=0, transport="stdio", record_path=None, control_path=None,
              page_size=None, extra_args=(), python=None):
    argv = [python or sys.executable, "-m", "mcp_fakes", "--profile", profile, "--transport", transport,
            "--seed", str(seed)]
    for spec in faults:
        argv += ["--fault", spec]
    if page_size is not None:
        argv += ["--page-size", str(page_size)]
    if record_path:
        argv += ["--record", str(record_path)]
    if control_path:
        argv += ["--control", str(control_path)]
    return argv + list(extra_args)


class FakeFactory:
    """``factory(profile, faults=[...], seed=0, transport="stdio"|"http"|"websocket", ...) -> Fake``.
    A network fake is started at once and its ``url`` is set."""

    def __init__(self, directory):
        self.directory = str(directory)
        # Unix socket paths must stay short (about 100 bytes), so they live in their own temp dir.
        self.socket_dir = tempfile.mkdtemp(prefix="mcpf-")
        self.fakes = []

    def __call__(self, profile="echo", faults=(), seed=0, transport="stdio", page_size=None, extra_args=(),
                 record=True, control=True, ready_timeout=15.0):
        index = len(self.fakes)
        record_path = os.path.join(self.directory, f"fake-{index}-{profile}.jsonl") if record else None
        control_path = os.path.join(self.socket_dir, f"{index}.sock") if control else None
        argv = fake_argv(profile, faults, seed, transport, record_path, control_path, page_size, extra_args)
        fake = Fake(profile, argv, record_path, control_path, transport)
        self.fakes.append(fake)
        if transport in NETWORK_TRANSPORTS:
            fake.url = start_and_wait_ready(fake, ready_timeout)
        return fake

    def close(self):
        for fake in self.fakes:
            fake.stop()
        shutil.rmtree(self.socket_dir, ignore_errors=True)


def start_and_wait_ready(fake, timeout):
    """Start a network fake with ``--ready-fd`` on a pipe and block (bounded) until it writes
    its URL there. The fake holds the only write end, so its death is EOF: no polling."""
    read_fd, write_fd = os.pipe()
    try:
        fake.process = subprocess.Popen(fake.argv + ["--ready-fd", str(write_fd)], stdin=subprocess.DEVNULL,
                                        pass_fds=(write_fd,))
        os.close(write_fd)
        write_fd = None
        data = b""
        deadline = time.monotonic() + timeout
        while not data.endswith(b"\n"):
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([read_fd], [], [], remaining)[0]:
                raise TimeoutError(f"the fake was not ready within {timeout}s")
            chunk = os.read(read_fd, 4096)
            if not chunk:
                code = fake.process.wait(timeout)
                raise RuntimeError(f"the fake exited with {code} before it was ready")
            data += chunk
        return data.decode().strip()
    finally:
        os.close(read_fd)
        if write_fd is not None:
            os.close(write_fd)
