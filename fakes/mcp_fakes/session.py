"""One client's state: era, version, capabilities, log level, subscriptions, and the
server-to-client requests waiting for an answer."""

import collections
import itertools
import threading

from .protocol import LOG_LEVELS


class PendingReply:
    def __init__(self):
        self.done = threading.Event()
        self.message = None


class Session:
    def __init__(self, send, session_id=None):
        self.send = send  # send(msg): a message not tied to one request (list_changed, updated)
        self.id = session_id
        self.protocol_version = None
        self.initialized = False
        self.client_capabilities = {}
        self.client_info = {}
        self.log_level = None  # None: every level is sent
        self.subscriptions = set()
        self.in_flight = {}  # request id -> Exchange, for notifications/cancelled
        self.recent_ids = collections.deque(maxlen=8)  # for the wrong_id fault
        self.closed = False
        self._pending = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def wants_log(self, level, request_level=None):
        floor = request_level or self.log_level
        if floor is None or floor not in LOG_LEVELS or level not in LOG_LEVELS:
            return True
        return LOG_LEVELS.index(level) >= LOG_LEVELS.index(floor)

    def new_request_id(self):
        return f"srv-{next(self._ids)}"

    def expect_reply(self, request_id):
        pending = PendingReply()
        with self._lock:
            self._pending[request_id] = pending
        return pending

    def forget(self, request_id):
        with self._lock:
            self._pending.pop(request_id, None)

    def deliver_reply(self, msg):
        """A response from the client; False if nobody was waiting for it."""
        with self._lock:
            pending = self._pending.pop(msg.get("id"), None)
        if pending is None:
            return False
        pending.message = msg
        pending.done.set()
        return True
