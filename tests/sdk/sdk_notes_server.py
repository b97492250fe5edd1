"""A second SDK upstream, so the proxy has two SDK servers to route between."""

from mcp.server.mcpserver import MCPServer

server = MCPServer("sdk-notes", version="1.0.0")
NOTES = {"1": "buy milk"}


@server.tool()
def notes_add(text: str) -> str:
    key = str(len(NOTES) + 1)
    NOTES[key] = text
    return key


@server.resource("notes://all")
def all_notes() -> str:
    return "\n".join(f"{k}: {v}" for k, v in sorted(NOTES.items()))


if __name__ == "__main__":
    server.run("stdio")
