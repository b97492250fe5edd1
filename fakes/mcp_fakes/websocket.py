"""The WebSocket transport (not a standard MCP transport): ws://HOST:PORT/mcp, stdio's rules
in frames. Each JSON-RPC message is one text frame; no batches. A connection is one client,
like a stdio pipe pair: both eras, the handshake era's session living as long as the
connection. The subprotocol ``mcp`` is accepted when offered, not required.

The framing faults keep their meaning in frames: ``dribble`` sends the message as a
fragmented message (continuation frames ``ms`` apart); ``no_newline`` sends the first
fragment and never the last, then every later write stalls; ``partial_line`` sends a text
frame holding part of the message, then drops the TCP connection without a close frame;
``invalid_utf8`` sends the bytes as a binary frame (a text frame cannot carry them).
"""

import threading
import time
from http import HTTPStatus
from urllib.parse import urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import serve

from .session import Session

ENDPOINT = "/mcp"
LOCAL_HOSTS = ("localhost", "127.0.0.1", "[::1]", "::1")
SUBPROTOCOL = "mcp"


def _local(host):
    return host in LOCAL_HOSTS or f"[{host}]" in LOCAL_HOSTS


class WsChannel:
    """Writes whole messages, one per frame. ``lock`` is re-entrant so a write fault can hold
    it across a fragmented message and nothing interleaves."""

    def __init__(self, ws):
        self.ws = ws
        self.lock = threading.RLock()

    def send_line(self, line):
        self.write_raw(line)

    def frame(self, line):
        return line  # a frame carries the message as it is, no newline

    def write_raw(self, data):
        """One frame: text when ``data`` is UTF-8, else binary."""
        try:
            message = data.decode("utf-8")
        except UnicodeDecodeError:
            message = data
        with self.lock:
            try:
                self.ws.send(message)
            except (ConnectionClosed, OSError, RuntimeError):
                pass  # the client went away; the reader sees the close and ends the session

    def send_fragments(self, data, chunk, delay, stall=False):
        """One message in text fragments of ``chunk`` characters, ``delay`` seconds apart;
        ``stall``: send only the first fragment, then block (the message never ends)."""
        text = data.decode("utf-8")

        def fragments():
            for start in range(0, len(text), chunk):
                if start:
                    time.sleep(delay)
                yield text[start:start + chunk]
                if stall:
                    threading.Event().wait()

        with self.lock:
            try:
                self.ws.send(fragments())
            except (ConnectionClosed, OSError, RuntimeError):
                pass

    def cut(self):
        """Drop the TCP connection where it is, without a close frame."""
        try:
            self.ws.socket.shutdown(2)
        except OSError:
            pass

    def close(self):
        self.ws.close()


def _select_subprotocol(connection, offered):
    return SUBPROTOCOL if SUBPROTOCOL in offered else None


class WebSocketFake:
    def __init__(self, server, host, port, tls=None):
        self.server = server
        self.host = host
        self.scheme = "wss" if tls is not None else "ws"
        self.ws_server = serve(self.handle, host, port, process_request=self.check_request,
                               select_subprotocol=_select_subprotocol, max_size=None, compression=None, ssl=tls)
        self.port = self.ws_server.socket.getsockname()[1]
        threading.Thread(target=self.ws_server.serve_forever, daemon=True, name="websocket").start()

    @property
    def url(self):
        return f"{self.scheme}://{self.host}:{self.port}{ENDPOINT}"

    def check_request(self, connection, request):
        """404 off the endpoint; 403 for a foreign Origin or (bound to loopback) a foreign Host."""
        if urlsplit(request.path).path != ENDPOINT:
            return connection.respond(HTTPStatus.NOT_FOUND, "not found\n")
        origin = request.headers.get("Origin")
        if origin and not _local(urlsplit(origin).hostname or ""):
            return connection.respond(HTTPStatus.FORBIDDEN, "forbidden origin\n")
        if _local(self.host) and not _local(urlsplit("//" + (request.headers.get("Host") or "")).hostname or ""):
            return connection.respond(HTTPStatus.FORBIDDEN, "forbidden host\n")
        return None

    def handle(self, ws):
        server = self.server
        channel = WsChannel(ws)
        session = server.add_session(Session(send=lambda msg: server.send(msg, channel)))
        try:
            for message in ws:
                if server.stop_reading.is_set():
                    threading.Event().wait()  # the stop_reading fault: alive, never reads again
                data = message.encode("utf-8") if isinstance(message, str) else message
                if data.strip():
                    server.receive_raw(data, session, channel)
        except ConnectionClosed:
            pass
        finally:
            server.remove_session(session)


def serve_websocket(server, host, port, announce=None, tls=None):
    fake = WebSocketFake(server, host, port, tls)
    if announce is not None:
        announce(fake.url)
    threading.Event().wait()  # serve until killed
