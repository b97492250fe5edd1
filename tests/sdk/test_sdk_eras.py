"""The official SDK client, in both of its modes, through the proxy process to fakes of
both eras: the era it negotiates, progress, logging and sampling, as an agent uses them."""

import os
import sys

import anyio
import pytest
from mcp import types
from mcp.client.client import Client
from mcp.client.stdio import StdioServerParameters

HANDSHAKE_ONLY = "error method=server/discover code=-32601"


def proxy_params(tmp_path, fake):
    args = ", ".join(f'"{a}"' for a in fake.args)
    config = tmp_path / "proxy.toml"
    config.write_text(f"""
[[upstreams]]
name = "echo"
transport_type = "stdio"
command = "{fake.command}"
args = [{args}]

[[routes]]
upstream_name = "echo"
""")
    return StdioServerParameters(command=sys.executable,
                                 args=["-m", "fasterapi.mcp", "serve", "--config", str(config)],
                                 cwd=str(tmp_path), env=dict(os.environ))


async def sample(context, params):
    return types.CreateMessageResult(role="assistant", content=types.TextContent(type="text", text="sampled!"),
                                     model="m", stop_reason="endTurn")


@pytest.mark.parametrize("upstream_era", ["stateless", "handshake"])
@pytest.mark.parametrize("mode", ["auto", "legacy"])
def test_sdk_client_in_either_mode_through_the_proxy(tmp_path, mcp_fake, mode, upstream_era):
    fake = mcp_fake("echo", faults=[HANDSHAKE_ONLY] if upstream_era == "handshake" else [])
    params = proxy_params(tmp_path, fake)
    logs, progress = [], []

    async def on_log(p):
        logs.append(p.data)

    async def on_progress(value, total, message):
        progress.append(value)

    async def scenario():
        async with Client(params, mode=mode, read_timeout_seconds=30, sampling_callback=sample,
                          logging_callback=on_log, log_level="debug") as client:
            assert client.protocol_version == ("2026-07-28" if mode == "auto" else "2025-11-25")
            r = await client.call_tool("echo", {"text": "hello"})
            assert r.content[0].text == "hello" and not r.is_error
            r = await client.call_tool("slow_count", {"steps": 3, "delay_ms": 1}, progress_callback=on_progress)
            assert r.content[0].text == "3"
            if mode == "legacy":
                await client.set_logging_level("debug")
            await client.call_tool("log", {"level": "warning", "data": "careful"})
            # Sampling crosses the proxy in every mix but one: a stateless client in front of a
            # handshake upstream (docs/protocol.md).
            if not (mode == "auto" and upstream_era == "handshake"):
                r = await client.call_tool("ask_sampling", {"prompt": "hi"})
                assert r.content[0].text == "sampled!", r

    anyio.run(scenario)
    assert progress == [1, 2, 3]
    assert "careful" in logs
