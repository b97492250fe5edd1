"""FastMCP's proxy in front of stdio upstreams, serving one client on stdin/stdout.

Run by the conformance adapter with the interpreter of FastMCP's own venv (never imports
fasterapi):  python fastmcp_proxy.py config.json
config.json: {"mcpServers": {"name": {"command": ..., "args": [...]}, ...}} in route order.
Every upstream is mounted without a namespace, so names are the upstream's own; FastMCP
tries mounted servers in order until one has the tool (its form of routing)."""

import json
import sys

from fastmcp import FastMCP
from fastmcp.client.transports import StdioTransport
from fastmcp.server import create_proxy


def main() -> None:
    with open(sys.argv[1]) as f:
        config = json.load(f)
    server = FastMCP("fastmcp-conformance-proxy")
    for name, spec in config["mcpServers"].items():
        server.mount(create_proxy(StdioTransport(command=spec["command"], args=spec.get("args", [])),
                                  name=name))
    server.run(transport="stdio", show_banner=False)


if __name__ == "__main__":
    main()
