"""FastMCP's proxy in front of one stdio upstream, serving MCP on stdin/stdout: the
comparison target of the end-to-end benchmarks (bench/e2e.py). Runs in its own venv with
PyPI `fastmcp` (4.1.2); uses FastMCP's recommended entry point, `create_proxy` (the
successor of `FastMCP.as_proxy`), with its defaults.

    python fastmcp_proxy.py UPSTREAM_COMMAND [ARGS...]
"""

import sys

from fastmcp.client.transports import StdioTransport
from fastmcp.server import create_proxy


def main() -> None:
    command, *args = sys.argv[1:]
    proxy = create_proxy(StdioTransport(command=command, args=args), name="fastmcp-bench-proxy")
    proxy.run(transport="stdio", show_banner=False)


if __name__ == "__main__":
    main()
