"""Adapters: how the scenario runner puts a proxy under test in front of fake upstreams.

An adapter turns a scenario's *topology* (proxy options, upstreams, routes, security) into a
running proxy and hands back a `Launched` object the runner drives. The runner speaks MCP
on the wire to every proxy the same way (stdio framing over a pair of pipes), so a case
written once runs against any proxy an adapter exists for.

    class MyAdapter(Adapter):
        name = "my-proxy"
        def capabilities(self): return {"route_patterns", ...}
        def launch(self, topology, fakes, workdir): ... return MyLaunched(...)

A case needs *capabilities* (see `CAPABILITIES`); a case needing one the adapter lacks is
reported as "unsupported", never as a failure. docs/conformance.md explains it all.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Set

from .client import LineClient

# Every capability a case may need, and what it means. An adapter lists the ones it has.
CAPABILITIES: Dict[str, str] = {
    "route_patterns": "routes by wildcard tool/resource/prompt patterns, first match wins",
    "name_prefix": "shows an upstream's tools as <prefix>_<name>",
    "manual_clock": "the proxy's clock can be driven by the test (advance_clock)",
    "stats": "counters readable by the test (get_stats)",
    "health": "per-upstream health readable by the test",
    "jwt": "JWT authentication (token in params._meta on stdio)",
    "bearer": "shared bearer token authentication",
    "scopes": "per-route required scopes",
    "rate_limit:token_bucket": "rate limits with the token bucket algorithm",
    "rate_limit:sliding_window": "rate limits with the sliding window algorithm",
    "rate_limit:fixed_window": "rate limits with the fixed window algorithm",
    "tool_rate_limit": "a rate limit per tool",
    "client_rate_limit": "a rate limit per principal",
    "route_rate_limit": "a route's rate limit override",
    "circuit_breaker": "a per-upstream circuit breaker",
    "failover": "a call moves to the next matching route when an upstream is down",
    "retries": "safe retries of calls whose answer was lost",
    "timeouts": "per-upstream request timeouts",
    "transformers": "request/response transformers",
    "cache": "response caching",
    "http_front": "serves clients over Streamable HTTP",
    "http_upstreams": "reaches upstreams over Streamable HTTP",
    "cancellation": "forwards notifications/cancelled to the upstream",
    "stateless_era": "serves MCP 2026-07-28 stateless requests",
    "multi_client": "serves several client sessions at once (over one upstream pool)",
    "structured_errors": "the proxy's own errors carry FasterAPI's documented data (reason, upstream, exit_code, ...)",
}


class Unsupported(Exception):
    """Raised by an adapter at launch time when it cannot express this topology."""


class Launched:
    """A running proxy. Only `connect` and `stop` are required; the rest exist when the
    adapter lists the matching capability."""

    def connect(self) -> LineClient:
        raise NotImplementedError

    def advance_clock(self, ms: int) -> None:          # "manual_clock"
        raise NotImplementedError

    def set_wall_clock(self) -> None:                  # "manual_clock" (freezegun moved)
        raise NotImplementedError

    def stats(self) -> Dict[str, Any]:                 # "stats"
        raise NotImplementedError

    def health(self) -> Dict[str, bool]:               # "health"
        raise NotImplementedError

    def http_url(self) -> str:                         # "http_front": the MCP endpoint URL
        raise Unsupported("no HTTP front")

    def stop(self) -> None:
        raise NotImplementedError


class Adapter:
    name = "adapter"

    def capabilities(self) -> Set[str]:
        return set()

    def missing(self, needs: Set[str]) -> List[str]:
        """The needed capabilities this adapter lacks (empty: the case can run)."""
        return sorted(needs - self.capabilities())

    def launch(self, topology: Mapping[str, Any], fakes: Mapping[str, Any], workdir: Path) -> Launched:
        raise NotImplementedError


# -- helpers ---------------------------------------------------------------------------

def _pipe_client(read_fd: int, write_fd: int) -> LineClient:
    return LineClient(read_fd, write_fd)


def _fasterapi_feature(feature: str) -> bool:
    """Capability probe: the proxy's own table of what is not built yet."""
    try:
        from fasterapi.mcp.availability import is_available
    except ImportError:
        return False
    return is_available(feature)


