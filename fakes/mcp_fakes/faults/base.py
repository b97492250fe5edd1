"""The fault machinery (Toxiproxy-style): a fault is one small class with one method,
``apply``, registered by name. When it fires is the shared ``Trigger``'s business; its
randomness comes from a seeded RNG per armed fault, so one seed and one schedule always
give the same behaviour.

Stages, i.e. where the server calls ``apply``:
  start     apply(server)                     once, before the first message is read
  request   apply(exchange)                   a request (or notification) arrived
  response  apply(messages, exchange) -> list the messages about to answer it
  write     apply(line, sink)                 the serialized bytes (no newline) of one of them
  http      apply(handler, exchange) -> bool  HTTP only; True when it answered the POST itself
"""

import fnmatch
import random
import shlex
import threading

from ..protocol import LIFECYCLE_METHODS

REGISTRY = {}


def register(cls):
    REGISTRY[cls.name] = cls
    return cls


class Fault:
    name = ""
    stage = "request"
    params = {}  # parameter -> default; the default's type is the parameter's type
    # Which messages the trigger counts: "requests" (not the lifecycle ones unless a
    # method= names them), "notifications", or "messages" (both).
    counts = "requests"
    default_method = None  # e.g. "initialize" for slow_initialize
    lifecycle = False  # True: also counts initialize and server/discover without a method=

    def __init__(self, params, rng):
        self.rng = rng
        for key, value in params.items():
            setattr(self, key, value)

    def apply(self, *args):
        raise NotImplementedError


class FaultSpecError(ValueError):
    pass


TRIGGER_KEYS = ("nth", "every", "after", "for", "p", "method", "tool", "id")


class Trigger:
    """nth / every k / after N for m / method and tool-name globs / probability p; all given
    conditions must hold. Counts only the messages that match method and tool."""

    def __init__(self, nth=None, every=None, after=None, count=None, p=None, method=None, tool=None,
                 counts="requests", lifecycle=False):
        self.nth, self.every, self.after, self.count, self.p = nth, every, after, count, p
        self.method, self.tool, self.counts, self.lifecycle = method, tool, counts, lifecycle
        self.seen = 0

    def matches(self, msg):
        if not isinstance(msg, dict) or "method" not in msg:
            return False
        method = str(msg.get("method"))
        is_notification = "id" not in msg
        if self.counts == "requests" and is_notification:
            return False
        if self.counts == "notifications" and not is_notification:
            return False
        if self.method is None:
            if method in LIFECYCLE_METHODS and not self.lifecycle:
                return False
        elif not fnmatch.fnmatchcase(method, self.method):
            return False
        if self.tool is not None:
            params = msg.get("params") if isinstance(msg.get("params"), dict) else {}
            target = params.get("name", params.get("uri", ""))
            if not fnmatch.fnmatchcase(str(target), self.tool):
                return False
        return True

    def fires(self, msg, rng):
        if not self.matches(msg):
            return False
        self.seen += 1
        n = self.seen
        # Draw for every counted message so the random stream depends only on the schedule.
        draw = rng.random() if self.p is not None else 0.0
        if self.nth is not None and n != self.nth:
            return False
        if self.every is not None and n % self.every != 0:
            return False
        if self.after is not None and n <= self.after:
            return False
        if self.count is not None and n > (self.after or 0) + self.count:
            return False
        return self.p is None or draw < self.p


class ArmedFault:
    """One fault as configured: its spec, its parameters, its trigger and its RNG."""

    def __init__(self, fault_id, spec, fault, trigger):
        self.id, self.spec, self.fault, self.trigger = fault_id, spec, fault, trigger

    @property
    def name(self):
        return self.fault.name

    @property
    def stage(self):
        return self.fault.stage

    def describe(self):
        return {"id": self.id, "name": self.name, "spec": self.spec, "stage": self.stage, "seen": self.trigger.seen}


def _convert(key, text, default):
    try:
        if isinstance(default, bool):
            if text.lower() not in ("1", "0", "true", "false", "yes", "no"):
                raise ValueError
            return text.lower() in ("1", "true", "yes")
        if isinstance(default, int) and not isinstance(default, bool):
            return int(text)
        if isinstance(default, float):
            return float(text)
    except ValueError:
        raise FaultSpecError(f"{key}={text!r}: expected {type(default).__name__}") from None
    return text


