"""Transformer chains through a running proxy in front of a real fake upstream: order,
route flags, the built-ins on the wire, and failing Python transformers (a clear -32014
for that request, a log line, and the proxy goes on serving)."""

from __future__ import annotations

import json
import logging

from fasterapi.mcp import (ProxyRoute, create_metadata_transformer,
                           create_sanitizing_transformer)

from .helpers import OPTIONS, fake_upstream

TRANSFORMED = ProxyRoute(upstream_name="echo", tool_pattern="echo",
                         enable_request_transform=True, enable_response_transform=True)
PLAIN = ProxyRoute(upstream_name="echo")  # every other tool: no transforms


def call(client, tool, **arguments):
    return client.request("tools/call", {"name": tool, "arguments": arguments})


def appender(marker, seen=None):
    def transform(ctx, data):
        if seen is not None:
            seen.append((marker, dict(ctx)))
        msg = json.loads(data)
        if ctx["direction"] == "request":
            msg["params"]["arguments"]["text"] += marker
        else:
            msg["result"]["content"][0]["text"] += marker
        return json.dumps(msg)
    return transform


def test_chains_run_in_order_in_both_directions(start_proxy, mcp_fake):
    fake = mcp_fake("echo")
    seen = []

    def configure(proxy):
        proxy.add_request_transformer("one", appender("+1", seen))
        proxy.add_request_transformer("meta", create_metadata_transformer("Edge"))
        proxy.add_request_transformer("two", appender("+2", seen))
        proxy.add_response_transformer("three", appender("+3", seen))
        proxy.add_response_transformer("meta", create_metadata_transformer("Edge"))
        proxy.add_response_transformer("four", appender("+4", seen))

    proxy, client = start_proxy([fake_upstream(fake, "echo")], [TRANSFORMED, PLAIN],
                                configure=configure, **OPTIONS)
    answer = call(client, "echo", text="hi")
    assert answer["result"]["content"][0]["text"] == "hi+1+2+3+4"
    request_id = answer["_proxy"]["request_id"]
    assert answer["_proxy"] == {"name": "Edge", "request_id": request_id, "client_id": "anonymous"}
    assert isinstance(answer["id"], int)
    # What the upstream received: the request chain's work, with the same request id.
    received = fake.calls(name="echo")[-1]["msg"]
    assert received["params"]["arguments"]["text"] == "hi+1+2"
    assert received["_proxy"] == {"name": "Edge", "request_id": request_id, "client_id": "anonymous"}
    assert [m for m, _ in seen] == ["+1", "+2", "+3", "+4"]
    ctx = seen[0][1]
    assert ctx["direction"] == "request" and seen[2][1]["direction"] == "response"
    assert ctx["request_id"] == request_id and ctx["client_id"] == "anonymous"
    assert (ctx["method"], ctx["name"], ctx["upstream"], ctx["scopes"]) == ("tools/call", "echo", "echo", [])
    assert ctx["jsonrpc_id"] == answer["id"]
    # Each call has its own request id.
    assert call(client, "echo", text="x")["_proxy"]["request_id"] != request_id


def test_route_flags_decide_where_each_chain_runs(start_proxy, mcp_fake):
    fake = mcp_fake("echo")
    seen = []
    routes = [
        ProxyRoute(upstream_name="echo", tool_pattern="echo", enable_request_transform=True),
        ProxyRoute(upstream_name="echo", tool_pattern="distance", enable_response_transform=True),
        PLAIN,
    ]

    def configure(proxy):
        proxy.add_request_transformer("req", appender("+req", seen))
        proxy.add_response_transformer("meta", create_metadata_transformer("Edge"))

    proxy, client = start_proxy([fake_upstream(fake, "echo")], routes, configure=configure, **OPTIONS)
    answer = call(client, "echo", text="a")           # request chain only
    assert answer["result"]["content"][0]["text"] == "a+req" and "_proxy" not in answer
    answer = call(client, "add", a=1, b=2)            # no flags: nothing runs, no Python
    assert "_proxy" not in answer and len(seen) == 1
    assert "_proxy" not in fake.calls(name="add")[-1]["msg"]
    answer = call(client, "distance", **{"from": {"x": 0, "y": 0}, "to": {"x": 3, "y": 4}})
    assert "_proxy" in answer and len(seen) == 1       # response chain only
    # Lists are the proxy's own merge: never transformed.
    assert "_proxy" not in client.request("tools/list")


