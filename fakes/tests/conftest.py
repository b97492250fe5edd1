import pytest

from mcp_fakes import command
from mcp_fakes.rawclient import RawStdioClient


@pytest.fixture
def raw(tmp_path):
    """raw(*args) -> a RawStdioClient on a stdio fake recording to tmp_path/record.jsonl."""
    clients = []

    def start(*args, record=True, raw_bytes=False):
        argv = command(*args)
        if record:
            argv += ["--record", str(tmp_path / "record.jsonl")]
        client = RawStdioClient(argv, raw_bytes=raw_bytes)
        clients.append(client)
        return client

    start.record_path = tmp_path / "record.jsonl"
    yield start
    for client in clients:
        if client.proc.poll() is None:
            client.proc.kill()
        client.proc.wait()
