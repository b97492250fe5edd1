"""The MCP server a fake is: transport-agnostic dispatch for both eras, with the fault
stages hooked in (see faults/base.py). Transports hand it parsed messages and a channel."""

import json
import sys
import threading

from . import pagination
from .catalog import ToolFailure, text
from .exchange import Exchange
from .protocol import (HANDSHAKE_VERSIONS, INTERNAL_ERROR, INVALID_PARAMS, INVALID_REQUEST,
                       LATEST_HANDSHAKE_VERSION, LOG_LEVELS, META_CLIENT_CAPABILITIES, METHOD_NOT_FOUND,
                       MISSING_CAPABILITY, MODERN_VERSIONS, META_SUBSCRIPTION_ID, RESOURCE_NOT_FOUND, SUPPORTED_VERSIONS,
                       UNSUPPORTED_PROTOCOL_VERSION, RpcError, error_response, invalid_params, is_notification,
                       is_request, is_response, notification, request_version, result_response)

SERVER_VERSION = "0.1.0"
CACHEABLE = ("server/discover", "tools/list", "resources/list", "resources/templates/list", "prompts/list",
             "resources/read")


def log(text_):
    print(f"mcp-fake: {text_}", file=sys.stderr, flush=True)


def is_modern(msg):
    """True for a stateless-era request (its _meta names a version that is not a handshake one)."""
    version = request_version(msg)
    return version is not None and version not in HANDSHAKE_VERSIONS


class InputRequired(Exception):
    def __init__(self, result):
        super().__init__("input required")
        self.result = result


class ToolCall:
    """What a tool handler may do besides returning: progress, logging, asking the client."""

    def __init__(self, server, exchange, modern):
        self.server, self.exchange, self.modern = server, exchange, modern
        self.cancelled = exchange.cancelled
        self.arguments = exchange.params.get("arguments") or {}

    def progress(self, progress, total=None, message=None):
        token = self.exchange.meta.get("progressToken")
        if token is None:
            return
        params = {"progressToken": token, "progress": progress}
        if total is not None:
            params["total"] = total
        if message is not None:
            params["message"] = message
        self.server.send(notification("notifications/progress", params), self.exchange.emit)

    def log(self, level, data, logger="mcp-fake"):
        request_level = self.exchange.meta.get("io.modelcontextprotocol/logLevel")
        if self.exchange.session.wants_log(level, request_level):
            self.server.send(notification("notifications/message", {"level": level, "logger": logger, "data": data}),
                             self.exchange.emit)

    def close_stream(self):
        """Close this request's response stream now, if its transport can resume it later
        (Streamable HTTP, handshake era, SSE with event ids); elsewhere nothing happens."""
        close = getattr(self.exchange.emit, "close_stream", None)
        if close is not None:
            close()

    def capabilities(self):
        if self.modern:
            caps = self.exchange.meta.get(META_CLIENT_CAPABILITIES)
            return caps if isinstance(caps, dict) else {}
        return self.exchange.session.client_capabilities

    def ask(self, capability, method, params, timeout=30.0):
        """Send a server-to-client request on this request's channel and wait for the answer."""
        if capability not in self.capabilities():
            if self.modern:
                raise RpcError(MISSING_CAPABILITY, f"the client did not declare the {capability} capability",
                               {"capability": capability, "requiredCapabilities": {capability: {}}})
            raise ToolFailure(f"the client did not declare the {capability} capability")
        if self.modern:
            # Stateless era: no server-to-client requests; ask through an input-required
            # result and find the answer in the retried request's inputResponses.
            key = f"{capability}-1"
            answers = self.exchange.params.get("inputResponses") or {}
            if key in answers:
                return answers[key]
            raise InputRequired({"resultType": "input_required",
                                 "inputRequests": {key: {"method": method, "params": params}},
                                 "requestState": f"{self.exchange.params.get('name')}:{key}"})
        session = self.exchange.session
        request_id = session.new_request_id()
        pending = session.expect_reply(request_id)
        self.server.send({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params},
                         self.exchange.emit)
        if not pending.done.wait(timeout):
            session.forget(request_id)
            raise ToolFailure(f"{method}: no answer within {timeout}s")
        reply = pending.message
        if "error" in reply:
            raise ToolFailure(f"{method} failed: {reply['error'].get('message')}")
        return reply.get("result") or {}


