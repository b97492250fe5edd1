"""Authentication through a running proxy in front of fake upstreams: what a client sees,
and what reached the upstream. The manual clock drives token expiry (no sleeping)."""

from __future__ import annotations

import json
import logging

from freezegun import freeze_time

from fasterapi.mcp import ProxyRoute

from .conftest import META_KEY, math_admin_data
from .security_tokens import AUDIENCE, ISSUER, SECRET, claims, hs

FROZEN = "2026-03-01 12:00:00"
NOW = 1772366400
ROUTES = [ProxyRoute(upstream_name="math", tool_pattern="math_*"),
          ProxyRoute(upstream_name="math", tool_pattern="calculate")]


def jwt_auth(proxy, **kw):
    proxy.set_jwt_auth(secret=SECRET, issuer=ISSUER, audience=AUDIENCE, **kw)


def test_a_token_that_expires_mid_session_stops_working_on_the_next_request(secure_proxy, mcp_fake):
    with freeze_time(FROZEN) as frozen:
        (math, _, _), ups = math_admin_data(mcp_fake)
        proxy, client = secure_proxy(ups[:1], ROUTES, configure=jwt_auth,
                                     token=hs(claims(NOW, exp=NOW + 120)))
        assert "result" in client.call("math_add", {"a": 1, "b": 1})
        # exp + skew (60 s) is NOW + 180: one second before, the token still works.
        frozen.tick(179)
        proxy.advance_clock(179_000)
        assert "result" in client.call("math_add", {"a": 2, "b": 2})
        frozen.tick(1)
        proxy.advance_clock(1_000)
        r = client.call("math_add", {"a": 3, "b": 3})
    assert r["error"]["code"] == -32011
    assert r["error"]["data"] == {"reason": "expired", "detail": "the token has expired", "claim": "exp"}
    assert [c["msg"]["params"]["arguments"]["a"] for c in math.calls(name="math_add")] == [1, 2]
    stats = proxy.get_stats()
    assert stats.extra["jwt_verified"] == 2      # first sight, then again once the cache let go
    assert stats.extra["jwt_cache_hits"] == 1


def test_set_wall_clock_follows_freezegun(secure_proxy, mcp_fake):
    with freeze_time(FROZEN) as frozen:
        _, ups = math_admin_data(mcp_fake)
        proxy, client = secure_proxy(ups[:1], ROUTES, configure=jwt_auth,
                                     token=hs(claims(NOW, exp=NOW + 10)))
        assert "result" in client.call("math_add", {"a": 1, "b": 1})
        frozen.move_to("2026-03-01 12:01:11")  # NOW + 71 = exp + skew + 1
        proxy.set_wall_clock()
        r = client.call("math_add", {"a": 1, "b": 1})
    assert r["error"]["data"]["reason"] == "expired"


def test_no_credentials(secure_proxy, mcp_fake):
    (math, _, _), ups = math_admin_data(mcp_fake)
    proxy, client = secure_proxy(ups[:1], ROUTES, configure=jwt_auth)
    # The handshake and ping need no credentials; everything else does.
    assert client.client.request("ping") == {"jsonrpc": "2.0", "id": 2, "result": {}}
    for method, params in [("tools/call", {"name": "math_add", "arguments": {}}),
                           ("tools/list", {}), ("resources/list", {}), ("no/such_method", {})]:
        r = client.request(method, params)
        assert r["error"]["code"] == -32010, method
        assert r["error"]["data"] == {"reason": "missing_credentials", "meta_key": META_KEY}
        assert "FASTERAPI_MCP_TOKEN" in r["error"]["message"]
    assert math.calls() == []
    assert proxy.get_stats().extra["auth_missing_credentials"] == 4


def test_a_malformed_credential_is_invalid(secure_proxy, mcp_fake):
    _, ups = math_admin_data(mcp_fake)
    proxy, client = secure_proxy(ups[:1], ROUTES, configure=jwt_auth)
    for value in ["Token abc", "Bearer", "Bearer a b", 42, {"token": "x"}]:
        r = client.request("tools/call", {"name": "math_add", "arguments": {},
                                          "_meta": {META_KEY: value}}, token=None)
        assert r["error"]["code"] == -32011, value
        assert r["error"]["data"]["reason"] == "malformed", value


def test_the_environment_token_is_used_when_a_request_has_none(secure_proxy, mcp_fake, monkeypatch):
    with freeze_time(FROZEN):
        (math, _, _), ups = math_admin_data(mcp_fake)
        monkeypatch.setenv("FASTERAPI_MCP_TOKEN", hs(claims(NOW, sub="from-env")))
        proxy, client = secure_proxy(ups[:1], ROUTES, configure=jwt_auth)
        assert "result" in client.call("math_add", {"a": 1, "b": 2})
        # A credential in the request wins over the environment's.
        assert "result" in client.call("math_add", {"a": 1, "b": 2}, token=hs(claims(NOW, sub="bob")))
        r = client.call("math_add", {"a": 1, "b": 2}, token=hs(claims(NOW, iss="other")))
    assert r["error"]["data"]["reason"] == "wrong_issuer"
    assert proxy.get_stats().extra["client_requests"] == {"from-env": 1, "bob": 1}


