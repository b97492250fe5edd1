"""The fixtures the @modelcontextprotocol/conformance scenarios of the 2026-07-28 (stateless)
revision call by name: diagnostic tools of `server-stateless`, and the input-required
(SEP-2322) tools, which answer with an InputRequiredResult until the retried call carries
the inputResponses they asked for. The input-required tools are stateless-era only (the
handshake era asks the client directly, with the 2025-11-25 fixtures)."""

import hashlib
import hmac
import json
import os

from ..catalog import Prompt, Tool, ToolFailure, object_schema, text, text_result
from ..protocol import INVALID_PARAMS, RpcError
from ..server import InputRequired

# requestState is opaque to the client and must come back untouched: it is signed with a
# key of this process, so a tampered state is refused.
_STATE_KEY = os.urandom(32)


def _signed(state):
    mac = hmac.new(_STATE_KEY, state.encode(), hashlib.sha256).hexdigest()
    return f"{state}.{mac}"


def _verified(token):
    """The state a requestState carries, or None when it is missing or not ours."""
    if not isinstance(token, str) or "." not in token:
        return None
    state, _, mac = token.rpartition(".")
    good = hmac.new(_STATE_KEY, state.encode(), hashlib.sha256).hexdigest()
    return state if hmac.compare_digest(mac, good) else None


def _elicit(message, field, kind="string"):
    return {"method": "elicitation/create",
            "params": {"message": message, "requestedSchema": object_schema({field: {"type": kind}}, [field])}}


def _sample(prompt, max_tokens):
    return {"method": "sampling/createMessage",
            "params": {"messages": [{"role": "user", "content": text(prompt)}], "maxTokens": max_tokens}}


ROOTS = {"method": "roots/list", "params": {}}


def _answers(call, requests, state=None):
    """The answers to `requests` ({key: input request}) in the retried call's inputResponses;
    until each one is there (an object), an InputRequiredResult asks for those still missing.
    Keys the tool did not ask for are ignored."""
    if not call.modern:
        raise ToolFailure("input-required results exist only in the stateless era")
    given = call.exchange.params.get("inputResponses")
    given = given if isinstance(given, dict) else {}
    missing = {key: req for key, req in requests.items() if not isinstance(given.get(key), dict)}
    if not missing:
        return given
    result = {"resultType": "input_required", "inputRequests": missing}
    if state is not None:
        result["requestState"] = _signed(state)
    raise InputRequired(result)


def _state(call):
    """The verified requestState of a retried call; a tampered or foreign one is refused."""
    token = call.exchange.params.get("requestState")
    state = _verified(token)
    if state is None:
        raise RpcError(INVALID_PARAMS, "requestState failed its integrity check", {"reason": "bad_request_state"})
    return state


def _content(answer):
    content = answer.get("content")
    return content if isinstance(content, dict) else {}


def _elicitation(args, call):
    got = _answers(call, {"user_name": _elicit("What is your name?", "name")})
    return text_result(f"Hello, {_content(got['user_name']).get('name', 'stranger')}!")


def _sampling(args, call):
    got = _answers(call, {"capital_question": _sample("What is the capital of France?", 100)})
    reply = got["capital_question"].get("content")
    return text_result(f"LLM said: {reply.get('text', '') if isinstance(reply, dict) else reply}")


def _list_roots(args, call):
    got = _answers(call, {"client_roots": ROOTS})
    roots = got["client_roots"].get("roots") or []
    return text_result("Roots: " + ", ".join(str(r.get("uri")) for r in roots if isinstance(r, dict)))


def _request_state(args, call):
    requests = {"confirm": _elicit("Please confirm", "ok", "boolean")}
    _answers(call, requests, state="request_state")
    if _state(call) != "request_state":
        raise RpcError(INVALID_PARAMS, "requestState is not this tool's", {"reason": "bad_request_state"})
    return text_result("state-ok: confirmed")


def _multiple_inputs(args, call):
    got = _answers(call, {"user_name": _elicit("What is your name?", "name"),
                          "greeting": _sample("Generate a greeting", 50),
                          "client_roots": ROOTS}, state="multiple_inputs")
    _state(call)
    return text_result(f"Got all three answers for {_content(got['user_name']).get('name')}")


