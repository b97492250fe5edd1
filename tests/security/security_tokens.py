"""Keys and tokens for the security tests, minted with PyJWT and `cryptography`.

`raw_token` builds a JWS from exact JSON texts (duplicate names, odd types, hostile
headers) that PyJWT would refuse to produce, signing with the same primitives.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any, Dict, Optional

import jwt
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

SECRET = "correct-horse-battery-staple-0123456789"  # 39 bytes: HS256 only
ISSUER = "https://auth.example.com"
AUDIENCE = "mcp-proxy"
SKEW = 60


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def pem(private_key) -> str:
    return private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


@dataclass
class Keys:
    rsa: Any
    rsa_other: Any
    ec256: Any
    ec384: Any
    ed: Any


def make_keys() -> Keys:
    return Keys(rsa=rsa.generate_private_key(65537, 2048),
                rsa_other=rsa.generate_private_key(65537, 2048),
                ec256=ec.generate_private_key(ec.SECP256R1()),
                ec384=ec.generate_private_key(ec.SECP384R1()),
                ed=ed25519.Ed25519PrivateKey.generate())


def claims(now: int, **overrides) -> Dict[str, Any]:
    """A valid claim set for `now`; overrides replace claims, None removes one."""
    c: Dict[str, Any] = {"sub": "alice", "iss": ISSUER, "aud": AUDIENCE, "iat": now,
                         "exp": now + 300, "scopes": ["read_data"]}
    for k, v in overrides.items():
        if v is None:
            c.pop(k, None)
        else:
            c[k] = v
    return c


def hs(payload: Dict[str, Any], secret: str = SECRET, alg: str = "HS256",
       headers: Optional[Dict[str, Any]] = None) -> str:
    return jwt.encode(payload, secret, algorithm=alg, headers=headers)


def sign(alg: str, key, signing_input: bytes) -> bytes:
    """The JWS signature (RFC 7518) of `signing_input` with a private key or secret."""
    if alg.startswith("HS"):
        digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}[alg]
        secret = key.encode() if isinstance(key, str) else key
        return hmac.new(secret, signing_input, digest).digest()
    h = {"256": hashes.SHA256(), "384": hashes.SHA384(), "512": hashes.SHA512()}
    if alg.startswith("RS"):
        return key.sign(signing_input, padding.PKCS1v15(), h[alg[2:]])
    if alg.startswith("PS"):
        return key.sign(signing_input, padding.PSS(padding.MGF1(h[alg[2:]]), h[alg[2:]].digest_size),
                        h[alg[2:]])
    if alg.startswith("ES"):
        der = key.sign(signing_input, ec.ECDSA(h[alg[2:]]))
        r, s = decode_dss_signature(der)
        n = 32 if alg == "ES256" else 48
        return r.to_bytes(n, "big") + s.to_bytes(n, "big")
    if alg == "EdDSA":
        return key.sign(signing_input)
    raise ValueError(alg)


def raw_token(header_json: str, claims_json: str, key=SECRET, alg: Optional[str] = None) -> str:
    """header.claims.signature from exact JSON texts; `alg` picks the signing primitive
    (default: the header's alg). key=None leaves the signature empty."""
    signing_input = (b64url(header_json.encode()) + "." + b64url(claims_json.encode())).encode()
    if key is None:
        return signing_input.decode() + "."
    alg = alg or json.loads(header_json)["alg"]
    return signing_input.decode() + "." + b64url(sign(alg, key, signing_input))


def js(obj) -> str:
    return json.dumps(obj, separators=(",", ":"))