def _fasterapi_capabilities() -> Set[str]:
    caps = {"route_patterns", "name_prefix", "jwt", "bearer", "scopes", "rate_limit:token_bucket",
            "rate_limit:sliding_window", "rate_limit:fixed_window", "tool_rate_limit",
            "client_rate_limit", "route_rate_limit", "circuit_breaker", "failover", "retries",
            "timeouts", "cancellation", "stateless_era", "structured_errors"}
    if _fasterapi_feature("request_transformer") and _fasterapi_feature("response_transformer"):
        caps.add("transformers")
    if _fasterapi_feature("caching"):
        caps.add("cache")
    if _fasterapi_feature("serve_transport:http"):
        caps.add("http_front")
    if _fasterapi_feature("upstream_transport:http"):
        caps.add("http_upstreams")
    return caps


def upstream_fields(spec: Mapping[str, Any], fake: Any) -> Dict[str, Any]:
    if spec.get("transport", "stdio") != "stdio":   # a network fake, already listening
        fields = {"name": spec["name"], "transport_type": spec["transport"], "url": fake.url}
    else:
        fields = {"name": spec["name"], "transport_type": "stdio", "command": fake.command,
                  "args": list(fake.args)}
    fields.update(spec.get("config", {}))
    return fields


# -- fasterapi, in-process -------------------------------------------------------------

class _InProcess(Launched):
    def __init__(self, proxy: Any) -> None:
        self.proxy = proxy
        self.clients: List[LineClient] = []

    def connect(self) -> LineClient:
        c2p_r, c2p_w = os.pipe()
        p2c_r, p2c_w = os.pipe()
        self.proxy.serve_fds(c2p_r, p2c_w)
        os.close(c2p_r)
        os.close(p2c_w)
        client = _pipe_client(p2c_r, c2p_w)
        self.clients.append(client)
        return client

    def advance_clock(self, ms: int) -> None:
        self.proxy.advance_clock(ms)

    def set_wall_clock(self) -> None:
        self.proxy.set_wall_clock()

    def stats(self) -> Dict[str, Any]:
        s = self.proxy.get_stats()
        return {k: getattr(s, k) for k in ("total_requests", "successful_requests", "failed_requests",
                                           "retried_requests", "cached_responses", "upstream_requests",
                                           "tool_requests", "extra")}

    def health(self) -> Dict[str, bool]:
        return dict(self.proxy.get_upstream_health())

    def http_url(self) -> str:
        # serve_http() starts Streamable HTTP on a free loopback port and returns the port.
        port = self.proxy.serve_http(host="127.0.0.1", port=0)
        return f"http://127.0.0.1:{port}/mcp"

    def stop(self) -> None:
        for c in self.clients:
            c.close()
        self.proxy.stop()


def build_fasterapi_proxy(topology: Mapping[str, Any], fakes: Mapping[str, Any]) -> Any:
    """An `MCPProxy` configured from a topology (not started)."""
    from fasterapi.mcp import MCPProxy, ProxyRoute, UpstreamConfig

    proxy = MCPProxy(**dict({"enable_request_logging": False}, **topology.get("proxy", {})))
    for spec in topology["upstreams"]:
        proxy.add_upstream(UpstreamConfig(**upstream_fields(spec, fakes[spec["name"]])))
    for route in topology["routes"]:
        proxy.add_route(ProxyRoute(**route))
    if "jwt" in topology:
        proxy.set_jwt_auth(**topology["jwt"])
    if "bearer" in topology:
        proxy.set_bearer_auth(topology["bearer"])
    if "rate_limit" in topology:
        proxy.set_rate_limit(**topology["rate_limit"])
    if "client_rate_limit" in topology:
        proxy.set_client_rate_limit(**topology["client_rate_limit"])
    for limit in topology.get("tool_rate_limits", []):
        proxy.set_tool_rate_limit(**limit)
    for kind in ("request", "response"):
        for name, factory, args in topology.get("transformers", {}).get(kind, []):
            import fasterapi.mcp as api
            getattr(proxy, f"add_{kind}_transformer")(name, getattr(api, factory)(*args))
    return proxy


