"""Profile ``conformance``: placeholder until phase 2 (serves echo's catalogue)."""

from . import echo


def build(options):
    catalog = echo.build(options)
    catalog.name = "conformance"
    return catalog
