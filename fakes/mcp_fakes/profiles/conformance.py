"""Profile ``conformance``: the tools, resources and prompts that the
@modelcontextprotocol/conformance server scenarios call by name."""

import json
import time

from ..catalog import (STRING, Catalog, Prompt, Resource, ResourceTemplate, Tool, ToolFailure, object_schema,
                       text, text_result)
from ..media import silent_wav_base64, tiny_png_base64
from . import conformance_stateless

PNG = tiny_png_base64()
WAV = silent_wav_base64()
EMBEDDED = {"uri": "test://embedded-resource", "mimeType": "text/plain", "text": "This is an embedded resource content."}


def _content(*items):
    return lambda args, call: {"content": list(items)}


def _logging(args, call):
    for step, message in enumerate(("Tool execution started", "Tool processing data", "Tool execution completed")):
        if step:
            time.sleep(0.05)
        call.log("info", message)
    return text_result("Tool with logging executed successfully")


def _progress(args, call):
    for step, value in enumerate((0, 50, 100)):
        if step:
            time.sleep(0.05)
        call.progress(value, 100)
    return text_result("Tool with progress executed successfully")


def _error(args, call):
    raise ToolFailure("This tool intentionally returns an error for testing")


def _sampling(args, call):
    reply = call.ask("sampling", "sampling/createMessage",
                     {"messages": [{"role": "user", "content": text(args["prompt"])}], "maxTokens": 100})
    content = reply.get("content") or {}
    return text_result(f"LLM response: {content.get('text', '') if isinstance(content, dict) else content}")


def _elicitation(args, call):
    schema = object_schema({"username": {"type": "string", "description": "User's response"},
                            "email": {"type": "string", "description": "User's email address"}},
                           ["username", "email"])
    reply = call.ask("elicitation", "elicitation/create", {"message": args["message"], "requestedSchema": schema})
    return text_result(f"User response: action={reply.get('action')}, content={json.dumps(reply.get('content'))}")


def _elicit_and_report(call, message, properties):
    reply = call.ask("elicitation", "elicitation/create",
                     {"message": message, "requestedSchema": object_schema(properties)})
    return text_result(f"Elicitation completed: action={reply.get('action')}, "
                       f"content={json.dumps(reply.get('content'))}")


def _elicitation_defaults(args, call):
    """SEP-1034: a default for every primitive type."""
    return _elicit_and_report(call, "Please review your profile (every field has a default)", {
        "name": {"type": "string", "description": "Full name", "default": "John Doe"},
        "age": {"type": "integer", "description": "Age in years", "default": 30},
        "score": {"type": "number", "description": "Score", "default": 95.5},
        "status": {"type": "string", "description": "Account status", "enum": ["active", "inactive", "pending"],
                   "default": "active"},
        "verified": {"type": "boolean", "description": "Verified", "default": True},
    })


def _titled(prefix, names):
    return [{"const": f"value{n}", "title": f"{name} {prefix}"} for n, name in enumerate(names, 1)]


def _elicitation_enums(args, call):
    """SEP-1330: the five enum shapes (untitled/titled single, legacy enumNames, untitled/titled multi)."""
    options = ["option1", "option2", "option3"]
    return _elicit_and_report(call, "Pick some options", {
        "untitledSingle": {"type": "string", "description": "Untitled single-select", "enum": options},
        "titledSingle": {"type": "string", "description": "Titled single-select",
                         "oneOf": _titled("Option", ["First", "Second", "Third"])},
        "legacyEnum": {"type": "string", "description": "Legacy titled enum", "enum": ["opt1", "opt2", "opt3"],
                       "enumNames": ["Option One", "Option Two", "Option Three"]},
        "untitledMulti": {"type": "array", "description": "Untitled multi-select",
                          "items": {"type": "string", "enum": options}},
        "titledMulti": {"type": "array", "description": "Titled multi-select",
                        "items": {"anyOf": _titled("Choice", ["First", "Second", "Third"])}},
    })


# SEP-1613 ($schema, $defs, additionalProperties) and SEP-2106's wider vocabulary: an
# $anchor inside $defs, allOf holding an anyOf, and if/then/else. A proxy must pass them on.
JSON_SCHEMA_2020_12 = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "$defs": {"address": {"$anchor": "addressDef", "type": "object",
                          "properties": {"street": STRING, "city": STRING}}},
    "properties": {"name": STRING, "address": {"$ref": "#/$defs/address"},
                   "contactMethod": {"type": "string", "enum": ["phone", "email"]},
                   "phone": STRING, "email": STRING},
    "allOf": [{"anyOf": [{"required": ["phone"]}, {"required": ["email"]}]}],
    "if": {"properties": {"contactMethod": {"const": "phone"}}, "required": ["contactMethod"]},
    "then": {"required": ["phone"]},
    "else": {"required": ["email"]},
    "additionalProperties": False,
}


def _json_schema_tool(args, call):
    return text_result(f"Received: {json.dumps(args, sort_keys=True)}")


