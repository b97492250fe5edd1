"""MCPProxy: the guide's entry point. Validates configuration, then drives the C++ core.

Nothing here is on a request's path; the core serves MCP itself once started.
"""

from __future__ import annotations

import importlib
import signal
import sys
import threading
from typing import Any, Callable, Dict, List, Optional, Tuple

from . import availability
from .checks import Checker
from .config import (PROXY_DEFAULTS, ProxyRoute, UpstreamConfig, check_cross_references,
                     check_proxy_options, check_route, check_upstream, proxy_feature_errors,
                     route_feature_errors, upstream_feature_errors)
from .core_config import core_json
from .errors import ConfigError, FieldError, raise_if_any
from .security_options import (check_bearer_auth, check_jwt_auth, check_rate_limit,
                               check_tool_rate_limit)
from .stats import ProxyStats
from .transformers import check_transformer

SERVE_TRANSPORTS = ("stdio", "http")


def collect_errors(options: Dict[str, Any], upstreams: List[Any],
                   routes: List[Any]) -> Tuple[List[FieldError], List[FieldError]]:
    """(invalid fields, unavailable features) for a whole configuration."""
    errors = check_proxy_options(options)
    features = [] if errors else proxy_feature_errors(options)
    for i, u in enumerate(upstreams):
        bad = check_upstream(u, f"upstreams[{i}]")
        errors += bad
        if not bad:
            features += upstream_feature_errors(u, f"upstreams[{i}]")
    for i, r in enumerate(routes):
        bad = check_route(r, f"routes[{i}]")
        errors += bad
        if not bad:
            features += route_feature_errors(r, f"routes[{i}]")
    errors += check_cross_references(upstreams, routes)
    return errors, features


def _load_core():
    # Imported late so configuration can be built and checked without the compiled core.
    try:
        _core = importlib.import_module("fasterapi.mcp._core")
    except ImportError as exc:
        raise ImportError("the C++ core (fasterapi.mcp._core) is not built; "
                          "install the package with `pip install .`") from exc
    return _core


def _core_config_errors(message: str) -> List[FieldError]:
    """Turns the core's "field: message" lines back into field errors."""
    errors: List[FieldError] = []
    for line in message.splitlines():
        line = line.strip()
        if not line:
            continue
        path, sep, rest = line.partition(": ")
        if sep and path and " " not in path:
            errors.append((path, rest))
        else:
            errors.append(("core", line))
    return errors or [("core", message)]


