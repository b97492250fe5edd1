"""Plain messages keep their bytes through the proxy, only the id replaced
(docs/performance.md): a tools/call without _meta reaches the upstream as the client wrote
it, and a plain answer reaches the client as the upstream wrote it. Anything the proxy must
look into or change (a _meta, a renamed tool, a marker) still goes through a document."""

import json
import sys

from fasterapi.mcp import ProxyRoute, UpstreamConfig

# A minimal handshake-era upstream: it answers tools/call with a line built by hand, so its
# spacing, key order, escapes and number spelling are exactly what the test says.
UPSTREAM = r'''
import json, sys
ANSWERS = {
    "spaced": '{ "result" : {"z":1, "a":[1.50000000000000000001e300, 0.1, -0],"s":"\\u00e9\\n"} ,"id": %d , "jsonrpc":"2.0"}',
    "error": '{"jsonrpc":"2.0","id":%d,"error":{"code":-32602,"message":"bad \\"x\\"","data":{"code":"nested"}}}',
    "marked": '{"jsonrpc":"2.0","id":%d,"result":{"resultType":"complete","content":[]}}',
}
for line in sys.stdin:
    msg = json.loads(line)
    method, mid = msg.get("method"), msg.get("id")
    if mid is None:
        continue
    if method == "initialize":
        out = json.dumps({"jsonrpc": "2.0", "id": mid, "result": {
            "protocolVersion": "2025-11-25", "capabilities": {"tools": {}},
            "serverInfo": {"name": "bytes", "version": "1"}}})
    elif method == "tools/call" and msg["params"]["name"].endswith("echo_line"):
        # The request line as this upstream received it, and its id, in the answer.
        out = json.dumps({"jsonrpc": "2.0", "id": mid, "result": {"line": line.rstrip("\n"), "id": mid}})
    elif method == "tools/call":
        out = ANSWERS[msg["params"]["name"]] % mid
    else:
        out = json.dumps({"jsonrpc": "2.0", "id": mid, "error": {"code": -32601, "message": "no"}})
    sys.stdout.write(out + "\n")
    sys.stdout.flush()
'''


def bytes_upstream(tmp_path):
    script = tmp_path / "bytes_upstream.py"
    script.write_text(UPSTREAM)
    return UpstreamConfig(name="bytes", transport_type="stdio", command=sys.executable,
                          args=[str(script)], enable_health_check=False)


def raw_answer(client, rid):
    """The lines that answered `rid` (after wait_response returned it)."""
    return [line for line in client.raw_lines if json.loads(line).get("id") == rid]


def test_the_answer_keeps_the_upstreams_bytes_with_the_clients_id(start_proxy, tmp_path):
    proxy, client = start_proxy([bytes_upstream(tmp_path)], [ProxyRoute(upstream_name="bytes", tool_pattern="*")])
    client.request("tools/call", {"name": "spaced", "arguments": {}}, id="c-\u00e9")
    (line,) = raw_answer(client, "c-\u00e9")
    # Spacing, key order, the number's spelling (a document would round it) and the escapes
    # are the upstream's; only the id is the client's.
    assert line == ('{ "result" : {"z":1, "a":[1.50000000000000000001e300, 0.1, -0],"s":"\\u00e9\\n"} ,'
                    '"id": "c-\u00e9" , "jsonrpc":"2.0"}').encode()


def test_an_error_answer_keeps_its_bytes_and_counts_as_a_failure(start_proxy, tmp_path):
    proxy, client = start_proxy([bytes_upstream(tmp_path)], [ProxyRoute(upstream_name="bytes", tool_pattern="*")])
    r = client.request("tools/call", {"name": "error", "arguments": {}}, id=41)
    assert r["error"] == {"code": -32602, "message": 'bad "x"', "data": {"code": "nested"}}
    (line,) = raw_answer(client, 41)
    assert line == b'{"jsonrpc":"2.0","id":41,"error":{"code":-32602,"message":"bad \\"x\\"","data":{"code":"nested"}}}'
    stats = proxy.get_stats()
    assert stats.failed_requests == 1 and stats.successful_requests == 0


def test_a_handshake_client_does_not_get_the_stateless_marker(start_proxy, tmp_path):
    # The marker is the other era's: the answer goes through a document to lose it.
    proxy, client = start_proxy([bytes_upstream(tmp_path)], [ProxyRoute(upstream_name="bytes", tool_pattern="*")])
    r = client.request("tools/call", {"name": "marked", "arguments": {}}, id=5)
    assert r == {"jsonrpc": "2.0", "id": 5, "result": {"content": []}}


def test_a_plain_call_reaches_the_upstream_as_the_client_wrote_it(start_proxy, tmp_path):
    proxy, client = start_proxy([bytes_upstream(tmp_path)], [ProxyRoute(upstream_name="bytes", tool_pattern="*")])
    # The first call starts the upstream and waits for its handshake (it goes as a document).
    client.request("tools/call", {"name": "echo_line", "arguments": {}})
    sent = '{ "params" : {"arguments":{"x":1.50000000000000000001e300,"s":"\\u00e9"},"name":"echo_line"}, "id":"k-1","method":"tools/call","jsonrpc":"2.0"}'
    client.send_raw(sent.encode() + b"\n")
    r = client.wait_response("k-1")
    ours = r["result"]["id"]
    assert isinstance(ours, int) and ours > 0
    assert r["result"]["line"] == sent.replace('"k-1"', str(ours))


def test_a_call_with_meta_or_a_prefix_goes_through_a_document(start_proxy, tmp_path):
    up = bytes_upstream(tmp_path)
    up.name_prefix = "b"
    proxy, client = start_proxy([up], [ProxyRoute(upstream_name="bytes", tool_pattern="b_*")])
    client.request("tools/call", {"name": "b_echo_line", "arguments": {}}, id=2)  # starts the upstream
    # The prefix is stripped: the upstream sees its own name, in a re-serialised line.
    r = client.request("tools/call", {"name": "b_echo_line", "arguments": {}}, id=3)
    assert json.loads(r["result"]["line"])["params"]["name"] == "echo_line"
    # A _meta (here a progress token, which the proxy renumbers) is looked into.
    r = client.request("tools/call", {"name": "b_echo_line", "arguments": {}, "_meta": {"progressToken": "p"}}, id=4)
    forwarded = json.loads(r["result"]["line"])
    assert forwarded["params"]["_meta"]["progressToken"] != "p"
