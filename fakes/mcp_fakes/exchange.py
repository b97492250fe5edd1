"""One incoming request on its way through the faults and the dispatcher."""

import threading


class Exchange:
    def __init__(self, msg, session, emit, firing):
        self.msg = msg
        self.session = session
        self.emit = emit  # emit(msg): send on the channel this request came in on
        self.firing = firing  # ArmedFaults that fire for this message
        self.reply = None  # set by a fault to answer instead of the dispatcher
        self.dropped = False  # set by a fault: send no reply at all
        self.cancelled = threading.Event()
        self.answer_after_cancel = False  # late_after_cancel fault

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
        return [armed.fault for armed in self.firing if armed.stage == stage]
