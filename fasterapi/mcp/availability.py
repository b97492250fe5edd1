"""What this version does not do yet, in two tables.

When a later change builds a feature, it deletes the feature's row here (and
wires the option through); nothing else in the package needs to know.

NOT_AVAILABLE: things that only happen when the user asks for them. Asking
raises FeatureNotAvailableError (after the arguments were validated).

INACTIVE_WHEN_ON: options whose *default* turns on a stage that is not built (or,
for the security stages, that has nothing configured to enforce). They are
accepted and validated; at start the proxy logs one line naming the ones that
are on, so nobody believes they are protected when they are not.
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Dict, List, Sequence, Tuple

from .errors import FieldError

logger = logging.getLogger("fasterapi.mcp")

NOT_AVAILABLE: Dict[str, str] = {
}


def is_available(feature: str) -> bool:
    return feature not in NOT_AVAILABLE


def unavailable(feature: str, path: str) -> List[FieldError]:
    """[] when the feature exists, else one error naming it and where it was asked for."""
    if is_available(feature):
        return []
    return [(path, f"{NOT_AVAILABLE[feature]} is not available in this version")]


def _on(value: Any) -> bool:
    return bool(value)


# (where, field, "is it switched on?") - where is "proxy" or "upstream".
INACTIVE_WHEN_ON: List[Tuple[str, str, Callable[[Any], bool]]] = [
    ("proxy", "enable_auth", _on),
    ("proxy", "enable_authorization", _on),
    ("proxy", "enable_rate_limiting", _on),
]


# Stages that exist but only act once something is configured for them: switched on
# with nothing to enforce, they are listed with what is missing.
NEEDS_CONFIGURATION: Dict[str, str] = {
    "enable_auth": "no set_jwt_auth or set_bearer_auth",
    "enable_authorization": "no route has required_scope",
    "enable_rate_limiting": "no rate limit set",
}


def inactive_options(proxy_options: Dict[str, Any], upstreams: Sequence[Any],
                     configured: Sequence[str] = ()) -> List[str]:
    """Names of the switched-on options that have no effect yet, in table order.

    Per-upstream options list the upstreams they are on for, e.g.
    "max_retries (math, data)". `configured` names the stages of NEEDS_CONFIGURATION
    that have something to enforce; the others are listed with what they lack, e.g.
    "enable_auth (no set_jwt_auth or set_bearer_auth)".
    """
    found: List[str] = []
    for where, field, is_on in INACTIVE_WHEN_ON:
        if where == "proxy":
            if is_on(proxy_options[field]):
                if field in NEEDS_CONFIGURATION:
                    if field not in configured:
                        found.append(f"{field} ({NEEDS_CONFIGURATION[field]})")
                else:
                    found.append(field)
        else:
            names = [u.name for u in upstreams if is_on(getattr(u, field))]
            if names:
                found.append(f"{field} ({', '.join(names)})")
    return found


def log_inactive(proxy_options: Dict[str, Any], upstreams: Sequence[Any],
                 configured: Sequence[str] = ()) -> List[str]:
    """Writes the single start-up line (logger "fasterapi.mcp", WARNING) if needed."""
    found = inactive_options(proxy_options, upstreams, configured)
    if found:
        # WARNING so Python's last-resort handler prints it to stderr when the
        # application configured no logging; stdout is the MCP channel.
        logger.warning("fasterapi.mcp: accepted but inactive in this version "
                       "(no effect yet): %s", ", ".join(found))
    return found
