"""The built-in transformers (C++, filters/transform/builtins.cpp) called through the
guide's signature, the log-text redaction, and the cache's request key. No proxy."""

from __future__ import annotations

import json

import pytest

from fasterapi.mcp import (ConfigError, MCPProxy, ProxyRoute, UpstreamConfig, create_caching_transformer,
                           create_metadata_transformer, create_sanitizing_transformer)
from fasterapi.mcp import _core


def run(transformer, message, **ctx):
    return json.loads(transformer(ctx, json.dumps(message)))


def test_sanitizer_redacts_at_any_depth_inside_arrays_case_insensitively():
    sanitize = create_sanitizing_transformer(["password", "API_KEY"])
    message = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {
        "name": "login",
        "arguments": {
            "username": "alice", "Password": "hunter2",
            "profiles": [{"api_key": "k1", "label": "a"},
                         [{"deeper": {"PASSWORD": {"nested": "object"}}}]],
            "headers": {"Api_Key": ["k2", "k3"], "passwords": "not a listed key"},
        }}}
    out = run(sanitize, message)
    args = out["params"]["arguments"]
    assert args["username"] == "alice"
    assert args["Password"] == "[REDACTED]"
    assert args["profiles"][0] == {"api_key": "[REDACTED]", "label": "a"}
    assert args["profiles"][1][0]["deeper"]["PASSWORD"] == "[REDACTED]"   # an object, replaced whole
    assert args["headers"]["Api_Key"] == "[REDACTED]"                      # an array, replaced whole
    assert args["headers"]["passwords"] == "not a listed key"             # whole names only
    assert out["params"]["name"] == "login" and out["id"] == 1


def test_sanitizer_leaves_a_message_without_those_keys_unchanged():
    message = {"jsonrpc": "2.0", "id": 7, "result": {"content": [{"type": "text", "text": "5"}]}}
    assert run(create_sanitizing_transformer(["secret"]), message) == message


def test_metadata_adds_the_guides_proxy_object():
    out = run(create_metadata_transformer("My Proxy"),
              {"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {}},
              request_id="req-123", client_id="user-456")
    assert out["_proxy"] == {"name": "My Proxy", "request_id": "req-123", "client_id": "user-456"}
    assert out["params"] == {}


def test_caching_transformer_stamps_hints_never_longer_or_wider_than_given():
    cache = create_caching_transformer(ttl_ms=60000)
    assert run(cache, {"jsonrpc": "2.0", "id": 1, "result": {}})["result"] == {
        "ttlMs": 60000, "cacheScope": "private"}
    assert run(cache, {"jsonrpc": "2.0", "id": 1, "result": {"ttlMs": 500, "cacheScope": "public"}})[
        "result"] == {"ttlMs": 500, "cacheScope": "public"}
    error = {"jsonrpc": "2.0", "id": 1, "error": {"code": -32602, "message": "x"}}
    assert run(cache, error) == error


def test_log_text_redaction():
    keys = ["password", "token"]
    assert _core.redact_text(keys, "login user=alice password=hunter2, next") == \
        "login user=alice password=[REDACTED], next"
    assert _core.redact_text(keys, 'sent {"Token": "abc", "n": 1}') == 'sent {"Token": "[REDACTED]", "n": 1}'
    assert _core.redact_text(keys, "token: 'a b c' done") == "token: '[REDACTED]' done"
    assert _core.redact_text(keys, 'x {"password": {"a": [1, "}"]}, "b": 2}') == \
        'x {"password": "[REDACTED]", "b": 2}'
    assert _core.redact_text(keys, "passwords=kept tokens: kept") == "passwords=kept tokens: kept"
    # A line that is JSON is redacted as a structure, at any depth.
    line = json.dumps({"level": "info", "data": {"items": [{"TOKEN": "t"}]}})
    assert json.loads(_core.redact_text(keys, line))["data"]["items"][0]["TOKEN"] == "[REDACTED]"


def test_cache_key_ignores_member_order_and_volatile_meta_but_not_arguments():
    key = lambda params: _core.cache_request_key("tools/call", json.dumps(params))  # noqa: E731
    a = key({"name": "t", "arguments": {"x": 1, "y": [1, {"b": 2, "a": 1}]},
             "_meta": {"progressToken": 5, "io.modelcontextprotocol/logLevel": "debug"}})
    b = key({"arguments": {"y": [1, {"a": 1, "b": 2}], "x": 1}, "name": "t",
             "_meta": {"progressToken": "other"}})
    assert a == b
    assert key({"name": "t", "arguments": {"x": 2, "y": [1, {"a": 1, "b": 2}]}}) != a
    assert key({"name": "t", "arguments": {"x": 1, "y": [1, {"a": 1, "b": 2}]},
                "_meta": {"io.modelcontextprotocol/clientCapabilities": {"sampling": {}}}}) != a
    # A multi round-trip retry depends on inputs that are not part of any key.
    assert key({"name": "t", "inputResponses": {}}) is None
    assert key({"name": "t", "requestState": "s"}) is None


def test_chain_names_replace_in_place_and_remove():
    proxy = MCPProxy()
    first = lambda ctx, data: data  # noqa: E731
    proxy.add_request_transformer("a", first)
    proxy.add_request_transformer("b", create_metadata_transformer("P"))
    proxy.add_request_transformer("c", first)
    proxy.add_request_transformer("a", create_sanitizing_transformer(["x"]))  # replaced, stays first
    assert proxy.request_transformers == ["a", "b", "c"]
    proxy.remove_request_transformer("b")
    assert proxy.request_transformers == ["a", "c"]
    with pytest.raises(ConfigError) as excinfo:
        proxy.remove_response_transformer("nope")
    assert "remove_response_transformer.name" in str(excinfo.value)


def test_the_caching_transformer_is_refused_in_the_request_chain():
    with pytest.raises(ConfigError) as excinfo:
        MCPProxy().add_request_transformer("cache", create_caching_transformer(1000))
    assert "add_request_transformer.transformer" in str(excinfo.value)


def test_chains_reach_the_core_document_in_order():
    proxy = MCPProxy()
    proxy.add_upstream(UpstreamConfig(name="math", transport_type="stdio", command="python"))
    proxy.add_route(ProxyRoute(upstream_name="math"))
    proxy.add_request_transformer("meta", create_metadata_transformer("P"))
    proxy.add_request_transformer("custom", lambda ctx, data: data)
    proxy.add_response_transformer("cache", create_caching_transformer(500))
    doc = json.loads(proxy.core_config_json())
    assert doc["transformers"] == {
        "request": [{"name": "meta", "type": "metadata", "proxy_name": "P"},
                    {"name": "custom", "type": "python"}],
        "response": [{"name": "cache", "type": "cache", "ttl_ms": 500}]}
