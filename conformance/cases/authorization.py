"""Authorization: scopes per route (guide: Authorization (Scope-Based); docs/security.md
Authorization; MCP 2025-11-25 Authorization: insufficient_scope)."""

SECRET = "conformance-secret-0123456789abcdef"
JWT = {"secret": SECRET, "algorithm": "HS256", "audience": "mcp-proxy"}
TOPO = {"upstreams": [{"name": "math", "profile": "math"}, {"name": "admin", "profile": "admin"},
                      {"name": "data", "profile": "data"}],
        "routes": [{"upstream_name": "admin", "tool_pattern": "admin_*", "required_scope": "admin"},
                   {"upstream_name": "data", "tool_pattern": "data_*", "resource_pattern": "data://*",
                    "required_scope": "read_data"},
                   {"upstream_name": "math", "tool_pattern": "math_*"}],
        "jwt": JWT}


def user(name, scopes=None, scope=None):
    claims = {"sub": name, "aud": "mcp-proxy"}
    if scopes is not None:
        claims["scopes"] = scopes
    if scope is not None:
        claims["scope"] = scope
    return {"do": "token", "as": name, "claims": claims, "exp_in": 3600}


DENIED = {"error.code": -32012, "error.data.reason": "insufficient_scope"}

CASES = [
    {
        "id": "authorization.scope_required_for_route",
        "behaviour": "a caller without the route's scope is refused with insufficient_scope naming it; the upstream never sees the call",
        "ref": "Guide: Authorization (Scope-Based); MCP 2025-11-25 Authorization: Scope Challenge (insufficient_scope)",
        "topology": TOPO,
        "steps": [{"do": "initialize"}, user("bob", ["read_data"]),
                  {"do": "call", "tool": "admin_status", "args": {}, "token": "bob",
                   "expect": dict(DENIED, **{"error.data.required_scope": "admin"})},
                  {"do": "expect_fake", "upstream": "admin", "count": 0}],
    },
    {
        "id": "authorization.scope_holder_passes",
        "behaviour": "a caller holding the scope reaches the route",
        "ref": "Guide: Authorization (Only clients with 'admin' scope)",
        "topology": TOPO,
        "steps": [{"do": "initialize"}, user("root", ["admin"]),
                  {"do": "call", "tool": "admin_status", "args": {}, "token": "root", "expect": {"result": {"$exists": True}}}],
    },
    {
        "id": "authorization.oauth_scope_string_is_read",
        "behaviour": "scopes in an OAuth space-separated `scope` claim count like the `scopes` array",
        "ref": "RFC 8693 4.2 / RFC 9068 2.2.3 (scope claim); docs/security.md What is checked (14)",
        "topology": TOPO,
        "steps": [{"do": "initialize"}, user("carol", scope="openid admin"),
                  {"do": "call", "tool": "admin_status", "args": {}, "token": "carol", "expect": {"result": {"$exists": True}}}],
    },
    {
        "id": "authorization.open_route_needs_no_scope",
        "behaviour": "a route without required_scope is open to any authenticated caller",
        "ref": "Guide: Authorization",
        "topology": TOPO,
        "steps": [{"do": "initialize"}, user("bob", []),
                  {"do": "call", "tool": "math_add", "args": {"a": 1, "b": 2}, "token": "bob",
                   "expect": {"result.content.0.text": "3"}}],
    },
    {
        "id": "authorization.resources_need_scope",
        "behaviour": "resources/read on a scoped resource route is refused without the scope, allowed with it",
        "ref": "Guide: Authorization (resource_pattern data://* required_scope read_data)",
        "topology": TOPO,
        "steps": [{"do": "initialize"}, user("bob", []), user("dana", ["read_data"]),
                  {"do": "request", "method": "resources/read", "params": {"uri": "data://users"}, "token": "bob",
                   "expect": DENIED},
                  {"do": "request", "method": "resources/read", "params": {"uri": "data://users"}, "token": "dana",
                   "expect": {"result.contents": {"$exists": True}}}],
    },
    {
        "id": "authorization.lists_show_only_callable_items",
        "behaviour": "tools/list shows a caller only the tools it may call",
        "ref": "docs/security.md Authorization (list results show only callable items)",
        "topology": TOPO,
        "steps": [{"do": "initialize"}, user("bob", ["read_data"]),
                  {"do": "request", "method": "tools/list", "params": {}, "token": "bob", "list_all": "tools",
                   "expect": {"names": ["math_add", "math_subtract", "math_multiply", "math_divide",
                                        "data_query", "data_count"]}},
                  ],
    },
    {
        "id": "authorization.bearer_has_no_scopes",
        "behaviour": "the bearer principal holds no scopes, so scoped routes stay closed to it",
        "ref": "docs/security.md Bearer token",
        "topology": dict({k: v for k, v in TOPO.items() if k != "jwt"}, bearer="dev-token-123"),
        "steps": [{"do": "initialize"},
                  {"do": "call", "tool": "admin_status", "args": {}, "token": "dev-token-123", "expect": DENIED},
                  {"do": "call", "tool": "math_add", "args": {"a": 1, "b": 2}, "token": "dev-token-123",
                   "expect": {"result.content.0.text": "3"}}],
    },
    {
        "id": "authorization.disabled_opens_every_route",
        "behaviour": "with enable_authorization=False scoped routes are open",
        "ref": "Guide: API Reference (enable_authorization)",
        "topology": dict(TOPO, proxy={"enable_authorization": False}),
        "steps": [{"do": "initialize"}, user("bob", []),
                  {"do": "call", "tool": "admin_status", "args": {}, "token": "bob", "expect": {"result": {"$exists": True}}}],
    },
    {
        "id": "authorization.denials_are_counted",
        "behaviour": "each refusal counts in authz_denied and failed_requests",
        "ref": "Guide: Metrics and Statistics; docs/security.md Errors",
        "topology": TOPO,
        "steps": [{"do": "initialize"}, user("bob", []),
                  {"do": "call", "tool": "admin_status", "args": {}, "token": "bob"},
                  {"do": "call", "tool": "data_count", "args": {"table": "users"}, "token": "bob"},
                  {"do": "expect_stats", "expect": {"extra.authz_denied": 2, "failed_requests": 2}}],
    },
]
