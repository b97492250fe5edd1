"""Whatever a user passes, validation answers with ConfigError naming real fields,
never with a TypeError from deep inside (hypothesis)."""

import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st

from fasterapi.mcp import ConfigError, MCPProxy, ProxyRoute, UpstreamConfig
from fasterapi.mcp.config import PROXY_DEFAULTS
from fasterapi.mcp.toml_config import proxy_from_dict

# Values a TOML file or a careless caller could produce.
scalars = st.one_of(st.none(), st.booleans(), st.integers(-2**40, 2**40),
                    st.floats(allow_nan=False), st.text(max_size=8),
                    st.sampled_from(["stdio", "http", "websocket", "python", "math", "*"]))
values = st.one_of(scalars, st.lists(scalars, max_size=3),
                   st.dictionaries(st.text(max_size=4), scalars, max_size=3))

UPSTREAM_FIELDS = [f.name for f in dataclasses.fields(UpstreamConfig)]
ROUTE_FIELDS = [f.name for f in dataclasses.fields(ProxyRoute)]


def known_path(path, prefix, names):
    head = path[len(prefix):].lstrip(".").split(".")[0].split("[")[0]
    return path.startswith(prefix) and (head == "" or head in names)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.sampled_from(UPSTREAM_FIELDS), values))
def test_any_upstream_fields(fields):
    fields.setdefault("name", "u")
    fields.setdefault("transport_type", "stdio")
    proxy = MCPProxy()
    try:
        proxy.add_upstream(UpstreamConfig(**fields))
    except ConfigError as err:
        assert err.errors
        assert all(known_path(p, "upstreams[0]", UPSTREAM_FIELDS) for p, _ in err.errors)
    else:
        assert proxy.upstreams[0].name == fields["name"]


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.sampled_from(ROUTE_FIELDS), values))
def test_any_route_fields(fields):
    fields.setdefault("upstream_name", "u")
    try:
        MCPProxy().add_route(ProxyRoute(**fields))
    except ConfigError as err:
        assert all(known_path(p, "routes[0]", ROUTE_FIELDS) for p, _ in err.errors)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.sampled_from(list(PROXY_DEFAULTS)), values))
def test_any_proxy_options(options):
    try:
        MCPProxy(**options)
    except ConfigError as err:
        assert all(known_path(p, "proxy", PROXY_DEFAULTS) for p, _ in err.errors)


toml_tables = st.dictionaries(st.sampled_from(UPSTREAM_FIELDS + ROUTE_FIELDS + ["bogus"]),
                              values, max_size=6)


@settings(max_examples=100, deadline=None)
@given(st.fixed_dictionaries({}, optional={
    "proxy": st.one_of(values, st.dictionaries(st.sampled_from(list(PROXY_DEFAULTS)), values)),
    "upstreams": st.one_of(values, st.lists(toml_tables, max_size=3)),
    "routes": st.one_of(values, st.lists(toml_tables, max_size=3)),
    "rate_limit": st.one_of(values, toml_tables),
    "tool_rate_limits": st.one_of(values, st.lists(toml_tables, max_size=2)),
}))
def test_any_toml_document_loads_or_names_its_errors(document):
    try:
        proxy_from_dict(document)
    except ConfigError as err:
        assert err.errors and all(isinstance(p, str) and m for p, m in err.errors)
