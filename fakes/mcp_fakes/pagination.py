"""Opaque list cursors: base64 of the list kind and an offset. A cursor from another list,
or anything that does not decode, is invalid params (-32602)."""

import base64
import json

from .protocol import invalid_params


def encode(kind, offset):
    raw = json.dumps({"list": kind, "offset": offset}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(kind, cursor):
    if cursor is None or cursor == "":  # an empty cursor means the first page
        return 0
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        state = json.loads(base64.urlsafe_b64decode(padded.encode()))
        offset = state["offset"]
        if state["list"] != kind or not isinstance(offset, int) or offset < 0:
            raise ValueError
        return offset
    except (ValueError, TypeError, KeyError, AttributeError):
        raise invalid_params("invalid cursor", {"cursor": cursor}) from None


def page(kind, items, cursor, page_size):
    """(items on this page, next cursor or None)."""
    start = decode(kind, cursor)
    if start > len(items):
        raise invalid_params("invalid cursor", {"cursor": cursor})
    end = start + page_size
    return items[start:end], (encode(kind, end) if end < len(items) else None)
