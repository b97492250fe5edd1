"""Protocol faults: well-formed messages that say unwelcome things."""

from ..protocol import (INTERNAL_ERROR, UNSUPPORTED_PROTOCOL_VERSION, error_response, notification,
                        request_version, result_response)
from .base import Fault, register


@register
class Error(Fault):
    """Answer with a JSON-RPC error (any code: -32700, -32600, -32601, -32602, -32603, -32002, ...)."""
    name, params = "error", {"code": INTERNAL_ERROR, "message": "injected error"}

    def apply(self, exchange):
        exchange.reply = error_response(exchange.id, self.code, self.message, {"fault": self.name})


@register
class ErrorRate(Error):
    """``error`` under another name, for 'error_rate p=0.2'."""
    name = "error_rate"


@register
class IsError(Fault):
    """Answer tools/call with a result that has isError: true."""
    name, default_method, params = "is_error", "tools/call", {"message": "injected tool failure"}

    def apply(self, exchange):
        exchange.reply = result_response(exchange.id, {"content": [{"type": "text", "text": self.message}],
                                                       "isError": True})


@register
class UnsupportedVersion(Fault):
    """Claim only ``version``: initialize answers it, server/discover lists only it, stateless
    requests get -32022."""
    name, lifecycle, params = "unsupported_version", True, {"version": "1999-01-01"}

    def apply(self, exchange):
        server = exchange.server
        if exchange.method == "initialize":
            exchange.reply = result_response(exchange.id, {"protocolVersion": self.version, "capabilities": {},
                                                           "serverInfo": server.server_info})
        elif exchange.method == "server/discover":
            exchange.reply = result_response(exchange.id, {"supportedVersions": [self.version],
                                                           "capabilities": {}, "serverInfo": server.server_info,
                                                           "resultType": "complete"})
        elif request_version(exchange.msg) is not None:
            exchange.reply = error_response(exchange.id, UNSUPPORTED_PROTOCOL_VERSION, "unsupported protocol version",
                                            {"supported": [self.version],
                                             "requested": request_version(exchange.msg)})


@register
class NotificationFlood(Fault):
    """Send ``count`` notifications/message before the answer, their data padded to ``size``
    characters when that is larger."""
    name, params = "notification_flood", {"count": 1000, "size": 0}

    def apply(self, exchange):
        for n in range(self.count):
            data = f"flood {n}"
            data += "x" * max(0, self.size - len(data))
            exchange.server.send(notification("notifications/message",
                                              {"level": "info", "logger": "flood", "data": data}),
                                 exchange.emit)


@register
class UnknownProgress(Fault):
    """Send notifications/progress for a token the client never issued."""
    name, params = "unknown_progress", {"token": "no-such-token"}

    def apply(self, exchange):
        exchange.server.send(notification("notifications/progress",
                                          {"progressToken": self.token, "progress": 1, "total": 2}),
                             exchange.emit)
