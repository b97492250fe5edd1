"""Hypothesis model tests (house rule 9): each rate-limit algorithm in C++
(`_core.RateLimiter`, the policy the filter uses) against a tiny Python reference on a
manual clock. For every generated trace: the same decision, and the same retry_after_ms.

The references are written differently on purpose: the token bucket counts tokens as
exact fractions, the window algorithms keep every window's count, and retry_after is
found by brute force (the first later millisecond at which the reference would admit).
"""

from __future__ import annotations

from collections import defaultdict
from fractions import Fraction
from typing import Optional

from hypothesis import settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from fasterapi.mcp import _core


class TokenBucket:
    def __init__(self, n: int, w: int, burst: Optional[int]) -> None:
        self.n, self.w, self.cap = n, w, Fraction(burst or n)
        self.tokens: Optional[Fraction] = None
        self.last = 0

    def _tokens_at(self, t: int) -> Fraction:
        if self.tokens is None:
            return self.cap
        return min(self.cap, self.tokens + Fraction(max(0, t - self.last) * self.n, self.w))

    def allowed_at(self, t: int) -> bool:
        return self._tokens_at(t) >= 1

    def admit(self, t: int) -> None:
        self.tokens = self._tokens_at(t) - 1
        self.last = max(self.last, t)

    def horizon(self) -> int:
        return self.w + 1


class FixedWindow:
    def __init__(self, n: int, w: int, burst: Optional[int]) -> None:
        self.n, self.w = n, w
        self.counts = defaultdict(int)

    def allowed_at(self, t: int) -> bool:
        return self.counts[t // self.w] < self.n

    def admit(self, t: int) -> None:
        self.counts[t // self.w] += 1

    def horizon(self) -> int:
        return self.w + 1


class SlidingWindow(FixedWindow):
    def allowed_at(self, t: int) -> bool:
        k, e = divmod(t, self.w)
        prev, cur = self.counts[k - 1], self.counts[k]
        return prev * (self.w - e) + cur * self.w < self.n * self.w

    def horizon(self) -> int:
        return 2 * self.w + 1


MODELS = {"token_bucket": TokenBucket, "fixed_window": FixedWindow,
          "sliding_window": SlidingWindow}


def reference_check(model, now: int):
    if model.allowed_at(now):
        model.admit(now)
        return True, 0
    for d in range(1, model.horizon() + 1):
        if model.allowed_at(now + d):
            return False, d
    raise AssertionError("the reference never admits again")


class LimiterMachine(RuleBasedStateMachine):
    algorithm = "token_bucket"

    @initialize(n=st.integers(1, 6), w=st.integers(1, 60), burst=st.none() | st.integers(1, 8),
                start=st.integers(0, 200))
    def setup(self, n, w, burst, start):
        if self.algorithm != "token_bucket":
            burst = None
        self.model = MODELS[self.algorithm](n, w, burst)
        self.real = _core.RateLimiter(self.algorithm, n, w, burst or 0)
        self.now = start
        self.last = None

    @rule(ms=st.integers(0, 130))
    def advance(self, ms):
        self.now += ms

    @rule()
    def request(self):
        self.last = (self.real.check(self.now), reference_check(self.model, self.now))

    @rule(times=st.integers(2, 8))
    def burst_of_requests(self, times):
        for _ in range(times):
            self.request()
            assert self.last[0] == self.last[1], self.last

    @invariant()
    def same_decision_and_retry_after(self):
        if getattr(self, "last", None) is not None:
            real, expected = self.last
            assert tuple(real) == expected


def machine(name: str):
    cls = type(f"{name.title().replace('_', '')}Machine", (LimiterMachine,), {"algorithm": name})
    cls.TestCase.settings = settings(max_examples=150, stateful_step_count=40, deadline=None)
    return cls.TestCase


TestTokenBucket = machine("token_bucket")
TestFixedWindow = machine("fixed_window")
TestSlidingWindow = machine("sliding_window")


def test_retry_after_is_when_the_next_request_succeeds():
    """The documented example: 2 per 60 s sliding window, both at t=0."""
    limiter = _core.RateLimiter("sliding_window", 2, 60000)
    assert limiter.check(0) == (True, 0) and limiter.check(0) == (True, 0)
    allowed, retry = limiter.check(0)
    assert (allowed, retry) == (False, 60001)
    assert limiter.check(60000)[0] is False and limiter.check(60001) == (True, 0)


class KeyedMachine(RuleBasedStateMachine):
    """Per-client limits: each key behaves like its own reference limiter, whatever the
    sweeps of idle keys (a tiny soft_max forces them) do to the states and slots."""

    @initialize(algorithm=st.sampled_from(sorted(MODELS)), n=st.integers(1, 4), w=st.integers(1, 40),
                soft_max=st.integers(1, 4))
    def setup(self, algorithm, n, w, soft_max):
        self.algorithm, self.n, self.w = algorithm, n, w
        self.real = _core.KeyedRateLimiter(algorithm, n, w, 0, soft_max)
        self.models = {}
        self.now = 0

    @rule(ms=st.integers(0, 100))
    def advance(self, ms):
        self.now += ms

    @rule(key=st.sampled_from(["alice", "bob", "carol", "dave", "erin", "frank"]))
    def request(self, key):
        model = self.models.setdefault(key, MODELS[self.algorithm](self.n, self.w, None))
        assert tuple(self.real.check(key, self.now)) == reference_check(model, self.now)


TestKeyed = KeyedMachine.TestCase
TestKeyed.settings = settings(max_examples=150, stateful_step_count=50, deadline=None)
