"""Profile ``data``: two small fixed tables as tools, resources and a template."""

import json

from ..catalog import (Catalog, Prompt, Resource, ResourceTemplate, Tool, ToolFailure, json_contents,
                       object_schema, text_result, user_message)

TABLES = {
    "users": [
        {"id": 1, "name": "Ada", "email": "ada@example.com"},
        {"id": 2, "name": "Grace", "email": "grace@example.com"},
        {"id": 3, "name": "Linus", "email": "linus@example.com"},
    ],
    "orders": [
        {"id": 101, "user_id": 1, "item": "keyboard", "total": 49.5},
        {"id": 102, "user_id": 2, "item": "monitor", "total": 199.0},
        {"id": 103, "user_id": 1, "item": "mouse", "total": 19.99},
    ],
}
TABLE_ARG = object_schema({"table": {"type": "string", "enum": sorted(TABLES)}}, ["table"])


def _rows(args):
    table = args.get("table")
    if table not in TABLES:
        raise ToolFailure(f"no table {table!r}")
    return TABLES[table]


def _query(args, call):
    rows = _rows(args)
    return text_result(json.dumps(rows), {"rows": rows})


def _count(args, call):
    rows = _rows(args)
    return text_result(str(len(rows)), {"count": len(rows)})


def _user(uri, variables):
    found = [row for row in TABLES["users"] if str(row["id"]) == variables["id"]]
    return json_contents(uri, found[0]) if found else None


def _complete_table(argument, prefix):
    return [name for name in sorted(TABLES) if name.startswith(prefix)]


def build(options):
    return Catalog(name="data", instructions="Two small tables: users and orders.").add(
        Tool("data_query", "All rows of a table", TABLE_ARG, _query, {"readOnlyHint": True, "idempotentHint": True}),
        Tool("data_count", "Number of rows in a table", TABLE_ARG, _count, {"readOnlyHint": True, "idempotentHint": True}),
        Resource("data://users", "users", lambda: json_contents("data://users", TABLES["users"]),
                 description="The users table"),
        Resource("data://orders", "orders", lambda: json_contents("data://orders", TABLES["orders"]),
                 description="The orders table"),
        ResourceTemplate("data://users/{id}", "user", _user, description="One user by id",
                         complete=lambda argument, prefix: [str(r["id"]) for r in TABLES["users"]
                                                            if str(r["id"]).startswith(prefix)]),
        Prompt("data_summary", "Summarise a table",
               [{"name": "table", "description": "users or orders", "required": True}],
               lambda a: [user_message(f"Summarise the {a.get('table', '')} table: "
                                       f"{json.dumps(TABLES.get(a.get('table'), []))}")],
               complete=_complete_table),
    )