class Listener:
    """One subscriptions/listen stream (stateless era): what it agreed to carry, and where."""

    def __init__(self, exchange, honored):
        self.exchange, self.honored = exchange, honored
        self.uris = set(honored.get("resourceSubscriptions") or ())
        self.lock = threading.Lock()  # held from registration until the ack is written
        self.ended = threading.Event()  # set to end the stream gracefully (with its result)

    @property
    def meta(self):
        return {META_SUBSCRIPTION_ID: self.exchange.id}

    def wants(self, method, params):
        if method == "notifications/resources/updated":
            return params.get("uri") in self.uris
        kind = method.split("/")[1]  # notifications/{tools|resources|prompts}/list_changed
        return self.honored.get(f"{kind}ListChanged") is True


class FakeServer:
    def __init__(self, catalog, faults, recorder, page_size=50, server_name=None, server_version=SERVER_VERSION,
                 cache_ttl_ms=0, cache_scope="public"):
        self.catalog = catalog
        # Caching hints on cacheable results in the stateless era (--cache-ttl-ms, --cache-scope).
        self.cache_ttl_ms = cache_ttl_ms
        self.cache_scope = cache_scope
        self.faults = faults
        self.recorder = recorder
        self.page_size = page_size
        self.server_info = {"name": server_name or f"mcp-fake-{catalog.name}", "version": server_version}
        self.sessions = []
        self.listeners = []  # subscriptions/listen streams (stateless era)
        self.hung = threading.Event()  # the hang fault: read and record, answer nothing
        self.stop_reading = threading.Event()  # the stop_reading fault
        self.active = 0  # requests being served, for a clean exit
        self._idle = threading.Condition()
        self._lock = threading.Lock()

    # -- sessions -----------------------------------------------------------------------

    def add_session(self, session):
        with self._lock:
            self.sessions.append(session)
        return session

    def remove_session(self, session):
        session.closed = True
        with self._lock:
            if session in self.sessions:
                self.sessions.remove(session)
            listeners = [l for l in self.listeners if l.exchange.session is session]
        for listener in listeners:  # the client is gone: its streams end without a result
            listener.exchange.cancel()

    def broadcast(self, msg, only=None):
        """A change notification: to every handshake-era session (``only`` filters them), and
        to every subscriptions/listen stream that asked for it, stamped with its id. A
        stateless-era client gets such notifications only through a listen stream."""
        with self._lock:
            sessions = [s for s in self.sessions
                        if s.protocol_version is not None and not s.closed and (only is None or only(s))]
            listeners = list(self.listeners)
        for session in sessions:
            session.send(msg)
        params = msg.get("params") or {}
        for listener in listeners:
            if listener.wants(msg["method"], params):
                with listener.lock:
                    if not listener.ended.is_set():
                        stamped = notification(msg["method"], dict(params, _meta=listener.meta))
                        self.send(stamped, listener.exchange.emit)

    def list_changed(self, kind):
        """notifications/{tools|resources|prompts}/list_changed to every session."""
        self.broadcast(notification(f"notifications/{kind}/list_changed"))

    def resource_updated(self, uri):
        self.broadcast(notification("notifications/resources/updated", {"uri": uri}),
                       only=lambda s: uri in s.subscriptions)

    def end_subscriptions(self):
        """End every subscriptions/listen stream gracefully: each gets its result. How many."""
        with self._lock:
            listeners = list(self.listeners)
        for listener in listeners:
            listener.ended.set()
        return len(listeners)

    # -- the write path -----------------------------------------------------------------

    def send(self, msg, channel, write_faults=()):
        """Serialize one message and write it; a write-stage fault (decided when the request
        arrived) writes it instead, and the record then holds the raw line."""
        line = json.dumps(msg, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        if not write_faults:
            self.recorder.record("out", msg)
            channel.send_line(line)
            return
        self.recorder.record("out", raw=line)
        write_faults[0].apply(line, channel)

    # -- the read path ------------------------------------------------------------------

    def receive_raw(self, data, session, channel):
        """One framed message as bytes: record it, parse it, hand it on."""
        try:
            msg = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            self.recorder.record("in", raw=data)
            if not self.hung.is_set():
                self.send(error_response(None, -32700, "parse error"), channel)
            return
        self.recorder.record("in", msg)
        self.receive(msg, session, channel)

    def receive(self, msg, session, channel, firing=None):
        if self.hung.is_set():
            return
        if isinstance(msg, list):
            self.send(error_response(None, INVALID_REQUEST, "batches are not supported"), channel)
            return
        if is_response(msg):
            if not session.deliver_reply(msg):
                log(f"a response nobody waited for: id {msg.get('id')!r}")
            return
        if not isinstance(msg, dict) or not isinstance(msg.get("method"), str) or msg.get("jsonrpc") != "2.0":
            msg_id = msg.get("id") if isinstance(msg, dict) else None
            self.send(error_response(msg_id, INVALID_REQUEST, "not a JSON-RPC 2.0 request"), channel)
            return
        if firing is None:
            firing = self.faults.firing(msg) if self.faults else []
        exchange = Exchange(self, msg, session, channel, firing)
        if is_notification(msg):
            self._run_request_faults(exchange)
            if exchange.reply is not None:
                self.send(exchange.reply, channel)
            self.on_notification(exchange)
            return
        session.recent_ids.append(msg.get("id"))
        if is_request(msg) and msg["id"] is None:
            self.send(error_response(None, INVALID_REQUEST, "the id must not be null"), channel)
            return
        session.in_flight[exchange.id] = exchange
        threading.Thread(target=self.serve, args=(exchange,), daemon=True, name=f"req-{exchange.id}").start()

    def _run_request_faults(self, exchange):
        for fault in exchange.faults("request"):
            fault.apply(exchange)
            if exchange.reply is not None or exchange.dropped:
                break

    def on_notification(self, exchange):
        session, method, params = exchange.session, exchange.method, exchange.params
        if method == "notifications/initialized":
            session.initialized = True
        elif method == "notifications/cancelled":
            target = session.in_flight.get(params.get("requestId"))
            if target is not None:
                target.cancel()

    def drain(self, timeout):
        """Wait (bounded) for the requests being served to finish."""
        with self._idle:
            self._idle.wait_for(lambda: self.active == 0, timeout)

    def serve(self, exchange):
        with self._idle:
            self.active += 1
        answered = False
        try:
            self._run_request_faults(exchange)
            if exchange.dropped or self.hung.is_set():
                for callback in exchange.on_sent:
                    callback()
                return
            if exchange.reply is None:
                exchange.reply = self.dispatch(exchange)
            elif isinstance(exchange.reply.get("result"), dict) and is_modern(exchange.msg):
                # A fault's result is still a stateless-era result: stamp it like ours.
                exchange.reply["result"].setdefault("resultType", "complete")
            answered = self.respond(exchange)
        finally:
            done = getattr(exchange.emit, "request_done", None)
            if done is not None and exchange.cancelled.is_set():
                done(answered)
            exchange.session.in_flight.pop(exchange.id, None)
            with self._idle:
                self.active -= 1
                self._idle.notify_all()

    def respond(self, exchange):
        if exchange.cancelled.is_set() and not exchange.answer_after_cancel:
            return False  # a cancelled request gets no response
        messages = [exchange.reply]
        for fault in exchange.faults("response"):
            messages = fault.apply(messages, exchange)
        write_faults = exchange.faults("write")
        for msg in messages:
            self.send(msg, exchange.emit, write_faults)
        for callback in exchange.on_sent:
            callback()
        return bool(messages)

    # -- dispatch -----------------------------------------------------------------------

    def dispatch(self, exchange):
        version = request_version(exchange.msg)
        modern = is_modern(exchange.msg)
        try:
            if modern and version not in MODERN_VERSIONS:
                raise RpcError(UNSUPPORTED_PROTOCOL_VERSION, f"unsupported protocol version {version!r}",
                               {"supported": list(SUPPORTED_VERSIONS), "requested": version})
            handler = self.handlers().get(exchange.method)
            if handler is None:
                raise RpcError(METHOD_NOT_FOUND, f"method not found: {exchange.method}")
            result = handler(exchange, modern)
            if modern:
                result = dict(result)
                result.setdefault("resultType", "complete")
                if exchange.method in CACHEABLE:
                    result.setdefault("ttlMs", self.cache_ttl_ms)
                    result.setdefault("cacheScope", self.cache_scope)
            return result_response(exchange.id, result)
        except RpcError as error:
            return error_response(exchange.id, error.code, error.message, error.data)
        except Exception as error:  # a bug in a fake is the fake's fault: say so, keep serving
            log(f"internal error serving {exchange.method}: {error!r}")
            return error_response(exchange.id, INTERNAL_ERROR, f"internal error: {error}")

    def handlers(self):
        table = {
            "initialize": self.initialize,
            "ping": lambda ex, modern: {},
            "server/discover": self.discover,
            "tools/list": self.list_tools,
            "tools/call": self.call_tool,
            "logging/setLevel": self.set_level,
            "subscriptions/listen": self.listen,
        }
        if self.catalog.resources or self.catalog.templates:
            table.update({"resources/list": self.list_resources, "resources/templates/list": self.list_templates,
                          "resources/read": self.read_resource, "resources/subscribe": self.subscribe,
                          "resources/unsubscribe": self.unsubscribe})
        if self.catalog.prompts:
            table.update({"prompts/list": self.list_prompts, "prompts/get": self.get_prompt})
        if self.completable():
            table["completion/complete"] = self.complete
        return table

    def completable(self):
        return any(p.complete for p in self.catalog.prompts) or any(t.complete for t in self.catalog.templates)

    def capabilities(self):
        caps = {"tools": {"listChanged": True}, "logging": {}}
        if self.catalog.resources or self.catalog.templates:
            caps["resources"] = {"subscribe": True, "listChanged": True}
        if self.catalog.prompts:
            caps["prompts"] = {"listChanged": True}
        if self.completable():
            caps["completions"] = {}
        return caps

    def initialize(self, exchange, modern):
        params = exchange.params
        requested = params.get("protocolVersion")
        version = requested if requested in HANDSHAKE_VERSIONS else LATEST_HANDSHAKE_VERSION
        session = exchange.session
        session.protocol_version = version
        session.client_capabilities = params.get("capabilities") or {}
        session.client_info = params.get("clientInfo") or {}
        result = {"protocolVersion": version, "capabilities": self.capabilities(), "serverInfo": self.server_info}
        if self.catalog.instructions:
            result["instructions"] = self.catalog.instructions
        return result

    def discover(self, exchange, modern):
        result = {"supportedVersions": list(SUPPORTED_VERSIONS), "capabilities": self.capabilities(),
                  "serverInfo": self.server_info, "resultType": "complete"}
        if self.catalog.instructions:
            result["instructions"] = self.catalog.instructions
        return result

    def _page(self, kind, key, items, exchange):
        described = [item.describe() for item in items]
        page, next_cursor = pagination.page(kind, described, exchange.params.get("cursor"), self.page_size)
        result = {key: page}
        if next_cursor is not None:
            result["nextCursor"] = next_cursor
        return result

    def list_tools(self, exchange, modern):
        return self._page("tools", "tools", self.catalog.tools, exchange)

    def list_resources(self, exchange, modern):
        return self._page("resources", "resources", self.catalog.resources, exchange)

    def list_templates(self, exchange, modern):
        return self._page("templates", "resourceTemplates", self.catalog.templates, exchange)

    def list_prompts(self, exchange, modern):
        return self._page("prompts", "prompts", self.catalog.prompts, exchange)

    def call_tool(self, exchange, modern):
        name = exchange.params.get("name")
        tool = self.catalog.tool(name)
        if tool is None:
            raise invalid_params(f"unknown tool: {name}", {"name": name})
        arguments = exchange.params.get("arguments") or {}
        if not isinstance(arguments, dict):
            raise invalid_params("arguments must be an object")
        missing = [key for key in tool.input_schema.get("required", []) if key not in arguments]
        if missing:
            raise invalid_params(f"missing arguments: {', '.join(missing)}", {"missing": missing})
        try:
            return tool.handler(arguments, ToolCall(self, exchange, modern))
        except ToolFailure as failure:
            return {"content": [text(str(failure))], "isError": True}
        except InputRequired as needed:
            return needed.result
        except (KeyError, TypeError, ValueError) as error:
            return {"content": [text(f"bad arguments: {error!r}")], "isError": True}

    def _resource_contents(self, uri):
        for resource in self.catalog.resources:
            if resource.uri == uri:
                return resource.read()
        for template in self.catalog.templates:
            variables = template.match(uri)
            if variables is not None:
                contents = template.read(uri, variables)
                if contents is not None:
                    return contents
        return None

    def read_resource(self, exchange, modern):
        uri = exchange.params.get("uri")
        contents = self._resource_contents(uri) if isinstance(uri, str) else None
        if contents is None:
            code = INVALID_PARAMS if modern else RESOURCE_NOT_FOUND
            raise RpcError(code, f"resource not found: {uri}", {"uri": uri})
        return {"contents": contents}

    def subscribe(self, exchange, modern):
        uri = exchange.params.get("uri")
        if not isinstance(uri, str):
            raise invalid_params("uri is required")
        exchange.session.subscriptions.add(uri)
        return {}

    def unsubscribe(self, exchange, modern):
        exchange.session.subscriptions.discard(exchange.params.get("uri"))
        return {}

    def get_prompt(self, exchange, modern):
        name = exchange.params.get("name")
        prompt = self.catalog.prompt(name)
        if prompt is None:
            raise invalid_params(f"unknown prompt: {name}", {"name": name})
        arguments = exchange.params.get("arguments") or {}
        missing = [a["name"] for a in prompt.arguments if a.get("required") and a["name"] not in arguments]
        if missing:
            raise invalid_params(f"missing arguments: {', '.join(missing)}", {"missing": missing})
        if not prompt.asks:
            return {"description": prompt.description, "messages": prompt.render(arguments)}
        try:
            return {"description": prompt.description, "messages": prompt.render(arguments, ToolCall(self, exchange, modern))}
        except InputRequired as needed:
            return needed.result
        except ToolFailure as failure:
            raise invalid_params(str(failure), {"name": name})

    def complete(self, exchange, modern):
        ref = exchange.params.get("ref") or {}
        argument = exchange.params.get("argument") or {}
        name, prefix = argument.get("name", ""), str(argument.get("value", ""))
        completer = None
        if ref.get("type") == "ref/prompt":
            prompt = self.catalog.prompt(ref.get("name"))
            if prompt is None:
                raise invalid_params(f"unknown prompt: {ref.get('name')}")
            completer = prompt.complete
        elif ref.get("type") == "ref/resource":
            template = next((t for t in self.catalog.templates if t.uri_template == ref.get("uri")), None)
            if template is None:
                raise invalid_params(f"unknown resource template: {ref.get('uri')}")
            completer = template.complete
        else:
            raise invalid_params("ref.type must be ref/prompt or ref/resource")
        values = completer(name, prefix) if completer else []
        return {"completion": {"values": values[:100], "total": len(values), "hasMore": len(values) > 100}}

    def listen(self, exchange, modern):
        """subscriptions/listen (2026-07-28 only): acknowledge the honored subset of the
        filter first, then carry the notifications it names until the client cancels (stdio,
        WebSocket: notifications/cancelled; HTTP: closing the response stream), the stream
        breaks, or the fake ends the subscription (its result is then the last message)."""
        if not modern:
            raise RpcError(METHOD_NOT_FOUND, "subscriptions/listen exists only in the 2026-07-28 era")
        requested = exchange.params.get("notifications")
        if not isinstance(requested, dict):
            raise invalid_params("params.notifications must be an object")
        caps = self.capabilities()
        honored = {}
        if requested.get("toolsListChanged") is True:
            honored["toolsListChanged"] = True
        if requested.get("promptsListChanged") is True and "prompts" in caps:
            honored["promptsListChanged"] = True
        if "resources" in caps:
            if requested.get("resourcesListChanged") is True:
                honored["resourcesListChanged"] = True
            uris = requested.get("resourceSubscriptions")
            if isinstance(uris, list) and uris:
                honored["resourceSubscriptions"] = [u for u in uris if isinstance(u, str)]
        listener = Listener(exchange, honored)
        with listener.lock:  # no event goes out on this stream before its ack
            with self._lock:
                self.listeners.append(listener)
            self.send(notification("notifications/subscriptions/acknowledged",
                                   {"notifications": honored, "_meta": listener.meta}), exchange.emit)
        exchange.on_cancel.append(listener.ended.set)
        if exchange.cancelled.is_set():  # cancelled before the callback was in place
            listener.ended.set()
        try:
            listener.ended.wait()  # end_subscriptions, a cancel, or the client's session closing
            with listener.lock:
                pass  # a notification being written now goes out before the result
        finally:
            with self._lock:
                self.listeners.remove(listener)
        return {"_meta": listener.meta}

    def set_level(self, exchange, modern):
        level = exchange.params.get("level")
        if level not in LOG_LEVELS:
            raise invalid_params(f"unknown log level {level!r}")
        exchange.session.log_level = level
        return {}

