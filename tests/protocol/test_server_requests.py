"""Server-to-client requests (sampling, elicitation, roots) and their stateless-era form,
input-required results (MCP_PROXY_OBLIGATIONS: "Capabilities", "Server-to-client requests (L)",
"Input-required results (M)")."""

from fasterapi.mcp import ProxyRoute

from support.proxy_helpers import upstream_for
from protocol.conftest import fake_faults, stateless

SAMPLING_ANSWER = {"role": "assistant", "content": {"type": "text", "text": "sampled!"},
                   "model": "test-model", "stopReason": "endTurn"}


def test_sampling_travels_to_the_client_that_asked_and_back(start_proxy, mcp_fake, more_clients):
    echo = mcp_fake("echo", faults=fake_faults("handshake"))
    proxy, plain = start_proxy([upstream_for(echo, "echo")], [ProxyRoute(upstream_name="echo")])
    (capable,) = more_clients(proxy)
    capable.initialize(capabilities={"sampling": {}, "roots": {"listChanged": True}})
    rid = capable.start_request("tools/call", {"name": "ask_sampling", "arguments": {"prompt": "hi"}})
    req = capable.wait_server_request()
    assert req["method"] == "sampling/createMessage"
    assert req["params"]["messages"][0]["content"]["text"] == "hi"
    capable.answer(req, SAMPLING_ANSWER)
    r = capable.wait_response(rid)
    assert r["result"]["content"][0]["text"] == "sampled!"
    # Its reply reached the upstream with the upstream's own id.
    upstream_req = [m["msg"] for m in echo.record() if m["dir"] == "out" and m["msg"].get("method") ==
                    "sampling/createMessage"][0]
    reply = [m["msg"] for m in echo.record() if m["dir"] == "in" and m["msg"].get("id") == upstream_req["id"]
             and "result" in m["msg"]][0]
    assert reply["result"]["content"]["text"] == "sampled!"
    # A client that declared nothing: the upstream never asks it (the tool reports isError).
    r = plain.request("tools/call", {"name": "ask_sampling", "arguments": {"prompt": "hi"}})
    assert r["result"]["isError"] is True
    assert plain.server_requests.empty()
    # The upstream saw the capability on the capable client's own connection only.
    inits = [m["msg"]["params"]["capabilities"] for m in echo.calls(method="initialize")]
    assert sorted(inits, key=len) == [{}, {"sampling": {}, "roots": {"listChanged": True}}]


def test_roots_and_elicitation_round_trip(start_proxy, mcp_fake):
    echo = mcp_fake("echo", faults=fake_faults("handshake"))
    proxy, client = start_proxy([upstream_for(echo, "echo")], [ProxyRoute(upstream_name="echo")],
                                initialize=False)
    client.initialize(capabilities={"elicitation": {}, "roots": {}})
    rid = client.start_request("tools/call", {"name": "ask_roots", "arguments": {}})
    req = client.wait_server_request()
    assert req["method"] == "roots/list"
    client.answer(req, {"roots": [{"uri": "file:///work", "name": "work"}]})
    assert "file:///work" in client.wait_response(rid)["result"]["content"][0]["text"]
    rid = client.start_request("tools/call", {"name": "ask_elicitation", "arguments": {"message": "name?"}})
    req = client.wait_server_request()
    assert req["method"] == "elicitation/create"
    client.answer(req, {"action": "accept", "content": {"name": "Ada"}})
    assert "result" in client.wait_response(rid)


def test_input_required_passes_through_and_the_retry_completes(start_proxy, mcp_fake):
    echo = mcp_fake("echo")
    proxy, client = start_proxy([upstream_for(echo, "echo")], [ProxyRoute(upstream_name="echo")],
                                initialize=False)
    caps = {"sampling": {}}
    r = client.request("tools/call", stateless({"name": "ask_sampling", "arguments": {"prompt": "hi"}},
                                               capabilities=caps))["result"]
    assert r["resultType"] == "input_required"
    (key, ask), = r["inputRequests"].items()
    assert ask["method"] == "sampling/createMessage"
    retry = client.request("tools/call", stateless({"name": "ask_sampling", "arguments": {"prompt": "hi"},
                                                    "inputResponses": {key: SAMPLING_ANSWER},
                                                    "requestState": r["requestState"]}, capabilities=caps))
    assert retry["result"]["resultType"] == "complete"
    assert retry["result"]["content"][0]["text"] == "sampled!"


def test_handshake_client_answers_a_stateless_upstreams_input_request(start_proxy, mcp_fake):
    # The stateless upstream answers input_required; the proxy asks the handshake client as a
    # server-to-client request and retries with the answer on the same upstream.
    echo = mcp_fake("echo")
    proxy, client = start_proxy([upstream_for(echo, "echo")], [ProxyRoute(upstream_name="echo")],
                                initialize=False)
    client.initialize(capabilities={"sampling": {}})
    rid = client.start_request("tools/call", {"name": "ask_sampling", "arguments": {"prompt": "hi"},
                                              "_meta": {"progressToken": "p"}})
    req = client.wait_server_request()
    assert req["method"] == "sampling/createMessage"
    client.answer(req, SAMPLING_ANSWER)
    r = client.wait_response(rid)
    assert r["result"] == {"content": [{"type": "text", "text": "sampled!"}]}
    first, retry = echo.calls(name="ask_sampling")
    assert first["msg"]["params"]["_meta"]["io.modelcontextprotocol/clientCapabilities"] == {"sampling": {}}
    assert retry["msg"]["params"]["inputResponses"] and retry["msg"]["params"]["requestState"]
    assert proxy.get_stats().extra["input_required_rounds"] == 1


def test_undeclared_capability_is_refused_in_the_stateless_era(start_proxy, mcp_fake):
    echo = mcp_fake("echo")
    proxy, client = start_proxy([upstream_for(echo, "echo")], [ProxyRoute(upstream_name="echo")],
                                initialize=False)
    r = client.request("tools/call", stateless({"name": "ask_sampling", "arguments": {}}))
    assert r["error"]["code"] == -32021  # from the upstream, passed through unchanged
