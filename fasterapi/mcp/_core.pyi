"""Private compiled core (cpp/bindings). Only fasterapi.mcp imports this.

The Python layer validates the user's configuration, then hands the core one
JSON document (see docs/core_config.md). Every blocking call releases the GIL.
"""

from typing import Any, Callable, Dict, List, Optional, Tuple

__version__: str

class ConfigError(ValueError):
    """The core refused a configuration; the message names the field."""

class Proxy:
    def __init__(self, config_json: str) -> None:
        """Builds the proxy from the core config document. Raises ConfigError."""
    def start(self) -> None:
        """Starts the event loop on a background thread (idempotent)."""
    def attach_client(self, read_fd: int, write_fd: int) -> int:
        """Serves one MCP client reading `read_fd` and writing `write_fd`.

        The core dups both fds, so the caller may close its copies. Starts the
        loop if needed. Returns the session id.
        """
    def serve_stdio(self) -> None:
        """attach_client(0, 1); when stdin reaches EOF the proxy stops."""
    def wait(self, timeout_s: float) -> bool:
        """Blocks up to timeout_s; True once the proxy has fully stopped."""
    def stop(self) -> None:
        """Graceful shutdown: ends client sessions, stops upstreams (close
        stdin, SIGTERM, SIGKILL to the process group), joins the loop."""
    def stats(self) -> Dict[str, object]:
        """Keys: the ProxyStats fields (upstream_requests and tool_requests
        are dicts), plus core-only counters (see docs/core_config.md)."""
    def upstream_health(self) -> Dict[str, bool]: ...
    def serve_http(self, host: str, port: int, path: str, tls_cert_file: str = "",
                   tls_key_file: str = "") -> int:
        """Streamable HTTP (HTTPS with a PEM chain and key) on host:port; returns the port.
        Raises ConfigError ("run.port: ...", "tls_cert_file: ...")."""
    def metrics_text(self) -> str: ...
    def use_manual_clock(self) -> None: ...
    def advance_clock_ms(self, ms: int) -> None:
        """Moves the manual clock (monotonic and wall readings) and runs due timers."""
    def set_wall_clock_ms(self, ms: int) -> None:
        """Manual clock: the wall time (ms since the epoch) JWT claims are checked against."""
    def bind_transformer(self, direction: str, name: str, fn: Callable[[dict, str], str]) -> None:
        """Before start(): the Python function for the chain entry `name` (type "python")
        of the "request" or "response" chain. Raises ConfigError when there is none."""
    def set_jwks(self, jwks_json: str) -> str:
        """Replaces the JWT key set (a JWKS fetched by Python); clears the token cache.
        Returns "" or why the document was refused (the old keys then stay)."""

def check_jwt_settings(jwt_json: str) -> None:
    """Loads the "security.jwt" section (keys included); raises ConfigError naming the field."""

def verify_jwt(jwt_json: str, token: str, now_ms: int) -> Dict[str, object]:
    """One verification, for tests: reason, detail, claim; subject, scopes,
    valid_from_ms, valid_until_ms when reason == "ok"."""

class RateLimiter:
    """One limit's state (policy/rate_limit.hpp), for model tests."""
    def __init__(self, algorithm: str, max_requests: int, window_ms: int, burst: int = 0) -> None: ...
    def check(self, now_ms: int) -> Tuple[bool, int]:
        """(allowed, retry_after_ms); an allowed request is counted."""
    def retry_after(self, now_ms: int) -> int: ...

class KeyedRateLimiter:
    """Per-client limit states (one per key, idle ones forgotten past soft_max), for model tests."""
    def __init__(self, algorithm: str, max_requests: int, window_ms: int, burst: int = 0,
                 soft_max: int = 100000) -> None: ...
    def check(self, key: str, now_ms: int) -> Tuple[bool, int]: ...
    def __len__(self) -> int: ...

class TokenCache:
    """The verified-token cache (policy/token_cache.hpp), for model tests."""
    def __init__(self, capacity: int) -> None: ...
    def insert(self, token: str, principal: str, valid_from_ms: int, valid_until_ms: int) -> None: ...
    def find(self, token: str, now_ms: int) -> Optional[str]: ...
    def __len__(self) -> int: ...

def bench_jwt(jwt_json: str, token: str, now_ms: int, iterations: int, cached: bool) -> float:
    """ns per check, timed in C++: the verifier alone (cached=False) or the auth stage
    with its cache (cached=True). -1 when the token does not verify."""