def parse_spec(spec):
    """'latency ms=50 jitter=20 method=tools/call' -> (name, fault params, trigger params, id)."""
    try:
        words = shlex.split(spec)
    except ValueError as error:
        raise FaultSpecError(f"cannot parse fault spec {spec!r}: {error}") from None
    if not words:
        raise FaultSpecError("empty fault spec")
    name, settings = words[0], {}
    if name not in REGISTRY:
        raise FaultSpecError(f"unknown fault {name!r}; known: {', '.join(sorted(REGISTRY))}")
    cls = REGISTRY[name]
    for word in words[1:]:
        key, sep, value = word.partition("=")
        if not sep:
            raise FaultSpecError(f"{word!r} in {spec!r}: expected key=value")
        if key not in TRIGGER_KEYS and key not in cls.params:
            allowed = ", ".join(list(cls.params) + list(TRIGGER_KEYS))
            raise FaultSpecError(f"fault {name!r} has no parameter {key!r}; allowed: {allowed}")
        settings[key] = value
    params = {key: _convert(key, settings.pop(key), default) if key in settings else default
              for key, default in cls.params.items()}
    trigger = {}
    for key in ("nth", "every", "after", "for"):
        if key in settings:
            trigger["count" if key == "for" else key] = _convert(key, settings[key], 0)
            if trigger["count" if key == "for" else key] < (0 if key == "after" else 1):
                raise FaultSpecError(f"{key} must be {'>= 0' if key == 'after' else '>= 1'}")
    if "p" in settings:
        trigger["p"] = _convert("p", settings["p"], 0.0)
        if not 0.0 <= trigger["p"] <= 1.0:
            raise FaultSpecError("p must be between 0 and 1")
    trigger["method"] = settings.get("method", cls.default_method)
    trigger["tool"] = settings.get("tool")
    return name, params, trigger, settings.get("id")


class FaultSet:
    """The faults armed in one fake; changed at runtime by the control channel."""

    def __init__(self, seed=0):
        self.seed = seed
        self._lock = threading.Lock()
        self._faults = []
        self._added = 0

    def add(self, spec):
        name, params, trigger, fault_id = parse_spec(spec)
        cls = REGISTRY[name]
        with self._lock:
            self._added += 1
            # A string seed hashes deterministically; each fault gets its own stream.
            rng = random.Random(f"{self.seed}/{self._added}/{spec}")
            taken = {armed.id for armed in self._faults}
            if fault_id is None:
                fault_id = name
                suffix = 2
                while fault_id in taken:
                    fault_id, suffix = f"{name}#{suffix}", suffix + 1
            elif fault_id in taken:
                raise FaultSpecError(f"a fault with id {fault_id!r} is already armed")
            armed = ArmedFault(fault_id, spec, cls(params, rng), Trigger(counts=cls.counts, lifecycle=cls.lifecycle, **trigger))
            self._faults.append(armed)
        return armed

    def remove(self, fault_id):
        """Remove the fault with this id, or every fault with this name; how many went."""
        with self._lock:
            keep = [a for a in self._faults if a.id != fault_id and a.name != fault_id]
            removed = len(self._faults) - len(keep)
            self._faults = keep
        return removed

    def reset(self):
        with self._lock:
            self._faults = []

    def describe(self):
        with self._lock:
            return [armed.describe() for armed in self._faults]

    def of_stage(self, stage):
        with self._lock:
            return [armed for armed in self._faults if armed.stage == stage]

    def firing(self, msg):
        """The armed faults that fire for this incoming message, decided in arrival order,
        each with its own random stream drawn now."""
        with self._lock:
            return [Firing(armed, random.Random(armed.fault.rng.getrandbits(64))) for armed in self._faults
                    if armed.stage != "start" and armed.trigger.fires(msg, armed.fault.rng)]


class Firing:
    def __init__(self, armed, rng):
        self.armed, self.rng = armed, rng
