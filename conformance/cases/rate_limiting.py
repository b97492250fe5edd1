"""Rate limiting, every algorithm (guide: Security > Rate Limiting; docs/security.md: Rate
limiting, the exact decision of each algorithm)."""

MATH = {"upstreams": [{"name": "math", "profile": "math"}], "routes": [{"upstream_name": "math"}]}
ADD = {"do": "call", "tool": "math_add", "args": {"a": 1, "b": 1}}
OK = {"result.content.0.text": "2"}


def limited(limit="global", **more):
    return dict({"error.code": -32013, "error.data.reason": "rate_limited", "error.data.limit": limit}, **more)


def topo(**security):
    return dict(MATH, **security)


CASES = [
    {
        "id": "rate_limiting.token_bucket_burst_then_refill",
        "behaviour": "token bucket: `burst` calls pass at once, the next is refused with retry_after_ms, one token returns every window/max_requests",
        "ref": "Guide: Global Rate Limit (burst, token_bucket); docs/security.md Rate limiting",
        "topology": topo(rate_limit={"max_requests": 60, "window_ms": 60000, "burst": 3, "algorithm": "token_bucket"}),
        "steps": [{"do": "initialize"}, dict(ADD, expect=OK), dict(ADD, expect=OK), dict(ADD, expect=OK),
                  dict(ADD, expect=limited(**{"error.data.algorithm": "token_bucket", "error.data.retry_after_ms": 1000})),
                  {"do": "advance", "ms": 999}, dict(ADD, expect=limited()),
                  {"do": "advance", "ms": 1}, dict(ADD, expect=OK), dict(ADD, expect=limited()),
                  {"do": "expect_fake", "upstream": "math", "name": "math_add", "count": 4},
                  {"do": "expect_stats", "soft": True, "expect": {"extra.rate_limited": 3}}],
    },
    {
        "id": "rate_limiting.token_bucket_burst_in_real_time",
        "behaviour": "token bucket: of a burst of 8 concurrent calls with burst 5 (slow refill), exactly 5 pass and 3 are refused",
        "ref": "Guide: Global Rate Limit (Allow burst of 100)",
        "topology": topo(rate_limit={"max_requests": 1, "window_ms": 3600000, "burst": 5}),
        "steps": [{"do": "initialize"},
                  {"do": "burst", "count": 8, "tool": "math_add", "args": {"a": 1, "b": 1},
                   "expect_outcomes": {"result": 5, "error:-32013": 3}},
                  {"do": "expect_fake", "upstream": "math", "name": "math_add", "count": 5}],
    },
    {
        "id": "rate_limiting.fixed_window_resets_at_boundary",
        "behaviour": "fixed window: max_requests per window [kW,(k+1)W); the next window admits again",
        "ref": "Guide: Rate Limiting (algorithm fixed_window); docs/security.md",
        "topology": topo(rate_limit={"max_requests": 2, "window_ms": 10000, "algorithm": "fixed_window"}),
        "steps": [{"do": "initialize"}, dict(ADD, expect=OK), dict(ADD, expect=OK),
                  dict(ADD, expect=limited(**{"error.data.algorithm": "fixed_window",
                                              "error.data.retry_after_ms": {"$gte": 1}})),
                  {"do": "advance", "ms": 10000}, dict(ADD, expect=OK), dict(ADD, expect=OK), dict(ADD, expect=limited())],
    },
    {
        "id": "rate_limiting.sliding_window_weighs_previous_window",
        "behaviour": "sliding window: at the start of the next window the previous one still weighs fully; it fades linearly",
        "ref": "Guide: Rate Limiting (algorithm sliding_window); docs/security.md (N=2, W=60000: third allowed at 60001)",
        "topology": topo(rate_limit={"max_requests": 2, "window_ms": 60000, "algorithm": "sliding_window"}),
        "steps": [{"do": "initialize"}, dict(ADD, expect=OK), dict(ADD, expect=OK),
                  dict(ADD, expect=limited(**{"error.data.algorithm": "sliding_window", "error.data.retry_after_ms": 60001})),
                  {"do": "advance", "ms": 60000}, dict(ADD, expect=limited()),
                  {"do": "advance", "ms": 1}, dict(ADD, expect=OK)],
    },
    {
        "id": "rate_limiting.sliding_window_in_real_time",
        "behaviour": "sliding window: of 5 calls in a row with max_requests 3, 3 pass",
        "ref": "Guide: Rate Limiting (algorithm sliding_window)",
        "topology": topo(rate_limit={"max_requests": 3, "window_ms": 3600000, "algorithm": "sliding_window"}),
        "steps": [{"do": "initialize"},
                  {"do": "burst", "count": 5, "tool": "math_add", "args": {"a": 1, "b": 1},
                   "expect_outcomes": {"result": 3, "error:-32013": 2}}],
    },
    {
        "id": "rate_limiting.fixed_window_in_real_time",
        "behaviour": "fixed window: of 5 calls in a row with max_requests 3, 3 pass",
        "ref": "Guide: Rate Limiting (algorithm fixed_window)",
        "topology": topo(rate_limit={"max_requests": 3, "window_ms": 3600000, "algorithm": "fixed_window"}),
        "steps": [{"do": "initialize"},
                  {"do": "burst", "count": 5, "tool": "math_add", "args": {"a": 1, "b": 1},
                   "expect_outcomes": {"result": 3, "error:-32013": 2}}],
    },
    {
        "id": "rate_limiting.per_tool_limit_only_that_tool",
        "behaviour": "a per-tool limit refuses that tool only; other tools still pass",
        "ref": "Guide: Per-Tool Rate Limit",
        "topology": topo(tool_rate_limits=[{"tool_name": "math_add", "max_requests": 2, "window_ms": 60000}]),
        "steps": [{"do": "initialize"}, dict(ADD, expect=OK), dict(ADD, expect=OK),
                  dict(ADD, expect=limited("tool", **{"error.data.tool": "math_add"})),
                  {"do": "call", "tool": "math_subtract", "args": {"a": 3, "b": 1}, "expect": {"result.content.0.text": "2"}},
                  {"do": "expect_fake", "upstream": "math", "name": "math_add", "count": 2}],
    },
    {
        "id": "rate_limiting.route_override_replaces_global",
        "behaviour": "a route's rate_limit_override limits its calls instead of the global limit",
        "ref": "Guide: Route-Level Rate Limit Override",
        "topology": {"upstreams": [{"name": "math", "profile": "math"}, {"name": "admin", "profile": "admin"}],
                     "routes": [{"upstream_name": "admin", "tool_pattern": "admin_*", "rate_limit_override": 1},
                                {"upstream_name": "math", "tool_pattern": "math_*"}],
                     "rate_limit": {"max_requests": 100, "window_ms": 60000}},
        "steps": [{"do": "initialize"},
                  {"do": "call", "tool": "admin_status", "args": {}, "expect": {"result": {"$exists": True}}},
                  {"do": "call", "tool": "admin_status", "args": {}, "expect": limited("route")},
                  dict(ADD, expect=OK), dict(ADD, expect=OK)],
    },
    {
        "id": "rate_limiting.per_client_limits_are_separate",
        "behaviour": "a per-client limit counts each principal separately",
        "ref": "docs/security.md Rate limiting (client limit)",
        "topology": topo(jwt={"secret": "s" * 32, "algorithm": "HS256"},
                         client_rate_limit={"max_requests": 1, "window_ms": 60000}),
        "steps": [{"do": "initialize"},
                  {"do": "token", "as": "alice", "claims": {"sub": "alice"}, "exp_in": 3600},
                  {"do": "token", "as": "bob", "claims": {"sub": "bob"}, "exp_in": 3600},
                  dict(ADD, token="alice", expect=OK),
                  dict(ADD, token="alice", expect=limited("client", **{"error.data.client": "alice"})),
                  dict(ADD, token="bob", expect=OK)],
    },
    {
        "id": "rate_limiting.refused_request_costs_nothing",
        "behaviour": "a request refused by one limit is not charged to the others",
        "ref": "docs/security.md Rate limiting (checked first, charged only if every limit allows)",
        "topology": topo(rate_limit={"max_requests": 2, "window_ms": 60000, "algorithm": "fixed_window"},
                         tool_rate_limits=[{"tool_name": "math_add", "max_requests": 1, "window_ms": 60000,
                                            "algorithm": "fixed_window"}]),
        "steps": [{"do": "initialize"}, dict(ADD, expect=OK), dict(ADD, expect=limited("tool")),
                  dict(ADD, expect=limited("tool")),
                  {"do": "call", "tool": "math_subtract", "args": {"a": 3, "b": 1}, "expect": {"result.content.0.text": "2"}}],
    },
]
