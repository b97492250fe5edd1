"""A line-level MCP client over a pair of file descriptors (stdio framing: one JSON-RPC
message per line). It is what the scenario runner speaks to every proxy under test, so it
must not assume anything a particular proxy does: non-JSON lines are kept, not fatal.

A reader thread collects every line; callers wait for a specific answer with a bound,
never by sleeping.
"""

from __future__ import annotations

import itertools
import json
import os
import queue
import threading
from typing import Any, Dict, List, Optional

DEFAULT_TIMEOUT = 15.0


class NoResponse(TimeoutError):
    """No response for a request id within the bound."""


class LineClient:
    def __init__(self, read_fd: int, write_fd: int) -> None:
        self._read = os.fdopen(read_fd, "rb", buffering=0)
        self._write_fd = write_fd
        self._ids = itertools.count(1)
        self._cond = threading.Condition()
        self._by_id: Dict[str, List[Dict[str, Any]]] = {}
        self.notifications: "queue.Queue[Dict[str, Any]]" = queue.Queue()
        self.server_requests: "queue.Queue[Dict[str, Any]]" = queue.Queue()
        self.noise: List[bytes] = []
        self.closed = threading.Event()
        self._thread = threading.Thread(target=self._pump, daemon=True)
        self._thread.start()

    def _pump(self) -> None:
        buf = b""
        while True:
            try:
                chunk = self._read.read(65536)
            except OSError:
                chunk = b""
            if not chunk:
                break
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                if not line.strip():
                    continue
                with self._cond:
                    try:
                        msg = json.loads(line)
                    except ValueError:
                        self.noise.append(line)
                        continue
                    if not isinstance(msg, dict):
                        self.noise.append(line)
                    elif "method" in msg and "id" not in msg:
                        self.notifications.put(msg)
                    elif "method" in msg:
                        self.server_requests.put(msg)
                    else:
                        self._by_id.setdefault(json.dumps(msg.get("id")), []).append(msg)
                    self._cond.notify_all()
        self.closed.set()
        with self._cond:
            self._cond.notify_all()

    # -- sending -------------------------------------------------------------
    def send(self, msg: Dict[str, Any]) -> None:
        os.write(self._write_fd, json.dumps(msg).encode() + b"\n")

    def notify(self, method: str, params: Optional[Dict[str, Any]] = None) -> None:
        msg: Dict[str, Any] = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            msg["params"] = params
        self.send(msg)

    def start_request(self, method: str, params: Optional[Dict[str, Any]] = None, id: Any = None) -> Any:
        rid = next(self._ids) if id is None else id
        msg: Dict[str, Any] = {"jsonrpc": "2.0", "id": rid, "method": method}
        if params is not None:
            msg["params"] = params
        self.send(msg)
        return rid

    def request(self, method: str, params: Optional[Dict[str, Any]] = None, id: Any = None,
                timeout: float = DEFAULT_TIMEOUT) -> Dict[str, Any]:
        return self.wait_response(self.start_request(method, params, id), timeout)

    # -- receiving -----------------------------------------------------------
    def wait_response(self, rid: Any, timeout: float = DEFAULT_TIMEOUT) -> Dict[str, Any]:
        key = json.dumps(rid)
        with self._cond:
            self._cond.wait_for(lambda: self._by_id.get(key) or self.closed.is_set(), timeout)
            if not self._by_id.get(key):
                raise NoResponse(f"no response for id {rid!r} within {timeout}s (closed={self.closed.is_set()})")
            return self._by_id[key].pop(0)

    def responses_for(self, rid: Any) -> List[Dict[str, Any]]:
        with self._cond:
            return list(self._by_id.get(json.dumps(rid), []))

    def initialize(self, version: str = "2025-11-25", capabilities: Optional[Dict[str, Any]] = None,
                   timeout: float = DEFAULT_TIMEOUT) -> Dict[str, Any]:
        resp = self.request("initialize", {"protocolVersion": version, "capabilities": capabilities or {},
                                           "clientInfo": {"name": "scenarios", "version": "0"}}, timeout=timeout)
        self.notify("notifications/initialized")
        return resp

    def close(self) -> None:
        try:
            os.close(self._write_fd)
        except OSError:
            pass
