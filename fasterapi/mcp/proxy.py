"""MCPProxy: the guide's entry point. Validates configuration, then drives the C++ core.

Nothing here is on a request's path; the core serves MCP itself once started.
"""

from __future__ import annotations

import importlib
import json
import logging
import signal
import sys
import threading
import time
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Sequence, Tuple

from . import availability
from .checks import Checker
from .config import (PROXY_DEFAULTS, ProxyRoute, UpstreamConfig, check_cross_references,
                     check_proxy_options, check_route, check_upstream, proxy_feature_errors,
                     route_feature_errors, upstream_feature_errors)
from .core_config import core_json
from .errors import ConfigError, FieldError, raise_if_any
from .security_options import (check_bearer_auth, check_jwt_auth, check_rate_limit,
                               check_tool_rate_limit, rate_limit_document)
from .stats import ProxyStats
from .transformers import BuiltinTransformer, check_transformer

SERVE_TRANSPORTS = ("stdio", "http")

logger = logging.getLogger("fasterapi.mcp")


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


if TYPE_CHECKING:
    from .jwks import JwksRefresher


def _jwks_refresher():
    # Imported only when a JWKS URL is configured: urllib.request (http.client, ssl, email)
    # costs megabytes of RSS a proxy without one should not carry.
    from .jwks import JwksRefresher
    return JwksRefresher


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


def _read_jwks_file(path: str) -> Dict[str, Any]:
    try:
        with open(path, "rb") as f:
            data = f.read(1 << 20)
    except OSError as exc:
        raise ConfigError([("jwt_auth.jwks_file", f"cannot read {path}: {exc.strerror or exc}")])
    try:
        doc = json.loads(data)
    except ValueError as exc:
        raise ConfigError([("jwt_auth.jwks_file", f"{path} is not JSON: {exc}")])
    if not isinstance(doc, dict):
        raise ConfigError([("jwt_auth.jwks_file", f"{path} is not a JWK Set (a JSON object)")])
    return doc


