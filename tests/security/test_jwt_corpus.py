"""The token corpus: bad and borderline JWTs, each with the verdict and reason a client
sees. Time is frozen with freezegun; the proxy's clock follows it.

Each case runs twice: against the verifier alone (`_core.verify_jwt`, now = time.time())
and through a running proxy (one request per token, error -32011 with data.reason).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Callable, List

import jwt
import pytest
from freezegun import freeze_time

from fasterapi.mcp import ProxyRoute, _core

from .conftest import math_admin_data
from .security_tokens import (AUDIENCE, ISSUER, SECRET, SKEW, b64url, claims, hs, js, pem,
                              raw_token)

FROZEN = "2026-03-01 12:00:00"
NOW = 1772366400  # FROZEN as a Unix timestamp


@dataclass
class Case:
    name: str
    mint: Callable[..., str]   # mint(keys) -> token
    reason: str                # "ok" or the expected data.reason
    config: str = "hs"         # which proxy configuration checks it


def header(alg="HS256", **extra):
    return js({"alg": alg, "typ": "JWT", **extra})


def c(**overrides):
    return claims(NOW, **overrides)


def tamper(token: str) -> str:
    head, body, sig = token.split(".")
    flipped = ("A" if sig[0] != "A" else "B") + sig[1:]
    return ".".join([head, body, flipped])


def deep(levels: int):
    value: object = "x"
    for _ in range(levels):
        value = {"n": value}
    return value


CASES: List[Case] = [
    # -- valid, and the leeway edges (skew 60 s) -------------------------------------
    Case("valid", lambda k: hs(c()), "ok"),
    Case("exp = now - skew - 1", lambda k: hs(c(exp=NOW - SKEW - 1)), "expired"),
    Case("exp = now - skew", lambda k: hs(c(exp=NOW - SKEW)), "expired"),
    Case("exp = now - skew + 1", lambda k: hs(c(exp=NOW - SKEW + 1)), "ok"),
    Case("nbf = now + skew + 1", lambda k: hs(c(nbf=NOW + SKEW + 1)), "not_yet_valid"),
    Case("nbf = now + skew", lambda k: hs(c(nbf=NOW + SKEW)), "ok"),
    Case("nbf = now + skew - 1", lambda k: hs(c(nbf=NOW + SKEW - 1)), "ok"),
    Case("iat in the future beyond skew", lambda k: hs(c(iat=NOW + SKEW + 1)), "not_yet_valid"),
    Case("exp with a fraction", lambda k: hs(c(exp=NOW - SKEW + 0.5)), "ok"),
    # -- claim types and presence -----------------------------------------------------
    Case("no exp", lambda k: hs(c(exp=None)), "missing_claim"),
    Case("exp is a string", lambda k: hs(c(exp=str(NOW + 300))), "malformed"),
    Case("exp is true", lambda k: hs(c(exp=True)), "malformed"),
    Case("nbf is a string", lambda k: raw_token(header(), js(c(nbf="0")), SECRET), "malformed"),
    Case("iat is an array", lambda k: raw_token(header(), js(c(iat=[NOW])), SECRET), "malformed"),
    # Boost.JSON reads these as NaN and infinity: no NumericDate (found by the jwt fuzz target).
    Case("exp spelt 0e400", lambda k: raw_token(header(), js(c(exp=None))[:-1] + ',"exp":0e400}', SECRET),
         "malformed"),
    Case("exp spelt 1e400", lambda k: raw_token(header(), js(c(exp=None))[:-1] + ',"exp":1e400}', SECRET),
         "malformed"),
    Case("nbf spelt 0e400", lambda k: raw_token(header(), js(c())[:-1] + ',"nbf":0e400}', SECRET), "malformed"),
    Case("no sub", lambda k: hs(c(sub=None)), "missing_claim"),
    Case("sub is a number", lambda k: hs(c(sub=42)), "malformed"),
    Case("sub with a newline", lambda k: hs(c(sub="alice\nadmin")), "malformed"),
    Case("scopes is a string", lambda k: raw_token(header(), js(c(scopes="admin")), SECRET),
         "malformed"),
    Case("duplicate claim name", lambda k: raw_token(
        header(), js(c())[:-1] + ',"sub":"admin"}', SECRET), "malformed"),
    Case("claims nested too deeply", lambda k: hs(c(ext=deep(20))), "malformed"),
    Case("claims are an array", lambda k: raw_token(header(), "[1,2]", SECRET), "malformed"),
    # -- issuer and audience ---------------------------------------------------------------
    Case("wrong issuer", lambda k: hs(c(iss="https://evil.example.com")), "wrong_issuer"),
    Case("issuer prefix trick", lambda k: hs(c(iss=ISSUER + ".evil.com")), "wrong_issuer"),
    Case("issuer with a trailing slash", lambda k: hs(c(iss=ISSUER + "/")), "wrong_issuer"),
    Case("issuer case differs", lambda k: hs(c(iss=ISSUER.upper())), "wrong_issuer"),
    Case("no iss", lambda k: hs(c(iss=None)), "missing_claim"),
    Case("wrong audience", lambda k: hs(c(aud="another-api")), "wrong_audience"),
    Case("audience array naming us", lambda k: hs(c(aud=["other", AUDIENCE])), "ok"),
    Case("audience array without us", lambda k: hs(c(aud=["other", "third"])), "wrong_audience"),
    Case("audience is a number", lambda k: hs(c(aud=7)), "malformed"),
    Case("no aud", lambda k: hs(c(aud=None)), "missing_claim"),
    # -- algorithm -----------------------------------------------------------------------------
    Case("alg none, unsigned", lambda k: raw_token(header("none"), js(c()), None), "algorithm_not_allowed"),
    Case("alg None", lambda k: raw_token(header("None"), js(c()), None), "algorithm_not_allowed"),
    Case("alg NONE with an HMAC signature", lambda k: raw_token(header("NONE"), js(c()), SECRET, "HS256"),
         "algorithm_not_allowed"),
    Case("alg nOnE", lambda k: raw_token(header("nOnE"), js(c()), None), "algorithm_not_allowed"),
    Case("HS384 with a 39-byte secret (not in the family)",
         lambda k: raw_token(header("HS384"), js(c()), SECRET), "algorithm_not_allowed"),
    Case("unknown alg", lambda k: raw_token(header("HS1024"), js(c()), SECRET, "HS256"), "algorithm_not_allowed"),
    Case("alg in lower case", lambda k: raw_token(header("hs256"), js(c()), SECRET, "HS256"),
         "algorithm_not_allowed"),
    Case("RS256 token at an HMAC proxy", lambda k: jwt.encode(c(), k.rsa, algorithm="RS256"),
         "algorithm_not_allowed"),
    Case("duplicate alg in the header", lambda k: raw_token(
        '{"alg":"none","alg":"HS256"}', js(c()), SECRET, "HS256"), "malformed"),
    # -- signature -----------------------------------------------------------------------------
    Case("tampered signature", lambda k: tamper(hs(c())), "bad_signature"),
    Case("signed with another secret", lambda k: hs(c(), secret="another-secret-another-secret-00"),
         "bad_signature"),
    Case("empty signature", lambda k: raw_token(header(), js(c()), None), "bad_signature"),
    Case("claims changed after signing", lambda k: (lambda t: ".".join(
        [t.split(".")[0], b64url(js(c(sub="admin")).encode()), t.split(".")[2]]))(hs(c())),
        "bad_signature"),
    # -- structure ------------------------------------------------------------------------------
    Case("two segments", lambda k: ".".join(hs(c()).split(".")[:2]), "malformed"),
    Case("four segments", lambda k: hs(c()) + ".AAAA", "malformed"),
    Case("JWE-shaped (five segments)", lambda k: "eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d", "malformed"),
    Case("'+' in the header", lambda k: "+" + hs(c())[1:], "malformed"),
    Case("padding '=' in the claims", lambda k: (lambda p: p[0] + "." + p[1] + "=." + p[2])(
        hs(c()).split(".")), "malformed"),
    Case("header is not JSON", lambda k: b64url(b"{alg:HS256}") + "." + hs(c()).split(".", 1)[1],
         "malformed"),
    Case("header is a JSON array", lambda k: raw_token('["HS256"]', js(c()), SECRET, "HS256"),
         "malformed"),
    Case("header without alg", lambda k: raw_token('{"typ":"JWT"}', js(c()), SECRET, "HS256"), "malformed"),
    Case("kid is a number", lambda k: raw_token(header(kid=1), js(c()), SECRET), "malformed"),
    Case("crit names an extension", lambda k: raw_token(header(crit=["exp"], exp=1), js(c()), SECRET),
         "unsupported_crit"),
    Case("crit is not an array", lambda k: raw_token(header(crit="b64"), js(c()), SECRET), "malformed"),
    Case("crit is empty", lambda k: raw_token(header(crit=[]), js(c()), SECRET), "malformed"),
    Case("over the size limit", lambda k: hs(c(pad="x" * 9000)), "token_too_large"),
    # -- asymmetric proxies ----------------------------------------------------------------------
    Case("RS256", lambda k: jwt.encode(c(), k.rsa, algorithm="RS256"), "ok", "rsa"),
    Case("PS256 (same key family)", lambda k: jwt.encode(c(), k.rsa, algorithm="PS256"), "ok", "rsa"),
    Case("RS512", lambda k: jwt.encode(c(), k.rsa, algorithm="RS512"), "ok", "rsa"),
    Case("HS256 signed with the RSA public key as secret (confusion)",
         lambda k: raw_token(header(), js(c()), pem(k.rsa).encode()), "algorithm_not_allowed", "rsa"),
    Case("attacker key embedded as jwk",
         lambda k: jwt.encode(c(), k.rsa_other, algorithm="RS256",
                              headers={"jwk": json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(
                                  k.rsa_other.public_key()))}), "bad_signature", "rsa"),
    Case("jku pointing at an attacker", lambda k: jwt.encode(
        c(), k.rsa_other, algorithm="RS256", headers={"jku": "https://evil.example.com/jwks.json"}),
        "bad_signature", "rsa"),
    Case("x5u pointing at an attacker", lambda k: jwt.encode(
        c(), k.rsa_other, algorithm="RS256", headers={"x5u": "https://evil.example.com/cert.pem"}),
        "bad_signature", "rsa"),
    Case("ES256 token at an RSA proxy", lambda k: jwt.encode(c(), k.ec256, algorithm="ES256"),
         "algorithm_not_allowed", "rsa"),
    Case("ES256", lambda k: jwt.encode(c(), k.ec256, algorithm="ES256"), "ok", "ec"),
    Case("ES256 signature in DER, not r||s",
         lambda k: (lambda t: t.rsplit(".", 1)[0] + "." + b64url(
             k.ec256.sign(t.rsplit(".", 1)[0].encode(),
                          __import__("cryptography.hazmat.primitives.asymmetric.ec",
                                     fromlist=["ECDSA"]).ECDSA(
                              __import__("cryptography.hazmat.primitives.hashes",
                                         fromlist=["SHA256"]).SHA256()))))(
             jwt.encode(c(), k.ec256, algorithm="ES256")), "bad_signature", "ec"),
    Case("ES256 signature one byte short", lambda k: (lambda t: t.rsplit(".", 1)[0] + "." + b64url(
        base64.urlsafe_b64decode(t.rsplit(".", 1)[1] + "==")[:-1]))(
        jwt.encode(c(), k.ec256, algorithm="ES256")), "bad_signature", "ec"),
    Case("EdDSA", lambda k: jwt.encode(c(), k.ed, algorithm="EdDSA"), "ok", "ed"),
    Case("EdDSA by another key", lambda k: jwt.encode(
        c(), __import__("cryptography.hazmat.primitives.asymmetric.ed25519",
                        fromlist=["x"]).Ed25519PrivateKey.generate(), algorithm="EdDSA"),
        "bad_signature", "ed"),
]


def jwt_config(kind: str, keys) -> dict:
    common = dict(issuer=ISSUER, audience=AUDIENCE, clock_skew_seconds=SKEW)
    if kind == "hs":
        return dict(secret=SECRET, algorithm="HS256", **common)
    if kind == "rsa":
        return dict(public_key=pem(keys.rsa), algorithm="RS256", **common)
    if kind == "ec":
        return dict(public_key=pem(keys.ec256), algorithm="ES256", **common)
    return dict(public_key=pem(keys.ed), algorithm="EdDSA", **common)


def core_document(kind: str, keys) -> str:
    cfg = jwt_config(kind, keys)
    return json.dumps({**cfg, "public_key": cfg.get("public_key"), "secret": cfg.get("secret")})


def test_the_corpus_is_large_enough():
    assert len([case for case in CASES if case.reason != "ok"]) >= 30
    assert len({case.name for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_verifier_verdict(case, keys):
    with freeze_time(FROZEN):
        import time
        assert int(time.time()) == NOW
        token = case.mint(keys)
        verdict = _core.verify_jwt(core_document(case.config, keys), token, int(time.time() * 1000))
    assert verdict["reason"] == case.reason, verdict
    if case.reason == "ok":
        assert verdict["subject"] == "alice" and verdict["scopes"] == ["read_data"]
    else:
        # A verdict names what is wrong in fixed words: never a piece of the token.
        assert verdict["detail"] and token not in verdict["detail"]


@pytest.mark.parametrize("kind", ["hs", "rsa", "ec", "ed"])
def test_the_corpus_through_a_running_proxy(kind, keys, secure_proxy, mcp_fake):
    cases = [case for case in CASES if case.config == kind]
    with freeze_time(FROZEN):
        (math, _, _), ups = math_admin_data(mcp_fake)
        proxy, client = secure_proxy(ups[:1], [ProxyRoute(upstream_name="math", tool_pattern="math_*")],
                                     configure=lambda p: p.set_jwt_auth(**jwt_config(kind, keys)))
        accepted = 0
        for case in cases:
            token = case.mint(keys)
            r = client.call("math_add", {"a": 1, "b": 2}, token=token)
            if case.reason == "ok":
                assert r.get("result", {}).get("structuredContent") == {"result": 3}, (case.name, r)
                accepted += 1
            else:
                assert "result" not in r, case.name
                assert r["error"]["code"] == -32011, (case.name, r)
                assert r["error"]["data"]["reason"] == case.reason, (case.name, r["error"])
                assert token not in json.dumps(r)
    # Only the accepted tokens' calls reached the upstream.
    assert len(math.calls(name="math_add")) == accepted
    stats = proxy.get_stats()
    assert stats.extra["auth_invalid_credentials"] == len(cases) - accepted