def _reconnection(args, call):
    """SEP-1699: close this request's SSE stream before answering; the client resumes with a
    GET carrying Last-Event-ID and gets the answer there (HTTP, handshake era; elsewhere a no-op)."""
    call.close_stream()
    return text_result("Reconnection test completed successfully")


def _template(uri, variables):
    item = variables["id"]
    return [{"uri": uri, "mimeType": "application/json",
             "text": json.dumps({"id": item, "templateTest": True, "data": f"Data for ID: {item}"})}]


def _complete_argument(argument, prefix):
    options = {"arg1": ["alpha", "beta", "gamma"], "arg2": ["one", "two", "three"]}.get(argument, [])
    return [value for value in options if value.startswith(prefix)]


def build(options):
    no_args = object_schema()
    return Catalog(name="conformance", instructions="Fixtures for the MCP conformance server scenarios.").add(
        Tool("test_simple_text", "Returns simple text", no_args,
             _content(text("This is a simple text response for testing."))),
        Tool("test_image_content", "Returns an image", no_args,
             _content({"type": "image", "data": PNG, "mimeType": "image/png"})),
        Tool("test_audio_content", "Returns audio", no_args,
             _content({"type": "audio", "data": WAV, "mimeType": "audio/wav"})),
        Tool("test_embedded_resource", "Returns an embedded resource", no_args,
             _content({"type": "resource", "resource": EMBEDDED})),
        Tool("test_multiple_content_types", "Returns text, an image and a resource", no_args,
             _content(text("Multiple content types test:"), {"type": "image", "data": PNG, "mimeType": "image/png"},
                      {"type": "resource", "resource": {"uri": "test://mixed-content-resource",
                                                        "mimeType": "application/json",
                                                        "text": json.dumps({"test": "data", "value": 123})}})),
        Tool("test_tool_with_logging", "Sends three log messages while it runs", no_args, _logging),
        Tool("test_tool_with_progress", "Reports progress 0, 50, 100 of 100", no_args, _progress),
        Tool("test_error_handling", "Always fails (isError result)", no_args, _error),
        Tool("test_sampling", "Asks the client to sample", object_schema({"prompt": STRING}, ["prompt"]), _sampling),
        Tool("test_elicitation", "Asks the client for input", object_schema({"message": STRING}, ["message"]),
             _elicitation),
        Tool("test_elicitation_sep1034_defaults", "Asks for input with a default for every primitive type", no_args,
             _elicitation_defaults),
        Tool("test_elicitation_sep1330_enums", "Asks for input with the five enum schema shapes", no_args,
             _elicitation_enums),
        Tool("json_schema_2020_12_tool", "Tool with JSON Schema 2020-12 features", JSON_SCHEMA_2020_12,
             _json_schema_tool),
        Tool("test_reconnection", "Closes its SSE stream mid-call; the answer comes on the resumed stream", no_args,
             _reconnection),
        Resource("test://static-text", "Static text resource", mime_type="text/plain",
                 read=lambda: [{"uri": "test://static-text", "mimeType": "text/plain",
                                "text": "This is the content of the static text resource."}]),
        Resource("test://static-binary", "Static binary resource", mime_type="image/png",
                 read=lambda: [{"uri": "test://static-binary", "mimeType": "image/png", "blob": PNG}]),
        Resource("test://watched-resource", "Watched resource (subscribe to it)", mime_type="text/plain",
                 read=lambda: [{"uri": "test://watched-resource", "mimeType": "text/plain",
                                "text": "Watched resource content"}]),
        ResourceTemplate("test://template/{id}/data", "Template resource", _template,
                         description="Data for an id", complete=lambda argument, prefix: [
                             v for v in ("1", "12", "123") if v.startswith(prefix)]),
        Prompt("test_simple_prompt", "A prompt without arguments", [],
               lambda a: [{"role": "user", "content": text("This is a simple prompt for testing.")}]),
        Prompt("test_prompt_with_arguments", "A prompt with two arguments",
               [{"name": "arg1", "description": "First argument", "required": True},
                {"name": "arg2", "description": "Second argument", "required": True}],
               lambda a: [{"role": "user", "content": text(
                   f"Prompt with arguments: arg1='{a.get('arg1')}', arg2='{a.get('arg2')}'")}],
               complete=_complete_argument),
        Prompt("test_prompt_with_embedded_resource", "A prompt that embeds a resource",
               [{"name": "resourceUri", "description": "URI of the resource to embed", "required": True}],
               lambda a: [{"role": "user", "content": {"type": "resource", "resource": {
                   "uri": a.get("resourceUri"), "mimeType": "text/plain", "text": "Embedded resource content for testing."}}},
                   {"role": "user", "content": text("Please process the embedded resource above.")}]),
        Prompt("test_prompt_with_image", "A prompt with an image", [],
               lambda a: [{"role": "user", "content": {"type": "image", "data": PNG, "mimeType": "image/png"}},
                          {"role": "user", "content": text("Please analyze the image above.")}]),
        *conformance_stateless.tools(),
        *conformance_stateless.prompts(),
    )