class MCPProxy:
    def __init__(
        self,
        name: str = PROXY_DEFAULTS["name"],
        version: str = PROXY_DEFAULTS["version"],
        enable_auth: bool = PROXY_DEFAULTS["enable_auth"],
        enable_rate_limiting: bool = PROXY_DEFAULTS["enable_rate_limiting"],
        enable_authorization: bool = PROXY_DEFAULTS["enable_authorization"],
        enable_caching: bool = PROXY_DEFAULTS["enable_caching"],
        cache_ttl_ms: int = PROXY_DEFAULTS["cache_ttl_ms"],
        enable_request_logging: bool = PROXY_DEFAULTS["enable_request_logging"],
        enable_metrics: bool = PROXY_DEFAULTS["enable_metrics"],
        failover_enabled: bool = PROXY_DEFAULTS["failover_enabled"],
        circuit_breaker_enabled: bool = PROXY_DEFAULTS["circuit_breaker_enabled"],
        circuit_breaker_threshold: int = PROXY_DEFAULTS["circuit_breaker_threshold"],
        *,
        max_message_bytes: int = PROXY_DEFAULTS["max_message_bytes"],
        circuit_breaker_open_ms: int = PROXY_DEFAULTS["circuit_breaker_open_ms"],
        circuit_breaker_half_open_max_calls: int = PROXY_DEFAULTS["circuit_breaker_half_open_max_calls"],
        circuit_breaker_half_open_max_ms: int = PROXY_DEFAULTS["circuit_breaker_half_open_max_ms"],
        shutdown_drain_ms: int = PROXY_DEFAULTS["shutdown_drain_ms"],
    ) -> None:
        options = {key: value for key, value in locals().items() if key in PROXY_DEFAULTS}
        errors = check_proxy_options(options)
        raise_if_any(errors, proxy_feature_errors(options))
        self._options: Dict[str, Any] = options
        self._upstreams: List[UpstreamConfig] = []
        self._routes: List[ProxyRoute] = []
        self._core: Any = None
        self._running = False
        self._manual_clock = False
        self._lock = threading.RLock()

    # -- configuration -------------------------------------------------------

    @property
    def options(self) -> Dict[str, Any]:
        """The constructor's arguments (a copy)."""
        return dict(self._options)

    @property
    def upstreams(self) -> List[UpstreamConfig]:
        """The upstreams in the order they were added (a copy of the list)."""
        return list(self._upstreams)

    @property
    def routes(self) -> List[ProxyRoute]:
        """The routes in the order they are tried (a copy of the list)."""
        return list(self._routes)

    def _ensure_not_running(self, what: str) -> None:
        if self._running:
            raise RuntimeError(f"{what}: the proxy is running; stop() it before changing its configuration")

    def add_upstream(self, upstream: UpstreamConfig) -> None:
        self._ensure_not_running("add_upstream")
        path = f"upstreams[{len(self._upstreams)}]"
        errors = check_upstream(upstream, path)
        name = getattr(upstream, "name", None)
        if isinstance(name, str) and name:
            for i, existing in enumerate(self._upstreams):
                if existing.name == name:
                    errors.append((f"{path}.name", f"duplicate upstream name "
                                   f"{name!r} (also upstreams[{i}])"))
        raise_if_any(errors, [] if errors else upstream_feature_errors(upstream, path))
        self._upstreams.append(upstream)

    def add_route(self, route: ProxyRoute) -> None:
        """Routes are tried in the order added; the upstream may be added later."""
        self._ensure_not_running("add_route")
        path = f"routes[{len(self._routes)}]"
        errors = check_route(route, path)
        raise_if_any(errors, [] if errors else route_feature_errors(route, path))
        self._routes.append(route)

    def set_jwt_auth(self, secret: Optional[str] = None, public_key: Optional[str] = None,
                     algorithm: str = "HS256", issuer: Optional[str] = None,
                     audience: Optional[str] = None, verify_expiry: bool = True,
                     clock_skew_seconds: int = 60) -> None:
        errors = check_jwt_auth("jwt_auth", secret, public_key, algorithm, issuer, audience,
                                verify_expiry, clock_skew_seconds)
        raise_if_any(errors, availability.unavailable("jwt_auth", "jwt_auth"))

    def set_bearer_auth(self, token: str) -> None:
        errors = check_bearer_auth("bearer_auth", token)
        raise_if_any(errors, availability.unavailable("bearer_auth", "bearer_auth"))

    def set_rate_limit(self, max_requests: int, window_ms: int, burst: Optional[int] = None,
                       algorithm: str = "token_bucket") -> None:
        errors = check_rate_limit("rate_limit", max_requests, window_ms, burst, algorithm)
        raise_if_any(errors, availability.unavailable("rate_limit", "rate_limit"))

    def set_tool_rate_limit(self, tool_name: str, max_requests: int, window_ms: int) -> None:
        path = "tool_rate_limits[0]"
        errors = check_tool_rate_limit(path, tool_name, max_requests, window_ms)
        raise_if_any(errors, availability.unavailable("tool_rate_limit", path))

    def add_request_transformer(self, name: str, transformer: Callable[[dict, str], str]) -> None:
        errors = check_transformer("add_request_transformer", name, transformer)
        raise_if_any(errors, availability.unavailable("request_transformer",
                                                      "add_request_transformer"))

    def add_response_transformer(self, name: str, transformer: Callable[[dict, str], str]) -> None:
        errors = check_transformer("add_response_transformer", name, transformer)
        raise_if_any(errors, availability.unavailable("response_transformer",
                                                      "add_response_transformer"))

    def check(self) -> None:
        """Validates the whole configuration (as start() does); raises ConfigError."""
        errors, features = collect_errors(self._options, self._upstreams, self._routes)
        raise_if_any(errors, features)

    def core_config_json(self) -> str:
        """The document handed to the core (docs/core_config.md), after check()."""
        self.check()
        return core_json(self._options, self._upstreams, self._routes)

    def inactive_options(self) -> List[str]:
        """Switched-on options that have no effect in this version (see availability.py)."""
        return availability.inactive_options(self._options, self._upstreams)

    # -- lifecycle -------------------------------------------------------------

    def start(self) -> None:
        """Validates, builds the core and starts its event loop (idempotent)."""
        with self._lock:
            if self._running:
                return
            document = self.core_config_json()
            core_module = _load_core()
            try:
                core = core_module.Proxy(document)
            except core_module.ConfigError as exc:
                raise ConfigError(_core_config_errors(str(exc))) from exc
            availability.log_inactive(self._options, self._upstreams)
            if self._manual_clock:
                core.use_manual_clock()
            core.start()
            self._core = core
            self._running = True

    def use_manual_clock(self) -> None:
        """For tests: the proxy's timeouts follow a clock moved only by advance_clock().

        Call before start(). Time then stands still for the proxy until advanced, so a
        test of a 30-second timeout runs in milliseconds and never depends on load.
        """
        with self._lock:
            self._ensure_not_running("use_manual_clock")
            self._manual_clock = True

    def advance_clock(self, ms: int) -> None:
        """Moves the manual clock forward; every deadline it passes fires before this returns."""
        if not self._manual_clock or self._core is None:
            raise RuntimeError("advance_clock: call use_manual_clock() and start() first")
        c = Checker()
        c.integer("advance_clock.ms", ms, minimum=0)
        raise_if_any(c.errors)
        self._core.advance_clock_ms(ms)

    def serve_fds(self, read_fd: int, write_fd: int) -> int:
        """Serves one MCP client on a pair of file descriptors; returns the session id.

        The core duplicates the fds, so the caller may close its copies.
        """
        c = Checker()
        c.integer("serve_fds.read_fd", read_fd, minimum=0)
        c.integer("serve_fds.write_fd", write_fd, minimum=0)
        raise_if_any(c.errors)
        self.start()
        return self._core.attach_client(read_fd, write_fd)

    def stop(self) -> None:
        """Graceful shutdown: client sessions end, upstream processes are stopped."""
        with self._lock:
            if not self._running:
                return
            self._running = False
            self._core.stop()

    def __enter__(self) -> "MCPProxy":
        self.start()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    def run(self, transport: str = "stdio", host: Optional[str] = None,
            port: Optional[int] = None) -> None:
        """Serves MCP until the client closes stdin, Ctrl-C or SIGTERM."""
        c = Checker()
        transport_ok = c.choice("run.transport", transport, SERVE_TRANSPORTS)
        for field, value in (("host", host), ("port", port)):
            if value is None:
                continue
            if transport_ok and transport == "stdio":
                c.add(f"run.{field}", "only used with transport='http'")
            elif field == "host":
                c.string("run.host", value, non_empty=True)
            else:
                c.integer("run.port", value, minimum=0, maximum=65535)
        features = []
        if not c.errors and transport == "http":
            features = availability.unavailable("serve_transport:http", "run.transport")
        raise_if_any(c.errors, features)
        self._run_stdio()

    def _run_stdio(self) -> None:
        self.start()
        core = self._core
        terminated = threading.Event()
        previous_handler = None
        in_main_thread = threading.current_thread() is threading.main_thread()
        if in_main_thread:
            previous_handler = signal.signal(signal.SIGTERM, lambda *_: terminated.set())
        # stdout is the MCP channel: a stray print() from user code must not corrupt it.
        saved_stdout, sys.stdout = sys.stdout, sys.stderr
        try:
            core.serve_stdio()
            while not core.wait(0.2):
                if terminated.is_set():
                    break
        except KeyboardInterrupt:
            pass
        finally:
            sys.stdout = saved_stdout
            if in_main_thread:
                # None means a handler installed outside Python; the default is the best we can do.
                signal.signal(signal.SIGTERM,
                              signal.SIG_DFL if previous_handler is None else previous_handler)
            self.stop()

    # -- observation -------------------------------------------------------------

    def get_stats(self) -> ProxyStats:
        """Counters since start (all zero before start)."""
        if not self._options["enable_metrics"]:
            raise RuntimeError("get_stats: metrics are disabled (MCPProxy(enable_metrics=False))")
        if self._core is None:
            return ProxyStats()
        return ProxyStats.from_core(self._core.stats())

    def get_upstream_health(self) -> Dict[str, bool]:
        """{upstream name: healthy}; every upstream is False before start."""
        if self._core is None:
            return {u.name: False for u in self._upstreams}
        return {str(k): bool(v) for k, v in self._core.upstream_health().items()}

    def __repr__(self) -> str:
        names = ", ".join(u.name for u in self._upstreams)
        state = "running" if self._running else "stopped"
        return (f"MCPProxy(name={self._options['name']!r}, upstreams=[{names}], "
                f"routes={len(self._routes)}, {state})")
