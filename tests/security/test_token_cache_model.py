"""Hypothesis model test of the verified-token cache (policy/token_cache.hpp): bounded,
oldest insertion evicted first, an entry returned only inside its validity window and
dropped when found outside it."""

from __future__ import annotations

from collections import OrderedDict

from hypothesis import settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from fasterapi.mcp import _core

TOKENS = st.sampled_from([f"token-{i}" for i in range(8)])


class CacheMachine(RuleBasedStateMachine):
    @initialize(capacity=st.integers(0, 5))
    def setup(self, capacity):
        self.capacity = capacity
        self.real = _core.TokenCache(capacity)
        self.model: "OrderedDict[str, tuple]" = OrderedDict()
        self.now = 1000

    @rule(ms=st.integers(0, 50))
    def advance(self, ms):
        self.now += ms

    @rule(token=TOKENS, start=st.integers(-50, 50), length=st.integers(1, 100))
    def insert(self, token, start, length):
        valid_from, valid_until = self.now + start, self.now + start + length
        self.real.insert(token, token.upper(), valid_from, valid_until)
        if self.capacity == 0:
            return
        if token in self.model:
            del self.model[token]
        while len(self.model) >= self.capacity:
            self.model.popitem(last=False)
        self.model[token] = (token.upper(), valid_from, valid_until)

    @rule(token=TOKENS)
    def find(self, token):
        expected = None
        if token in self.model:
            principal, valid_from, valid_until = self.model[token]
            if valid_from <= self.now < valid_until:
                expected = principal
            else:
                del self.model[token]
        assert self.real.find(token, self.now) == expected

    @invariant()
    def same_size(self):
        if hasattr(self, "real"):
            assert len(self.real) == len(self.model) <= self.capacity


TestTokenCache = CacheMachine.TestCase
TestTokenCache.settings = settings(max_examples=200, stateful_step_count=60, deadline=None)
