"""Framing faults: what a response line looks like on the wire."""

import os
import sys
import threading
import time

from .base import Fault, register


@register
class PartialLine(Fault):
    """Write the first part of the response line, then close stdout and exit."""
    name, stage, params = "partial_line", "write", {"fraction": 0.5, "code": 0}

    def apply(self, line, channel):
        channel.write_raw(line[: max(1, int(len(line) * self.fraction))])
        channel.close()
        sys.stderr.flush()
        os._exit(self.code)


@register
class Dribble(Fault):
    """Write the response in chunks of ``chunk`` bytes, ``ms`` apart."""
    name, stage, params = "dribble", "write", {"chunk": 16, "ms": 5.0}

    def apply(self, line, channel):
        data = line + b"\n"
        with channel.lock:  # nothing else interleaves with the dribbled message
            for start in range(0, len(data), self.chunk):
                channel.write_raw(data[start:start + self.chunk])
                time.sleep(self.ms / 1000)


@register
class NoNewline(Fault):
    """Write the response without its newline, then stall every later write."""
    name, stage = "no_newline", "write"

    def apply(self, line, channel):
        with channel.lock:
            channel.write_raw(line)
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
