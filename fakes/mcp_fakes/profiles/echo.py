"""Profile ``echo``: echo/add, a schema with $defs/$ref/$anchor, and tools that exercise
progress, logging, list_changed and the server-to-client requests."""

from ..catalog import NUMBER, STRING, Catalog, Prompt, Tool, ToolFailure, number_result, object_schema, text_result, user_message

# Proxies must pass schemas through verbatim; this one uses $defs, $ref and $anchor.
SCHEMA_WITH_REFS = {
    "type": "object",
    "$defs": {
        "point": {
            "$anchor": "point",
            "type": "object",
            "properties": {"x": {"type": "number"}, "y": {"type": "number"}},
            "required": ["x", "y"],
        }
    },
    "properties": {"from": {"$ref": "#/$defs/point"}, "to": {"$ref": "#point"}},
    "required": ["from", "to"],
}


def _echo(args, call):
    return text_result(str(args.get("text", "")))


def _add(args, call):
    return number_result(args["a"] + args["b"])


def _distance(args, call):
    a, b = args["from"], args["to"]
    return number_result(((a["x"] - b["x"]) ** 2 + (a["y"] - b["y"]) ** 2) ** 0.5)


def _slow_count(args, call):
    steps = int(args.get("steps", 3))
    delay = float(args.get("delay_ms", 10)) / 1000
    for step in range(1, steps + 1):
        if call.cancelled.wait(delay):
            return text_result("cancelled")
        call.progress(step, steps, f"step {step}/{steps}")
    return text_result(str(steps))


def _log(args, call):
    call.log(args.get("level", "info"), args.get("data", "hello"))
    return text_result("logged")


def _fail(args, call):
    raise ToolFailure(args.get("message", "the tool failed on purpose"))


def _touch_tools(args, call):
    call.server.list_changed("tools")
    return text_result("tools/list_changed sent")


def _ask_sampling(args, call):
    reply = call.ask(
        "sampling",
        "sampling/createMessage",
        {
            "messages": [user_message(args.get("prompt", "Say hi"))],
            "maxTokens": int(args.get("max_tokens", 50)),
        },
    )
    content = reply.get("content", {})
    return text_result(content.get("text", "") if isinstance(content, dict) else str(content))


def _ask_elicitation(args, call):
    reply = call.ask(
        "elicitation",
        "elicitation/create",
        {
            "mode": "form",
            "message": args.get("message", "Your name?"),
            "requestedSchema": {"type": "object", "properties": {"name": STRING}, "required": ["name"]},
        },
    )
    return text_result(f"{reply.get('action')}:{(reply.get('content') or {}).get('name', '')}")


def _ask_roots(args, call):
    reply = call.ask("roots", "roots/list", {})
    return text_result(",".join(root.get("uri", "") for root in reply.get("roots", [])))


def build(options):
    return Catalog(name="echo", instructions="Echoes text back; a few tools exercise protocol features.").add(
        Tool("echo", "Echo the text back", object_schema({"text": STRING}, ["text"]), _echo,
             {"readOnlyHint": True, "idempotentHint": True}),
        Tool("add", "Add two numbers", object_schema({"a": NUMBER, "b": NUMBER}, ["a", "b"]), _add,
             {"readOnlyHint": True}),
        Tool("distance", "Distance between two points (schema with $defs, $ref and $anchor)", SCHEMA_WITH_REFS,
             _distance, {"readOnlyHint": True}),
        Tool("slow_count", "Count to steps, sending progress when asked",
             object_schema({"steps": {"type": "integer"}, "delay_ms": NUMBER}), _slow_count, {"readOnlyHint": True}),
        Tool("log", "Send a notifications/message", object_schema({"level": STRING, "data": STRING}), _log),
        Tool("fail", "Always fails while running (isError result)", object_schema({"message": STRING}), _fail),
        Tool("touch_tools", "Send notifications/tools/list_changed", object_schema(), _touch_tools),
        Tool("ask_sampling", "Ask the client for sampling/createMessage",
             object_schema({"prompt": STRING, "max_tokens": {"type": "integer"}}), _ask_sampling),
        Tool("ask_elicitation", "Ask the client for elicitation/create", object_schema({"message": STRING}),
             _ask_elicitation),
        Tool("ask_roots", "Ask the client for roots/list", object_schema(), _ask_roots),
        Prompt("echo_prompt", "Repeat a text", [{"name": "text", "description": "what to repeat", "required": True}],
               lambda a: [user_message(f"Please repeat: {a.get('text', '')}")]),
    )
