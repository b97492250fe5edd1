"""Framing faults: what a response line looks like on the wire.

A channel's ``frame(line)`` gives the bytes that carry one message on its transport (stdio:
the line and its newline; HTTP: an SSE event; WebSocket: the frame's text), so each fault
keeps its meaning there. Channels that can drop one connection (HTTP, WebSocket) have
``cut()``; stdio has no such thing, so there the process ends instead."""

import os
import sys
import threading
import time

from .base import Fault, register


@register
class PartialLine(Fault):
    """Write the first part of the response, then end: stdio closes stdout and exits; HTTP
    and WebSocket drop that connection and keep serving."""
    name, stage, params = "partial_line", "write", {"fraction": 0.5, "code": 0}

    def apply(self, line, channel):
        data = channel.frame(line)
        with channel.lock:
            channel.write_raw(data[: max(1, int(len(data) * self.fraction))])
            cut = getattr(channel, "cut", None)
            if cut is not None:
                cut()
                return
        channel.close()
        sys.stderr.flush()
        os._exit(self.code)


@register
class Dribble(Fault):
    """Write the response in chunks of ``chunk`` bytes, ``ms`` apart (WebSocket: fragments)."""
    name, stage, params = "dribble", "write", {"chunk": 16, "ms": 5.0}

    def apply(self, line, channel):
        fragments = getattr(channel, "send_fragments", None)
        if fragments is not None:
            fragments(line, self.chunk, self.ms / 1000)
            return
        data = channel.frame(line)
        with channel.lock:  # nothing else interleaves with the dribbled message
            for start in range(0, len(data), self.chunk):
                channel.write_raw(data[start:start + self.chunk])
                time.sleep(self.ms / 1000)


@register
class NoNewline(Fault):
    """Write the response without what ends it (stdio: the newline; HTTP: the SSE event's
    blank line; WebSocket: the final fragment), then stall every later write."""
    name, stage = "no_newline", "write"

    def apply(self, line, channel):
        fragments = getattr(channel, "send_fragments", None)
        if fragments is not None:
            fragments(line, max(1, len(line)), 0, stall=True)
            return
        with channel.lock:
            channel.write_raw(channel.frame(line)[:-1])
            threading.Event().wait()


@register
class InvalidUtf8(Fault):
    """Put bytes that are not UTF-8 into the response line."""
    name, stage = "invalid_utf8", "write"

    def apply(self, line, channel):
        channel.send_line(b'{"_bad":"\xff\xfe\xc3",' + line[1:])


@register
class HugeLine(Fault):
    """Pad the response to about ``bytes`` bytes (valid JSON, one line)."""
    name, stage, params = "huge_line", "write", {"bytes": 4 * 1024 * 1024}

    def apply(self, line, channel):
        channel.send_line(b'{"_pad":"' + b"x" * max(0, self.bytes - len(line)) + b'",' + line[1:])


@register
class DeepNesting(Fault):
    """Add an array nested ``depth`` levels deep to the response (valid JSON)."""
    name, stage, params = "deep_nesting", "write", {"depth": 100000}

    def apply(self, line, channel):
        channel.send_line(b'{"_deep":' + b"[" * self.depth + b"]" * self.depth + b"," + line[1:])


@register
class DuplicateKeys(Fault):
    """Repeat the "id" key: first a wrong value, then the right one (last-wins parsers are fine)."""
    name, stage = "duplicate_keys", "write"

    def apply(self, line, channel):
        channel.send_line(b'{"id":"duplicate-key",' + line[1:])


@register
class EndlessLine(Fault):
    """Start the response, then stream ``chunk`` more bytes at a time, ``ms`` apart, and never
    end it (stdio: no newline; HTTP: no end of the SSE event) until the client stops reading."""
    name, stage, params = "endless_line", "write", {"chunk": 65536, "ms": 0.0}

    def apply(self, line, channel):
        if getattr(channel, "write_raw", None) is None:  # WebSocket: not a thing there
            channel.send_line(line)
            return
        filler = b"x" * max(1, self.chunk)
        with channel.lock:
            if channel.write_raw(b'{"_endless":"') is False:
                return
            while channel.write_raw(filler) is not False:
                if self.ms:
                    time.sleep(self.ms / 1000)
