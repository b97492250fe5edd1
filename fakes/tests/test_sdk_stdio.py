"""The official MCP Python SDK client talks to the fakes over stdio."""

import anyio
from mcp import Client
from mcp.client.stdio import StdioServerParameters

from mcp_fakes import command


def params(*args):
    argv = command(*args)
    return StdioServerParameters(command=argv[0], args=argv[1:])


def run(coro_fn):
    return anyio.run(coro_fn)


def test_sdk_lists_and_calls_math():
    async def main():
        async with Client(params("--profile", "math")) as client:
            tools = await client.list_tools()
            assert {t.name for t in tools.tools} >= {"math_add", "calculate"}
            result = await client.call_tool("calculate", {"expression": "7/2"})
            assert result.content[0].text == "3.5"
            assert result.structured_content == {"result": 3.5}
            prompt = await client.get_prompt("math_explain", {"expression": "2+3"})
            assert "5" in prompt.messages[0].content.text
    run(main)


def test_sdk_reads_data_resources():
    async def main():
        async with Client(params("--profile", "data")) as client:
            resources = await client.list_resources()
            assert [str(r.uri) for r in resources.resources] == ["data://users", "data://orders"]
            templates = await client.list_resource_templates()
            assert templates.resource_templates[0].uri_template == "data://users/{id}"
            user = await client.read_resource("data://users/1")
            assert '"Ada"' in user.contents[0].text
    run(main)
