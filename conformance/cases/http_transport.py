"""HTTP transport: the proxy serving clients over Streamable HTTP (MCP Transports: Streamable
HTTP; Obligations: Streamable HTTP, Origin, Authorization (HTTP)).

The third-party @modelcontextprotocol/conformance server suite (scenarios/third_party.py)
runs against the proxy's HTTP front, once per spec revision the suite covers and per upstream
transport, with the fakes' `conformance` profile behind the proxy. Each run is judged by the
suite itself against conformance/baseline/third-party/<revision>.yml."""

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


CASES = [_case(revision, transport) for revision in REVISIONS for transport in ("stdio", "http")]
