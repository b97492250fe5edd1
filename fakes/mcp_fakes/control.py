"""The control channel (Toxiproxy-like): a unix socket speaking JSON lines, one request and
one reply per line. Ops: add {spec}, remove {id}, reset, list, record {since}, list_changed
{kind}, resource_updated {uri}, state."""

import json
import os
import socket
import threading
import time

from .faults import FaultSpecError


def _handle(server, request):
    op = request.get("op")
    faults = server.faults
    if op == "add":
        return {"fault": faults.add(str(request.get("spec", ""))).describe()}
    if op == "remove":
        return {"removed": faults.remove(str(request.get("id", "")))}
    if op == "reset":
        faults.reset()
        return {}
    if op == "list":
        return {"faults": faults.describe()}
    if op == "record":
        since = int(request.get("since", 0))
        return {"record": [entry for entry in list(server.recorder.entries) if entry["seq"] > since]}
    if op == "list_changed":
        kind = request.get("kind", "tools")
        if kind not in ("tools", "resources", "prompts"):
            raise ValueError("kind must be tools, resources or prompts")
        server.list_changed(kind)
        return {}
    if op == "resource_updated":
        server.resource_updated(str(request["uri"]))
        return {}
    if op == "end_subscriptions":
        return {"ended": server.end_subscriptions()}
    if op == "state":
        return {"state": server.catalog.state}
    if op == "wait_for":
        found = server.recorder.wait_for(request.get("dir", "in"), request.get("method"), request.get("name"),
                                         int(request.get("count", 1)), float(request.get("timeout", 10.0)))
        return {"entries": found}
    if op == "wait_listening":
        http = getattr(server, "http", None)
        if http is None:
            raise ValueError("wait_listening: this fake does not serve HTTP")
        return {"listening": http.listening.wait(float(request.get("timeout", 10.0)))}
    raise ValueError(f"unknown op {op!r}")


def _serve_connection(server, conn):
    with conn, conn.makefile("rwb") as stream:
        for line in stream:
            try:
                reply = dict(_handle(server, json.loads(line)), ok=True)
            except (FaultSpecError, ValueError, KeyError, TypeError) as error:
                reply = {"ok": False, "error": str(error)}
            stream.write(json.dumps(reply).encode() + b"\n")
            stream.flush()


def serve_control(server, path):
    """Listen on ``path`` (replacing a stale socket left by a previous run) in a daemon thread."""
    if os.path.exists(path):
        os.unlink(path)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(8)

    def accept():
        while True:
            conn, _ = listener.accept()
            threading.Thread(target=_serve_connection, args=(server, conn), daemon=True).start()

    threading.Thread(target=accept, daemon=True, name="control").start()
    return listener


class ControlError(RuntimeError):
    pass


class FakeControl:
    """Client of a running fake's control socket. Waits (bounded) for the socket to appear,
    and reconnects once if the fake was restarted."""

    def __init__(self, path, timeout=10.0):
        self.path, self.timeout = path, timeout
        self._sock = self._stream = None
        self._lock = threading.Lock()

    def _connect(self):
        deadline = time.monotonic() + self.timeout
        while True:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.connect(self.path)
                break
            except (FileNotFoundError, ConnectionRefusedError):
                sock.close()
                if time.monotonic() > deadline:
                    raise ControlError(f"no fake listening on {self.path} after {self.timeout}s") from None
                time.sleep(0.01)  # the fake has not bound its socket yet; nothing to wait on
        sock.settimeout(self.timeout)
        self._sock, self._stream = sock, sock.makefile("rwb")

    def _call(self, op, **fields):
        with self._lock:
            for attempt in (1, 2):
                try:
                    if self._stream is None:
                        self._connect()
                    # A waiting op may take its own timeout: leave the socket longer than that.
                    self._sock.settimeout(max(self.timeout, float(fields.get("timeout", 0)) + 5))
                    self._stream.write(json.dumps(dict(fields, op=op)).encode() + b"\n")
                    self._stream.flush()
                    line = self._stream.readline()
                    if not line:
                        raise ConnectionResetError("the fake closed the control channel")
                    break
                except (BrokenPipeError, ConnectionResetError):
                    self.close()
                    if attempt == 2:
                        raise
        reply = json.loads(line)
        if not reply.pop("ok", False):
            raise ControlError(reply.get("error", "control request failed"))
        return reply

    def add_fault(self, spec):
        """Arm a fault now; returns its id (for remove_fault)."""
        return self._call("add", spec=spec)["fault"]["id"]

    def remove_fault(self, fault_id):
        """Remove the fault with this id, or every fault with this name; returns how many."""
        return self._call("remove", id=fault_id)["removed"]

    def reset(self):
        self._call("reset")

    def faults(self):
        return self._call("list")["faults"]

    def record(self, since=0):
        """The fake's record (entries after seq ``since``), as read_record would give it."""
        return self._call("record", since=since)["record"]

    def list_changed(self, kind="tools"):
        """Make the fake send notifications/{kind}/list_changed to every session."""
        self._call("list_changed", kind=kind)

    def resource_updated(self, uri):
        """Make the fake send notifications/resources/updated to the sessions subscribed to uri."""
        self._call("resource_updated", uri=uri)

    def end_subscriptions(self):
        """End every subscriptions/listen stream gracefully (each gets its result); how many."""
        return self._call("end_subscriptions")["ended"]

    def state(self):
        return self._call("state")["state"]

    def wait_for(self, method=None, name=None, count=1, direction="in", timeout=10.0):
        """Blocks until the fake has recorded ``count`` messages matching method/name (globs,
        as in calls()); returns those entries. Fewer than ``count`` means the timeout passed."""
        return self._call("wait_for", dir=direction, method=method, name=name, count=count,
                          timeout=timeout)["entries"]

    def wait_listening(self, timeout=10.0):
        """HTTP fakes: blocks until the fake accepts connections again (after http_refuse);
        True if it does within ``timeout`` seconds."""
        return self._call("wait_listening", timeout=timeout)["listening"]

    def close(self):
        for closable in (self._stream, self._sock):
            try:
                if closable is not None:
                    closable.close()
            except OSError:
                pass
        self._sock = self._stream = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
