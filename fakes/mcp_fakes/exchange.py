"""One incoming request on its way through the faults and the dispatcher."""

import threading


class Exchange:
    def __init__(self, server, msg, session, emit, firing):
        self.server = server
        self.msg = msg
        self.session = session
        self.emit = emit  # emit(msg): send on the channel this request came in on
        self.firing = firing  # Firings: the armed faults that fire for this message
        self.reply = None  # set by a fault to answer instead of the dispatcher
        self.dropped = False  # set by a fault: send no reply at all
        self.cancelled = threading.Event()
        self.on_cancel = []  # callbacks run when the request is cancelled (subscriptions/listen)
        self.answer_after_cancel = False  # late_after_cancel fault
        self.on_sent = []  # callbacks run once the reply has been written (out_of_order fault)

    def cancel(self):
        """The client cancelled this request (or, stateless HTTP, closed its response stream)."""
        self.cancelled.set()
        for callback in list(self.on_cancel):
            callback()

    @property
    def id(self):
        return self.msg.get("id")

    @property
    def method(self):
        return self.msg.get("method")

    @property
    def params(self):
        params = self.msg.get("params")
        return params if isinstance(params, dict) else {}

    @property
    def meta(self):
        meta = self.params.get("_meta")
        return meta if isinstance(meta, dict) else {}

    def faults(self, stage):
        return [firing.armed.fault for firing in self.firing if firing.armed.stage == stage]

    def rng(self, fault):
        """The random stream drawn for ``fault`` when this message arrived (arrival order, so
        concurrent requests still give the same draws for the same seed)."""
        return next(firing.rng for firing in self.firing if firing.armed.fault is fault)
