"""The official MCP Python SDK on both sides: an SDK client talks to SDK servers through the
proxy, which runs as its own process from a TOML config (fasterapi-mcp serve)."""

import os
import sys
from pathlib import Path

import anyio
import pytest

mcp_client = pytest.importorskip("mcp.client.client", reason="the test extra installs mcp")
from mcp.client.client import Client  # noqa: E402
from mcp.client.stdio import StdioServerParameters  # noqa: E402

HERE = Path(__file__).parent


def write_config(tmp_path):
    py = sys.executable
    config = tmp_path / "proxy.toml"
    config.write_text(f"""
[proxy]
name = "sdk-test-proxy"

[[upstreams]]
name = "weather"
transport_type = "stdio"
command = "{py}"
args = ["{HERE / 'sdk_weather_server.py'}"]
connect_timeout_ms = 60000  # the SDK's imports alone can take seconds on a loaded machine

[[upstreams]]
name = "notes"
transport_type = "stdio"
command = "{py}"
args = ["{HERE / 'sdk_notes_server.py'}"]
connect_timeout_ms = 60000

[[routes]]
upstream_name = "weather"
tool_pattern = "weather_*"
resource_pattern = "weather://*"
prompt_pattern = "weather_*"

[[routes]]
upstream_name = "notes"
tool_pattern = "notes_*"
resource_pattern = "notes://*"
""")
    return config


@pytest.mark.parametrize("mode", ["auto", "legacy"])
def test_sdk_client_lists_calls_reads_and_gets_prompts_through_the_proxy(tmp_path, mode):
    config = write_config(tmp_path)
    params = StdioServerParameters(command=sys.executable,
                                   args=["-m", "fasterapi.mcp", "serve", "--config", str(config)],
                                   cwd=str(tmp_path),  # outside the source tree: the installed package
                                   env=dict(os.environ))

    async def scenario():
        async with Client(params, mode=mode, read_timeout_seconds=30) as client:
            tools = await client.list_tools()
            names = sorted(t.name for t in tools.tools)
            assert names == ["notes_add", "weather_fail", "weather_forecast"]

            result = await client.call_tool("weather_forecast", {"city": "Oslo", "days": 3})
            assert result.content[0].text == "Oslo: sunny for 3 day(s)"
            assert not result.is_error

            failed = await client.call_tool("weather_fail", {"city": "Atlantis"})
            assert failed.is_error  # a tool failure stays a result with isError

            key = await client.call_tool("notes_add", {"text": "call mum"})
            assert key.content[0].text == "2"

            resources = await client.list_resources()
            assert sorted(str(r.uri) for r in resources.resources) == ["notes://all", "weather://stations"]
            notes = await client.read_resource("notes://all")
            assert "2: call mum" in notes.contents[0].text

            prompt = await client.get_prompt("weather_report", {"city": "Lima"})
            assert "Lima" in prompt.messages[0].content.text

            prompts = await client.list_prompts()
            assert [p.name for p in prompts.prompts] == ["weather_report"]

    anyio.run(scenario)
