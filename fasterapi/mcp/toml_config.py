"""Loads a proxy from a TOML file that mirrors the Python API.

    [proxy]               MCPProxy keyword arguments
    [[upstreams]]         UpstreamConfig fields
    [[routes]]            ProxyRoute fields (tried in file order)
    [jwt_auth]            set_jwt_auth arguments
    [bearer_auth]         set_bearer_auth arguments
    [rate_limit]          set_rate_limit arguments
    [client_rate_limit]   set_client_rate_limit arguments
    [[tool_rate_limits]]  set_tool_rate_limit arguments
    [serve]               how `fasterapi-mcp serve` serves clients: transport ("stdio" or
                          "http"), host, port, path, tls_cert_file, tls_key_file (the
                          CLI's flags override them)

Every problem in the file is reported at once, by field path. Unknown keys are
errors (typo protection). Relative paths (cwd, a command with a '/', jwks_file,
tls_ca_file, tls_cert_file, tls_key_file) resolve against the file's folder.
"""

from __future__ import annotations

import difflib
import inspect
import os
from dataclasses import MISSING, fields
from typing import Any, Callable, Dict, List, Optional, Set, Tuple

from .config import (PROXY_DEFAULTS, ProxyRoute, UpstreamConfig, check_cross_references,
                     check_proxy_options, check_route, check_upstream, proxy_feature_errors,
                     route_feature_errors, upstream_feature_errors)
from .errors import ConfigError, FeatureNotAvailableError, FieldError
from .proxy import MCPProxy
from .security_options import (check_bearer_auth, check_jwt_auth, check_rate_limit,
                               check_tool_rate_limit)

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

_REQUIRED = object()

# TOML table -> (Python API method whose signature it mirrors, validator).
_SETTER_TABLES: Dict[str, Tuple[Callable[..., Any], Callable[..., List[FieldError]]]] = {
    "jwt_auth": (MCPProxy.set_jwt_auth, check_jwt_auth),
    "bearer_auth": (MCPProxy.set_bearer_auth, check_bearer_auth),
    "rate_limit": (MCPProxy.set_rate_limit, check_rate_limit),
    "client_rate_limit": (MCPProxy.set_client_rate_limit, check_rate_limit),
}
_TOOL_RATE_LIMITS = (MCPProxy.set_tool_rate_limit, check_tool_rate_limit)

TOP_LEVEL_KEYS = ("proxy", "upstreams", "routes", "jwt_auth", "bearer_auth", "rate_limit",
                  "client_rate_limit", "tool_rate_limits", "serve")

SERVE_DEFAULTS: Dict[str, Any] = {"transport": "stdio", "host": "127.0.0.1", "port": 8000, "path": "/mcp",
                                  "tls_cert_file": "", "tls_key_file": ""}


def _signature_keys(method: Callable[..., Any]) -> Dict[str, Any]:
    """A setter's arguments and defaults, so the TOML schema cannot drift from the API."""
    params = list(inspect.signature(method).parameters.values())[1:]  # drop self
    return {p.name: (_REQUIRED if p.default is inspect.Parameter.empty else p.default)
            for p in params}


def _dataclass_keys(cls: type) -> Dict[str, Any]:
    keys: Dict[str, Any] = {}
    for f in fields(cls):
        if f.default is not MISSING:
            keys[f.name] = f.default
        elif f.default_factory is not MISSING:
            keys[f.name] = f.default_factory()
        else:
            keys[f.name] = _REQUIRED
    return keys


def _unknown_key(path: str, key: Any, known: Dict[str, Any]) -> FieldError:
    hint = difflib.get_close_matches(str(key), list(known), n=1)
    suggestion = f" (did you mean {hint[0]!r}?)" if hint else ""
    expected = ", ".join(known)
    where = f"{path}.{key}" if path else str(key)
    return (where, f"unknown key{suggestion}; expected one of: {expected}")


def _read_table(table: Any, path: str, known: Dict[str, Any],
                errors: List[FieldError]) -> Optional[Tuple[Dict[str, Any], Set[str]]]:
    """(arguments with defaults filled in, paths of missing required keys) or None."""
    if not isinstance(table, dict):
        errors.append((path, f"must be a table, got {type(table).__name__}"))
        return None
    for key in table:
        if key not in known:
            errors.append(_unknown_key(path, key, known))
    values: Dict[str, Any] = {}
    missing: Set[str] = set()
    for key, default in known.items():
        if key in table:
            values[key] = table[key]
        elif default is _REQUIRED:
            errors.append((f"{path}.{key}", "required key is missing"))
            missing.add(f"{path}.{key}")
            values[key] = ""  # placeholder; its own errors are filtered out below
        else:
            values[key] = default
    return values, missing


def _without(errors: List[FieldError], missing: Set[str]) -> List[FieldError]:
    return [e for e in errors if e[0] not in missing]


def _array_of_tables(data: Dict[str, Any], key: str, errors: List[FieldError]) -> List[Any]:
    value = data.get(key, [])
    if not isinstance(value, list):
        errors.append((key, f"must be an array of tables, written [[{key}]]"))
        return []
    return value


def _resolve(base_dir: str, u: Dict[str, Any]) -> None:
    """Relative cwd, and a command given as a relative path, are relative to the file."""
    cwd = u.get("cwd")
    if isinstance(cwd, str) and cwd and not os.path.isabs(cwd):
        u["cwd"] = os.path.normpath(os.path.join(base_dir, cwd))
    command = u.get("command")
    # A bare name ("python") is looked up on PATH; only paths like "./srv" or "bin/srv" move.
    if isinstance(command, str) and "/" in command and not os.path.isabs(command):
        u["command"] = os.path.normpath(os.path.join(base_dir, command))
    _resolve_file(base_dir, u, "tls_ca_file")


