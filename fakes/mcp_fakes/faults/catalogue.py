"""Importing this registers every fault."""

from . import correlation, framing, http_faults, process, protocol_faults, timing  # noqa: F401
