"""JWKS: keys chosen by kid, from a file or from a URL fetched off the request path;
a refresh replaces the keys (and drops cached tokens); nothing a token names is fetched."""

from __future__ import annotations

import http.server
import json
import threading

import jwt
import pytest
from freezegun import freeze_time

from fasterapi.mcp import ConfigError, MCPProxy, ProxyRoute
from fasterapi.mcp.jwks import JwksRefresher

from .conftest import math_admin_data
from .security_tokens import claims

FROZEN = "2026-03-01 12:00:00"
NOW = 1772366400
ROUTES = [ProxyRoute(upstream_name="math", tool_pattern="math_*")]


def jwk(private_key, kid, **extra):
    public = private_key.public_key()
    if hasattr(public, "public_numbers") and hasattr(public.public_numbers(), "n"):
        doc = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(public))
    elif hasattr(public, "curve"):
        doc = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(public))
    else:
        doc = json.loads(jwt.algorithms.OKPAlgorithm.to_jwk(public))
    return {**doc, "kid": kid, "use": "sig", **extra}


def token(private_key, alg, kid, **claim_overrides):
    return jwt.encode(claims(NOW, **claim_overrides), private_key, algorithm=alg, headers={"kid": kid})


class JwksServer:
    """A local HTTPS-less JWKS endpoint (loopback http is allowed) that counts fetches."""

    def __init__(self) -> None:
        self.document = {"keys": []}
        self.paths = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                outer.paths.append(self.path)
                body = json.dumps(outer.document).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/.well-known/jwks.json"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def jwks_server():
    server = JwksServer()
    yield server
    server.close()


def test_a_jwks_file_chooses_keys_by_kid(secure_proxy, mcp_fake, keys, tmp_path):
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps({"keys": [
        jwk(keys.rsa, "rsa-1"), jwk(keys.ec256, "ec-1"), jwk(keys.ed, "ed-1"),
        {"kty": "RSA", "kid": "enc", "use": "enc", "n": "AQAB", "e": "AQAB"},  # skipped
    ]}))
    with freeze_time(FROZEN):
        (math, _, _), ups = math_admin_data(mcp_fake)
        proxy, client = secure_proxy(ups[:1], ROUTES,
                                     configure=lambda p: p.set_jwt_auth(jwks_file=str(path)))
        for key, alg, kid in [(keys.rsa, "RS256", "rsa-1"), (keys.ec256, "ES256", "ec-1"),
                              (keys.ed, "EdDSA", "ed-1"), (keys.rsa, "PS256", "rsa-1")]:
            r = client.call("math_add", {"a": 1, "b": 1}, token=token(key, alg, kid, iss=None, aud=None))
            assert "result" in r, (alg, r)
        cases = {
            "unknown kid": (token(keys.rsa, "RS256", "rsa-2", iss=None, aud=None), "unknown_key"),
            "kid of another key type": (token(keys.rsa, "RS256", "ec-1", iss=None, aud=None), "unknown_key"),
            "right kid, wrong key": (token(keys.rsa_other, "RS256", "rsa-1", iss=None, aud=None), "bad_signature"),
        }
        for name, (tok, reason) in cases.items():
            r = client.call("math_add", {"a": 1, "b": 1}, token=tok)
            assert r["error"]["data"]["reason"] == reason, name
        # Without a kid, the one key that can verify the algorithm is used.
        no_kid = jwt.encode(claims(NOW, iss=None, aud=None), keys.rsa, algorithm="RS256")
        assert "result" in client.call("math_add", {"a": 1, "b": 1}, token=no_kid)
    assert len(math.calls(name="math_add")) == 5


def test_without_a_kid_an_ambiguous_key_set_refuses(keys, tmp_path):
    from fasterapi.mcp import _core
    doc = {"keys": [jwk(keys.rsa, "a"), jwk(keys.rsa_other, "b")]}
    cfg = json.dumps({"jwks": doc, "verify_expiry": False})
    tok = jwt.encode({"sub": "x"}, keys.rsa, algorithm="RS256")
    assert _core.verify_jwt(cfg, tok, 0)["reason"] == "unknown_key"
    tok = jwt.encode({"sub": "x"}, keys.rsa, algorithm="RS256", headers={"kid": "a"})
    assert _core.verify_jwt(cfg, tok, 0)["reason"] == "ok"


