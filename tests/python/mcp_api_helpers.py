"""Helpers for the Python API tests. No compiled core is needed: where a running
proxy is needed, FakeCoreProxy stands in for `fasterapi.mcp._core.Proxy`."""

from __future__ import annotations

import json

from fasterapi.mcp import MCPProxy, ProxyRoute, UpstreamConfig


def stdio_upstream(name: str = "math", **overrides) -> UpstreamConfig:
    fields = dict(name=name, transport_type="stdio", command="python",
                  args=["-m", "mcp_fakes", "--profile", name])
    fields.update(overrides)
    return UpstreamConfig(**fields)


def simple_proxy(**options) -> MCPProxy:
    proxy = MCPProxy(**options)
    proxy.add_upstream(stdio_upstream("math"))
    proxy.add_route(ProxyRoute(upstream_name="math", tool_pattern="math_*"))
    return proxy


class FakeCoreProxy:
    """Behaves like _core.Proxy as far as the Python layer can tell."""

    instances: list = []

    def __init__(self, config_json: str) -> None:
        self.config = json.loads(config_json)
        self.calls: list = []
        self.stopped = False
        self.wait_results: list = []  # scripted answers for wait(); then "stopped"
        self.stats_dict: dict = {}
        FakeCoreProxy.instances.append(self)

    def start(self) -> None:
        self.calls.append("start")

    def attach_client(self, read_fd: int, write_fd: int) -> int:
        self.calls.append(("attach_client", read_fd, write_fd))
        return 7

    def serve_stdio(self) -> None:
        self.calls.append("serve_stdio")

    def wait(self, timeout_s: float):
        self.calls.append("wait")
        if self.wait_results:
            result = self.wait_results.pop(0)
            if isinstance(result, BaseException):
                raise result
            if callable(result):
                return result()
            return result
        return True

    def stop(self) -> None:
        self.calls.append("stop")
        self.stopped = True

    def stats(self) -> dict:
        return self.stats_dict

    def upstream_health(self) -> dict:
        return {u["name"]: True for u in self.config["upstreams"]}

    def use_manual_clock(self) -> None:
        self.calls.append("use_manual_clock")

    def set_wall_clock_ms(self, ms: int) -> None:
        self.calls.append(("set_wall_clock_ms", ms))

    def set_jwks(self, text: str) -> str:
        self.calls.append(("set_jwks", text))
        return ""


class FakeCoreConfigError(ValueError):
    pass


def error_paths(excinfo) -> list:
    return [path for path, _ in excinfo.value.errors]
