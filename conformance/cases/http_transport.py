"""HTTP transport: the proxy serving clients over Streamable HTTP (MCP 2025-11-25 Transports:
Streamable HTTP; Obligations: Streamable HTTP, Origin, Authorization (HTTP)). Being built now:
until `run(transport="http")` exists (the capability probe), every case is "unsupported".

These cases run through the third-party @modelcontextprotocol/conformance server suite
(conformance/third_party.py), which needs the proxy's HTTP front; here they are listed so the
table shows them."""

# The suite's contract is served by the fakes' `conformance` profile.
STDIO = {"upstreams": [{"name": "c", "profile": "conformance"}], "routes": [{"upstream_name": "c"}]}
HTTP = {"upstreams": [{"name": "c", "profile": "conformance", "transport": "http"}], "routes": [{"upstream_name": "c"}]}

CASES = [
    {
        "id": "http_transport.third_party_suite_stdio_upstream",
        "behaviour": "the @modelcontextprotocol/conformance server suite passes against the proxy's HTTP front over a stdio upstream",
        "ref": "MCP 2025-11-25 Transports: Streamable HTTP; @modelcontextprotocol/conformance server suite",
        "requires": ["http_front"],
        "topology": STDIO,
        "steps": [{"do": "third_party_suite", "upstream_transport": "stdio"}],
    },
    {
        "id": "http_transport.third_party_suite_http_upstream",
        "behaviour": "the same suite passes with the upstream itself reached over Streamable HTTP",
        "ref": "MCP 2025-11-25 Transports: Streamable HTTP; @modelcontextprotocol/conformance server suite",
        "requires": ["http_front", "http_upstreams"],
        "topology": HTTP,
        "steps": [{"do": "third_party_suite", "upstream_transport": "http"}],
    },
    {
        "id": "http_transport.inspector_cli_lists_and_calls_tools",
        "behaviour": "the MCP Inspector's CLI (a third-party client) lists the upstream's tools and calls one through the proxy's HTTP front",
        "ref": "MCP 2025-11-25 Transports: Streamable HTTP; Server Features: Tools (tools/list, tools/call)",
        "requires": ["http_front"],
        "topology": {"upstreams": [{"name": "echo", "profile": "echo"}], "routes": [{"upstream_name": "echo"}]},
        "steps": [{"do": "inspector_cli", "expect_tools": ["echo", "add"], "call": "echo",
                   "arguments": {"text": "hello from the inspector"}, "expect_text": "hello from the inspector"}],
    },
]
