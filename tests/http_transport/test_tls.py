"""TLS: the listener serving HTTPS (the official SDK client and a bare client trusting a test
CA), https:// and wss:// upstreams verified against a CA file, and what is refused: an
untrusted or expired certificate, a certificate for another host, plain HTTP on the TLS port,
and configuration mistakes, each named by field."""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import subprocess
import sys

import anyio
import httpx2
import pytest
from mcp.client.client import Client
from mcp.client.streamable_http import streamable_http_client

from fasterapi.mcp import ConfigError, MCPProxy, ProxyRoute, UpstreamConfig

from support.proxy_helpers import upstream_for
from support.tls_certs import TestCA

CALL = {"jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name": "echo", "arguments": {"text": "over tls"},
                   "_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
                             "io.modelcontextprotocol/clientCapabilities": {}}}}
CALL_HEADERS = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream",
                "MCP-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/call", "Mcp-Name": "echo"}


@pytest.fixture
def ca(tmp_path):
    return TestCA(tmp_path)


@pytest.fixture
def https_proxy(mcp_fake, ca):
    """An HTTPS proxy in front of the echo fake: (proxy, port)."""
    issued = ca.issue("listener")
    fake = mcp_fake("echo")
    proxy = MCPProxy()
    proxy.add_upstream(upstream_for(fake, "echo"))
    proxy.add_route(ProxyRoute(upstream_name="echo"))
    port = proxy.serve_http(tls_cert_file=issued.cert_file, tls_key_file=issued.key_file)
    yield proxy, port
    proxy.stop()


def post_call(port: int, context: ssl.SSLContext, connection=None):
    c = connection or http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=15)
    c.request("POST", "/mcp", json.dumps(CALL), CALL_HEADERS)
    r = c.getresponse()
    return r.status, json.loads(r.read())


def test_the_official_sdk_client_talks_mcp_over_https(https_proxy, ca):
    proxy, port = https_proxy

    async def scenario():
        async with httpx2.AsyncClient(verify=ssl.create_default_context(cafile=ca.ca_file)) as http_client:
            transport = streamable_http_client(f"https://127.0.0.1:{port}/mcp", http_client=http_client)
            async with Client(transport, read_timeout_seconds=30) as client:
                assert "echo" in {t.name for t in (await client.list_tools()).tools}
                result = await client.call_tool("echo", {"text": "sdk over https"})
                return result.content[0].text

    assert anyio.run(scenario) == "sdk over https"


def test_https_keeps_the_connection_and_plain_http_on_the_tls_port_gets_nothing(https_proxy, ca):
    proxy, port = https_proxy
    context = ssl.create_default_context(cafile=ca.ca_file)
    connection = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=15)
    for _ in range(3):  # keep-alive over one TLS session
        status, body = post_call(port, context, connection)
        assert status == 200 and body["result"]["content"][0]["text"] == "over tls"
    plain = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError, http.client.BadStatusLine)):
        plain.request("GET", "/health")
        plain.getresponse()
    assert post_call(port, context)[0] == 200  # still serving


def test_a_client_that_does_not_trust_the_certificate_cannot_connect(https_proxy, tmp_path):
    proxy, port = https_proxy
    stranger = TestCA(tmp_path, name="another CA")
    with pytest.raises(ssl.SSLCertVerificationError):
        post_call(port, ssl.create_default_context(cafile=stranger.ca_file))


def test_a_stalled_handshake_does_not_hold_up_other_clients(https_proxy, ca):
    proxy, port = https_proxy
    stalled = socket.create_connection(("127.0.0.1", port))  # connects, never says hello
    try:
        status, body = post_call(port, ssl.create_default_context(cafile=ca.ca_file))
        assert status == 200
    finally:
        stalled.close()


def test_the_protected_resource_metadata_names_the_https_url(mcp_fake, ca):
    issued = ca.issue("listener")
    proxy = MCPProxy()
    proxy.add_upstream(upstream_for(mcp_fake("echo"), "echo"))
    proxy.add_route(ProxyRoute(upstream_name="echo"))
    proxy.set_bearer_auth("the-token")
    port = proxy.serve_http(tls_cert_file=issued.cert_file, tls_key_file=issued.key_file)
    try:
        c = http.client.HTTPSConnection("127.0.0.1", port, context=ssl.create_default_context(cafile=ca.ca_file),
                                        timeout=15)
        c.request("POST", "/mcp", json.dumps(CALL), CALL_HEADERS)
        r = c.getresponse()
        r.read()
        assert r.status == 401
        assert f"https://127.0.0.1:{port}/.well-known/oauth-protected-resource" in r.getheader("WWW-Authenticate")
        c.request("GET", "/.well-known/oauth-protected-resource")
        r = c.getresponse()
        assert json.loads(r.read())["resource"] == f"https://127.0.0.1:{port}/mcp"
    finally:
        proxy.stop()


@pytest.mark.parametrize("transport", ["http", "websocket"])
def test_an_https_or_wss_upstream_is_verified_against_the_ca_file(start_proxy, mcp_fake, ca, transport):
    issued = ca.issue("upstream")
    fake = mcp_fake("echo", transport=transport, extra_args=["--tls-cert", issued.cert_file,
                                                             "--tls-key", issued.key_file])
    assert fake.url.startswith("https://" if transport == "http" else "wss://")
    up = UpstreamConfig(name="echo", transport_type=transport, url=fake.url, tls_ca_file=ca.ca_file)
    proxy, client = start_proxy([up], [ProxyRoute(upstream_name="echo")])
    r = client.request("tools/call", {"name": "echo", "arguments": {"text": "to a tls upstream"}})
    assert r["result"]["content"] == [{"type": "text", "text": "to a tls upstream"}]
    assert len(fake.calls(name="echo")) == 1


