"""HTTP faults: what a Streamable HTTP fake does to a POST instead of answering it.
``apply(handler, fake)`` returns True when it has dealt with the POST."""

import json

from ..protocol import INTERNAL_ERROR, error_response
from .base import Fault, register


@register
class HttpRefuse(Fault):
    """Reset this connection and stop listening for ``ms``: new connections are refused."""
    name, stage, params = "http_refuse", "http", {"ms": 1000.0}

    def apply(self, handler, fake):
        fake.refuse_for(self.ms / 1000)
        handler.reset_connection()
        return True


@register
class HttpReset(Fault):
    """Reset the connection (TCP RST) instead of answering."""
    name, stage = "http_reset", "http"

    def apply(self, handler, fake):
        handler.reset_connection()
        return True


@register
class HttpEmpty(Fault):
    """Close the connection without sending a byte."""
    name, stage = "http_empty", "http"

    def apply(self, handler, fake):
        handler.close_silently()
        return True


@register
class HttpStatus(Fault):
    """Answer with an HTTP error status (default 503) and a JSON-RPC error body."""
    name, stage, params = "http_status", "http", {"status": 503, "retry_after": ""}

    def apply(self, handler, fake):
        body = json.dumps(error_response(None, INTERNAL_ERROR, f"injected HTTP {self.status}")).encode()
        handler.send_body(self.status, body, headers={"Retry-After": self.retry_after} if self.retry_after else None)
        return True


@register
class Http429(Fault):
    """429 Too Many Requests with Retry-After (seconds)."""
    name, stage, params = "http_429", "http", {"retry_after": 1}

    def apply(self, handler, fake):
        body = json.dumps(error_response(None, INTERNAL_ERROR, "too many requests")).encode()
        handler.send_body(429, body, headers={"Retry-After": str(self.retry_after)})
        return True


@register
class SseCut(Fault):
    """Open an SSE stream and cut it in the middle of an event."""
    name, stage = "sse_cut", "http"

    def apply(self, handler, fake):
        handler.start_sse()
        handler.wfile.write(b'id: 1\nevent: message\ndata: {"jsonrpc":"2.0","id":')
        handler.wfile.flush()
        handler.close_silently()
        return True
