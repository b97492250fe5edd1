"""Argument validators for the authentication and rate-limit setters (docs/security.md).

Every problem is reported by field path ("jwt_auth.secret", "rate_limit.burst"); the core
checks the key material again when it loads it (a PEM that does not parse, an RSA key
shorter than 2048 bits) and its ConfigError names the same fields.
"""

from __future__ import annotations

import ipaddress
from typing import Any, List, Optional
from urllib.parse import urlsplit

from .checks import Checker
from .errors import FieldError

HMAC_ALGORITHMS = ("HS256", "HS384", "HS512")
JWT_ALGORITHMS = HMAC_ALGORITHMS + ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
                                    "ES256", "ES384", "EdDSA")
RATE_LIMIT_ALGORITHMS = ("token_bucket", "sliding_window", "fixed_window")

# RFC 7518 3.2: an HMAC key at least as long as the hash output.
HMAC_MIN_SECRET_BYTES = {"HS256": 32, "HS384": 48, "HS512": 64}
MIN_SECRET_BYTES = 32

# Where a stdio client puts its credential, and the environment fallback.
META_KEY = "dev.fasterapi/authorization"
TOKEN_ENV = "FASTERAPI_MCP_TOKEN"


def _loopback(host: Optional[str]) -> bool:
    if host in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


def secret_string(c: Checker, path: str, value: Any, optional: bool = False) -> bool:
    """Like Checker.string, but a message never repeats the value (it is a secret)."""
    if value is None and optional:
        return True
    if not isinstance(value, str):
        c.add(path, f"must be a string, got {type(value).__name__}")
        return False
    if not value:
        c.add(path, "must not be empty")
        return False
    return True


def check_jwks_url(c: Checker, path: str, url: Any) -> bool:
    if not c.string(path, url, non_empty=True):
        return False
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return True
    if parts.scheme == "http" and _loopback(parts.hostname):
        return True  # a local identity provider or a test server
    c.add(path, "must be an https:// URL (http:// only for a loopback host)")
    return False


def check_jwt_auth(path: str, secret: Optional[str], public_key: Optional[str],
                   algorithm: Any, issuer: Optional[str], audience: Optional[str],
                   verify_expiry: Any, clock_skew_seconds: Any, algorithms: Any = None,
                   jwks_file: Any = None, jwks_url: Any = None, jwks_refresh_seconds: Any = 300,
                   max_token_bytes: Any = 8192, cache_size: Any = 1024) -> List[FieldError]:
    c = Checker()
    secret_ok = secret_string(c, f"{path}.secret", secret, optional=True)
    key_ok = c.optional_string(f"{path}.public_key", public_key, non_empty=True)
    file_ok = c.optional_string(f"{path}.jwks_file", jwks_file, non_empty=True)
    url_ok = jwks_url is None or check_jwks_url(c, f"{path}.jwks_url", jwks_url)
    jwks = jwks_file is not None or jwks_url is not None
    if jwks_file is not None and jwks_url is not None and file_ok and url_ok:
        c.add(f"{path}.jwks_url", "give jwks_file or jwks_url, not both")
    if jwks:
        # A key set brings its own keys; the single-key arguments would be ambiguous.
        if secret is not None and secret_ok:
            c.add(f"{path}.secret", "not used with a JWKS (jwks_file / jwks_url)")
        if public_key is not None and key_ok:
            c.add(f"{path}.public_key", "not used with a JWKS (jwks_file / jwks_url)")
        c.choice(f"{path}.algorithm", algorithm, JWT_ALGORITHMS)
    elif c.choice(f"{path}.algorithm", algorithm, JWT_ALGORITHMS):
        # The key material must match the algorithm family, or every token fails.
        if algorithm in HMAC_ALGORITHMS:
            if secret_ok and secret is None:
                c.add(f"{path}.secret", f"{algorithm} needs a secret")
            if key_ok and public_key is not None:
                c.add(f"{path}.public_key", f"{algorithm} uses a secret, not a public key")
            if secret_ok and secret is not None:
                size = len(secret.encode("utf-8"))
                need = max(MIN_SECRET_BYTES, HMAC_MIN_SECRET_BYTES[algorithm])
                if size < need:
                    c.add(f"{path}.secret", f"must be at least {need} bytes for {algorithm} "
                          f"(RFC 7518 3.2), got {size}; use a random 256-bit secret")
        else:
            if key_ok and public_key is None:
                c.add(f"{path}.public_key", f"{algorithm} needs a public_key (PEM)")
            if secret_ok and secret is not None:
                c.add(f"{path}.secret", f"{algorithm} uses a public key, not a secret")
            if key_ok and public_key is not None and "-----BEGIN " not in public_key:
                c.add(f"{path}.public_key", "must be PEM text (-----BEGIN PUBLIC KEY-----)")
    if algorithms is not None:
        if not isinstance(algorithms, (list, tuple)) or not algorithms:
            c.add(f"{path}.algorithms", f"must be a non-empty list of algorithm names, "
                  f"got {algorithms!r}")
        else:
            for i, name in enumerate(algorithms):
                c.choice(f"{path}.algorithms[{i}]", name, JWT_ALGORITHMS)
    c.optional_string(f"{path}.issuer", issuer, non_empty=True)
    c.optional_string(f"{path}.audience", audience, non_empty=True)
    c.boolean(f"{path}.verify_expiry", verify_expiry)
    c.integer(f"{path}.clock_skew_seconds", clock_skew_seconds, minimum=0)
    c.integer(f"{path}.jwks_refresh_seconds", jwks_refresh_seconds)
    c.integer(f"{path}.max_token_bytes", max_token_bytes, minimum=256)
    c.integer(f"{path}.cache_size", cache_size, minimum=0)
    return c.errors


def check_bearer_auth(path: str, token: Any) -> List[FieldError]:
    c = Checker()
    if secret_string(c, f"{path}.token", token) and any(ch.isspace() for ch in token):
        c.add(f"{path}.token", "must not contain whitespace (it travels as 'Bearer <token>')")
    return c.errors


def check_rate_limit(path: str, max_requests: Any, window_ms: Any, burst: Any,
                     algorithm: Any) -> List[FieldError]:
    c = Checker()
    c.integer(f"{path}.max_requests", max_requests)
    c.integer(f"{path}.window_ms", window_ms)
    burst_ok = c.optional_integer(f"{path}.burst", burst)
    if c.choice(f"{path}.algorithm", algorithm, RATE_LIMIT_ALGORITHMS) and burst_ok \
            and burst is not None and algorithm != "token_bucket":
        c.add(f"{path}.burst", f"only token_bucket uses burst ({algorithm} allows "
              "max_requests per window)")
    return c.errors


def check_tool_rate_limit(path: str, tool_name: Any, max_requests: Any, window_ms: Any,
                          burst: Any = None, algorithm: Any = "token_bucket") -> List[FieldError]:
    c = Checker()
    c.string(f"{path}.tool_name", tool_name, non_empty=True)
    return c.errors + check_rate_limit(path, max_requests, window_ms, burst, algorithm)


def rate_limit_document(max_requests: int, window_ms: int, burst: Optional[int],
                        algorithm: str) -> dict:
    return {"max_requests": max_requests, "window_ms": window_ms, "burst": burst,
            "algorithm": algorithm}