def _check_with_core(jwt_document: Dict[str, Any]) -> None:
    """Loads the keys in the core now, so a bad key fails at set_jwt_auth, not at start.
    Skipped when the core is not built (start() checks again)."""
    try:
        core_module = importlib.import_module("fasterapi.mcp._core")
    except ImportError:
        return
    check = getattr(core_module, "check_jwt_settings", None)
    if check is None:
        return
    try:
        check(json.dumps(jwt_document))
    except core_module.ConfigError as exc:
        raise ConfigError(_core_config_errors(str(exc))) from None


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
        cache_max_entries: int = PROXY_DEFAULTS["cache_max_entries"],
        cache_max_bytes: int = PROXY_DEFAULTS["cache_max_bytes"],
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
        # How `fasterapi-mcp serve` serves it (the TOML file's [serve] table).
        self.serve_options: Dict[str, Any] = {"transport": "stdio", "host": "127.0.0.1", "port": 8000, "path": "/mcp"}
        # What the security setters configured, in the core document's shape
        # (core_config.security_document). Holds secrets: never logged or printed.
        self._security: Dict[str, Any] = {"tool_rate_limits": []}
        self._jwks_url: Optional[Tuple[str, int]] = None
        self._jwks: Optional[JwksRefresher] = None
        # Ordered [(name, transformer)] per direction (docs/transformers.md).
        self._transformers: Dict[str, List[Tuple[str, Callable[[dict, str], str]]]] = {
            "request": [], "response": []}

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
                     clock_skew_seconds: int = 60, *, algorithms: Optional[Sequence[str]] = None,
                     jwks_file: Optional[str] = None, jwks_url: Optional[str] = None,
                     jwks_refresh_seconds: int = 300, max_token_bytes: int = 8192,
                     cache_size: int = 1024) -> None:
        """JWT authentication (docs/security.md). One key source: `secret` (HS*),
        `public_key` (PEM; RS*/PS*/ES*/EdDSA), `jwks_file` (read now) or `jwks_url`
        (fetched in the background every `jwks_refresh_seconds`). `algorithms` pins the
        accepted algorithms; by default, the family of the configured key(s)."""
        self._ensure_not_running("set_jwt_auth")
        errors = check_jwt_auth("jwt_auth", secret, public_key, algorithm, issuer, audience,
                                verify_expiry, clock_skew_seconds, algorithms, jwks_file,
                                jwks_url, jwks_refresh_seconds, max_token_bytes, cache_size)
        raise_if_any(errors)
        doc: Dict[str, Any] = {
            "secret": secret, "public_key": public_key, "algorithm": algorithm,
            "algorithms": list(algorithms) if algorithms is not None else None,
            "issuer": issuer, "audience": audience, "verify_expiry": verify_expiry,
            "clock_skew_seconds": clock_skew_seconds, "max_token_bytes": max_token_bytes,
            "cache_size": cache_size, "jwks": None, "jwks_remote": jwks_url is not None,
        }
        if jwks_file is not None:
            doc["jwks"] = _read_jwks_file(jwks_file)
        _check_with_core(doc)
        self._security["jwt"] = doc
        self._jwks_url = (jwks_url, jwks_refresh_seconds) if jwks_url is not None else None

    def set_bearer_auth(self, token: str) -> None:
        """A single shared token (development): compared in constant time; the
        principal is "bearer" and it carries no scopes."""
        self._ensure_not_running("set_bearer_auth")
        raise_if_any(check_bearer_auth("bearer_auth", token))
        self._security["bearer_token"] = token

    def set_rate_limit(self, max_requests: int, window_ms: int, burst: Optional[int] = None,
                       algorithm: str = "token_bucket") -> None:
        """The global limit, shared by all clients (docs/security.md says exactly what
        each parameter means for each algorithm)."""
        self._ensure_not_running("set_rate_limit")
        raise_if_any(check_rate_limit("rate_limit", max_requests, window_ms, burst, algorithm))
        self._security["rate_limit"] = rate_limit_document(max_requests, window_ms, burst,
                                                           algorithm)

    def set_tool_rate_limit(self, tool_name: str, max_requests: int, window_ms: int, *,
                            burst: Optional[int] = None,
                            algorithm: str = "token_bucket") -> None:
        """A limit for one tool (by the name clients call it), shared by all clients.
        Setting the same tool again replaces its limit."""
        self._ensure_not_running("set_tool_rate_limit")
        limits: List[Dict[str, Any]] = self._security["tool_rate_limits"]
        index = next((i for i, t in enumerate(limits) if t["tool_name"] == tool_name),
                     len(limits))
        path = f"tool_rate_limits[{index}]"
        raise_if_any(check_tool_rate_limit(path, tool_name, max_requests, window_ms, burst,
                                           algorithm))
        doc = {"tool_name": tool_name,
               **rate_limit_document(max_requests, window_ms, burst, algorithm)}
        if index < len(limits):
            limits[index] = doc
        else:
            limits.append(doc)

    def set_client_rate_limit(self, max_requests: int, window_ms: int,
                              burst: Optional[int] = None,
                              algorithm: str = "token_bucket") -> None:
        """A limit per client: each principal (JWT sub, "bearer", "anonymous") has its own."""
        self._ensure_not_running("set_client_rate_limit")
        raise_if_any(check_rate_limit("client_rate_limit", max_requests, window_ms, burst,
                                      algorithm))
        self._security["client_rate_limit"] = rate_limit_document(max_requests, window_ms,
                                                                  burst, algorithm)

    def _add_transformer(self, direction: str, name: str,
                         transformer: Callable[[dict, str], str]) -> None:
        path = f"add_{direction}_transformer"
        self._ensure_not_running(path)
        errors = check_transformer(path, name, transformer)
        if not errors and direction == "request" and isinstance(transformer, BuiltinTransformer) \
                and transformer.type == "cache":
            errors.append((f"{path}.transformer", "the caching transformer acts on responses: "
                           "add it with add_response_transformer"))
        raise_if_any(errors)
        chain = self._transformers[direction]
        for i, (existing, _) in enumerate(chain):
            if existing == name:
                chain[i] = (name, transformer)  # replaced in place: the order stays
                return
        chain.append((name, transformer))

    def _remove_transformer(self, direction: str, name: str) -> None:
        path = f"remove_{direction}_transformer"
        self._ensure_not_running(path)
        chain = self._transformers[direction]
        for i, (existing, _) in enumerate(chain):
            if existing == name:
                del chain[i]
                return
        known = ", ".join(repr(n) for n, _ in chain) or "none"
        raise ConfigError([(f"{path}.name", f"no {direction} transformer named {name!r} (known: {known})")])

    def add_request_transformer(self, name: str, transformer: Callable[[dict, str], str]) -> None:
        """Appends to the request chain, or replaces the transformer of that name where it
        is. The chain runs, in order, on requests of routes with enable_request_transform
        (docs/transformers.md)."""
        self._add_transformer("request", name, transformer)

    def add_response_transformer(self, name: str, transformer: Callable[[dict, str], str]) -> None:
        """As add_request_transformer, for answers on routes with enable_response_transform."""
        self._add_transformer("response", name, transformer)

    def remove_request_transformer(self, name: str) -> None:
        """Removes the named request transformer; ConfigError if there is none."""
        self._remove_transformer("request", name)

    def remove_response_transformer(self, name: str) -> None:
        """Removes the named response transformer; ConfigError if there is none."""
        self._remove_transformer("response", name)

    @property
    def request_transformers(self) -> List[str]:
        """The request chain's names, in the order they run."""
        return [name for name, _ in self._transformers["request"]]

    @property
    def response_transformers(self) -> List[str]:
        """The response chain's names, in the order they run."""
        return [name for name, _ in self._transformers["response"]]

    def check(self) -> None:
        """Validates the whole configuration (as start() does); raises ConfigError."""
        errors, features = collect_errors(self._options, self._upstreams, self._routes)
        raise_if_any(errors, features)

    def core_config_json(self) -> str:
        """The document handed to the core (docs/core_config.md), after check()."""
        self.check()
        return core_json(self._options, self._upstreams, self._routes, self._security,
                         self._transformers)

    def _configured_stages(self) -> List[str]:
        """The security stages that have something to enforce."""
        stages = []
        if self._security.get("jwt") or self._security.get("bearer_token"):
            stages.append("enable_auth")
        if any(r.required_scope for r in self._routes):
            stages.append("enable_authorization")
        if (self._security.get("rate_limit") or self._security.get("client_rate_limit")
                or self._security["tool_rate_limits"]
                or any(r.rate_limit_override for r in self._routes)):
            stages.append("enable_rate_limiting")
        return stages

    def inactive_options(self) -> List[str]:
        """Switched-on options that have no effect in this version (see availability.py)."""
        return availability.inactive_options(self._options, self._upstreams,
                                             self._configured_stages())

    def _warn_about_transformers(self) -> None:
        """A chain that no route runs would be silently ignored: say so once."""
        for direction in ("request", "response"):
            names = self.request_transformers if direction == "request" else self.response_transformers
            flag = f"enable_{direction}_transform"
            if names and not any(getattr(r, flag) for r in self._routes):
                logger.warning("fasterapi.mcp: %s transformers (%s) are configured but no route has "
                               "%s=True: they never run", direction, ", ".join(names), flag)

    def _warn_about_security(self) -> None:
        """Configurations that are valid but almost certainly not what was meant."""
        stages = self._configured_stages()
        if "enable_auth" in stages and not self._options["enable_auth"]:
            logger.warning("fasterapi.mcp: authentication is configured but enable_auth=False: "
                           "requests are not authenticated")
        if self._options["enable_authorization"] and "enable_authorization" in stages and (
                not self._options["enable_auth"] or "enable_auth" not in stages):
            scoped = [f"routes[{i}]" for i, r in enumerate(self._routes) if r.required_scope]
            logger.warning("fasterapi.mcp: %s require a scope but requests are not "
                           "authenticated (anonymous has no scopes): every call to them is "
                           "refused", ", ".join(scoped))

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
            for direction, chain in self._transformers.items():
                for name, fn in chain:
                    if not isinstance(fn, BuiltinTransformer):
                        core.bind_transformer(direction, name, fn)
            availability.log_inactive(self._options, self._upstreams, self._configured_stages())
            self._warn_about_security()
            self._warn_about_transformers()
            if self._manual_clock:
                core.use_manual_clock()
                # The JWT clock starts at Python's time (so freezegun's frozen time).
                core.set_wall_clock_ms(int(time.time() * 1000))
            core.start()
            self._core = core
            self._running = True
            if self._jwks_url is not None and self._options["enable_auth"]:
                url, refresh = self._jwks_url
                self._jwks = _jwks_refresher()(url, refresh, core.set_jwks)
                self._jwks.start()

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

    def set_wall_clock(self, seconds: Optional[float] = None) -> None:
        """For tests, with the manual clock: the wall time JWT exp/nbf/iat are checked
        against. None means Python's time.time() now, which is freezegun's frozen time
        when freezegun is active. advance_clock() moves it along with the monotonic clock."""
        if not self._manual_clock or self._core is None:
            raise RuntimeError("set_wall_clock: call use_manual_clock() and start() first")
        when = time.time() if seconds is None else seconds
        c = Checker()
        if isinstance(when, bool) or not isinstance(when, (int, float)):
            c.add("set_wall_clock.seconds", f"must be a number, got {when!r}")
        raise_if_any(c.errors)
        self._core.set_wall_clock_ms(int(when * 1000))

    def refresh_jwks(self) -> None:
        """Fetches the JWKS URL now (normally a background thread does, every
        jwks_refresh_seconds). Raises RuntimeError saying why when it fails; the keys
        already loaded stay."""
        if self._jwks is None:
            raise RuntimeError("refresh_jwks: no jwks_url configured, or the proxy is not running")
        error = self._jwks.refresh()
        if error:
            raise RuntimeError(f"refresh_jwks: {error}")

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
            if self._jwks is not None:
                self._jwks.stop()
                self._jwks = None
            self._core.stop()

    def __enter__(self) -> "MCPProxy":
        self.start()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    def run(self, transport: str = "stdio", host: Optional[str] = None,
            port: Optional[int] = None, tls_cert_file: Optional[str] = None,
            tls_key_file: Optional[str] = None) -> None:
        """Serves MCP until the client closes stdin, Ctrl-C or SIGTERM. With transport="http",
        `tls_cert_file` and `tls_key_file` (PEM) make it HTTPS (docs/http.md)."""
        c = Checker()
        transport_ok = c.choice("run.transport", transport, SERVE_TRANSPORTS)
        for field, value in (("host", host), ("port", port), ("tls_cert_file", tls_cert_file),
                             ("tls_key_file", tls_key_file)):
            if value is None:
                continue
            if transport_ok and transport == "stdio":
                c.add(f"run.{field}", "only used with transport='http'")
            elif field == "port":
                c.integer("run.port", value, minimum=0, maximum=65535)
            else:
                c.string(f"run.{field}", value, non_empty=True)
        raise_if_any(c.errors)
        if transport == "http":
            self._run_http(host or "127.0.0.1", 8000 if port is None else port, tls_cert_file, tls_key_file)
        else:
            self._run_stdio()

    def serve_http(self, host: str = "127.0.0.1", port: int = 0, path: str = "/mcp",
                   tls_cert_file: Optional[str] = None, tls_key_file: Optional[str] = None) -> int:
        """Serves MCP Streamable HTTP on host:port at `path` (docs/http.md) without blocking;
        returns the port (port 0 picks a free one). Loopback by default. With a PEM
        certificate chain and its key, the listener speaks HTTPS only."""
        c = Checker()
        c.string("serve_http.host", host, non_empty=True)
        c.integer("serve_http.port", port, minimum=0, maximum=65535)
        if c.string("serve_http.path", path, non_empty=True) and not path.startswith("/"):
            c.add("serve_http.path", f"must start with '/', got {path!r}")
        for field, value in (("tls_cert_file", tls_cert_file), ("tls_key_file", tls_key_file)):
            if value is not None:
                c.string(f"serve_http.{field}", value, non_empty=True, no_nul=True)
        if (tls_cert_file is None) != (tls_key_file is None):
            c.add("serve_http.tls_key_file" if tls_key_file is None else "serve_http.tls_cert_file",
                  "HTTPS needs both tls_cert_file and tls_key_file")
        raise_if_any(c.errors)
        self.start()
        try:
            return int(self._core.serve_http(host, port, path, tls_cert_file or "", tls_key_file or ""))
        except _load_core().ConfigError as exc:
            raise ConfigError([(p if p.startswith(("run.", "core")) else f"serve_http.{p}", m)
                               for p, m in _core_config_errors(str(exc))]) from None

    def _run_http(self, host: str, port: int, tls_cert_file: Optional[str], tls_key_file: Optional[str]) -> None:
        path = self.serve_options.get("path", "/mcp")
        bound = self.serve_http(host, port, path, tls_cert_file, tls_key_file)
        scheme = "https" if tls_cert_file else "http"
        print(f"fasterapi-mcp: serving MCP on {scheme}://{host}:{bound}{path}", file=sys.stderr, flush=True)
        terminated = threading.Event()
        in_main_thread = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGTERM, lambda *_: terminated.set()) if in_main_thread else None
        try:
            while not terminated.wait(0.2):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            if in_main_thread:
                signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)
            self.stop()

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

    def prometheus_metrics(self) -> str:
        """The stats in the Prometheus text format, as /metrics serves them (docs/resilience.md)."""
        if self._core is None:
            return ""
        return str(self._core.metrics_text())

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
