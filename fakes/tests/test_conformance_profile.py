"""Profile ``conformance`` serves what the conformance server scenarios call, to the SDK client."""

import base64
import json

import anyio
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp_types import CreateMessageResult, ElicitResult, TextContent

from mcp_fakes import command


def params():
    argv = command("--profile", "conformance")
    return StdioServerParameters(command=argv[0], args=argv[1:])


async def sampling(context, request):
    return CreateMessageResult(role="assistant", content=TextContent(type="text", text="hello"), model="m")


async def elicitation(context, request):
    return ElicitResult(action="accept", content={"username": "u", "email": "e@x"})


@pytest.mark.parametrize("mode", ["legacy", "auto"])
def test_conformance_fixtures(mode):
    progress, logs = [], []

    async def on_progress(value, total, message):
        progress.append(value)

    async def on_log(params):
        logs.append(params.data)

    async def main():
        async with Client(params(), mode=mode, sampling_callback=sampling, elicitation_callback=elicitation,
                          logging_callback=on_log) as client:
            names = {t.name for t in (await client.list_tools()).tools}
            assert {"test_simple_text", "test_image_content", "test_audio_content", "test_embedded_resource",
                    "test_multiple_content_types", "test_tool_with_logging", "test_tool_with_progress",
                    "test_error_handling", "test_sampling", "test_elicitation"} <= names
            image = (await client.call_tool("test_image_content", {})).content[0]
            assert base64.b64decode(image.data).startswith(b"\x89PNG")
            audio = (await client.call_tool("test_audio_content", {})).content[0]
            assert base64.b64decode(audio.data).startswith(b"RIFF") and audio.mime_type == "audio/wav"
            mixed = (await client.call_tool("test_multiple_content_types", {})).content
            assert [c.type for c in mixed] == ["text", "image", "resource"]
            assert (await client.call_tool("test_error_handling", {})).is_error
            await client.call_tool("test_tool_with_progress", {}, progress_callback=on_progress)
            assert progress == [0, 50, 100]
            assert (await client.call_tool("test_sampling", {"prompt": "p"})).content[0].text == "LLM response: hello"
            assert "accept" in (await client.call_tool("test_elicitation", {"message": "m"})).content[0].text
            data = await client.read_resource("test://template/123/data")
            assert json.loads(data.contents[0].text) == {"id": "123", "templateTest": True, "data": "Data for ID: 123"}
            binary = await client.read_resource("test://static-binary")
            assert binary.contents[0].mime_type == "image/png"
            prompt = await client.get_prompt("test_prompt_with_arguments", {"arg1": "a", "arg2": "b"})
            assert "arg1='a'" in prompt.messages[0].content.text
            assert (await client.get_prompt("test_prompt_with_image")).messages[0].content.type == "image"

    anyio.run(main)
