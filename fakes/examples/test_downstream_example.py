"""How a downstream project tests its own MCP client against mcp-fakes.

Run with:  pip install './fakes[test]'  &&  pytest fakes/examples
The ``mcp_fake`` fixture comes from the mcp-fakes pytest plugin; nothing to import for it.
"""

import anyio
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.shared.exceptions import MCPError


async def add_with_one_retry(client, a, b):
    """The code under test: a client helper that retries a read-only tool once on an error."""
    try:
        return await client.call_tool("math_add", {"a": a, "b": b})
    except MCPError:
        return await client.call_tool("math_add", {"a": a, "b": b})


def test_retry_survives_one_upstream_error(mcp_fake):
    # The first math_add fails with -32603; the seed makes any probabilistic fault repeatable.
    fake = mcp_fake("math", faults=["error code=-32603 nth=1 tool=math_add"], seed=7)
    server = StdioServerParameters(command=fake.command, args=fake.args)

    async def main():
        async with Client(server, raise_exceptions=True) as client:
            result = await add_with_one_retry(client, 2, 3)
            assert result.structured_content == {"result": 5}

    anyio.run(main)
    # The record shows what reached the server: exactly two calls, no more.
    assert len(fake.calls(name="math_add")) == 2


def test_break_and_heal_an_http_server_mid_run(mcp_fake):
    fake = mcp_fake("admin", transport="http")  # listening on 127.0.0.1, a free port

    async def main():
        async with Client(fake.url) as client:
            assert not (await client.call_tool("admin_status", {})).is_error
            fake.control.add_fault("is_error tool=admin_status")  # break it while the client is connected
            assert (await client.call_tool("admin_status", {})).is_error
            fake.control.reset()  # heal it
            assert not (await client.call_tool("admin_status", {})).is_error

    anyio.run(main)
    assert len(fake.calls(name="admin_status")) == 3