def bench_rate_limit(algorithm: str, keys: int, iterations: int, by_name: bool = False) -> float:
    """ns per allowed check, timed in C++, with 1 key or `keys` per-client keys (found
    through the principal's slot, or by hashing the name when by_name)."""

def bench_route_match(n_routes: int, mode: str, iterations: int) -> float:
    """ns per tool-name lookup in a table of n_routes mixed routes, timed in C++; mode
    'first' (RouteTable::match), 'all' (match_all, the request path), 'miss' or 'head'."""

def bench_pool(connections: int, iterations: int, pick_only: bool = False) -> float:
    """ns per acquire+release (or pick alone) on stand-in connections: Upstream::pick's
    logic and the pending-table bookkeeping, no processes (bench/REPORT.md)."""

def bench_chain(security_json: str, n_routes: int, target_route: int, token: str,
                required_scope: str, depth: int, iterations: int) -> float:
    """ns per tools/call through stages 1..depth of the request chain without I/O
    (1 parse ... 7 forward, 8 the answer back), timed in C++."""

class FuzzInvariantViolation(AssertionError):
    """A fuzz harness found one of its invariants broken (cpp/fuzz/fuzz_check.hpp)."""

def fuzz_targets() -> List[str]:
    """The fuzz targets (cpp/fuzz/targets.hpp), each with a corpus in cpp/fuzz/corpus/."""

def fuzz_replay(target: str, data: bytes) -> None:
    """Runs one fuzz target's harness body on `data`, as libFuzzer would. Raises
    FuzzInvariantViolation for a broken invariant, ValueError for an unknown target."""

def match_pattern(pattern: str, name: str) -> bool:
    """The route pattern matcher, exposed for tests."""

class NdjsonFramer:
    """Sans-IO newline-delimited framer, exposed for tests."""
    def __init__(self, max_message_bytes: int) -> None: ...
    def feed(self, data: bytes) -> None: ...
    def next(self) -> object:
        """bytes for a complete line; None when more input is needed;
        an int (the size seen) for a line that exceeded the limit."""
    def overflowing_bytes(self) -> int:
        """Bytes seen of a line already over the limit whose newline has not come, else 0."""

class CircuitBreaker:
    def __init__(self, threshold: int, open_ms: int, half_open_max_calls: int, half_open_max_ms: int) -> None: ...
    def try_admit(self, now_ms: int) -> bool: ...
    def on_success(self, now_ms: int) -> None: ...
    def on_failure(self, now_ms: int) -> None: ...
    def state(self, now_ms: int) -> str: ...
    def retry_after_ms(self, now_ms: int) -> int: ...

def run_builtin_transformer(spec_json: str, ctx: Dict[str, Any], data: str) -> str:
    """Runs one built-in transformer ({"name", "type", ...} as in the core document) on a
    JSON message, with ctx's request_id / client_id."""

def redact_text(keys: List[str], text: str) -> str:
    """The log redaction of the sanitizing transformer, for tests."""

def cache_request_key(method: str, params_json: str,
                      credential_meta_key: str = "dev.fasterapi/authorization") -> Optional[str]:
    """The request part of a response-cache key; None when the request must not be cached."""

class ResponseCache:
    """The response cache's policy (policy/response_cache.hpp), for model tests."""
    def __init__(self, max_entries: int, max_bytes: int) -> None: ...
    def find(self, request: str, principal: str, scopes: List[str],
             now_ms: int) -> Optional[Tuple[str, int, str]]:
        """(value, remaining_ms, scope) or None."""
    def store(self, request: str, principal: str, scopes: List[str], scope: str, value: str,
              ttl_ms: int, kind: int, uri: str, now_ms: int) -> bool: ...
    def invalidate_kind(self, kind: int) -> int: ...
    def invalidate_uri(self, uri: str) -> int: ...
    def __len__(self) -> int: ...
    @property
    def bytes(self) -> int: ...
    @property
    def evictions(self) -> int: ...
    def keys(self) -> List[str]:
        """Most recently used first."""
    @staticmethod
    def key_for(request: str, principal: str, scopes: List[str], scope: str) -> str: ...

def route_match_all(routes: list[tuple[str, str, str]], kind: int, name: str) -> tuple[int, list[int]]: ...
