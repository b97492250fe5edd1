"""Protocol features through the official SDK client, over stdio, in both eras."""

import anyio
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp_types import CreateMessageResult, ElicitResult, ListRootsResult, Root, TextContent

from mcp_fakes import command

MODES = ["legacy", "auto"]  # auto: server/discover, then the stateless era


def params(*args):
    argv = command(*args)
    return StdioServerParameters(command=argv[0], args=argv[1:])


async def sampling(context, request):
    return CreateMessageResult(role="assistant", content=TextContent(type="text", text="sampled!"), model="fake")


async def elicitation(context, request):
    return ElicitResult(action="accept", content={"name": "Ada"})


async def roots(context):
    return ListRootsResult(roots=[Root(uri="file:///work", name="work")])


@pytest.mark.parametrize("mode", MODES)
def test_progress_and_logging(mode):
    progress, logs = [], []

    async def on_progress(value, total, message):
        progress.append((value, total))

    async def main():
        logged = anyio.Event()

        async def on_log(params):
            logs.append(params.data)
            logged.set()

        async with Client(params("--profile", "echo"), mode=mode, logging_callback=on_log) as client:
            result = await client.call_tool("slow_count", {"steps": 3, "delay_ms": 1}, progress_callback=on_progress)
            assert result.content[0].text == "3"
            assert progress == [(1, 3), (2, 3), (3, 3)]
            await client.call_tool("log", {"level": "warning", "data": "careful"})
            with anyio.fail_after(5):
                await logged.wait()  # the notification may land just after the result
            assert logs == ["careful"]

    anyio.run(main)


@pytest.mark.parametrize("mode", MODES)
def test_server_to_client_requests_when_declared(mode):
    async def main():
        async with Client(params("--profile", "echo"), mode=mode, sampling_callback=sampling,
                          elicitation_callback=elicitation, list_roots_callback=roots) as client:
            assert (await client.call_tool("ask_sampling", {"prompt": "hi"})).content[0].text == "sampled!"
            assert (await client.call_tool("ask_elicitation", {})).content[0].text == "accept:Ada"
            assert (await client.call_tool("ask_roots", {})).content[0].text == "file:///work"

    anyio.run(main)


def test_server_to_client_request_refused_without_capability():
    async def main():
        async with Client(params("--profile", "echo"), mode="legacy") as client:
            result = await client.call_tool("ask_sampling", {"prompt": "hi"})
            assert result.is_error and "did not declare" in result.content[0].text

    anyio.run(main)


@pytest.mark.parametrize("mode", MODES)
def test_completion_schema_passthrough_and_pagination(mode):
    async def main():
        async with Client(params("--profile", "data", "--page-size", "1"), mode=mode) as client:
            completion = await client.complete({"type": "ref/prompt", "name": "data_summary"},
                                               {"name": "table", "value": "o"})
            assert completion.completion.values == ["orders"]
            first = await client.list_resources()
            assert len(first.resources) == 1 and first.next_cursor
            second = await client.list_resources(cursor=first.next_cursor)
            assert [str(r.uri) for r in second.resources] == ["data://orders"]

    anyio.run(main)
