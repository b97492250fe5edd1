"""Argument validators for the authentication and rate-limit setters.

The features themselves are not built yet (see availability.py); validating now
means a config written today keeps working, and a typo is caught today.
"""

from __future__ import annotations

from typing import Any, List, Optional

from .checks import Checker
from .errors import FieldError

JWT_ALGORITHMS = ("HS256", "HS384", "HS512", "RS256", "RS384", "RS512")
RATE_LIMIT_ALGORITHMS = ("token_bucket", "sliding_window", "fixed_window")


def check_jwt_auth(path: str, secret: Optional[str], public_key: Optional[str],
                   algorithm: Any, issuer: Optional[str], audience: Optional[str],
                   verify_expiry: Any, clock_skew_seconds: Any) -> List[FieldError]:
    c = Checker()
    secret_ok = c.optional_string(f"{path}.secret", secret, non_empty=True)
    key_ok = c.optional_string(f"{path}.public_key", public_key, non_empty=True)
    if c.choice(f"{path}.algorithm", algorithm, JWT_ALGORITHMS):
        # The key material must match the algorithm family, or every token fails.
        if algorithm.startswith("HS"):
            if secret_ok and secret is None:
                c.add(f"{path}.secret", f"{algorithm} needs a secret")
            if key_ok and public_key is not None:
                c.add(f"{path}.public_key", f"{algorithm} uses a secret, not a public key")
        else:
            if key_ok and public_key is None:
                c.add(f"{path}.public_key", f"{algorithm} needs a public_key (PEM)")
            if secret_ok and secret is not None:
                c.add(f"{path}.secret", f"{algorithm} uses a public key, not a secret")
    c.optional_string(f"{path}.issuer", issuer, non_empty=True)
    c.optional_string(f"{path}.audience", audience, non_empty=True)
    c.boolean(f"{path}.verify_expiry", verify_expiry)
    c.integer(f"{path}.clock_skew_seconds", clock_skew_seconds, minimum=0)
    return c.errors


def check_bearer_auth(path: str, token: Any) -> List[FieldError]:
    c = Checker()
    c.string(f"{path}.token", token, non_empty=True)
    return c.errors


def check_rate_limit(path: str, max_requests: Any, window_ms: Any, burst: Any,
                     algorithm: Any) -> List[FieldError]:
    c = Checker()
    c.integer(f"{path}.max_requests", max_requests)
    c.integer(f"{path}.window_ms", window_ms)
    c.optional_integer(f"{path}.burst", burst)
    c.choice(f"{path}.algorithm", algorithm, RATE_LIMIT_ALGORITHMS)
    return c.errors


def check_tool_rate_limit(path: str, tool_name: Any, max_requests: Any,
                          window_ms: Any) -> List[FieldError]:
    c = Checker()
    c.string(f"{path}.tool_name", tool_name, non_empty=True)
    c.integer(f"{path}.max_requests", max_requests)
    c.integer(f"{path}.window_ms", window_ms)
    return c.errors