@pytest.mark.parametrize("problem, detail", [
    ("untrusted", "unable to get local issuer certificate"),
    ("expired", "certificate has expired"),
    ("other host", "Hostname mismatch"),
    ("other address", "IP address mismatch"),
])
def test_an_upstream_certificate_that_fails_verification_is_never_sent_a_request(
        start_proxy, mcp_fake, ca, tmp_path, problem, detail):
    if problem == "untrusted":
        issued = TestCA(tmp_path, name="unknown CA").issue("upstream")
    elif problem == "expired":
        issued = ca.issue("upstream", expired=True)
    elif problem == "other host":
        issued = ca.issue("upstream", hosts=["other.example", "127.0.0.1"])
    else:
        issued = ca.issue("upstream", hosts=["localhost", "10.1.2.3"])
    fake = mcp_fake("echo", transport="http", extra_args=["--tls-cert", issued.cert_file, "--tls-key", issued.key_file])
    url = fake.url.replace("127.0.0.1", "localhost") if problem == "other host" else fake.url
    up = UpstreamConfig(name="echo", transport_type="http", url=url, tls_ca_file=ca.ca_file, max_retries=0)
    proxy, client = start_proxy([up], [ProxyRoute(upstream_name="echo")])
    r = client.request("tools/call", {"name": "echo", "arguments": {"text": "x"}})
    assert r["error"]["code"] == -32001 and r["error"]["data"]["upstream"] == "echo"
    assert detail.lower() in r["error"]["message"].lower()
    assert fake.calls() == []  # nothing reached it


def test_tls_configuration_mistakes_name_their_field(ca, tmp_path, mcp_fake):
    issued = ca.issue("listener")
    other = ca.issue("other")
    proxy = MCPProxy()
    proxy.add_upstream(upstream_for(mcp_fake("echo"), "echo"))
    proxy.add_route(ProxyRoute(upstream_name="echo"))
    try:
        with pytest.raises(ConfigError) as e:
            proxy.serve_http(tls_cert_file=issued.cert_file)
        assert e.value.errors[0][0] == "serve_http.tls_key_file"
        not_pem = tmp_path / "not.pem"
        not_pem.write_text("hello")
        with pytest.raises(ConfigError) as e:
            proxy.serve_http(tls_cert_file=str(not_pem), tls_key_file=issued.key_file)
        assert e.value.errors[0][0] == "serve_http.tls_cert_file"
        with pytest.raises(ConfigError) as e:
            proxy.serve_http(tls_cert_file=issued.cert_file, tls_key_file=other.key_file)
        assert e.value.errors[0][0] == "serve_http.tls_key_file" and "does not match" in e.value.errors[0][1]
    finally:
        proxy.stop()

    bad = MCPProxy()
    with pytest.raises(ConfigError) as e:
        bad.add_upstream(UpstreamConfig(name="u", transport_type="http", url="https://127.0.0.1:1/mcp",
                                        tls_ca_file=str(tmp_path / "missing.pem")))
    assert e.value.errors[0][0] == "upstreams[0].tls_ca_file"
    with pytest.raises(ConfigError) as e:
        bad.add_upstream(UpstreamConfig(name="u", transport_type="http", url="http://127.0.0.1:1/mcp",
                                        tls_ca_file=ca.ca_file))
    assert "https://" in e.value.errors[0][1]
    with pytest.raises(ConfigError) as e:
        bad.add_upstream(UpstreamConfig(name="u", transport_type="websocket", url="https://127.0.0.1:1/mcp"))
    assert e.value.errors[0][0] == "upstreams[0].url"


def test_the_cli_serves_https_from_the_serve_table(tmp_path, ca, mcp_fake):
    issued = ca.issue("listener")
    fake = mcp_fake("echo")
    argv = " ".join(f'"{a}"' for a in fake.argv[1:])
    config = tmp_path / "proxy.toml"
    config.write_text(f"""
[serve]
transport = "http"
port = 0
tls_cert_file = "{issued.cert_file}"
tls_key_file = "{issued.key_file}"

[[upstreams]]
name = "echo"
transport_type = "stdio"
command = "{sys.executable}"
args = [{", ".join(json.dumps(a) for a in fake.argv[1:])}]

[[routes]]
upstream_name = "echo"
""")
    proc = subprocess.Popen([sys.executable, "-m", "fasterapi.mcp", "serve", "--config", str(config)],
                            stderr=subprocess.PIPE, text=True, cwd=str(tmp_path))
    try:
        port = None
        for line in proc.stderr:
            if "serving MCP on https://" in line:
                port = int(line.rsplit(":", 1)[1].split("/")[0])
                break
        assert port, "the CLI never said where it serves"
        status, body = post_call(port, ssl.create_default_context(cafile=ca.ca_file))
        assert status == 200 and body["result"]["content"][0]["text"] == "over tls"
    finally:
        proc.terminate()
        assert proc.wait(timeout=30) == 0
