"""The Streamable HTTP transport: both eras on one endpoint, /mcp, bound to 127.0.0.1.

Handshake era: initialize mints an Mcp-Session-Id; later POSTs carry it (400 without, 404
when unknown); GET opens the session's SSE stream; DELETE ends it. Stateless era: each POST
stands alone, carrying the version in _meta (and in MCP-Protocol-Version); GET/DELETE: 405.
A request is answered with JSON when its response is the first thing to send, else with an
SSE stream (progress, logs and server-to-client requests go on it before the response).
"""

import json
import os
import queue
import socket
import struct
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from .protocol import (HEADER_MISMATCH, INVALID_PARAMS, INVALID_REQUEST, METHOD_NOT_FOUND,
                       MODERN_VERSIONS, SUPPORTED_VERSIONS, UNSUPPORTED_PROTOCOL_VERSION, error_response,
                       is_request, request_version)
from .server import is_modern
from .session import Session

ENDPOINT = "/mcp"
LOCAL_HOSTS = ("localhost", "127.0.0.1", "[::1]", "::1")
# Stateless-era errors that are also HTTP errors.
MODERN_STATUS = {METHOD_NOT_FOUND: 404, INVALID_PARAMS: 400, UNSUPPORTED_PROTOCOL_VERSION: 400,
                 HEADER_MISMATCH: 400, INVALID_REQUEST: 400}


class PostChannel:
    """One POST's answer. The first message decides its shape: the request's own response
    first means a JSON body; anything else first opens an SSE stream."""

    def __init__(self, handler, request_id, modern):
        self.handler, self.request_id, self.modern = handler, request_id, modern
        self.lock = threading.RLock()
        self.mode = None
        self.done = threading.Event()
        self._event_ids = 0

    def _is_final(self, line):
        try:
            msg = json.loads(line)
        except ValueError:
            return False
        return isinstance(msg, dict) and "method" not in msg and msg.get("id") == self.request_id

    def send_line(self, line):
        with self.lock:
            if self.done.is_set():
                return
            final = self._is_final(line)
            if self.mode is None and final:
                status = 200
                if self.modern:
                    code = json.loads(line).get("error", {}).get("code")
                    status = MODERN_STATUS.get(code, 200)
                self.handler.send_body(status, line, "application/json")
                self.done.set()
                return
            self._start_sse()
            self._event_ids += 1
            self.write_raw(b"id: %d\nevent: message\ndata: " % self._event_ids + line + b"\n\n")
            if final:
                self.close()

    def _start_sse(self):
        if self.mode is None:
            self.mode = "sse"
            self.handler.start_sse()

    def write_raw(self, data):
        with self.lock:
            self._start_sse()
            try:
                self.handler.wfile.write(data)
                self.handler.wfile.flush()
            except OSError:
                self.done.set()

    def request_done(self, answered):
        """The server finished this request; a cancelled one gets its stream closed."""
        if not answered:
            self.close()

    def close(self):
        with self.lock:
            if self.mode is None:
                self._start_sse()
            self.done.set()


class StreamChannel:
    """A session's GET stream: messages not tied to one request (list_changed, updated)."""

    def __init__(self):
        self.lock = threading.RLock()
        self.queue = queue.Queue()

    def send_line(self, line):
        self.queue.put(b"event: message\ndata: " + line + b"\n\n")

    def write_raw(self, data):
        self.queue.put(data)

    def close(self):
        self.queue.put(None)


