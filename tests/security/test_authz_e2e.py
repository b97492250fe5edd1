"""Scope-based authorization through a running proxy: calls and list results."""

from __future__ import annotations

import logging

from freezegun import freeze_time

from fasterapi.mcp import ProxyRoute

from .conftest import math_admin_data
from .security_tokens import AUDIENCE, ISSUER, SECRET, claims, hs

FROZEN = "2026-03-01 12:00:00"
NOW = 1772366400

ROUTES = [
    ProxyRoute(upstream_name="math", tool_pattern="math_*"),                       # open
    ProxyRoute(upstream_name="admin", tool_pattern="admin_*", prompt_pattern="code_*",
               resource_pattern="config://app/*", required_scope="admin"),
    ProxyRoute(upstream_name="data", tool_pattern="data_*", resource_pattern="data://*",
               prompt_pattern="data_*", required_scope="read_data"),
]


def jwt_auth(proxy):
    proxy.set_jwt_auth(secret=SECRET, issuer=ISSUER, audience=AUDIENCE)


def names(result, key, field="name"):
    return sorted(item[field] for item in result["result"][key])


def test_scopes_decide_what_is_listed_and_what_may_be_called(secure_proxy, mcp_fake):
    with freeze_time(FROZEN):
        (math, admin, data), ups = math_admin_data(mcp_fake)
        proxy, client = secure_proxy(ups, ROUTES, configure=jwt_auth)
        reader = hs(claims(NOW, sub="reader", scopes=["read_data"]))
        operator = hs(claims(NOW, sub="operator", scopes=None, scope="admin read_data"))
        nobody = hs(claims(NOW, sub="nobody", scopes=[]))

        tools = {who: names(client.request("tools/list", token=t), "tools")
                 for who, t in [("reader", reader), ("operator", operator), ("nobody", nobody)]}
        assert tools["nobody"] == ["math_add", "math_divide", "math_multiply", "math_subtract"]
        assert tools["reader"] == sorted(tools["nobody"] + ["data_count", "data_query"])
        assert set(tools["operator"]) == set(tools["reader"]) | {
            "admin_restart_service", "admin_set_flag", "admin_status"}
        assert names(client.request("resources/list", token=reader), "resources", "uri") == [
            "data://orders", "data://users"]
        assert names(client.request("resources/list", token=nobody), "resources", "uri") == []
        assert names(client.request("prompts/list", token=operator), "prompts") == [
            "code_review", "data_summary"]

        r = client.call("admin_restart_service", {"service": "web"}, token=reader)
        assert r["error"]["code"] == -32012
        assert r["error"]["data"] == {"reason": "insufficient_scope", "required_scope": "admin",
                                      "kind": "tool", "name": "admin_restart_service"}
        r = client.request("resources/read", {"uri": "config://app/settings"}, token=reader)
        assert r["error"]["data"]["required_scope"] == "admin"
        r = client.request("resources/read", {"uri": "data://users"}, token=nobody)
        assert r["error"]["data"] == {"reason": "insufficient_scope", "required_scope": "read_data",
                                      "kind": "resource", "name": "data://users"}
        assert "result" in client.request("resources/read", {"uri": "data://users"}, token=reader)
        assert "result" in client.call("admin_restart_service", {"service": "web"}, token=operator)
        assert "result" in client.call("math_add", {"a": 1, "b": 1}, token=nobody)

    assert len(admin.calls(name="admin_restart_service")) == 1  # only the operator's
    assert len(data.calls(method="resources/read")) == 1
    assert proxy.get_stats().extra["authz_denied"] == 3


def test_authorization_off_shows_and_allows_everything(secure_proxy, mcp_fake):
    with freeze_time(FROZEN):
        (_, admin, _), ups = math_admin_data(mcp_fake)
        proxy, client = secure_proxy(ups, ROUTES, configure=jwt_auth, enable_authorization=False,
                                     token=hs(claims(NOW, scopes=[])))
        assert "admin_status" in names(client.request("tools/list"), "tools")
        assert "result" in client.call("admin_status")
    assert len(admin.calls(name="admin_status")) == 1


def test_a_scoped_route_without_authentication_is_refused_and_said_at_start(secure_proxy, mcp_fake, caplog):
    (_, admin, _), ups = math_admin_data(mcp_fake)
    with caplog.at_level(logging.WARNING, logger="fasterapi.mcp"):
        proxy, client = secure_proxy(ups, ROUTES)
    assert any("routes[1], routes[2] require a scope" in r.getMessage() for r in caplog.records)
    r = client.call("admin_status")
    assert r["error"]["code"] == -32012
    assert "admin_status" not in names(client.request("tools/list"), "tools")
    assert admin.calls() == []
