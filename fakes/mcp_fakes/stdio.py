"""The stdio transport: newline-delimited JSON-RPC on stdin/stdout; logs go to stderr."""

import os
import sys
import threading

from .session import Session


class LineChannel:
    """Writes whole lines to a binary stream. ``lock`` is re-entrant so a write fault can
    hold it across a dribbled message and nothing interleaves."""

    def __init__(self, stream):
        self.stream = stream
        self.lock = threading.RLock()

    def send_line(self, line):
        self.write_raw(line + b"\n")

    def frame(self, line):
        return line + b"\n"

    def write_raw(self, data):
        """False once the client has gone away (the reader then sees EOF and we exit)."""
        with self.lock:
            try:
                self.stream.write(data)
                self.stream.flush()
                return True
            except (BrokenPipeError, ValueError, OSError):
                return False

    def close(self):
        with self.lock:
            try:
                self.stream.close()
            except OSError:
                pass


def serve_stdio(server, stdin=None, stdout=None):
    stdin = stdin or sys.stdin.buffer
    channel = LineChannel(stdout or sys.stdout.buffer)
    session = server.add_session(Session(send=lambda msg: server.send(msg, channel)))
    while True:
        if server.stop_reading.is_set():
            threading.Event().wait()  # the stop_reading fault: alive, never reads again
        line = stdin.readline()
        if not line:
            break
        line = line.rstrip(b"\r\n")
        if line.strip():
            server.receive_raw(line, session, channel)
    server.remove_session(session)
    server.drain(timeout=2.0)
    sys.stderr.flush()
    os._exit(0)  # daemon worker threads may be sleeping inside a fault
