"""Micro-benchmarks of the security stages, timed in C++ loops (Python's call cost is
not in the numbers): JWT verification first seen and cached, and one rate-limit check
per algorithm with 1 key and 10,000 keys. Prints medians of several runs next to the
guide's figures (auth < 1 us, rate limit < 0.05 us).

    python bench/bench_security.py [--runs 7]   # tox -e bench runs it within bench/run.py
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from fasterapi.mcp import _core

GUIDE_AUTH_NS = 1000
GUIDE_RATE_NS = 50


def pem(private_key) -> str:
    return private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def jwt_cases():
    now = int(time.time())
    claims = {"sub": "user-123", "iss": "https://auth.example.com", "aud": "mcp-proxy",
              "iat": now, "exp": now + 3600, "scopes": ["read_data", "calculate"]}
    common = {"issuer": claims["iss"], "audience": claims["aud"]}
    secret = "bench-secret-bench-secret-bench-secret!"
    rsa_key = rsa.generate_private_key(65537, 2048)
    ec_key = ec.generate_private_key(ec.SECP256R1())
    yield "HS256", json.dumps({"secret": secret, **common}), jwt.encode(claims, secret, "HS256")
    yield "RS256", json.dumps({"public_key": pem(rsa_key), "algorithm": "RS256", **common}), \
        jwt.encode(claims, rsa_key, "RS256")
    yield "ES256", json.dumps({"public_key": pem(ec_key), "algorithm": "ES256", **common}), \
        jwt.encode(claims, ec_key, "ES256")


def median_ns(fn, runs: int) -> float:
    return statistics.median(fn() for _ in range(runs))


def collect(runs: int = 7) -> list:
    """(name, median ns, guide's target ns) for every security figure; bench_micro.py
    puts them in bench/REPORT.md."""
    now_ms = int(time.time() * 1000)
    rows = []
    for alg, config, token in jwt_cases():
        iterations = {"HS256": 20000, "RS256": 2000, "ES256": 500}[alg]
        first = median_ns(lambda: _core.bench_jwt(config, token, now_ms, iterations, False), runs)
        cached = median_ns(lambda: _core.bench_jwt(config, token, now_ms, 200000, True), runs)
        rows.append((f"JWT {alg}, first seen (full verification)", first, GUIDE_AUTH_NS))
        rows.append((f"JWT {alg}, cached (auth stage, repeated token)", cached, GUIDE_AUTH_NS))
    for algorithm in ("token_bucket", "sliding_window", "fixed_window"):
        for keys, by_name in ((1, False), (10000, False), (10000, True)):
            ns = median_ns(lambda: _core.bench_rate_limit(algorithm, keys, 2_000_000, by_name), runs)
            label = ("1 key" if keys == 1 else
                     f"{keys:,} clients, " + ("found by name (first request of a token)"
                                             if by_name else "known principal"))
            rows.append((f"rate limit {algorithm}, {label}", ns, GUIDE_RATE_NS))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="runs per figure (median reported)")
    args = parser.parse_args()
    rows = collect(args.runs)

    width = max(len(r[0]) for r in rows)
    print(f"{'benchmark':<{width}}  {'median':>12}  {'guide':>9}  verdict")
    print("-" * (width + 36))
    for name, ns, target in rows:
        shown = f"{ns / 1000:.2f} us" if ns >= 1000 else f"{ns:.1f} ns"
        goal = f"< {target / 1000:g} us" if target >= 1000 else f"< {target} ns"
        print(f"{name:<{width}}  {shown:>12}  {goal:>9}  {'meets' if ns < target else 'over'}")
    print(f"\nmedian of {args.runs} runs, each a C++ loop (ns per operation); "
          "first-seen JWT figures are OpenSSL's signature checks plus parsing")


if __name__ == "__main__":
    main()
