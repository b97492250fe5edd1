"""A bare JSON-RPC client for a stdio fake, for tests that must see the wire as it is
(torn lines, wrong ids, noise) where an SDK client would hide or reject it."""

import itertools
import json
import queue
import subprocess
import threading
import time


class RawStdioClient:
    def __init__(self, argv, env=None):
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     env=env)
        self.lines = queue.Queue()
        self.stderr_lines = queue.Queue()
        self._ids = itertools.count(1)
        self.seen = []
        threading.Thread(target=self._pump, args=(self.proc.stdout, self.lines), daemon=True).start()
        threading.Thread(target=self._pump, args=(self.proc.stderr, self.stderr_lines), daemon=True).start()

    @staticmethod
    def _pump(stream, into):
        for line in iter(stream.readline, b""):
            into.put(line)
        into.put(None)  # EOF

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
