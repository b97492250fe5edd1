"""Correlation faults: responses whose ids do not line up with the requests."""

import itertools
import threading

from ..protocol import result_response
from .base import Fault, register

_unknown = itertools.count(1)


def _with_id(messages, new_id):
    return [dict(msg, id=new_id) for msg in messages]


@register
class WrongId(Fault):
    """Answer with the id of another request this client sent (or id+1 if there is none)."""
    name = "wrong_id"
    stage = "response"

    def apply(self, messages, exchange):
        others = [i for i in exchange.session.recent_ids if i != exchange.id and i is not None]
        if others:
            return _with_id(messages, others[-1])
        return _with_id(messages, exchange.id + 1 if isinstance(exchange.id, int) else f"{exchange.id}-wrong")


@register
class UnknownId(Fault):
    """Answer with an id the client never used (same type as the real one)."""
    name, stage = "unknown_id", "response"

    def apply(self, messages, exchange):
        n = next(_unknown)
        return _with_id(messages, 900_000_000 + n if isinstance(exchange.id, int) else f"unknown-{n}")


@register
class DuplicateResponse(Fault):
    """Send the response ``times`` times."""
    name, stage, params = "duplicate_response", "response", {"times": 2}

    def apply(self, messages, exchange):
        return messages * self.times


@register
class IdTypeSwap(Fault):
    """Answer id 1 as "1" and "1" as 1."""
    name, stage = "id_type_swap", "response"

    def apply(self, messages, exchange):
        msg_id = exchange.id
        if isinstance(msg_id, int):
            return _with_id(messages, str(msg_id))
        if isinstance(msg_id, str) and msg_id.lstrip("-").isdigit():
            return _with_id(messages, int(msg_id))
        return messages


@register
class DropResponse(Fault):
    """Serve the request (side effects happen) but send no response."""
    name, stage = "drop_response", "response"

    def apply(self, messages, exchange):
        return []


@register
class RespondToNotification(Fault):
    """Answer a notification as if it were a request (with id null)."""
    name, counts, lifecycle = "respond_to_notification", "notifications", True

    def apply(self, exchange):
        exchange.reply = result_response(None, {})


@register
class LateAfterCancel(Fault):
    """Hold the request until the client cancels it (at most ``ms``), then answer anyway."""
    name, params = "late_after_cancel", {"ms": 5000.0}

    def apply(self, exchange):
        exchange.answer_after_cancel = True
        exchange.cancelled.wait(self.ms / 1000)


@register
class OutOfOrder(Fault):
    """Hold answers in groups of ``n`` and send each group newest first; a group that does
    not fill within ``ms`` is released as it is."""
    name, params = "out_of_order", {"n": 2, "ms": 2000.0}

    def __init__(self, params, rng):
        super().__init__(params, rng)
        self._lock = threading.Lock()
        self._held = []  # (gate, exchange), oldest first

    def apply(self, exchange):
        with self._lock:
            if len(self._held) < self.n - 1:
                gate = threading.Event()
                self._held.append((gate, exchange))
                group = None
            else:
                group, self._held = self._held, []
        if group is None:
            if not gate.wait(self.ms / 1000):
                with self._lock:  # timed out: leave the group so nobody waits for us
                    self._held = [(g, e) for g, e in self._held if g is not gate]
            return
        # This (newest) answer goes first; each held one is released after the one before it is sent.
        previous = exchange
        for gate, held in reversed(group):
            previous.on_sent.append(gate.set)
            previous = held
