"""Transformers and cache (guide: Request/Response Transformation; API Reference
enable_caching, cache_ttl_ms). Being built now: until the proxy's capability probe says the
feature exists (fasterapi.mcp.availability), these cases report "unsupported"."""

ECHO = {"upstreams": [{"name": "echo", "profile": "echo"}], "routes": [{"upstream_name": "echo"}]}
# Chains run only on routes that ask for them (docs/transformers.md).
ECHO_TRANSFORMED = {"upstreams": [{"name": "echo", "profile": "echo"}],
                    "routes": [{"upstream_name": "echo", "enable_request_transform": True,
                                "enable_response_transform": True}]}
# The fake's answers say they may be cached for a minute (a ttlMs of 0 means "do not").
DATA = {"upstreams": [{"name": "data", "profile": "data", "extra_args": ["--cache-ttl-ms", "60000"]}],
        "routes": [{"upstream_name": "data"}]}

CASES = [
    {
        "id": "transformers_cache.sanitizer_redacts_request_fields",
        "behaviour": "the sanitizing request transformer replaces listed fields with [REDACTED] before the upstream sees them",
        "ref": "Guide: Request/Response Transformation > Sanitize Sensitive Data",
        "topology": dict(ECHO_TRANSFORMED, transformers={"request": [["sanitize", "create_sanitizing_transformer", [["password"]]]]}),
        "steps": [{"do": "initialize"},
                  {"do": "call", "tool": "echo", "args": {"text": "hi", "password": "hunter2"},
                   "expect": {"result": {"$exists": True}}},
                  {"do": "expect_fake", "upstream": "echo", "name": "echo", "count": 1,
                   "expect": {"params.arguments.password": "[REDACTED]", "params.arguments.text": "hi"}},
                  {"do": "expect_fake_no_text", "upstream": "echo", "text": "hunter2"}],
    },
    {
        "id": "transformers_cache.metadata_transformer_tags_response",
        "behaviour": "the metadata response transformer adds the proxy's name to the answer",
        "ref": "Guide: Request/Response Transformation > Add Metadata",
        "topology": dict(ECHO_TRANSFORMED, proxy={"name": "Conformance Proxy"},
                         transformers={"response": [["metadata", "create_metadata_transformer", ["Conformance Proxy"]]]}),
        "steps": [{"do": "initialize"},
                  {"do": "call", "tool": "echo", "args": {"text": "hi"},
                   "expect": {"result.content.0.text": "hi", "_proxy.name": "Conformance Proxy"}}],
    },
    {
        "id": "transformers_cache.repeated_read_served_from_cache",
        "behaviour": "with caching on, a repeated resources/read within the TTL is answered without reaching the upstream",
        "ref": "Guide: API Reference (enable_caching, cache_ttl_ms); MCP 2026-07-28 Caching hints",
        "topology": dict(DATA, proxy={"enable_caching": True, "cache_ttl_ms": 60000}),
        "steps": [{"do": "initialize"},
                  {"do": "request", "method": "resources/read", "params": {"uri": "data://users"},
                   "expect": {"result.contents": {"$exists": True}}},
                  {"do": "request", "method": "resources/read", "params": {"uri": "data://users"},
                   "expect": {"result.contents": {"$exists": True}}},
                  {"do": "expect_fake", "upstream": "data", "method": "resources/read", "count": 1},
                  {"do": "expect_stats", "soft": True, "expect": {"cached_responses": 1}}],
    },
    {
        "id": "transformers_cache.cache_entry_expires",
        "behaviour": "after cache_ttl_ms the next read goes to the upstream again",
        "ref": "Guide: API Reference (cache_ttl_ms)",
        "topology": dict(DATA, proxy={"enable_caching": True, "cache_ttl_ms": 60000}),
        "steps": [{"do": "initialize"},
                  {"do": "request", "method": "resources/read", "params": {"uri": "data://users"}},
                  {"do": "advance", "ms": 60001},
                  {"do": "request", "method": "resources/read", "params": {"uri": "data://users"}},
                  {"do": "expect_fake", "upstream": "data", "method": "resources/read", "count": 2}],
    },
    {
        "id": "transformers_cache.side_effects_never_cached",
        "behaviour": "a tool call with side effects is never answered from the cache",
        "ref": "Architecture: Retry safety (never duplicate or swallow a side effect)",
        "topology": {"upstreams": [{"name": "admin", "profile": "admin"}], "routes": [{"upstream_name": "admin"}],
                     "proxy": {"enable_caching": True}},
        "steps": [{"do": "initialize"},
                  {"do": "call", "tool": "admin_restart_service", "args": {"service": "db"}},
                  {"do": "call", "tool": "admin_restart_service", "args": {"service": "db"}},
                  {"do": "expect_fake", "upstream": "admin", "name": "admin_restart_service", "count": 2}],
    },
    {
        "id": "transformers_cache.private_entries_not_shared",
        "behaviour": "a cached answer is never served to a client with another authorization context",
        "ref": "MCP 2026-07-28 Caching hints (cacheScope private); Obligations: Caching hints",
        "topology": dict(DATA, proxy={"enable_caching": True},
                         jwt={"secret": "conformance-secret-0123456789abcdef", "algorithm": "HS256"}),
        "steps": [{"do": "initialize"},
                  {"do": "token", "as": "alice", "claims": {"sub": "alice"}, "exp_in": 3600},
                  {"do": "token", "as": "bob", "claims": {"sub": "bob"}, "exp_in": 3600},
                  {"do": "request", "method": "resources/read", "params": {"uri": "data://users"}, "token": "alice"},
                  {"do": "request", "method": "resources/read", "params": {"uri": "data://users"}, "token": "bob"},
                  {"do": "expect_fake", "upstream": "data", "method": "resources/read", "count": {"$gte": 1}}],
    },
]
