"""The Streamable HTTP transport: both eras on one endpoint, /mcp, bound to 127.0.0.1.

Handshake era: initialize mints an Mcp-Session-Id; later POSTs carry it (400 without, 404
when unknown); GET opens the session's SSE stream; DELETE ends it. Stateless era: each POST
stands alone, carrying the version in _meta (and in MCP-Protocol-Version); GET/DELETE: 405.
A request is answered with JSON when its response is the first thing to send, else with an
SSE stream (progress, logs and server-to-client requests go on it before the response).
"""

import collections
import itertools
import json
import select
import socket
import struct
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


RESUMABLE_FROM = "2025-11-25"  # sessions at this version get event ids, priming events and resumption
RETRY_MS = 500  # the retry field of a priming event: how soon a client should reconnect
KEPT_EVENTS = 1024  # events kept per stream for Last-Event-ID
KEPT_STREAMS = 64  # finished POST streams kept per session for a late resumption


def sse_event(line, event_id=None):
    head = b"id: %s\n" % event_id.encode() if event_id is not None else b""
    return head + b"event: message\ndata: " + line + b"\n\n"


class Connection:
    """One HTTP response carrying an SSE stream. The handler thread that owns it blocks in
    ``hold`` until the stream lets go of it, or the client closes it (``on_lost`` runs then)."""

    def __init__(self, handler, on_lost=None):
        self.handler, self.on_lost = handler, on_lost
        self.ended = threading.Event()
        self._lock = threading.Lock()
        self._wake = None  # (reader, writer) while a thread holds the connection

    def write(self, data):
        try:
            self.handler.wfile.write(data)
            self.handler.wfile.flush()
            return True
        except OSError:
            return False

    def end(self):
        with self._lock:
            self.ended.set()
            if self._wake is not None:
                self._wake[1].send(b"x")

    def hold(self):
        """Block until ended; a client that closes the connection first counts as lost."""
        with self._lock:
            if self.ended.is_set():
                return
            self._wake = socket.socketpair()
        sock = self.handler.connection
        try:
            while not self.ended.is_set():
                readable, _, _ = select.select([sock, self._wake[0]], [], [])
                if sock not in readable:
                    continue
                try:
                    peeked = sock.recv(1, socket.MSG_PEEK)
                except OSError:
                    peeked = b""
                if peeked:  # the client sent more (it should not on an SSE response): just wait
                    self.ended.wait()
                    break
                self.end()
                if self.on_lost is not None:
                    self.on_lost()
        finally:
            with self._lock:
                for end in self._wake:
                    end.close()
                self._wake = None


class SseStream:
    """One SSE stream of a session: the GET stream (id 0) or one POST's. Its events carry ids
    ``{stream}-{n}`` and the last KEPT_EVENTS are kept, so a client that lost the connection
    resumes with a GET carrying Last-Event-ID: the events after that id, of this stream only,
    then the rest of the stream live. Events sent while no connection carries the stream wait
    for the next one."""

    def __init__(self, stream_id):
        self.id = stream_id
        self.lock = threading.RLock()  # also the channel lock the write faults hold
        self.history = collections.deque(maxlen=KEPT_EVENTS)  # (n, frame)
        self.count = 0
        self.delivered = 0  # the last event written to a live connection
        self.connection = None
        self.finished = False

    def event_id(self, n):
        return None if self.id is None else f"{self.id}-{n}"  # id None: a stream nobody can resume

    def send_line(self, line, final=False):
        with self.lock:
            self.count += 1
            frame = sse_event(line, self.event_id(self.count))
            self.history.append((self.count, frame))
            if self._write(frame):
                self.delivered = self.count
            if final:
                self.finish()

    def frame(self, line):
        return sse_event(line)

    def write_raw(self, data):
        with self.lock:
            return self._write(data)

    def _write(self, data):
        if self.connection is None:
            return False
        if self.connection.write(data):
            return True
        self.detach()
        return False

    def attach(self, connection, after=None, prime=False):
        """Carry the stream on ``connection`` from now on, after replaying the kept events
        after event ``after`` (default: those no connection has carried yet). ``prime``: start
        with the priming event (an id, empty data) and the retry hint."""
        with self.lock:
            if self.connection is not None:
                self.connection.end()
            self.connection = connection
            if prime:
                self._write(b"id: %s\nretry: %d\ndata: \n\n" % (self.event_id(0).encode(), RETRY_MS))
            floor = self.delivered if after is None else after
            for n, frame in list(self.history):
                if n > floor and self._write(frame):
                    self.delivered = max(self.delivered, n)
            if self.finished:
                self.detach()

    def detach(self):
        """Let go of the connection (it closes); the stream goes on and can be resumed."""
        with self.lock:
            if self.connection is not None:
                self.connection.end()
                self.connection = None

    def finish(self):
        with self.lock:
            self.finished = True
            self.detach()

    def close(self):
        self.finish()


