"""Private compiled core (cpp/bindings). Only fasterapi.mcp imports this.

The Python layer validates the user's configuration, then hands the core one
JSON document (see docs/core_config.md). Every blocking call releases the GIL.
"""

from typing import Dict

__version__: str

class ConfigError(ValueError):
    """The core refused a configuration; the message names the field."""

class Proxy:
    def __init__(self, config_json: str) -> None:
        """Builds the proxy from the core config document. Raises ConfigError."""
    def start(self) -> None:
        """Starts the event loop on a background thread (idempotent)."""
    def attach_client(self, read_fd: int, write_fd: int) -> int:
        """Serves one MCP client reading `read_fd` and writing `write_fd`.

        The core dups both fds, so the caller may close its copies. Starts the
        loop if needed. Returns the session id.
        """
    def serve_stdio(self) -> None:
        """attach_client(0, 1); when stdin reaches EOF the proxy stops."""
    def wait(self, timeout_s: float) -> bool:
        """Blocks up to timeout_s; True once the proxy has fully stopped."""
    def stop(self) -> None:
        """Graceful shutdown: ends client sessions, stops upstreams (close
        stdin, SIGTERM, SIGKILL to the process group), joins the loop."""
    def stats(self) -> Dict[str, object]:
        """Keys: the ProxyStats fields (upstream_requests and tool_requests
        are dicts), plus core-only counters (see docs/core_config.md)."""
    def upstream_health(self) -> Dict[str, bool]: ...

def match_pattern(pattern: str, name: str) -> bool:
    """The route pattern matcher, exposed for tests."""

class NdjsonFramer:
    """Sans-IO newline-delimited framer, exposed for tests."""
    def __init__(self, max_message_bytes: int) -> None: ...
    def feed(self, data: bytes) -> None: ...
    def next(self) -> object:
        """bytes for a complete line; None when more input is needed;
        an int (the size seen) for a line that exceeded the limit."""
