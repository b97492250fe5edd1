"""Faults: registered by name; see base.py for the stages and catalogue.py for the list."""

from .base import REGISTRY, FaultSet, FaultSpecError, parse_spec  # noqa: F401
from . import catalogue  # noqa: F401  (registers the faults)
