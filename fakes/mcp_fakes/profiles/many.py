"""Profile ``many``: N tools tool_0..tool_{N-1} (``--tools-count``), for pagination tests."""

from ..catalog import STRING, Catalog, Tool, object_schema, text_result


def build(options):
    count = options.get("tools_count", 100)
    catalog = Catalog(name="many")
    for index in range(count):
        catalog.add(Tool(f"tool_{index}", f"Tool number {index}", object_schema({"text": STRING}),
                         lambda args, call, index=index: text_result(f"tool_{index}:{args.get('text', '')}"),
                         {"readOnlyHint": True}))
    return catalog