def test_a_jwks_url_is_fetched_in_the_background_and_refreshed(secure_proxy, mcp_fake, keys, jwks_server):
    jwks_server.document = {"keys": [jwk(keys.rsa, "2026-01")]}
    with freeze_time(FROZEN):
        (math, _, _), ups = math_admin_data(mcp_fake)
        proxy, client = secure_proxy(ups[:1], ROUTES, configure=lambda p: p.set_jwt_auth(
            jwks_url=jwks_server.url, jwks_refresh_seconds=3600, algorithms=["RS256"]))
        old = token(keys.rsa, "RS256", "2026-01", iss=None, aud=None)
        new = token(keys.rsa_other, "RS256", "2026-02", iss=None, aud=None)
        # jku in a token is never fetched: the key comes from the configured URL only.
        hostile = jwt.encode(claims(NOW, iss=None, aud=None), keys.rsa_other, algorithm="RS256",
                             headers={"kid": "2026-02", "jku": jwks_server.url + "?evil"})
        assert "result" in client.call("math_add", {"a": 1, "b": 1}, token=old)
        assert client.call("math_add", {"a": 1, "b": 1}, token=new)["error"]["data"]["reason"] == "unknown_key"
        assert client.call("math_add", {"a": 1, "b": 1}, token=hostile)["error"]["data"]["reason"] == "unknown_key"

        # The issuer rotates: the next refresh brings the new key and drops the old one.
        jwks_server.document = {"keys": [jwk(keys.rsa_other, "2026-02")]}
        proxy.refresh_jwks()
        assert "result" in client.call("math_add", {"a": 1, "b": 1}, token=new)
        r = client.call("math_add", {"a": 1, "b": 1}, token=old)  # was cached: the cache was cleared
        assert r["error"]["data"]["reason"] == "unknown_key"

        # A broken document keeps the keys already loaded.
        jwks_server.document = {"keys": "nope"}
        with pytest.raises(RuntimeError, match="refresh_jwks"):
            proxy.refresh_jwks()
        assert "result" in client.call("math_add", {"a": 1, "b": 1}, token=new)
    assert jwks_server.paths == ["/.well-known/jwks.json"] * 3


def test_refresher_keeps_trying_until_keys_load():
    pushed, answers = [], [OSError("connection refused"), '{"keys": []}', '{"keys": [1]}']

    def fetch(url):
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def push(text):
        pushed.append(text)
        return "" if text == '{"keys": [1]}' else "JWKS holds no usable key"

    refresher = JwksRefresher("https://idp.example.com/jwks", 300, push, fetch=fetch)
    assert "connection refused" in refresher.refresh() and not refresher.loaded
    assert "no usable key" in refresher.refresh() and not refresher.loaded
    assert refresher.refresh() is None and refresher.loaded
    assert pushed == ['{"keys": []}', '{"keys": [1]}']


@pytest.mark.parametrize("url", ["http://idp.example.com/jwks", "ftp://127.0.0.1/jwks", "jwks.json"])
def test_a_jwks_url_must_be_https_or_loopback(url):
    with pytest.raises(ConfigError) as excinfo:
        MCPProxy().set_jwt_auth(jwks_url=url, algorithms=["RS256"])
    assert [p for p, _ in excinfo.value.errors] == ["jwt_auth.jwks_url"]


def test_a_jwks_file_with_no_usable_key_is_refused(tmp_path):
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps({"keys": [{"kty": "RSA", "use": "enc", "n": "AQAB", "e": "AQAB"}]}))
    with pytest.raises(ConfigError) as excinfo:
        MCPProxy().set_jwt_auth(jwks_file=str(path))
    assert excinfo.value.errors[0][0] == "jwt_auth.jwks_file"
    assert "no signature key" in excinfo.value.errors[0][1]
