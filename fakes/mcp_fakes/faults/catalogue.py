"""Importing this registers every fault."""

from . import correlation, framing, process, protocol_faults, timing  # noqa: F401