def _resolve_file(base_dir: str, table: Dict[str, Any], key: str) -> None:
    value = table.get(key)
    if isinstance(value, str) and value and not os.path.isabs(value):
        table[key] = os.path.normpath(os.path.join(base_dir, value))


def proxy_from_dict(data: Dict[str, Any], base_dir: str = ".") -> MCPProxy:
    """Builds a proxy from parsed TOML; raises ConfigError listing every problem."""
    errors: List[FieldError] = []
    features: List[FieldError] = []
    base_dir = os.path.abspath(base_dir)

    for key in data:
        if key not in TOP_LEVEL_KEYS:
            errors.append(_unknown_key("", key, dict.fromkeys(TOP_LEVEL_KEYS)))

    serve = dict(SERVE_DEFAULTS)
    if "serve" in data:
        read = _read_table(data["serve"], "serve", SERVE_DEFAULTS, errors)
        if read is not None:
            serve.update(read[0])
            if serve["transport"] not in ("stdio", "http"):
                errors.append(("serve.transport", f"must be 'stdio' or 'http', got {serve['transport']!r}"))
            if not isinstance(serve["port"], int) or isinstance(serve["port"], bool) or not 0 <= serve["port"] <= 65535:
                errors.append(("serve.port", f"must be an integer from 0 to 65535, got {serve['port']!r}"))
            for key in ("host", "path"):
                if not isinstance(serve[key], str) or not serve[key]:
                    errors.append((f"serve.{key}", f"must be a non-empty string, got {serve[key]!r}"))
            for key in ("tls_cert_file", "tls_key_file"):
                if not isinstance(serve[key], str):
                    errors.append((f"serve.{key}", f"must be a string (a PEM file's path), got {serve[key]!r}"))
                else:
                    _resolve_file(base_dir, serve, key)

    options = dict(PROXY_DEFAULTS)
    if "proxy" in data:
        read = _read_table(data["proxy"], "proxy", PROXY_DEFAULTS, errors)
        if read:
            options = read[0]
    bad = check_proxy_options(options)
    errors += bad
    features += [] if bad else proxy_feature_errors(options)

    skipped = False  # a [[upstreams]] or [[routes]] entry that was not even a table
    upstreams: List[UpstreamConfig] = []
    for i, table in enumerate(_array_of_tables(data, "upstreams", errors)):
        path = f"upstreams[{i}]"
        read = _read_table(table, path, _dataclass_keys(UpstreamConfig), errors)
        if read is None:
            skipped = True
            continue
        values, missing = read
        _resolve(base_dir, values)
        upstream = UpstreamConfig(**values)
        bad = _without(check_upstream(upstream, path), missing)
        errors += bad
        features += [] if bad or missing else upstream_feature_errors(upstream, path)
        upstreams.append(upstream)

    routes: List[ProxyRoute] = []
    for i, table in enumerate(_array_of_tables(data, "routes", errors)):
        path = f"routes[{i}]"
        read = _read_table(table, path, _dataclass_keys(ProxyRoute), errors)
        if read is None:
            skipped = True
            continue
        values, missing = read
        route = ProxyRoute(**values)
        bad = _without(check_route(route, path), missing)
        errors += bad
        features += [] if bad or missing else route_feature_errors(route, path)
        routes.append(route)

    if not skipped and all(isinstance(data.get(k, []), list) for k in ("upstreams", "routes")):
        # Indices in cross-reference messages are only right when nothing was skipped.
        errors += check_cross_references(upstreams, routes)

    setters = [(key, data[key], spec) for key, spec in _SETTER_TABLES.items() if key in data]
    setters += [(f"tool_rate_limits[{i}]", table, _TOOL_RATE_LIMITS)
                for i, table in enumerate(_array_of_tables(data, "tool_rate_limits", errors))]
    calls: List[Tuple[Callable[..., Any], Dict[str, Any]]] = []
    for path, table, (method, check) in setters:
        read = _read_table(table, path, _signature_keys(method), errors)
        if read is None:
            continue
        values, missing = read
        jwks_file = values.get("jwks_file")
        if isinstance(jwks_file, str) and jwks_file and not os.path.isabs(jwks_file):
            values["jwks_file"] = os.path.normpath(os.path.join(base_dir, jwks_file))
        errors += _without(check(path, **values), missing)
        calls.append((method, values))

    if errors:
        raise ConfigError(errors + features)
    if features:
        raise FeatureNotAvailableError(features)

    proxy = MCPProxy(**options)
    for upstream in upstreams:
        proxy.add_upstream(upstream)
    for route in routes:
        proxy.add_route(route)
    for method, values in calls:
        method(proxy, **values)  # also loads key material in the core: a bad key fails here
    proxy.serve_options = serve
    return proxy


def load_config(path: str) -> MCPProxy:
    """Reads a TOML config file; raises ConfigError naming every bad field."""
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except OSError as exc:
        raise ConfigError([(str(path), f"cannot read: {exc.strerror or exc}")]) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([(str(path), f"invalid TOML: {exc}")]) from exc
    return proxy_from_dict(data, os.path.dirname(os.path.abspath(path)))
