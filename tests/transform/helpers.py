"""Shared by the transform tests."""

from __future__ import annotations

from pathlib import Path

from support.proxy_helpers import upstream_for

REPO = Path(__file__).resolve().parents[2]
# The fakes of this checkout (their --cache-ttl-ms/--cache-scope options), whichever
# copy of mcp_fakes the test environment has installed.
FAKES_ENV = {"PYTHONPATH": str(REPO / "fakes")}

# No security stages unless a test sets them up.
OPTIONS = dict(enable_auth=False, enable_rate_limiting=False, enable_authorization=False,
               circuit_breaker_enabled=False, failover_enabled=False)


def fake_upstream(fake, name, **kw):
    kw.setdefault("enable_health_check", False)
    kw.setdefault("max_retries", 0)
    kw.setdefault("max_connections", 1)
    return upstream_for(fake, name, env=dict(FAKES_ENV), **kw)
