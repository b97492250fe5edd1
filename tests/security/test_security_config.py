"""Configuration of the security stages: what is refused, naming the field, and never
echoing a secret back."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from fasterapi.mcp import ConfigError, MCPProxy, _core

from .security_tokens import pem


def refused(call) -> list:
    with pytest.raises(ConfigError) as excinfo:
        call(MCPProxy())
    return excinfo.value.errors


def test_a_short_hmac_secret_is_refused_without_echoing_it():
    errors = refused(lambda p: p.set_jwt_auth(secret="your-256-bit-secret"))
    assert [e[0] for e in errors] == ["jwt_auth.secret"]
    assert "at least 32 bytes" in errors[0][1] and "your-256-bit-secret" not in errors[0][1]
    errors = refused(lambda p: p.set_jwt_auth(secret="x" * 40, algorithm="HS512"))
    assert errors == [("jwt_auth.secret", "must be at least 64 bytes for HS512 (RFC 7518 3.2), "
                                          "got 40; use a random 256-bit secret")]


def test_a_secret_of_the_wrong_type_is_not_echoed():
    errors = refused(lambda p: p.set_jwt_auth(secret=b"0123456789abcdef0123456789abcdef-bytes"))
    assert errors == [("jwt_auth.secret", "must be a string, got bytes")]
    assert refused(lambda p: p.set_bearer_auth(b"dev-token")) == [
        ("bearer_auth.token", "must be a string, got bytes")]


def test_the_core_refuses_a_short_secret_too():
    with pytest.raises(_core.ConfigError, match="jwt_auth.secret: must be at least 32 bytes"):
        _core.check_jwt_settings(json.dumps({"secret": "short"}))


def test_key_material_is_checked_when_it_is_set(keys):
    private = keys.rsa.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption()).decode()
    errors = refused(lambda p: p.set_jwt_auth(public_key=private, algorithm="RS256"))
    assert errors[0][0] == "jwt_auth.public_key" and "private key" in errors[0][1]
    assert "PRIVATE KEY" not in errors[0][1]
    small = pem(rsa.generate_private_key(65537, 1024))
    assert refused(lambda p: p.set_jwt_auth(public_key=small, algorithm="RS256"))[0] == (
        "jwt_auth.public_key", "RSA keys shorter than 2048 bits are refused")
    garbage = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"
    assert refused(lambda p: p.set_jwt_auth(public_key=garbage, algorithm="RS256"))[0][0] == "jwt_auth.public_key"
    # The algorithm must fit the key, and so must every pinned algorithm.
    assert refused(lambda p: p.set_jwt_auth(public_key=pem(keys.ec256), algorithm="RS256"))[0][0] == "jwt_auth.algorithm"
    assert refused(lambda p: p.set_jwt_auth(public_key=pem(keys.rsa), algorithm="RS256",
                                            algorithms=["RS256", "HS256"]))[0][0] == "jwt_auth.algorithms"
    assert refused(lambda p: p.set_jwt_auth(secret="k" * 32, algorithms=["none"]))[0][0] == "jwt_auth.algorithms[0]"


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")  # HS512 on purpose
def test_algorithms_default_to_the_family_of_the_key(keys):
    rsa_cfg = json.dumps({"public_key": pem(keys.rsa), "algorithm": "RS256"})
    _core.check_jwt_settings(rsa_cfg)
    # A 48-byte secret may sign HS256 and HS384, not HS512 (RFC 7518 3.2).
    import jwt as pyjwt
    secret = "k" * 48
    cfg = json.dumps({"secret": secret, "algorithm": "HS256", "verify_expiry": False})
    for alg, reason in [("HS256", "ok"), ("HS384", "ok"), ("HS512", "algorithm_not_allowed")]:
        tok = pyjwt.encode({"sub": "a"}, secret, algorithm=alg)
        assert _core.verify_jwt(cfg, tok, 0)["reason"] == reason, alg
    pinned = json.dumps({"secret": secret, "algorithm": "HS256", "algorithms": ["HS256"],
                         "verify_expiry": False})
    assert _core.verify_jwt(pinned, pyjwt.encode({"sub": "a"}, secret, algorithm="HS384"), 0)[
        "reason"] == "algorithm_not_allowed"


@pytest.mark.parametrize("call, paths", [
    (lambda p: p.set_rate_limit(10, 1000, burst=5, algorithm="fixed_window"), ["rate_limit.burst"]),
    (lambda p: p.set_client_rate_limit(0, 1000), ["client_rate_limit.max_requests"]),
    (lambda p: p.set_tool_rate_limit("t", 1, 1000, algorithm="leaky"), ["tool_rate_limits[0].algorithm"]),
    (lambda p: p.set_bearer_auth("two words"), ["bearer_auth.token"]),
    (lambda p: p.set_jwt_auth(secret="k" * 32, jwks_file="keys.json"), ["jwt_auth.secret"]),
    (lambda p: p.set_jwt_auth(secret="k" * 32, clock_skew_seconds=-1, max_token_bytes=10),
     ["jwt_auth.clock_skew_seconds", "jwt_auth.max_token_bytes"]),
])
def test_bad_arguments_name_the_field(call, paths):
    assert [p for p, _ in refused(call)] == paths


def test_setters_refuse_while_running(fake_core_security):
    proxy = fake_core_security
    with pytest.raises(RuntimeError, match="set_rate_limit"):
        proxy.set_rate_limit(1, 1000)


@pytest.fixture
def fake_core_security(monkeypatch):
    import sys
    import types

    class Core:
        def __init__(self, doc):
            self.doc = json.loads(doc)

        def start(self):
            pass

        def stop(self):
            pass

    module = types.ModuleType("fasterapi.mcp._core")
    module.Proxy = Core
    module.ConfigError = ValueError
    monkeypatch.setitem(sys.modules, "fasterapi.mcp._core", module)
    from fasterapi.mcp import ProxyRoute, UpstreamConfig
    proxy = MCPProxy()
    proxy.add_upstream(UpstreamConfig(name="u", transport_type="stdio", command="x"))
    proxy.add_route(ProxyRoute(upstream_name="u"))
    proxy.start()
    yield proxy
    proxy.stop()
