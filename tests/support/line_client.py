"""A minimal MCP client over a pair of pipes, for tests that check bytes on the wire.

A reader thread collects every line the proxy writes; tests wait for a specific answer
or notification with a bound, never by sleeping.
"""

from __future__ import annotations

import itertools
import json
import os
import queue
import threading
from typing import Any, Dict, List, Optional

DEFAULT_TIMEOUT = 15.0


class LineClient:
    def __init__(self, read_fd: int, write_fd: int, keep_raw: bool = True) -> None:
        # keep_raw=False: a long run keeps no copy of every line (memory stays flat).
        self._keep_raw = keep_raw
        self._read = os.fdopen(read_fd, "rb", buffering=0)
        self._write_fd = write_fd
        self._ids = itertools.count(1)
        self._cond = threading.Condition()
        self._by_id: Dict[Any, Dict[str, Any]] = {}
        self.notifications: "queue.Queue[Dict[str, Any]]" = queue.Queue()
        self.server_requests: "queue.Queue[Dict[str, Any]]" = queue.Queue()
        self.raw_lines: List[bytes] = []
        self.closed = threading.Event()
        self._thread = threading.Thread(target=self._pump, daemon=True)
        self._thread.start()

    def _pump(self) -> None:
        buf = b""
        while True:
            chunk = self._read.read(65536)
            if not chunk:
                break
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                with self._cond:
                    if self._keep_raw:
                        self.raw_lines.append(line)
                    msg = json.loads(line)
                    if "method" in msg and "id" not in msg:
                        self.notifications.put(msg)
                    elif "method" in msg:
                        self.server_requests.put(msg)  # sampling, elicitation, roots
                    else:
                        # Responses by id; id null answers (parse errors) are kept in order.
                        key = json.dumps(msg.get("id"))
                        self._by_id.setdefault(key, []).append(msg)
                    self._cond.notify_all()
        self.closed.set()
        with self._cond:
            self._cond.notify_all()

    # -- sending -----------------------------------------------------------------
    def send_raw(self, data: bytes) -> None:
        os.write(self._write_fd, data)

    def send(self, msg: Dict[str, Any]) -> None:
        self.send_raw(json.dumps(msg).encode() + b"\n")

    def notify(self, method: str, params: Optional[Dict[str, Any]] = None) -> None:
        msg: Dict[str, Any] = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            msg["params"] = params
        self.send(msg)

    def start_request(self, method: str, params: Optional[Dict[str, Any]] = None,
                      id: Any = None) -> Any:
        rid = next(self._ids) if id is None else id
        msg: Dict[str, Any] = {"jsonrpc": "2.0", "id": rid, "method": method}
        if params is not None:
            msg["params"] = params
        self.send(msg)
        return rid

    def request(self, method: str, params: Optional[Dict[str, Any]] = None, id: Any = None,
                timeout: float = DEFAULT_TIMEOUT) -> Dict[str, Any]:
        return self.wait_response(self.start_request(method, params, id), timeout)

    # -- receiving ---------------------------------------------------------------
    def wait_response(self, rid: Any, timeout: float = DEFAULT_TIMEOUT) -> Dict[str, Any]:
        key = json.dumps(rid)
        with self._cond:
            ok = self._cond.wait_for(lambda: self._by_id.get(key) or self.closed.is_set(), timeout)
            if not self._by_id.get(key):
                raise TimeoutError(f"no response for id {rid!r} within {timeout}s (closed={self.closed.is_set()})")
            answer = self._by_id[key].pop(0)
            if not self._by_id[key]:
                del self._by_id[key]
            return answer

    def unclaimed(self) -> Dict[str, List[Dict[str, Any]]]:
        """Responses received and never taken by wait_response (keyed by JSON id): after a
        run that waited for each of its requests once, a duplicate or stray answer."""
        with self._cond:
            return {key: list(msgs) for key, msgs in self._by_id.items()}

    def responses_for(self, rid: Any) -> List[Dict[str, Any]]:
        with self._cond:
            return list(self._by_id.get(json.dumps(rid), []))

    def wait_notification(self, method: str, timeout: float = DEFAULT_TIMEOUT) -> Dict[str, Any]:
        while True:
            msg = self.notifications.get(timeout=timeout)
            if msg["method"] == method:
                return msg

    def wait_server_request(self, timeout: float = DEFAULT_TIMEOUT) -> Dict[str, Any]:
        return self.server_requests.get(timeout=timeout)

    def answer(self, request: Dict[str, Any], result: Dict[str, Any]) -> None:
        self.send({"jsonrpc": "2.0", "id": request["id"], "result": result})

    def initialize(self, version: str = "2025-11-25", capabilities: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        resp = self.request("initialize", {"protocolVersion": version, "capabilities": capabilities or {},
                                           "clientInfo": {"name": "tests", "version": "0"}})
        self.notify("notifications/initialized")
        return resp

    def close(self) -> None:
        try:
            os.close(self._write_fd)
        except OSError:
            pass

    def wait_closed(self, timeout: float = DEFAULT_TIMEOUT) -> bool:
        return self.closed.wait(timeout)
