"""A bare JSON-RPC client for a stdio fake, for tests that must see the wire as it is
(torn lines, wrong ids, noise) where an SDK client would hide or reject it."""

import itertools
import json
import queue
import subprocess
import threading
import time


class RawStdioClient:
    """``raw_bytes=True`` queues stdout as the chunks read() returns instead of lines, for
    framing tests that must see a line without its newline."""

    def __init__(self, argv, env=None, raw_bytes=False):
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     env=env)
        self.lines = queue.Queue()
        self.stderr_lines = queue.Queue()
        self._ids = itertools.count(1)
        self.seen = []
        stdout_reader = self._pump_chunks if raw_bytes else self._pump
        threading.Thread(target=stdout_reader, args=(self.proc.stdout, self.lines), daemon=True).start()
        threading.Thread(target=self._pump, args=(self.proc.stderr, self.stderr_lines), daemon=True).start()

    @staticmethod
    def _pump(stream, into):
        for line in iter(stream.readline, b""):
            into.put(line)
        into.put(None)  # EOF

    @staticmethod
    def _pump_chunks(stream, into):
        for chunk in iter(lambda: stream.read1(65536), b""):
            into.put(chunk)
        into.put(None)

    def read_until_eof(self, timeout=5.0):
        """Everything on stdout until it closes (raises queue.Empty if it stays open past timeout)."""
        deadline, data = time.monotonic() + timeout, b""
        while True:
            chunk = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            if chunk is None:
                return data
            data += chunk

    def read_bytes(self, at_least, timeout=5.0):
        """At least ``at_least`` bytes of stdout (fewer only at EOF)."""
        deadline, data = time.monotonic() + timeout, b""
        while len(data) < at_least:
            chunk = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            if chunk is None:
                break
            data += chunk
        return data

    def stderr_text(self, until, timeout=5.0):
        """stderr lines until one contains ``until``; returns that line (str)."""
        deadline = time.monotonic() + timeout
        while True:
            line = self.stderr_lines.get(timeout=max(0.0, deadline - time.monotonic()))
            if line is None:
                raise EOFError("stderr closed")
            if until in line.decode(errors="replace"):
                return line.decode(errors="replace")

    def send(self, msg):
        data = msg if isinstance(msg, bytes) else json.dumps(msg).encode() + b"\n"
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def request(self, method, params=None, msg_id=None):
        msg_id = next(self._ids) if msg_id is None else msg_id
        msg = {"jsonrpc": "2.0", "id": msg_id, "method": method}
        if params is not None:
            msg["params"] = params
        self.send(msg)
        return msg_id

    def notify(self, method, params=None):
        msg = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            msg["params"] = params
        self.send(msg)

    def read_line(self, timeout=5.0):
        """The next raw stdout line (bytes, newline kept), or None at EOF; raises queue.Empty on timeout."""
        return self.lines.get(timeout=timeout)

    def read(self, timeout=5.0):
        """The next stdout line parsed as JSON (raises ValueError if it is not JSON)."""
        line = self.read_line(timeout)
        if line is None:
            raise EOFError("the fake closed stdout")
        return json.loads(line)

    def response(self, msg_id, timeout=5.0):
        """Read until the response with this id; messages passed over are kept in ``self.seen``."""
        deadline = time.monotonic() + timeout
        while True:
            msg = self.read(max(0.0, deadline - time.monotonic()))
            if isinstance(msg, dict) and msg.get("id") == msg_id and "method" not in msg:
                return msg
            self.seen.append(msg)

    def call(self, method, params=None, timeout=5.0):
        return self.response(self.request(method, params), timeout)

    def initialize(self, version="2025-11-25", capabilities=None):
        reply = self.call("initialize", {"protocolVersion": version, "capabilities": capabilities or {},
                                         "clientInfo": {"name": "raw", "version": "0"}})
        self.notify("notifications/initialized")
        return reply



    def close(self, timeout=5.0):
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
