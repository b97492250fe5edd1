"""``mcp-fake``: start one fake MCP server."""

import argparse
import os
import sys

from . import profiles
from .faults import FaultSet, FaultSpecError
from .record import Recorder
from .server import FakeServer, log


def positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


def non_negative_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 0")
    return value


def parser():
    p = argparse.ArgumentParser(prog="mcp-fake", description="A fake MCP server that misbehaves on purpose.")
    p.add_argument("--profile", default="echo", choices=sorted(profiles.PROFILES), help="what to serve (default echo)")
    p.add_argument("--transport", default="stdio", choices=["stdio", "http", "websocket"], help="default stdio")
    p.add_argument("--host", default="127.0.0.1", help="HTTP/WebSocket bind address (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=0, help="HTTP/WebSocket port; 0 picks a free one (default 0)")
    p.add_argument("--ready-file", help="HTTP/WebSocket: write the URL to this file once listening")
    p.add_argument("--ready-fd", type=int, help="HTTP/WebSocket: write the URL and a newline to this inherited "
                   "file descriptor once listening, then close it")
    p.add_argument("--tls-cert", metavar="PEM", help="HTTP/WebSocket: serve https:// or wss:// with this certificate "
                                                      "chain (needs --tls-key)")
    p.add_argument("--tls-key", metavar="PEM", help="HTTP/WebSocket: the private key for --tls-cert")
    p.add_argument("--page-size", type=positive_int, default=50, help="items per list page (default 50)")
    p.add_argument("--tools-count", type=positive_int, default=100, help="tools in profile 'many' (default 100)")
    p.add_argument("--server-name", help="serverInfo.name (default mcp-fake-PROFILE)")
    p.add_argument("--name-suffix", default="", help="appended to serverInfo.name")
    p.add_argument("--cache-ttl-ms", type=non_negative_int, default=0,
                   help="ttlMs on cacheable results in the stateless era (default 0: immediately stale)")
    p.add_argument("--cache-scope", default="public", choices=["public", "private"],
                   help="cacheScope on cacheable results in the stateless era (default public)")
    p.add_argument("--seed", type=int, default=0, help="seed for every random draw of the faults (default 0)")
    p.add_argument("--fault", action="append", default=[], metavar="SPEC",
                   help="arm a fault, e.g. 'error_rate p=0.2' (repeatable; see README)")
    p.add_argument("--record", metavar="PATH", help="append every message in and out to PATH as JSON lines")
    p.add_argument("--control", metavar="PATH", help="serve the control channel on this unix socket")
    return p


def build_server(args):
    catalog = profiles.build(args.profile, {"tools_count": args.tools_count})
    faults = FaultSet(seed=args.seed)
    for spec in args.fault:
        faults.add(spec)
    name = (args.server_name or f"mcp-fake-{catalog.name}") + args.name_suffix
    return FakeServer(catalog, faults, Recorder(args.record), page_size=args.page_size, server_name=name,
                      cache_ttl_ms=args.cache_ttl_ms, cache_scope=args.cache_scope)


def announce(args):
    """announce(url): say where a network fake listens (stderr, --ready-file, --ready-fd)."""

    def tell(url):
        print(f"mcp-fake: listening on {url}", file=sys.stderr, flush=True)
        if args.ready_file:
            temporary = args.ready_file + ".tmp"
            with open(temporary, "w") as handle:
                handle.write(url + "\n")
            os.replace(temporary, args.ready_file)  # readers never see a half-written file
        if args.ready_fd is not None:
            try:
                os.write(args.ready_fd, (url + "\n").encode())
                os.close(args.ready_fd)
            except OSError as error:
                log(f"--ready-fd {args.ready_fd}: {error}")

    return tell


def tls_context(args):
    """The server side of TLS for a network fake, or None for plain HTTP/WebSocket."""
    if not args.tls_cert:
        return None
    import ssl

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.tls_cert, args.tls_key)
    return context


def main(argv=None):
    args = parser().parse_args(argv)
    if bool(args.tls_cert) != bool(args.tls_key):
        print("mcp-fake: --tls-cert and --tls-key go together", file=sys.stderr)
        return 2
    if args.tls_cert and args.transport == "stdio":
        print("mcp-fake: --tls-cert is for --transport http or websocket", file=sys.stderr)
        return 2
    try:
        server = build_server(args)
    except FaultSpecError as error:
        print(f"mcp-fake: bad --fault: {error}", file=sys.stderr)
        return 2
    for armed in server.faults.of_stage("start"):
        armed.fault.apply(server)
    if args.control:
        from .control import serve_control

        serve_control(server, args.control)
    log(f"profile {args.profile}, transport {args.transport}, faults {[a['spec'] for a in server.faults.describe()]}")
    if args.transport == "http":
        from .http import serve_http

        serve_http(server, args.host, args.port, announce(args), tls_context(args))
    elif args.transport == "websocket":
        from .websocket import serve_websocket

        serve_websocket(server, args.host, args.port, announce(args), tls_context(args))
    else:
        from .stdio import serve_stdio

        serve_stdio(server)
    return 0


if __name__ == "__main__":
    sys.exit(main())