class HttpFake:
    """The listening socket, the sessions and the faults' view of the transport."""

    def __init__(self, server, host, port):
        self.server = server
        self.host, self.port = host, port
        self.sessions = {}
        self.lock = threading.Lock()
        self.httpd = None
        self.listening = threading.Event()  # cleared while a refuse fault has us closed
        self.listen()

    def listen(self):
        handler = type("Handler", (FakeHandler,), {"fake": self})
        self.httpd = ThreadingHTTPServer((self.host, self.port), handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True, name="http").start()
        self.listening.set()

    @property
    def url(self):
        return f"http://{self.host}:{self.port}{ENDPOINT}"

    def refuse_for(self, seconds):
        """Close the listening socket (connections are refused), reopen on the same port later."""
        httpd = self.httpd
        self.listening.clear()
        # shutdown() stops a listening socket at once on Linux (close() alone waits for the
        # serving loop's poll to let go); connections are refused from this moment.
        try:
            httpd.socket.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        httpd.socket.close()

        def cycle():
            httpd.shutdown()
            threading.Event().wait(seconds)
            self.listen()

        threading.Thread(target=cycle, daemon=True).start()

    def new_session(self):
        stream = StreamChannel()
        session = Session(send=lambda msg: self.server.send(msg, stream), session_id=uuid.uuid4().hex)
        session.stream = stream
        with self.lock:
            self.sessions[session.id] = session
        return self.server.add_session(session)

    def end_session(self, session):
        with self.lock:
            self.sessions.pop(session.id, None)
        session.stream.close()
        self.server.remove_session(session)


class FakeHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    fake = None  # set on the subclass made per listening socket

    def log_message(self, fmt, *args):  # keep stderr quiet unless something is wrong
        pass

    # -- helpers the faults use --------------------------------------------------------

    session_header = None  # the Mcp-Session-Id minted by this POST's initialize

    def send_body(self, status, body, content_type="application/json", headers=None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if self.session_header:
            self.send_header("Mcp-Session-Id", self.session_header)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def send_rpc_error(self, status, msg_id, code, message, data=None):
        body = json.dumps(error_response(msg_id, code, message, data)).encode()
        self.send_body(status, body)

    def start_sse(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("X-Accel-Buffering", "no")
        self.send_header("Connection", "close")
        if self.session_header:
            self.send_header("Mcp-Session-Id", self.session_header)
        self.end_headers()
        self.close_connection = True

    def reset_connection(self):
        """Close with RST (SO_LINGER 0) instead of an answer."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()

    def close_silently(self):
        """Close without sending a byte (an empty reply)."""
        self.close_connection = True
        self.connection.shutdown(socket.SHUT_RDWR)

    # -- checks ------------------------------------------------------------------------

    def _origin_ok(self):
        origin = self.headers.get("Origin")
        if not origin:
            return True
        host = urlsplit(origin).hostname or ""
        return host in LOCAL_HOSTS or f"[{host}]" in LOCAL_HOSTS

    def _host_ok(self):
        """DNS-rebinding guard: a fake bound to loopback answers only loopback Host names."""
        if self.fake.host not in LOCAL_HOSTS:
            return True
        host = urlsplit("//" + (self.headers.get("Host") or "")).hostname or ""
        return host in LOCAL_HOSTS or f"[{host}]" in LOCAL_HOSTS

    def _precheck(self):
        """403 for a foreign Origin, 404 off the endpoint, 400 for an unknown version header."""
        if urlsplit(self.path).path != ENDPOINT:
            self.send_body(404, b"not found", "text/plain")
            return False
        if not self._origin_ok() or not self._host_ok():
            self.send_rpc_error(403, None, INVALID_REQUEST, "forbidden origin or host")
            return False
        version = self.headers.get("MCP-Protocol-Version")
        if version is not None and version not in SUPPORTED_VERSIONS:
            self.send_rpc_error(400, None, UNSUPPORTED_PROTOCOL_VERSION, f"unsupported protocol version {version!r}",
                                {"supported": list(SUPPORTED_VERSIONS), "requested": version})
            return False
        return True

    def _session(self):
        """(session, None) or (None, status) for the Mcp-Session-Id header."""
        session_id = self.headers.get("Mcp-Session-Id")
        if not session_id:
            return None, 400
        session = self.fake.sessions.get(session_id)
        return (session, None) if session else (None, 404)

    # -- verbs -------------------------------------------------------------------------

    def do_POST(self):
        self.session_header = None  # a kept-alive connection serves several POSTs
        if not self._precheck():
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        server = self.fake.server
        try:
            msg = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            server.recorder.record("in", raw=body)
            self.send_rpc_error(400, None, -32700, "parse error")
            return
        server.recorder.record("in", msg)
        if not isinstance(msg, dict):
            self.send_rpc_error(400, None, INVALID_REQUEST, "batches are not supported")
            return
        firing = server.faults.firing(msg)
        for item in firing:
            if item.armed.stage == "http" and item.armed.fault.apply(self, self.fake):
                return
        modern = is_modern(msg) or self.headers.get("MCP-Protocol-Version") in MODERN_VERSIONS
        if modern:
            self._post_modern(msg, firing)
        else:
            self._post_handshake(msg, firing)

    def _post_modern(self, msg, firing):
        if is_request(msg):
            mismatch = self._header_mismatch(msg)
            if mismatch:
                self.send_rpc_error(400, msg.get("id"), HEADER_MISMATCH, mismatch)
                return
            if request_version(msg) is None and msg.get("method") != "server/discover":
                self.send_rpc_error(400, msg.get("id"), INVALID_PARAMS,
                                    "params._meta must carry io.modelcontextprotocol/protocolVersion")
                return
        session = Session(send=lambda m: None)  # stateless: nothing outlives the POST
        self._answer(msg, session, firing, modern=True)

    def _header_mismatch(self, msg):
        method = self.headers.get("Mcp-Method")
        if method is not None and method != msg.get("method"):
            return f"Mcp-Method {method!r} does not match the body's {msg.get('method')!r}"
        name = self.headers.get("Mcp-Name")
        params = msg.get("params") if isinstance(msg.get("params"), dict) else {}
        body_name = params.get("name", params.get("uri"))
        if name is not None and body_name is not None and name != body_name:
            return f"Mcp-Name {name!r} does not match the body's {body_name!r}"
        return None

    def _post_handshake(self, msg, firing):
        if msg.get("method") == "initialize" and is_request(msg):
            session = self.fake.new_session()
            self.session_header = session.id
        else:
            session, status = self._session()
            if session is None:
                reason = "missing Mcp-Session-Id" if status == 400 else "unknown or ended session"
                self.send_rpc_error(status, msg.get("id"), INVALID_REQUEST, reason)
                return
        self._answer(msg, session, firing, modern=False)

    def _answer(self, msg, session, firing, modern):
        server = self.fake.server
        if not is_request(msg):  # notifications and responses: accepted, no body
            channel = PostChannel(self, None, modern)
            server.receive(msg, session, channel, firing)
            if not channel.done.is_set():  # unless a fault already answered it (respond_to_notification)
                self.send_body(202, b"", "text/plain")
            return
        channel = PostChannel(self, msg["id"], modern)
        server.receive(msg, session, channel, firing)
        channel.done.wait()

    def do_GET(self):
        self.session_header = None
        if not self._precheck():
            return
        if self.headers.get("MCP-Protocol-Version") in MODERN_VERSIONS or not self.headers.get("Mcp-Session-Id"):
            self.send_body(405, b"", "text/plain", {"Allow": "POST"})
            return
        session, status = self._session()
        if session is None:
            self.send_body(status, b"", "text/plain")
            return
        self.start_sse()
        while True:
            data = session.stream.queue.get()
            if data is None:
                return
            try:
                self.wfile.write(data)
                self.wfile.flush()
            except OSError:
                return

    def do_DELETE(self):
        self.session_header = None
        if not self._precheck():
            return
        if self.headers.get("MCP-Protocol-Version") in MODERN_VERSIONS:
            self.send_body(405, b"", "text/plain", {"Allow": "POST"})
            return
        session, status = self._session()
        if session is None:
            self.send_body(status, b"", "text/plain")
            return
        self.fake.end_session(session)
        self.send_body(200, b"", "text/plain")


def serve_http(server, host, port, ready_file=None):
    fake = HttpFake(server, host, port)
    server.http = fake
    print(f"mcp-fake: listening on {fake.url}", file=sys.stderr, flush=True)
    if ready_file:
        temporary = ready_file + ".tmp"
        with open(temporary, "w") as handle:
            handle.write(fake.url + "\n")
        os.replace(temporary, ready_file)  # readers never see a half-written file
    threading.Event().wait()  # serve until killed
