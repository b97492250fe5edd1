"""Property tests: whatever bytes arrive, the verifier answers with a reason and never
accepts a token that was not signed as it stands."""

from __future__ import annotations

import json

from hypothesis import given, settings, strategies as st

from fasterapi.mcp import _core

from .security_tokens import SECRET, b64url, hs

CONFIG = json.dumps({"secret": SECRET, "verify_expiry": False})
VALID = hs({"sub": "alice", "scopes": ["a"]})
REASONS = {"malformed", "token_too_large", "algorithm_not_allowed", "unsupported_crit",
           "unknown_key", "bad_signature", "expired", "not_yet_valid", "wrong_issuer",
           "wrong_audience", "missing_claim"}


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_text_is_refused_with_a_reason(text):
    assert _core.verify_jwt(CONFIG, text, 0)["reason"] in REASONS


@settings(max_examples=400, deadline=None)
@given(st.integers(0, len(VALID) - 1), st.sampled_from("AaZz09-_.+/= \x00é"))
def test_any_one_character_change_is_refused(position, replacement):
    token = VALID[:position] + replacement + VALID[position + 1:]
    verdict = _core.verify_jwt(CONFIG, token, 0)
    assert (verdict["reason"] == "ok") == (token == VALID), (token, verdict)


@settings(max_examples=300, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
                    max_leaves=20),
       st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
                    max_leaves=10))
def test_arbitrary_json_segments_signed_correctly_never_crash(claims, header):
    head = b64url(json.dumps(header).encode())
    body = b64url(json.dumps(claims).encode())
    import hashlib
    import hmac
    sig = b64url(hmac.new(SECRET.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest())
    verdict = _core.verify_jwt(CONFIG, f"{head}.{body}.{sig}", 0)
    if verdict["reason"] == "ok":
        # Only a header naming HS256 and claims with a usable sub can pass.
        assert header.get("alg") == "HS256" and isinstance(claims.get("sub"), str)
