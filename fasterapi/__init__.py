"""FasterAPI: an MCP proxy with a C++ data plane. The public API is fasterapi.mcp."""
