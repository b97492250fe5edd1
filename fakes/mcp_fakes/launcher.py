"""Describe, start and clean up fakes from Python (used by the pytest plugin)."""

import os
import shutil
import subprocess
import sys
import tempfile
import time

from .record import calls, read_record


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
    """``factory(profile, faults=[...], seed=0, transport="stdio"|"http", ...) -> Fake``."""

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
        extra = list(extra_args)
        ready_path = None
        if transport == "http":
            ready_path = os.path.join(self.directory, f"fake-{index}.ready")
            extra += ["--ready-file", ready_path]
        argv = fake_argv(profile, faults, seed, transport, record_path, control_path, page_size, extra)
        fake = Fake(profile, argv, record_path, control_path, transport)
        self.fakes.append(fake)
        if transport == "http":
            fake.start(stdin=subprocess.DEVNULL)
            fake.url = wait_for_file(ready_path, fake.process, ready_timeout)
        return fake

    def close(self):
        for fake in self.fakes:
            fake.stop()
        shutil.rmtree(self.socket_dir, ignore_errors=True)


def wait_for_file(path, process, timeout):
    """The stripped content of ``path`` once written (the fake writes it atomically)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.path.exists(path):
            with open(path) as handle:
                return handle.read().strip()
        if process.poll() is not None:
            raise RuntimeError(f"the fake exited with {process.returncode} before it was ready")
        time.sleep(0.01)  # polling a file: there is no event to wait on
    raise TimeoutError(f"the fake was not ready within {timeout}s")
