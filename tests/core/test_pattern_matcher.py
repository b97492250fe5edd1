"""The route pattern matcher against a Python reference (hypothesis).

Syntax (README "Routing"): '*' matches any run of characters, including none; '?' exactly
one; every other character matches itself."""

import re

from hypothesis import given, settings, strategies as st

from fasterapi.mcp import _core

ALPHABET = "ab_:/.*?"


def reference(pattern: str, name: str) -> bool:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, name, flags=re.DOTALL) is not None


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=8), st.text(alphabet="ab_:/.", max_size=10))
def test_matcher_agrees_with_reference(pattern, name):
    assert _core.match_pattern(pattern, name) == reference(pattern, name)


def test_documented_examples():
    assert _core.match_pattern("math_*", "math_add")
    assert _core.match_pattern("math_*", "math_")
    assert not _core.match_pattern("math_*", "mathadd")
    assert _core.match_pattern("data://*", "data://users/1")
    assert _core.match_pattern("config://app/*", "config://app/x")
    assert not _core.match_pattern("config://app/*", "config://other/x")
    assert _core.match_pattern("calculate", "calculate")
    assert not _core.match_pattern("calculate", "calculated")
    assert _core.match_pattern("tool_?", "tool_1") and not _core.match_pattern("tool_?", "tool_10")
    assert _core.match_pattern("*_review", "code_review")
