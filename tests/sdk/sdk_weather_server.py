"""An upstream written with the official MCP Python SDK (mcp on PyPI), run over stdio."""

from mcp.server.mcpserver import MCPServer

server = MCPServer("sdk-weather", version="1.0.0")


@server.tool()
def weather_forecast(city: str, days: int = 1) -> str:
    """A deterministic forecast, so tests can check the exact answer."""
    return f"{city}: sunny for {days} day(s)"


@server.tool()
def weather_fail(city: str) -> str:
    """A tool that fails while running: an isError result, not a JSON-RPC error."""
    raise ValueError(f"no station in {city}")


@server.resource("weather://stations")
def stations() -> str:
    return "oslo,lima"


@server.prompt()
def weather_report(city: str) -> str:
    return f"Write a weather report for {city}."


if __name__ == "__main__":
    server.run("stdio")
