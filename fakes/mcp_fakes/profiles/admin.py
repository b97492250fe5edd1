"""Profile ``admin``: one read-only tool, one side effect, one idempotent setter."""

import json

from ..catalog import STRING, Catalog, Prompt, Resource, Tool, json_contents, object_schema, text_result, user_message


def build(options):
    catalog = Catalog(name="admin", instructions="Administrative tools with side effects.")
    state = catalog.state
    state.update(restarts={}, flags={"maintenance": "off"})

    def status(args, call):
        info = {"status": "ok", "restarts": dict(state["restarts"]), "flags": dict(state["flags"])}
        return text_result(json.dumps(info), info)

    def restart(args, call):
        service = args["service"]
        state["restarts"][service] = state["restarts"].get(service, 0) + 1
        count = state["restarts"][service]
        return text_result(f"restarted {service} ({count})", {"service": service, "restarts": count})

    def set_flag(args, call):
        state["flags"][args["name"]] = args["value"]
        call.server.resource_updated("config://app/settings")  # the settings resource changed
        return text_result(f"{args['name']}={args['value']}")

    def settings():
        return json_contents("config://app/settings", {"log_level": "info", "flags": state["flags"]})

    return catalog.add(
        Tool("admin_status", "Service status", object_schema(), status, {"readOnlyHint": True, "idempotentHint": True}),
        Tool("admin_restart_service", "Restart a service (a side effect: neither read-only nor idempotent)",
             object_schema({"service": STRING}, ["service"]), restart,
             {"readOnlyHint": False, "idempotentHint": False, "destructiveHint": True}),
        Tool("admin_set_flag", "Set a feature flag", object_schema({"name": STRING, "value": STRING}, ["name", "value"]),
             set_flag, {"readOnlyHint": False, "idempotentHint": True, "destructiveHint": False}),
        Resource("config://app/settings", "settings", settings, description="Application settings"),
        Prompt("code_review", "Review a piece of code",
               [{"name": "code", "description": "the code to review", "required": True}],
               lambda a: [user_message(f"Please review this code:\n\n{a.get('code', '')}")]),
    )
