"""The guide's built-in transformer factories.

Transformers are not built yet: each factory validates its arguments (so a
mistake is reported by name) and then raises FeatureNotAvailableError.
"""

from __future__ import annotations

from typing import Any, Callable, List

from .availability import unavailable
from .checks import Checker
from .errors import FieldError, raise_if_any

Transformer = Callable[[dict, str], str]


def check_transformer(path: str, name: Any, transformer: Any) -> List[FieldError]:
    c = Checker()
    c.string(f"{path}.name", name, non_empty=True)
    c.callable_(f"{path}.transformer", transformer)
    return c.errors


def create_metadata_transformer(proxy_name: str) -> Transformer:
    """Adds a `_proxy` object (name, request_id, client_id) to each message."""
    c = Checker()
    c.string("create_metadata_transformer.proxy_name", proxy_name, non_empty=True)
    raise_if_any(c.errors, unavailable("transformer_factory", "create_metadata_transformer"))
    raise NotImplementedError("availability.py lists transformers as available, but they are not built")


def create_sanitizing_transformer(sensitive_fields: List[str]) -> Transformer:
    """Replaces the values of the named fields with "[REDACTED]"."""
    c = Checker()
    c.string_list("create_sanitizing_transformer.sensitive_fields", sensitive_fields,
                  non_empty_items=True)
    raise_if_any(c.errors, unavailable("transformer_factory", "create_sanitizing_transformer"))
    raise NotImplementedError("availability.py lists transformers as available, but they are not built")


def create_caching_transformer(ttl_ms: int) -> Transformer:
    """Marks responses cacheable for ttl_ms."""
    c = Checker()
    c.integer("create_caching_transformer.ttl_ms", ttl_ms)
    raise_if_any(c.errors, unavailable("transformer_factory", "create_caching_transformer"))
    raise NotImplementedError("availability.py lists transformers as available, but they are not built")
