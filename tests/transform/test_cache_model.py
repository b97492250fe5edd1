"""Hypothesis model test of the response cache's policy (policy/response_cache.hpp) against
a small Python reference: private entries belong to one principal with one set of scopes,
public ones to every caller with the same scopes; a find never returns another caller's
private answer; entries expire at their ttl; memory is bounded by entries and bytes with
the least recently used dropped first (expired ones before that); invalidation by kind and
by URI drops exactly what it names."""

from __future__ import annotations

from collections import OrderedDict

from hypothesis import settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from fasterapi.mcp import _core

PRINCIPALS = st.sampled_from(["alice", "bob", "anonymous"])
SCOPE_SETS = st.sampled_from([(), ("read",), ("admin", "read"), ("read", "admin")])
REQUESTS = st.sampled_from(["tools/list {}", "resources/read {\"uri\":\"a\"}",
                            "resources/read {\"uri\":\"b\"}", "prompts/get {\"name\":\"p\"}"])
KIND_OF = {"tools/list {}": 0, "resources/read {\"uri\":\"a\"}": 1,
           "resources/read {\"uri\":\"b\"}": 1, "prompts/get {\"name\":\"p\"}": 2}
URI_OF = {"resources/read {\"uri\":\"a\"}": "a", "resources/read {\"uri\":\"b\"}": "b"}


def logical_key(request, who, scopes, scope):
    """The model's idea of an authorization context, independent of the C++ encoding."""
    if scope == "private":
        return ("private", who, frozenset(scopes), request)
    return ("public", frozenset(scopes), request)


class ResponseCacheMachine(RuleBasedStateMachine):
    @initialize(max_entries=st.integers(0, 4), max_bytes=st.integers(80, 600))
    def setup(self, max_entries, max_bytes):
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self.real = _core.ResponseCache(max_entries, max_bytes)
        # logical key -> dict(value, expires, scope, kind, uri, key, size); LRU first.
        self.model: "OrderedDict[tuple, dict]" = OrderedDict()
        self.now = 1000
        self.serial = 0

    def _size(self):
        return sum(e["size"] for e in self.model.values())

    def _purge_expired(self):
        for k in [k for k, e in self.model.items() if e["expires"] <= self.now]:
            del self.model[k]

    @rule(ms=st.integers(0, 40))
    def advance(self, ms):
        self.now += ms

    @rule(request=REQUESTS, who=PRINCIPALS, scopes=SCOPE_SETS,
          scope=st.sampled_from(["private", "public"]), ttl=st.integers(-5, 60),
          padding=st.integers(0, 200))
    def store(self, request, who, scopes, scope, ttl, padding):
        self.serial += 1
        # The value says whose it is, so a find can prove it never crossed contexts.
        value = f"{who}|{','.join(sorted(set(scopes)))}|{scope}|{self.serial}|" + "x" * padding
        key = _core.ResponseCache.key_for(request, who, list(scopes), scope)
        stored = self.real.store(request, who, list(scopes), scope, value, ttl,
                                 KIND_OF[request], URI_OF.get(request, ""), self.now)
        other = "public" if scope == "private" else "private"
        self.model.pop(logical_key(request, who, scopes, other), None)
        self.model.pop(logical_key(request, who, scopes, scope), None)
        size = len(key.encode()) + len(value.encode())
        expect = ttl > 0 and size <= self.max_bytes and self.max_entries > 0
        assert stored == expect
        if not expect:
            return
        self._purge_expired()
        self.model[logical_key(request, who, scopes, scope)] = dict(
            value=value, expires=self.now + ttl, scope=scope, kind=KIND_OF[request],
            uri=URI_OF.get(request, ""), key=key, size=size)
        while len(self.model) > self.max_entries or self._size() > self.max_bytes:
            self.model.popitem(last=False)

    @rule(request=REQUESTS, who=PRINCIPALS, scopes=SCOPE_SETS)
    def find(self, request, who, scopes):
        expected = None
        for scope in ("private", "public"):
            k = logical_key(request, who, scopes, scope)
            e = self.model.get(k)
            if e is None:
                continue
            if e["expires"] <= self.now:
                del self.model[k]
                continue
            self.model.move_to_end(k)
            expected = (e["value"], e["expires"] - self.now, scope)
            break
        got = self.real.find(request, who, list(scopes), self.now)
        assert got == expected
        if got is not None:
            owner, owner_scopes, scope = got[0].split("|")[:3]
            assert scope == got[2]
            assert owner_scopes == ",".join(sorted(set(scopes)))  # same scopes, always
            if scope == "private":
                assert owner == who  # never another principal's private answer
            assert got[1] > 0

    @rule(kind=st.integers(0, 2))
    def invalidate_kind(self, kind):
        doomed = [k for k, e in self.model.items() if e["kind"] == kind]
        for k in doomed:
            del self.model[k]
        assert self.real.invalidate_kind(kind) == len(doomed)

    @rule(uri=st.sampled_from(["a", "b", "c"]))
    def invalidate_uri(self, uri):
        doomed = [k for k, e in self.model.items() if e["uri"] == uri]
        for k in doomed:
            del self.model[k]
        assert self.real.invalidate_uri(uri) == len(doomed)

    @invariant()
    def same_contents_in_the_same_order(self):
        if not hasattr(self, "real"):
            return
        assert len(self.real) == len(self.model) <= self.max_entries
        assert self.real.bytes == self._size() <= self.max_bytes
        # keys(): most recently used first; the model keeps least recently used first.
        assert self.real.keys() == [e["key"] for e in reversed(self.model.values())]


TestResponseCache = ResponseCacheMachine.TestCase
TestResponseCache.settings = settings(max_examples=250, stateful_step_count=50, deadline=None)


def test_keys_of_different_contexts_never_collide():
    """Ids or scopes that contain the encoding's separators cannot forge another's key."""
    k = _core.ResponseCache.key_for
    assert k("r", "a|1:b", ["x"], "private") != k("r", "a", ["1:b", "x"], "private")
    assert k("r", "alice", ["read"], "private") != k("r", "alice", ["read"], "public")
    assert k("r", "alice", ["read", "admin"], "private") == k("r", "alice", ["admin", "read"], "private")
    assert k("r", "alice", ["read"], "public") == k("r", "bob", ["read"], "public")
    assert k("r", "alice", [], "public") != k("r", "alice", ["read"], "public")