class FasterAPIInProcess(Adapter):
    """The fasterapi proxy in this Python process (the core on its own thread); clients on
    pipes via `serve_fds`. The only adapter with a manual clock, stats and health."""

    name = "fasterapi-inprocess"

    def capabilities(self) -> Set[str]:
        return _fasterapi_capabilities() | {"manual_clock", "stats", "health", "multi_client"}

    def launch(self, topology, fakes, workdir) -> Launched:
        proxy = build_fasterapi_proxy(topology, fakes)
        if topology.get("manual_clock"):
            proxy.use_manual_clock()
        proxy.start()
        return _InProcess(proxy)


# -- fasterapi, as a process (CLI + TOML) ----------------------------------------------

def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a valid TOML basic string
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {value!r} as TOML")


def topology_to_toml(topology: Mapping[str, Any], fakes: Mapping[str, Any]) -> str:
    def table(header: str, fields: Mapping[str, Any]) -> List[str]:
        return [header] + [f"{k} = {toml_value(v)}" for k, v in fields.items() if v is not None] + [""]

    lines = table("[proxy]", dict({"enable_request_logging": False}, **topology.get("proxy", {})))
    for spec in topology["upstreams"]:
        lines += table("[[upstreams]]", upstream_fields(spec, fakes[spec["name"]]))
    for route in topology["routes"]:
        lines += table("[[routes]]", route)
    if "jwt" in topology:
        lines += table("[jwt_auth]", topology["jwt"])
    if "bearer" in topology:
        lines += table("[bearer_auth]", {"token": topology["bearer"]})
    if "rate_limit" in topology:
        lines += table("[rate_limit]", topology["rate_limit"])
    if "client_rate_limit" in topology:
        lines += table("[client_rate_limit]", topology["client_rate_limit"])
    for limit in topology.get("tool_rate_limits", []):
        lines += table("[[tool_rate_limits]]", limit)
    return "\n".join(lines)


class _Process(Launched):
    """A proxy running as a child process serving one MCP client on its stdin/stdout."""

    def __init__(self, argv: List[str], cwd: Path, env: Optional[Dict[str, str]] = None,
                 stderr_path: Optional[Path] = None) -> None:
        self.argv, self.cwd, self.env, self.stderr_path = argv, cwd, env, stderr_path
        self.process: Optional[subprocess.Popen] = None
        self.client: Optional[LineClient] = None

    def connect(self) -> LineClient:
        if self.process is not None:
            raise Unsupported("one client per proxy process (stdio)")
        stderr = open(self.stderr_path, "ab") if self.stderr_path else subprocess.DEVNULL
        self.process = subprocess.Popen(self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=stderr, cwd=self.cwd, env=self.env,
                                        start_new_session=True)
        if stderr is not subprocess.DEVNULL:
            stderr.close()
        self.client = _pipe_client(os.dup(self.process.stdout.fileno()), os.dup(self.process.stdin.fileno()))
        self.process.stdout.close()
        return self.client

    def stop(self) -> None:
        if self.process is None:
            return
        self.client.close()
        self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _child_env() -> Dict[str, str]:
    """The proxy process imports the same fasterapi this process does."""
    env = dict(os.environ)
    import fasterapi
    root = str(Path(fasterapi.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join([root] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    env.pop("FASTERAPI_MCP_TOKEN", None)
    return env


class FasterAPIProcess(Adapter):
    """`python -m fasterapi.mcp serve --config proxy.toml`, the way users run it. No manual
    clock, stats or health from outside; Python transformers cannot be written in TOML."""

    name = "fasterapi-process"

    def capabilities(self) -> Set[str]:
        return _fasterapi_capabilities() - {"transformers", "http_front"}

    def launch(self, topology, fakes, workdir) -> Launched:
        config = Path(workdir) / "proxy.toml"
        config.write_text(topology_to_toml(topology, fakes))
        argv = [sys.executable, "-m", "fasterapi.mcp", "serve", "--config", str(config)]
        # cwd outside the source tree; stderr kept for the report.
        return _Process(argv, Path(workdir), _child_env(), Path(workdir) / "proxy.stderr")


# -- FastMCP's proxy -------------------------------------------------------------------

HERE = Path(__file__).resolve().parent
FASTMCP_SERVER = HERE.parent / "conformance" / "adapters" / "fastmcp_proxy.py"
FASTMCP_REQUIREMENTS = HERE.parent / "conformance" / "adapters" / "fastmcp-requirements.txt"
_fastmcp_lock = threading.Lock()


def fastmcp_python() -> Optional[str]:
    """The interpreter of the venv FastMCP lives in, installing it on first use from
    conformance/adapters/fastmcp-requirements.txt. FASTMCP_PYTHON points at an existing
    one; CONFORMANCE_FASTMCP_VENV says where to create it. None if it cannot be had."""
    given = os.environ.get("FASTMCP_PYTHON")
    if given:
        return given if Path(given).exists() else None
    venv = Path(os.environ.get("CONFORMANCE_FASTMCP_VENV", "/tmp/conformance-fastmcp-venv"))
    python = venv / "bin" / "python"
    marker = venv / ".requirements"
    wanted = FASTMCP_REQUIREMENTS.read_text()
    with _fastmcp_lock:
        if python.exists() and marker.exists() and marker.read_text() == wanted:
            return str(python)
        if os.environ.get("CONFORMANCE_NO_INSTALL"):
            return None
        try:
            subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True,
                           capture_output=True, timeout=300)
            subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                            "-r", str(FASTMCP_REQUIREMENTS)], check=True, capture_output=True, timeout=900)
        except (subprocess.SubprocessError, OSError) as exc:
            sys.stderr.write(f"conformance: could not install FastMCP: {exc}\n")
            return None
        marker.write_text(wanted)
        return str(python)


