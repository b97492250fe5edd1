"""HTTP transport: the proxy serving clients over Streamable HTTP (MCP Transports: Streamable
HTTP; Obligations: Streamable HTTP, Origin, Authorization (HTTP)).

The third-party @modelcontextprotocol/conformance server suite (scenarios/third_party.py)
runs against the proxy's HTTP front, once per spec revision the suite covers and per upstream
transport, with the fakes' `conformance` profile behind the proxy. Each run is judged by the
suite itself against conformance/baseline/third-party/<revision>.yml. The MCP Inspector's CLI
(scenarios/inspector_cli.py), another third-party client, lists and calls tools through it."""

from scenarios.third_party import REVISIONS, SUITE_VERSION

# The suite's contract is served by the fakes' `conformance` profile.
TOPOLOGIES = {
    "stdio": {"upstreams": [{"name": "c", "profile": "conformance"}], "routes": [{"upstream_name": "c"}]},
    "http": {"upstreams": [{"name": "c", "profile": "conformance", "transport": "http"}],
             "routes": [{"upstream_name": "c"}]},
}
REQUIRES = {"stdio": ["http_front"], "http": ["http_front", "http_upstreams"]}


def _case(revision: str, transport: str) -> dict:
    return {
        "id": f"http_transport.suite_{revision.replace('-', '_')}_{transport}_upstream",
        "behaviour": (f"the @modelcontextprotocol/conformance {SUITE_VERSION} server scenarios of MCP {revision} "
                      f"pass against the proxy's HTTP front over a {transport} upstream, but for the "
                      f"baselined checks"),
        "ref": f"MCP {revision} Transports: Streamable HTTP; @modelcontextprotocol/conformance server suite",
        "requires": REQUIRES[transport],
        "topology": TOPOLOGIES[transport],
        "steps": [{"do": "third_party_suite", "upstream_transport": transport, "revision": revision}],
    }


CASES = [_case(revision, transport) for revision in REVISIONS for transport in ("stdio", "http")] + [
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
