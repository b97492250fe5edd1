"""A proxy process serving many stdio-style clients: each connection to a unix socket is one
MCP session (newline-delimited JSON-RPC, as on stdio). The soak runs the proxy this way so
its memory, descriptors and children are its own, apart from the clients'.

    python socket_proxy.py CONFIG.toml SOCKET_PATH

Prints "ready" once listening; on SIGTERM it stops the proxy, prints the core's counters
(`get_stats().extra`) as one JSON line and exits 0."""

import json
import signal
import socket
import sys

from fasterapi.mcp.toml_config import load_config


def main(config: str, path: str) -> int:
    proxy = load_config(config)
    proxy.start()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(128)

    def stop(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    print("ready", flush=True)
    try:
        while True:
            conn, _ = listener.accept()
            with conn:  # the core serves its own duplicates of the descriptor
                proxy.serve_fds(conn.fileno(), conn.fileno())
    finally:
        listener.close()
        proxy.stop()
        print(json.dumps(proxy.get_stats().extra), flush=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
