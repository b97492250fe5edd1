"""The guide's transformer factories and the checks on what add_*_transformer accepts.

A transformer has the guide's signature ``(ctx: dict, data: str) -> str``: ``data`` is one
JSON-RPC message as JSON text, the result the message to send on. The built-ins below are
objects with that signature whose work is done by the C++ core: added to a proxy they run
in the core, on the request path, without Python; called from Python they run the same
C++ code. Any other callable is a custom (Python) transformer: the core calls it, with the
GIL, for each message on a route that enables the chain (docs/transformers.md).
"""

from __future__ import annotations

import importlib
import json
from typing import Any, Callable, Dict, List

from .checks import Checker
from .errors import FieldError, raise_if_any

Transformer = Callable[[dict, str], str]


class BuiltinTransformer:
    """A transformer implemented in the core. `spec` is its entry in the core document
    (docs/core_config.md) without the name, which add_*_transformer gives it."""

    __slots__ = ("spec",)

    def __init__(self, spec: Dict[str, Any]) -> None:
        self.spec = dict(spec)

    @property
    def type(self) -> str:
        return self.spec["type"]

    def document(self, name: str) -> Dict[str, Any]:
        return {"name": name, **self.spec}

    def __call__(self, ctx: dict, data: str) -> str:
        core = importlib.import_module("fasterapi.mcp._core")
        return core.run_builtin_transformer(json.dumps(self.document("builtin")), dict(ctx or {}), data)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.spec.items() if k != "type")
        return f"<{self.type} transformer {args}>"


def check_transformer(path: str, name: Any, transformer: Any) -> List[FieldError]:
    c = Checker()
    c.string(f"{path}.name", name, non_empty=True)
    c.callable_(f"{path}.transformer", transformer)
    return c.errors


def create_metadata_transformer(proxy_name: str) -> Transformer:
    """Adds ``"_proxy": {"name", "request_id", "client_id"}`` to each message (the guide's
    shape). request_id is the proxy's id for the call, the same on its request and its
    response; client_id the principal (JWT sub, "bearer", "anonymous")."""
    c = Checker()
    c.string("create_metadata_transformer.proxy_name", proxy_name, non_empty=True)
    raise_if_any(c.errors)
    return BuiltinTransformer({"type": "metadata", "proxy_name": proxy_name})


def create_sanitizing_transformer(sensitive_fields: List[str]) -> Transformer:
    """Replaces the value of every member named like one of `sensitive_fields` (compared
    case-insensitively, at any depth, inside arrays too) with "[REDACTED]". Once a proxy
    with one starts, those values are also redacted in every log line it writes."""
    c = Checker()
    c.string_list("create_sanitizing_transformer.sensitive_fields", sensitive_fields,
                  non_empty_items=True)
    raise_if_any(c.errors)
    return BuiltinTransformer({"type": "sanitize", "keys": list(sensitive_fields)})


def create_caching_transformer(ttl_ms: int) -> Transformer:
    """A response transformer: answers on its routes that are safe to cache are cached by
    the proxy for ttl_ms (or less, when the upstream's ttlMs says so), and carry the
    caching hints ``ttlMs`` / ``cacheScope`` (MCP 2026-07-28) to the client."""
    c = Checker()
    c.integer("create_caching_transformer.ttl_ms", ttl_ms)
    raise_if_any(c.errors)
    return BuiltinTransformer({"type": "cache", "ttl_ms": ttl_ms})


def chain_document(chain: List[Any]) -> List[Dict[str, Any]]:
    """The core document's entries for an ordered [(name, transformer)] chain."""
    out = []
    for name, fn in chain:
        if isinstance(fn, BuiltinTransformer):
            out.append(fn.document(name))
        else:
            out.append({"name": name, "type": "python"})
    return out
