"""The record: every message a fake receives and sends, one JSON object per line:
``{"seq": n, "dir": "in"|"out", "t": monotonic_seconds, "msg": <message or raw text>}``."""

import fnmatch
import json
import threading
import time


class Recorder:
    """Appends to a file (flushed per line) and keeps the entries in memory for the control channel."""

    def __init__(self, path=None):
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)  # signalled on every new entry
        self._file = open(path, "a", encoding="utf-8") if path else None
        self._seq = 0
        self.entries = []

    def record(self, direction, message=None, raw=None):
        """Record a parsed ``message``, or ``raw`` bytes/text that were not JSON."""
        with self._lock:
            self._seq += 1
            if message is None:
                if isinstance(raw, (bytes, bytearray)):
                    raw = bytes(raw).decode("utf-8", errors="replace")
                message = raw
            entry = {"seq": self._seq, "dir": direction, "t": time.monotonic(), "msg": message}
            self.entries.append(entry)
            if self._file:
                self._file.write(json.dumps(entry) + "\n")
                self._file.flush()
            self._changed.notify_all()

    def wait_for(self, direction="in", method=None, name=None, count=1, timeout=10.0):
        """Blocks until at least ``count`` matching entries exist (see messages()), at most
        ``timeout`` seconds; returns the matching entries (fewer on timeout)."""
        found = []

        def enough():
            nonlocal found
            found = messages(self.entries, direction, method, name)
            return len(found) >= count

        with self._changed:
            self._changed.wait_for(enough, timeout)
        return found

    def close(self):
        with self._lock:
            if self._file:
                self._file.close()
                self._file = None


def read_record(path):
    """All entries of a record file; a torn last line (the fake died mid-write) is skipped."""
    entries = []
    try:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                try:
                    entries.append(json.loads(line))
                except ValueError:
                    continue
    except FileNotFoundError:
        return []
    return entries


def messages(record, direction="in", method=None, name=None):
    """Entries in one direction whose message matches ``method`` and tool/prompt ``name`` (globs)."""
    found = []
    for entry in record:
        msg = entry.get("msg")
        if entry.get("dir") != direction or not isinstance(msg, dict):
            continue
        if method is not None and not fnmatch.fnmatchcase(str(msg.get("method", "")), method):
            continue
        if name is not None:
            params = msg.get("params") if isinstance(msg.get("params"), dict) else {}
            if not fnmatch.fnmatchcase(str(params.get("name", params.get("uri", ""))), name):
                continue
        found.append(entry)
    return found


def calls(record, method="tools/call", name=None):
    """Requests the fake received, e.g. ``calls(rec, name="admin_restart_service")``."""
    return [entry for entry in messages(record, "in", method, name) if "id" in entry["msg"]]


def notifications(record, method=None, direction="in"):
    return [entry for entry in messages(record, direction, method) if "id" not in entry["msg"]]


def responses(record, request_id=None):
    """Responses the fake sent, optionally only those for ``request_id``."""
    found = []
    for entry in record:
        msg = entry.get("msg")
        if entry.get("dir") == "out" and isinstance(msg, dict) and "method" not in msg:
            if request_id is None or msg.get("id") == request_id:
                found.append(entry)
    return found