class PostChannel:
    """One POST's answer. The first message decides its shape: the request's own response
    first means a JSON body; anything else first opens an SSE stream (a resumable one in a
    handshake-era session at 2025-11-25: it starts with a priming event)."""

    def __init__(self, handler, request_id, modern, session=None):
        self.handler, self.request_id, self.modern = handler, request_id, modern
        self.session = session  # the handshake-era session, None in the stateless era
        self.lock = threading.RLock()
        self.mode = None
        self.stream = None
        self.connection = Connection(handler, on_lost=self._lost)

    @property
    def done(self):
        return self.connection.ended

    def _is_final(self, line):
        try:
            msg = json.loads(line)
        except ValueError:
            return False
        return isinstance(msg, dict) and "method" not in msg and msg.get("id") == self.request_id

    def _resumable(self):
        session = self.session
        return session is not None and (session.protocol_version or "") >= RESUMABLE_FROM

    def send_line(self, line):
        with self.lock:
            if self.mode == "json":
                return
            final = self._is_final(line)
            if self.mode is None and final:
                status = 200
                if self.modern:
                    code = json.loads(line).get("error", {}).get("code")
                    status = MODERN_STATUS.get(code, 200)
                self.mode = "json"
                try:
                    self.handler.send_body(status, line, "application/json")
                except (OSError, ValueError):
                    pass  # the client went away (or a fault closed the connection)
                self.connection.end()
                return
            self._start_sse()
            self.stream.send_line(line, final)

    def _start_sse(self):
        if self.mode is None:
            self.mode = "sse"
            resumable = self._resumable()
            self.stream = self.session.new_stream() if resumable else SseStream(None)
            self.handler.start_sse()
            self.stream.attach(self.connection, prime=resumable)

    def frame(self, line):
        return sse_event(line)

    def write_raw(self, data):
        with self.lock:
            self._start_sse()
            return self.stream.write_raw(data)

    def close_stream(self):
        """Close the connection mid-request; the stream goes on for a client that resumes it."""
        with self.lock:
            if self._resumable() and self.mode != "json":
                self._start_sse()
                self.stream.detach()

    def cut(self):
        """End the connection where it is (after a partial write)."""
        with self.lock:
            self._start_sse()
            self.stream.detach()

    def _lost(self):
        """The client closed the response stream. Stateless era: that is the request's
        cancellation. Handshake era: a disconnect alone is not a cancel; the stream waits."""
        if self.modern:
            exchange = self.session_of_request()
            if exchange is not None:
                exchange.cancel()
        elif self.stream is not None:
            self.stream.detach()

    def session_of_request(self):
        return self.handler.exchange_of(self.request_id)

    def request_done(self, answered):
        """The server finished this request; a cancelled one gets its stream closed."""
        if not answered:
            self.close()

    def close(self):
        with self.lock:
            if self.mode is None:
                self._start_sse()
            if self.stream is not None:
                self.stream.finish()
            self.connection.end()


