"""Profiles: named catalogues of tools, resources and prompts. ``build(name, options)``."""

from . import admin, conformance, data, echo, many, math

PROFILES = {
    "echo": echo.build,
    "math": math.build,
    "data": data.build,
    "admin": admin.build,
    "many": many.build,
    "conformance": conformance.build,
}


def build(name, options):
    try:
        factory = PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown profile {name!r}; choose one of {', '.join(sorted(PROFILES))}") from None
    return factory(options)