def test_sanitizer_on_the_wire_both_ways(start_proxy, mcp_fake):
    fake = mcp_fake("echo")

    def configure(proxy):
        proxy.add_request_transformer("sanitize", create_sanitizing_transformer(["password", "Token"]))
        proxy.add_response_transformer("sanitize", create_sanitizing_transformer(["text"]))

    proxy, client = start_proxy([fake_upstream(fake, "echo")], [TRANSFORMED], configure=configure, **OPTIONS)
    answer = call(client, "echo", text="hello", password="hunter2",
                  nested=[{"deep": {"TOKEN": "t-1"}}, {"token": ["a", "b"]}])
    sent = fake.calls(name="echo")[-1]["msg"]["params"]["arguments"]
    assert sent["password"] == "[REDACTED]" and sent["text"] == "hello"
    assert sent["nested"] == [{"deep": {"TOKEN": "[REDACTED]"}}, {"token": "[REDACTED]"}]
    assert answer["result"]["content"] == [{"type": "text", "text": "[REDACTED]"}]


def test_a_failing_python_transformer_fails_only_its_request(start_proxy, mcp_fake, capfd):
    fake = mcp_fake("echo")

    def flaky(ctx, data):
        text = json.loads(data)["params"]["arguments"]["text"]
        if text == "raise":
            raise ValueError("cannot handle password=hunter2")
        if text == "garbage":
            return "{not json"
        if text == "number":
            return 42
        return data

    def configure(proxy):
        proxy.add_request_transformer("sanitize", create_sanitizing_transformer(["password"]))
        proxy.add_request_transformer("flaky", flaky)

    proxy, client = start_proxy([fake_upstream(fake, "echo")], [TRANSFORMED], configure=configure, **OPTIONS)
    answer = call(client, "echo", text="raise")
    error = answer["error"]
    assert error["code"] == -32014
    assert "request transformer 'flaky' failed" in error["message"]
    data = error["data"]
    assert (data["reason"], data["transformer"], data["stage"], data["delivery"]) == (
        "transformer_failed", "flaky", "request", "not_sent")
    assert data["detail"].startswith("ValueError: cannot handle")
    assert "hunter2" not in json.dumps(answer)  # the sanitizer's keys apply to the detail too
    assert fake.calls(name="echo") == []        # nothing reached the upstream

    garbage = call(client, "echo", text="garbage")["error"]
    assert (garbage["code"], garbage["data"]["reason"]) == (-32014, "transformer_invalid_output")
    number = call(client, "echo", text="number")["error"]
    assert number["data"]["detail"] == "returned int, not str"

    # The proxy keeps serving, the same transformer included.
    assert call(client, "echo", text="fine")["result"]["content"][0]["text"] == "fine"
    stats = proxy.get_stats()
    assert stats.extra["transformer_errors"] == 3 and stats.failed_requests == 3
    err = capfd.readouterr().err
    assert "request transformer 'flaky' failed on tools/call 'echo'" in err
    assert "hunter2" not in err                 # and to the log


def test_a_failing_response_transformer_withholds_the_answer(start_proxy, mcp_fake):
    fake = mcp_fake("echo")

    def broken(ctx, data):
        raise RuntimeError("boom")

    def configure(proxy):
        proxy.add_response_transformer("broken", broken)

    proxy, client = start_proxy([fake_upstream(fake, "echo")], [TRANSFORMED], configure=configure, **OPTIONS)
    error = call(client, "echo", text="x")["error"]
    assert error["code"] == -32014
    assert (error["data"]["stage"], error["data"]["delivery"], error["data"]["upstream"]) == (
        "response", "answered", "echo")
    assert error["data"]["detail"] == "RuntimeError: boom"
    assert len(fake.calls(name="echo")) == 1    # the upstream did run it: the error says so


def test_a_transformer_cannot_change_what_is_called(start_proxy, mcp_fake):
    fake = mcp_fake("echo")

    def reroute(ctx, data):
        msg = json.loads(data)
        msg["params"]["name"] = "add"
        msg["method"] = "resources/read"
        msg["id"] = "forged"
        return json.dumps(msg)

    proxy, client = start_proxy([fake_upstream(fake, "echo")], [TRANSFORMED],
                                configure=lambda p: p.add_request_transformer("reroute", reroute), **OPTIONS)
    assert call(client, "echo", text="same")["result"]["content"][0]["text"] == "same"
    assert fake.calls(name="add") == [] and len(fake.calls(name="echo")) == 1


def test_a_chain_no_route_runs_is_reported_at_start(start_proxy, mcp_fake, caplog):
    fake = mcp_fake("echo")
    with caplog.at_level(logging.WARNING, logger="fasterapi.mcp"):
        start_proxy([fake_upstream(fake, "echo")], [PLAIN],
                    configure=lambda p: p.add_request_transformer("meta", create_metadata_transformer("P")),
                    **OPTIONS)
    messages = [r.getMessage() for r in caplog.records if r.name == "fasterapi.mcp"]
    assert any("request transformers (meta)" in m and "enable_request_transform=True" in m
               for m in messages)
