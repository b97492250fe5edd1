"""Expectations: `{"path.to.field": matcher, ...}` checked against a JSON value.

A path is dotted; a number is a list index (`result.content.0.text`). A matcher is a plain
value (equality) or a one-key dict:

    {"$exists": True|False}   {"$in": [a, b]}      {"$len": n}
    {"$contains": x}          {"$gte": n}          {"$lte": n}
    {"$ne": x}                {"$startswith": s}   {"$type": "int"|"str"|...}
    {"$between": [lo, hi]}
"""

from __future__ import annotations

from typing import Any, List, Mapping

_MISSING = object()


def get_path(value: Any, path: str) -> Any:
    if path in ("", "."):
        return value
    for part in path.split("."):
        if isinstance(value, Mapping) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.lstrip("-").isdigit() and -len(value) <= int(part) < len(value):
            value = value[int(part)]
        else:
            return _MISSING
    return value


_TYPES = {"int": int, "str": str, "list": list, "dict": dict, "bool": bool, "float": (int, float)}


def _check(actual: Any, matcher: Any) -> bool:
    if isinstance(matcher, Mapping) and len(matcher) == 1 and next(iter(matcher)).startswith("$"):
        op, arg = next(iter(matcher.items()))
        if op == "$exists":
            return (actual is not _MISSING) == bool(arg)
        if actual is _MISSING:
            return False
        if op == "$in":
            return actual in arg
        if op == "$len":
            return hasattr(actual, "__len__") and len(actual) == arg
        if op == "$contains":
            return arg in actual
        if op == "$gte":
            return actual >= arg
        if op == "$lte":
            return actual <= arg
        if op == "$between":
            return arg[0] <= actual <= arg[1]
        if op == "$ne":
            return actual != arg
        if op == "$startswith":
            return isinstance(actual, str) and actual.startswith(arg)
        if op == "$type":
            return isinstance(actual, _TYPES[arg]) and not (arg == "int" and isinstance(actual, bool))
        raise ValueError(f"unknown matcher {op}")
    return actual is not _MISSING and actual == matcher


def mismatches(value: Any, expect: Mapping[str, Any]) -> List[str]:
    """Every expectation that does not hold, in words (empty: all hold)."""
    problems = []
    for path, matcher in expect.items():
        actual = get_path(value, path)
        if not _check(actual, matcher):
            shown = "<missing>" if actual is _MISSING else repr(actual)
            if len(shown) > 300:
                shown = shown[:300] + "..."
            problems.append(f"{path}: expected {matcher!r}, got {shown}")
    return problems