class FastMCPProxy(Adapter):
    """FastMCP's proxy (`fastmcp`, in its own venv), in front of the same stdio fakes, one
    `create_proxy` per upstream mounted without a prefix. FastMCP has no route patterns,
    security stages or resilience policies, so only routing-free topologies run: every
    route must be a catch-all for its upstream."""

    name = "fastmcp"

    def __init__(self) -> None:
        self._python: Optional[str] = None
        self._probed = False

    def python(self) -> Optional[str]:
        if not self._probed:
            self._python, self._probed = fastmcp_python(), True
        return self._python

    def capabilities(self) -> Set[str]:
        # Both MCP eras: FastMCP 4 on the mcp 2.x SDK serves stateless requests too.
        return {"cancellation", "stateless_era"} if self.python() else set()

    def missing(self, needs: Set[str]) -> List[str]:
        if self.python() is None:
            return ["fastmcp (not installed)"]
        return super().missing(needs)

    def launch(self, topology, fakes, workdir) -> Launched:
        for route in topology["routes"]:
            patterns = any(route.get(k) for k in ("tool_pattern", "resource_pattern", "prompt_pattern"))
            if (patterns and not topology.get("partition_routes")) or set(route) - {
                    "upstream_name", "tool_pattern", "resource_pattern", "prompt_pattern"}:
                raise Unsupported("route patterns/options")
        unknown = set(topology) - {"upstreams", "routes", "manual_clock", "proxy", "partition_routes"}
        if unknown:
            raise Unsupported(", ".join(sorted(unknown)))
        for spec in topology["upstreams"]:
            # Options that make no difference to a proxy without pools or retries.
            extra = {k for k, v in spec.get("config", {}).items()
                     if not (k == "max_connections" or (k == "max_retries" and v == 0))}
            if extra:
                raise Unsupported("upstream options " + ", ".join(sorted(extra)))
        servers = {}
        for spec in topology["upstreams"]:
            fake = fakes[spec["name"]]
            servers[spec["name"]] = {"command": fake.command, "args": list(fake.args)}
        # Route order is the upstreams' mount order (first route first).
        order = list(dict.fromkeys(r["upstream_name"] for r in topology["routes"]))
        config = Path(workdir) / "fastmcp.json"
        config.write_text(json.dumps({"mcpServers": {n: servers[n] for n in order if n in servers}}))
        env = dict(os.environ)
        env.pop("PYTHONPATH", None)
        env["FASTMCP_LOG_LEVEL"] = "WARNING"
        return _Process([self.python(), str(FASTMCP_SERVER), str(config)], Path(workdir), env,
                        Path(workdir) / "proxy.stderr")


ADAPTERS = {a.name: a for a in (FasterAPIInProcess, FasterAPIProcess, FastMCPProxy)}


def make_adapter(name: str) -> Adapter:
    return ADAPTERS[name]()
