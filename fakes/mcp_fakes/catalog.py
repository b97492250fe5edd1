"""What a fake serves: tools, resources, resource templates and prompts.

A profile builds one Catalog; the server answers list/call/read/get from it.
"""

import json
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from .calc import natural_number, render


class ToolFailure(Exception):
    """Raised by a tool to report a failure while it ran: an ``isError: true`` result."""


def text(value):
    return {"type": "text", "text": value}


def text_result(value, structured=None):
    result = {"content": [text(value)]}
    if structured is not None:
        result["structuredContent"] = structured
    return result


def number_result(value):
    """A math result: the natural rendering as text and the number as structuredContent."""
    value = natural_number(value)
    return text_result(render(value), {"result": value})


def object_schema(properties=None, required=None, **extra):
    schema = {"type": "object", "properties": properties or {}}
    if required:
        schema["required"] = list(required)
    schema.update(extra)
    return schema


NUMBER = {"type": "number"}
STRING = {"type": "string"}


@dataclass
class Tool:
    name: str
    description: str
    input_schema: dict
    handler: Callable[[dict, Any], dict]
    annotations: Optional[dict] = None
    output_schema: Optional[dict] = None
    title: Optional[str] = None

    def describe(self):
        desc = {"name": self.name, "description": self.description, "inputSchema": self.input_schema}
        if self.title:
            desc["title"] = self.title
        if self.annotations:
            desc["annotations"] = self.annotations
        if self.output_schema:
            desc["outputSchema"] = self.output_schema
        return desc


@dataclass
class Resource:
    uri: str
    name: str
    read: Callable[[], list]  # returns a list of contents entries
    mime_type: str = "application/json"
    description: str = ""

    def describe(self):
        desc = {"uri": self.uri, "name": self.name, "mimeType": self.mime_type}
        if self.description:
            desc["description"] = self.description
        return desc


@dataclass
class ResourceTemplate:
    uri_template: str
    name: str
    read: Callable[[str, dict], Optional[list]]  # (uri, variables) -> contents, None if absent
    mime_type: str = "application/json"
    description: str = ""
    complete: Optional[Callable[[str, str], list]] = None  # (argument, prefix) -> values

    def describe(self):
        desc = {"uriTemplate": self.uri_template, "name": self.name, "mimeType": self.mime_type}
        if self.description:
            desc["description"] = self.description
        return desc

    def match(self, uri):
        """Variables if ``uri`` fits this level-1 URI template ({var} segments), else None."""
        pattern = ""
        for part in re.split(r"(\{[^}]+\})", self.uri_template):
            if part.startswith("{") and part.endswith("}"):
                pattern += f"(?P<{part[1:-1]}>[^/]+)"
            else:
                pattern += re.escape(part)
        found = re.fullmatch(pattern, uri)
        return found.groupdict() if found else None


@dataclass
class Prompt:
    name: str
    description: str
    arguments: list  # [{"name":..., "description":..., "required": bool}]
    render: Callable[..., list]  # arguments -> messages; (arguments, call) -> messages when asks
    complete: Optional[Callable[[str, str], list]] = None
    asks: bool = False  # render gets the request (a ToolCall), so it may ask the client

    def describe(self):
        return {"name": self.name, "description": self.description, "arguments": self.arguments}


def json_contents(uri, value):
    return [{"uri": uri, "mimeType": "application/json", "text": json.dumps(value)}]


def user_message(value):
    return {"role": "user", "content": text(value)}


@dataclass
class Catalog:
    name: str
    tools: list = field(default_factory=list)
    resources: list = field(default_factory=list)
    templates: list = field(default_factory=list)
    prompts: list = field(default_factory=list)
    instructions: str = ""
    state: dict = field(default_factory=dict)  # counters a test may want to read back

    def tool(self, name):
        return next((t for t in self.tools if t.name == name), None)

    def prompt(self, name):
        return next((p for p in self.prompts if p.name == name), None)

    def add(self, *items):
        for item in items:
            {Tool: self.tools, Resource: self.resources, ResourceTemplate: self.templates, Prompt: self.prompts}[
                type(item)
            ].append(item)
        return self
