"""Authentication: JWT (expiry and the rest) and bearer tokens (guide: Security >
Authentication; docs/security.md; RFC 7519/8725; MCP 2025-11-25 Authorization: stdio takes
credentials from the environment, here also params._meta["dev.fasterapi/authorization"])."""

SECRET = "conformance-secret-0123456789abcdef"       # >= 32 bytes (HS256)
OTHER = "another-secret-0123456789abcdefghij"
JWT = {"secret": SECRET, "algorithm": "HS256", "issuer": "https://auth.example.com", "audience": "mcp-proxy",
       "clock_skew_seconds": 60}
CLAIMS = {"sub": "alice", "iss": "https://auth.example.com", "aud": "mcp-proxy", "scopes": ["calc"]}
MATH = {"upstreams": [{"name": "math", "profile": "math"}], "routes": [{"upstream_name": "math"}]}
ADD = {"do": "call", "tool": "math_add", "args": {"a": 1, "b": 1}}
OK = {"result.content.0.text": "2"}


def invalid(reason):
    return {"error.code": -32011, "error.data.reason": reason}


def jwt_case(cid, behaviour, ref, token_step, expect, jwt=None):
    return {"id": cid, "behaviour": behaviour, "ref": ref,
            "topology": dict(MATH, jwt=jwt or JWT),
            "steps": [{"do": "initialize"}, dict({"do": "token", "as": "t"}, **token_step),
                      dict(ADD, token="t", expect=expect),
                      {"do": "expect_fake", "upstream": "math", "name": "math_add",
                       "count": 1 if "result.content.0.text" in expect else 0}]}