def test_the_credential_never_reaches_the_upstream(secure_proxy, mcp_fake):
    with freeze_time(FROZEN):
        (math, _, _), ups = math_admin_data(mcp_fake)
        token = hs(claims(NOW))
        proxy, client = secure_proxy(ups[:1], ROUTES, configure=jwt_auth, token=token)
        r = client.request("tools/call", {"name": "math_add", "arguments": {"a": 1, "b": 2},
                                          "_meta": {"progressToken": 7}})
        assert "result" in r
        assert "result" in client.call("calculate", {"expression": "1+1"})
    record = json.dumps(math.record())
    assert token not in record and "Bearer" not in record and META_KEY not in record
    forwarded = math.calls(name="math_add")[0]["msg"]["params"]
    # Other _meta entries pass through (the progress token as the proxy's own, and the
    # stateless-era keys for this stateless upstream, docs/protocol.md).
    assert set(forwarded["_meta"]) == {"progressToken", "io.modelcontextprotocol/protocolVersion",
                                       "io.modelcontextprotocol/clientCapabilities"}
    assert META_KEY not in math.calls(name="calculate")[0]["msg"]["params"].get("_meta", {})


def test_bearer_auth(secure_proxy, mcp_fake):
    (math, _, _), ups = math_admin_data(mcp_fake)
    proxy, client = secure_proxy(ups[:1], ROUTES,
                                 configure=lambda p: p.set_bearer_auth("dev-token-123"))
    assert "result" in client.call("math_add", {"a": 1, "b": 2}, token="dev-token-123")
    for wrong in ["dev-token-124", "dev-token-12", "dev-token-1234", "DEV-TOKEN-123"]:
        r = client.call("math_add", {"a": 1, "b": 2}, token=wrong)
        assert r["error"]["code"] == -32011
        assert r["error"]["data"]["reason"] == "invalid_token"
    assert len(math.calls(name="math_add")) == 1
    assert proxy.get_stats().extra["client_requests"] == {"bearer": 1}


def test_bearer_and_jwt_together(secure_proxy, mcp_fake):
    with freeze_time(FROZEN):
        _, ups = math_admin_data(mcp_fake)

        def configure(p):
            jwt_auth(p)
            p.set_bearer_auth("dev-token-123")
        proxy, client = secure_proxy(ups[:1], ROUTES, configure=configure)
        assert "result" in client.call("math_add", {"a": 1, "b": 2}, token="dev-token-123")
        assert "result" in client.call("math_add", {"a": 1, "b": 2}, token=hs(claims(NOW)))
        r = client.call("math_add", {"a": 1, "b": 2}, token="dev-token-124")
    assert r["error"]["data"]["reason"] == "malformed"  # not the bearer token, and not a JWT
    assert proxy.get_stats().extra["client_requests"] == {"bearer": 1, "alice": 1}


def test_with_auth_off_every_request_is_anonymous(secure_proxy, mcp_fake, caplog):
    (math, _, _), ups = math_admin_data(mcp_fake)
    with caplog.at_level(logging.WARNING, logger="fasterapi.mcp"):
        proxy, client = secure_proxy(ups[:1], ROUTES, configure=jwt_auth, enable_auth=False)
    assert any("enable_auth=False" in r.getMessage() for r in caplog.records)
    assert "result" in client.call("math_add", {"a": 1, "b": 2})
    # A credential sent anyway is still taken out before forwarding.
    assert "result" in client.call("math_add", {"a": 1, "b": 2}, token="whatever")
    assert META_KEY not in math.calls(name="math_add")[1]["msg"]["params"].get("_meta", {})
    assert proxy.get_stats().extra["client_requests"] == {"anonymous": 2}


def test_no_token_or_secret_in_errors_or_logs(secure_proxy, mcp_fake, capfd):
    with freeze_time(FROZEN):
        _, ups = math_admin_data(mcp_fake)
        proxy, client = secure_proxy(ups[:1], ROUTES, configure=jwt_auth, enable_request_logging=True)
        good, expired = hs(claims(NOW)), hs(claims(NOW, exp=NOW - 3600))
        forged = hs(claims(NOW), secret=SECRET + "-not")
        answers = [client.call("math_add", {"a": 1, "b": 2}, token=t) for t in (good, expired, forged)]
        proxy.stop()
    err = capfd.readouterr().err
    assert '"client":"alice"' in err  # the request log names the principal
    for secret in (good, expired, forged, SECRET, good.split(".")[2]):
        assert secret not in err
        assert secret not in json.dumps(answers)
