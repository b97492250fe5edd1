"""`fasterapi-mcp`: serve a proxy from a TOML file, or check the file.

stdout is the MCP channel while serving, so `serve` writes only to stderr.
Exit codes: 0 ok, 1 the proxy could not run (e.g. core not built), 2 bad config or usage.
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any, Dict, List, Optional, TextIO

from .config import ProxyRoute, UpstreamConfig
from .errors import ConfigError
from .proxy import MCPProxy
from .toml_config import load_config

EXIT_OK, EXIT_RUNTIME, EXIT_CONFIG = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fasterapi-mcp", description="FasterAPI MCP Proxy")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve MCP on stdin/stdout from a TOML config")
    serve.add_argument("--config", required=True, help="path to the proxy's TOML file")
    serve.add_argument("--transport", choices=["stdio", "http"],
                       help="client transport (default: [serve] transport in the file, else stdio)")
    serve.add_argument("--host", help="HTTP: address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="HTTP: port (default 8000)")
    serve.add_argument("--tls-cert", dest="tls_cert_file",
                       help="HTTP: serve HTTPS with this PEM certificate chain (with --tls-key)")
    serve.add_argument("--tls-key", dest="tls_key_file", help="HTTP: the PEM private key for --tls-cert")
    check = commands.add_parser("check-config", help="validate a TOML config and summarise it")
    check.add_argument("config", help="path to the proxy's TOML file")
    return parser


def _report_errors(path: str, error: ConfigError, out: TextIO) -> None:
    count = len(error.errors)
    out.write(f"{path}: {count} error{'s' if count != 1 else ''}\n")
    for field, message in error.errors:
        out.write(f"{field}: {message}\n")


def _describe_route(route: ProxyRoute) -> str:
    parts = [f"{kind} {pattern!r}" for kind, pattern in (
        ("tools", route.tool_pattern), ("resources", route.resource_pattern),
        ("prompts", route.prompt_pattern)) if pattern]
    return " | ".join(parts) if parts else "catch-all"


def _describe_upstream(upstream: UpstreamConfig) -> str:
    target = " ".join([upstream.command, *upstream.args]) \
        if upstream.transport_type == "stdio" else upstream.url
    prefix = f", names prefixed {upstream.name_prefix}_" if upstream.name_prefix else ""
    return (f"{upstream.name}: {upstream.transport_type} {target} "
            f"(max_connections={upstream.max_connections}{prefix})")


def summary(path: str, proxy: MCPProxy) -> str:
    options = proxy.options
    lines = [f"ok: {path}", f"proxy: {options['name']} {options['version']}",
             f"upstreams ({len(proxy.upstreams)}):"]
    lines += [f"  {_describe_upstream(u)}" for u in proxy.upstreams]
    lines.append(f"routes ({len(proxy.routes)}, tried in order, first match wins):")
    lines += [f"  [{i}] {_describe_route(r)} -> {r.upstream_name}"
              for i, r in enumerate(proxy.routes)]
    inactive = proxy.inactive_options()
    if inactive:
        lines.append("accepted but inactive in this version: " + ", ".join(inactive))
    return "\n".join(lines) + "\n"


def _check_config(path: str) -> int:
    try:
        proxy = load_config(path)
        proxy.check()
    except ConfigError as error:
        _report_errors(path, error, sys.stderr)
        return EXIT_CONFIG
    sys.stdout.write(summary(path, proxy))
    return EXIT_OK


def _serve(path: str, overrides: Dict[str, Any]) -> int:
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING, format="%(message)s")
    try:
        proxy = load_config(path)
        serve = dict(proxy.serve_options)
        serve.update({key: value for key, value in overrides.items() if value is not None})
        if serve["transport"] != "http" and (serve["tls_cert_file"] or serve["tls_key_file"]):
            raise ConfigError([("serve.tls_cert_file", "TLS is only for transport 'http'")])
        if serve["transport"] == "http":
            proxy.run(transport="http", host=serve["host"], port=serve["port"],
                      tls_cert_file=serve["tls_cert_file"] or None, tls_key_file=serve["tls_key_file"] or None)
        else:
            proxy.run(transport="stdio")
    except ConfigError as error:
        _report_errors(path, error, sys.stderr)
        return EXIT_CONFIG
    except ImportError as error:
        sys.stderr.write(f"fasterapi-mcp: {error}\n")
        return EXIT_RUNTIME
    return EXIT_OK


def main(argv: Optional[List[str]] = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "check-config":
        return _check_config(args.config)
    return _serve(args.config, {"transport": args.transport, "host": args.host, "port": args.port,
                                "tls_cert_file": args.tls_cert_file, "tls_key_file": args.tls_key_file})


if __name__ == "__main__":
    sys.exit(main())
