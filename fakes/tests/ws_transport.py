"""A WebSocket transport for the official SDK client (mcp 2.x has none): one JSON-RPC message
per text frame, both ways. Tests only; it lets the SDK's Client talk to a WebSocket fake."""

from contextlib import asynccontextmanager

import anyio
import mcp_types as types
from mcp.shared.message import SessionMessage
from websockets.asyncio.client import connect


@asynccontextmanager
async def websocket_transport(url):
    read_writer, read_stream = anyio.create_memory_object_stream(0)
    write_stream, write_reader = anyio.create_memory_object_stream(0)
    async with connect(url, subprotocols=["mcp"], max_size=None) as ws:

        async def reader():
            async with read_writer:
                async for frame in ws:
                    try:
                        message = SessionMessage(types.jsonrpc_message_adapter.validate_json(frame, by_name=False))
                    except ValueError as error:
                        message = error
                    await read_writer.send(message)

        async def writer():
            async with write_reader:
                async for session_message in write_reader:
                    await ws.send(session_message.message.model_dump_json(by_alias=True, exclude_unset=True))

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(reader)
            tasks.start_soon(writer)
            try:
                yield read_stream, write_stream
            finally:
                tasks.cancel_scope.cancel()


class WebSocketTransport:
    """``Client(WebSocketTransport(url))``: the SDK's Transport protocol over a WebSocket."""

    def __init__(self, url):
        self.url = url
        self._context = None

    async def __aenter__(self):
        self._context = websocket_transport(self.url)
        return await self._context.__aenter__()

    async def __aexit__(self, *exc):
        return await self._context.__aexit__(*exc)