STEP1 = {"step1": _elicit("Step 1: What is your name?", "name")}
STEP2 = {"step2": _elicit("Step 2: What is your favorite color?", "color")}


def _multi_round(args, call):
    """Two rounds of questions; the signed requestState says which round a retry answers."""
    if call.exchange.params.get("requestState") is None:
        raise InputRequired({"resultType": "input_required", "inputRequests": STEP1,
                             "requestState": _signed("round:1")})
    if _state(call) == "round:1":
        _answers(call, STEP1, state="round:1")
        raise InputRequired({"resultType": "input_required", "inputRequests": STEP2,
                             "requestState": _signed("round:2")})
    got = _answers(call, STEP2, state="round:2")
    return text_result(f"favorite color: {_content(got['step2']).get('color')}")


def _tampered_state(args, call):
    _answers(call, {"confirm": _elicit("Please confirm", "ok", "boolean")}, state="tamper_check")
    _state(call)
    return text_result("state intact")


def _capabilities(args, call):
    """Asks only what the client declared it can answer."""
    declared = call.capabilities()
    offer = {"user_name": ("elicitation", _elicit("What is your name?", "name")),
             "capital_question": ("sampling", _sample("What is the capital of France?", 100)),
             "client_roots": ("roots", ROOTS)}
    requests = {key: req for key, (cap, req) in offer.items() if cap in declared}
    if not requests:
        return text_result("the client declared nothing to ask with")
    got = _answers(call, requests)
    return text_result(f"answered: {', '.join(sorted(k for k in requests if k in got))}")


def _missing_capability(args, call):
    """Needs sampling; a client that did not declare it gets -32021."""
    call.ask("sampling", "sampling/createMessage", {"messages": [{"role": "user", "content": text("hi")}],
                                                    "maxTokens": 10})
    return text_result("sampled")


def _streaming_elicitation(args, call):
    reply = call.ask("elicitation", "elicitation/create",
                     {"message": "Your name?", "requestedSchema": object_schema({"name": {"type": "string"}})})
    return text_result(f"elicited: {json.dumps(reply.get('content'))}")


def _logging(args, call):
    # Only a request whose _meta asks for a log level gets these (stateless era).
    for message in ("started", "working", "done"):
        call.log("info", message)
    return text_result("logged")


def _trigger(kind):
    def handler(args, call):
        call.server.list_changed(kind)
        return text_result(f"{kind} list changed")
    return handler


def _prompt(args, call):
    got = _answers(call, {"user_context": _elicit("What context should the prompt use?", "context")})
    return [{"role": "user", "content": text(f"Answer within this context: {_content(got['user_context']).get('context')}")}]


def prompts():
    return [Prompt("test_input_required_result_prompt", "SEP-2322: asks for context before rendering", [], _prompt,
                   asks=True)]


def tools():
    no_args = object_schema()
    return [
        Tool("test_input_required_result_elicitation", "SEP-2322: asks for a name", no_args, _elicitation),
        Tool("test_input_required_result_sampling", "SEP-2322: asks for a sample", no_args, _sampling),
        Tool("test_input_required_result_list_roots", "SEP-2322: asks for the roots", no_args, _list_roots),
        Tool("test_input_required_result_request_state", "SEP-2322: round-trips requestState", no_args,
             _request_state),
        Tool("test_input_required_result_multiple_inputs", "SEP-2322: three questions at once", no_args,
             _multiple_inputs),
        Tool("test_input_required_result_multi_round", "SEP-2322: two rounds of questions", no_args, _multi_round),
        Tool("test_input_required_result_tampered_state", "SEP-2322: refuses a tampered requestState", no_args,
             _tampered_state),
        Tool("test_input_required_result_capabilities", "SEP-2322: asks only what the client declared", no_args,
             _capabilities),
        Tool("test_missing_capability", "Needs the sampling capability", no_args, _missing_capability),
        Tool("test_streaming_elicitation", "Asks the client for input while it runs", no_args,
             _streaming_elicitation),
        Tool("test_logging_tool", "Logs three messages", no_args, _logging),
        Tool("test_trigger_tool_change", "Announces a changed tool list", no_args, _trigger("tools")),
        Tool("test_trigger_prompt_change", "Announces a changed prompt list", no_args, _trigger("prompts")),
    ]
