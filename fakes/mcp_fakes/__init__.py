"""mcp_fakes: fake MCP servers that are correct by default and misbehave on purpose.

Start one with ``mcp-fake --profile math`` (or ``python -m mcp_fakes``); read what it saw
with ``read_record(path)`` and ``calls(record, name=...)``.
"""

from .control import ControlError, FakeControl
from .record import calls, messages, notifications, read_record, responses

__all__ = ["read_record", "calls", "messages", "notifications", "responses", "command", "FakeControl",
           "ControlError"]


def command(*args):
    """The argv that starts a fake with this Python: ``command("--profile", "math")``."""
    import sys

    return [sys.executable, "-m", "mcp_fakes", *args]