class HttpFake:
    """The listening socket, the sessions and the faults' view of the transport."""

    def __init__(self, server, host, port, tls=None):
        self.server = server
        self.host, self.port = host, port
        self.tls = tls  # an ssl.SSLContext: serve https://
        self.sessions = {}
        self.lock = threading.Lock()
        self.httpd = None
        self.listening = threading.Event()  # cleared while a refuse fault has us closed
        self.listen()

    def listen(self):
        handler = type("Handler", (FakeHandler,), {"fake": self})
        self.httpd = ThreadingHTTPServer((self.host, self.port), handler)
        if self.tls is not None:
            self.httpd.socket = self.tls.wrap_socket(self.httpd.socket, server_side=True)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True, name="http").start()
        self.listening.set()

    @property
    def url(self):
        scheme = "https" if self.tls is not None else "http"
        return f"{scheme}://{self.host}:{self.port}{ENDPOINT}"

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
        session = HttpSession(self.server, uuid.uuid4().hex)
        with self.lock:
            self.sessions[session.id] = session
        return self.server.add_session(session)

    def end_session(self, session):
        with self.lock:
            self.sessions.pop(session.id, None)
        for stream in session.all_streams():
            stream.finish()
        self.server.remove_session(session)


class HttpSession(Session):
    """A handshake-era session: its GET stream (0) and its POST streams, for resumption."""

    def __init__(self, server, session_id):
        self.stream = SseStream(0)
        super().__init__(send=lambda msg: server.send(msg, self.stream), session_id=session_id)
        self._streams = collections.OrderedDict()  # id -> SseStream, oldest first
        self._stream_ids = itertools.count(1)
        self._streams_lock = threading.Lock()

    def new_stream(self):
        stream = SseStream(next(self._stream_ids))
        with self._streams_lock:
            self._streams[stream.id] = stream
            finished = [key for key, old in self._streams.items() if old.finished]
            for key in finished[:max(0, len(self._streams) - KEPT_STREAMS)]:
                del self._streams[key]
        return stream

    def all_streams(self):
        with self._streams_lock:
            return [self.stream, *self._streams.values()]

    def find_event(self, event_id):
        """(stream, n) for an event id this session issued, else None."""
        stream_part, _, n_part = (event_id or "").strip().partition("-")
        if not (stream_part.isdigit() and n_part.isdigit()):
            return None
        stream_id = int(stream_part)
        if stream_id == 0:
            stream = self.stream
        else:
            with self._streams_lock:
                stream = self._streams.get(stream_id)
        if stream is None or int(n_part) > stream.count:
            return None
        return stream, int(n_part)


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
        self.request_session = session
        resumable_session = None if modern else session
        if not is_request(msg):  # notifications and responses: accepted, no body
            channel = PostChannel(self, None, modern, resumable_session)
            server.receive(msg, session, channel, firing)
            if not channel.done.is_set():  # unless a fault already answered it (respond_to_notification)
                self.send_body(202, b"", "text/plain")
            return
        channel = PostChannel(self, msg["id"], modern, resumable_session)
        server.receive(msg, session, channel, firing)
        channel.connection.hold()

    def exchange_of(self, request_id):
        """The request being served for this POST (to cancel it when its stream closes)."""
        session = getattr(self, "request_session", None)
        return session.in_flight.get(request_id) if session is not None else None

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
        last_event_id = self.headers.get("Last-Event-ID")
        if last_event_id is None:
            stream, after = session.stream, None
        else:
            found = session.find_event(last_event_id)
            if found is None:
                self.send_rpc_error(400, None, INVALID_REQUEST, f"unknown Last-Event-ID {last_event_id!r}")
                return
            stream, after = found
        connection = Connection(self)
        with stream.lock:  # the headers go out before any event of the stream
            self.start_sse()
            stream.attach(connection, after,
                          prime=last_event_id is None and (session.protocol_version or "") >= RESUMABLE_FROM)
        connection.hold()

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


def serve_http(server, host, port, announce=None, tls=None):
    fake = HttpFake(server, host, port, tls)
    server.http = fake
    if announce is not None:
        announce(fake.url)
    threading.Event().wait()  # serve until killed