CASES = [
    jwt_case("authentication.valid_jwt_is_accepted", "a token signed with the key, right issuer and audience, not expired, is accepted",
             "Guide: JWT Authentication; RFC 7519 4.1", {"claims": CLAIMS, "exp_in": 300}, OK),
    {
        "id": "authentication.missing_credentials_refused",
        "behaviour": "a request without credentials is refused with -32010 and never reaches an upstream",
        "ref": "Guide: Authentication; docs/security.md (every request except the handshake is authenticated)",
        "topology": dict(MATH, jwt=JWT),
        "steps": [{"do": "initialize"},
                  dict(ADD, expect={"error.code": -32010, "error.data.reason": "missing_credentials"}),
                  {"do": "request", "method": "tools/list", "params": {}, "expect": {"error.code": -32010}},
                  {"do": "expect_fake", "upstream": "math", "count": 0}],
    },
    {
        "id": "authentication.handshake_and_ping_need_no_credentials",
        "behaviour": "initialize and ping are answered without credentials",
        "ref": "docs/security.md Exempt methods; MCP 2025-11-25 Lifecycle, Ping",
        "topology": dict(MATH, jwt=JWT),
        "steps": [{"do": "initialize", "expect": {"result.protocolVersion": {"$exists": True}}},
                  {"do": "request", "method": "ping", "expect": {"result": {}}}],
    },
    {
        "id": "authentication.jwt_expires_mid_session",
        "behaviour": "a token valid now stops working on the first request after exp + clock skew",
        "ref": "Guide: JWT Authentication (verify_expiry, clock_skew_seconds); RFC 7519 4.1.4",
        "topology": dict(MATH, jwt=JWT),
        "steps": [{"do": "initialize"},
                  {"do": "token", "as": "t", "claims": CLAIMS, "exp_in": 300},
                  dict(ADD, token="t", expect=OK),
                  {"do": "advance", "ms": 359_000}, dict(ADD, token="t", expect=OK),
                  {"do": "advance", "ms": 1_000}, dict(ADD, token="t", expect=invalid("expired")),
                  {"do": "expect_fake", "upstream": "math", "name": "math_add", "count": 2},
                  {"do": "expect_stats", "soft": True, "expect": {"extra.auth_invalid_credentials": 1}}],
    },
    {
        "id": "authentication.jwt_not_yet_valid_becomes_valid",
        "behaviour": "a token with nbf in the future is refused until nbf - skew, then accepted",
        "ref": "RFC 7519 4.1.5 (nbf); docs/security.md What is checked (10)",
        "topology": dict(MATH, jwt=JWT),
        "steps": [{"do": "initialize"},
                  {"do": "token", "as": "t", "claims": CLAIMS, "nbf_in": 120, "exp_in": 3600},
                  dict(ADD, token="t", expect=invalid("not_yet_valid")),
                  {"do": "advance", "ms": 60_000}, dict(ADD, token="t", expect=OK)],
    },
    jwt_case("authentication.expired_jwt_refused", "a token that expired before the request is refused as expired",
             "RFC 7519 4.1.4", {"claims": CLAIMS, "exp_in": -3600}, invalid("expired")),
    jwt_case("authentication.bad_signature_refused", "a token signed with another key is refused (bad_signature)",
             "RFC 7515 (JWS validation); RFC 8725 3.3", {"claims": CLAIMS, "exp_in": 300, "secret": OTHER},
             invalid("bad_signature")),
    jwt_case("authentication.wrong_issuer_refused", "a token from another issuer is refused (wrong_issuer)",
             "RFC 7519 4.1.1; RFC 8725 3.8",
             {"claims": dict(CLAIMS, iss="https://auth.example.com.evil.com"), "exp_in": 300}, invalid("wrong_issuer")),
    jwt_case("authentication.wrong_audience_refused", "a token for another audience is refused (wrong_audience)",
             "RFC 7519 4.1.3; RFC 8725 3.9; MCP Authorization (tokens issued for this server)",
             {"claims": dict(CLAIMS, aud="another-service"), "exp_in": 300}, invalid("wrong_audience")),
    jwt_case("authentication.missing_sub_refused", "a token without sub is refused (missing_claim)",
             "docs/security.md What is checked (13); RFC 8725 3.8", {"claims": {k: v for k, v in CLAIMS.items() if k != "sub"},
                                                                      "exp_in": 300}, invalid("missing_claim")),
    jwt_case("authentication.alg_none_refused", "an unsigned token (alg none) is never accepted",
             "RFC 8725 3.1 (algorithm verification)", {"claims": CLAIMS, "exp_in": 300, "algorithm": "none", "secret": None},
             invalid("algorithm_not_allowed")),
    {
        "id": "authentication.credential_never_reaches_upstream",
        "behaviour": "the client's token is removed before forwarding: the upstream never sees it",
        "ref": "MCP 2025-11-25 Authorization: Token Passthrough (forbidden); docs/security.md",
        "topology": dict(MATH, jwt=JWT),
        "steps": [{"do": "initialize"}, {"do": "token", "as": "t", "claims": CLAIMS, "exp_in": 300},
                  dict(ADD, token="t", expect=OK),
                  {"do": "expect_fake", "upstream": "math", "name": "math_add", "count": 1},
                  {"do": "expect_fake_no_text", "upstream": "math", "token": "t"}],
    },
    {
        "id": "authentication.principal_counts_in_stats",
        "behaviour": "the JWT sub is the client id in the per-client counters",
        "ref": "Architecture: Identity (the principal is the client id in stats)",
        "topology": dict(MATH, jwt=JWT),
        "steps": [{"do": "initialize"}, {"do": "token", "as": "t", "claims": CLAIMS, "exp_in": 300},
                  dict(ADD, token="t"), dict(ADD, token="t"),
                  {"do": "expect_stats", "expect": {"extra.client_requests.alice": 2, "extra.jwt_verified": 1,
                                                    "extra.jwt_cache_hits": 1}}],
    },
    {
        "id": "authentication.bearer_token_accepted_and_wrong_refused",
        "behaviour": "the configured bearer token is accepted; any other token is refused",
        "ref": "Guide: Bearer Token Authentication (Development)",
        "topology": dict(MATH, bearer="dev-token-123"),
        "steps": [{"do": "initialize"}, dict(ADD, token="dev-token-123", expect=OK),
                  dict(ADD, token="dev-token-124", expect={"error.code": -32011, "error.data.reason": "invalid_token"})],
    },
]
