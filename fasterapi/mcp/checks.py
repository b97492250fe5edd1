"""Small field checks that append (path, message) pairs instead of raising.

Every validator in this package collects all problems so the user fixes a
config in one pass; these helpers keep the wording identical everywhere.
"""

from __future__ import annotations

import re
from typing import Any, Collection, List, Optional

from .errors import FieldError

# The core stores counts and milliseconds in 32-bit ints; larger values would wrap.
MAX_INT = 2**31 - 1

NAME_PREFIX_RE = re.compile(r"[A-Za-z0-9_.-]*")


def _type_name(value: Any) -> str:
    return type(value).__name__


class Checker:
    def __init__(self) -> None:
        self.errors: List[FieldError] = []

    def add(self, path: str, message: str) -> None:
        self.errors.append((path, message))

    def string(self, path: str, value: Any, *, non_empty: bool = False,
               no_nul: bool = False) -> bool:
        if not isinstance(value, str):
            self.add(path, f"must be a string, got {_type_name(value)} {value!r}")
            return False
        if non_empty and not value:
            self.add(path, "must not be empty")
            return False
        if no_nul and "\0" in value:
            self.add(path, "must not contain NUL characters")
            return False
        return True

    def optional_string(self, path: str, value: Any, *, non_empty: bool = False) -> bool:
        return value is None or self.string(path, value, non_empty=non_empty)

    def boolean(self, path: str, value: Any) -> bool:
        if not isinstance(value, bool):
            self.add(path, f"must be true or false, got {_type_name(value)} {value!r}")
            return False
        return True

    def integer(self, path: str, value: Any, *, minimum: int = 1,
                maximum: int = MAX_INT) -> bool:
        # bool is an int subclass; True as a timeout is almost certainly a mistake.
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(path, f"must be an integer, got {_type_name(value)} {value!r}")
            return False
        if value < minimum:
            what = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
            self.add(path, f"must be {what}, got {value}")
            return False
        if value > maximum:
            self.add(path, f"must be at most {maximum}, got {value}")
            return False
        return True

    def optional_integer(self, path: str, value: Any, *, minimum: int = 1) -> bool:
        return value is None or self.integer(path, value, minimum=minimum)

    def choice(self, path: str, value: Any, choices: Collection[str]) -> bool:
        if not self.string(path, value):
            return False
        if value not in choices:
            options = ", ".join(repr(c) for c in choices)
            self.add(path, f"must be one of {options}, got {value!r}")
            return False
        return True

    def string_list(self, path: str, value: Any, *, non_empty_items: bool = False,
                    no_nul: bool = False) -> bool:
        if not isinstance(value, (list, tuple)):
            self.add(path, f"must be a list of strings, got {_type_name(value)} {value!r}")
            return False
        ok = True
        for i, item in enumerate(value):
            ok &= self.string(f"{path}[{i}]", item, non_empty=non_empty_items, no_nul=no_nul)
        return ok

    def string_map(self, path: str, value: Optional[Any]) -> bool:
        """Environment-style mapping: str -> str, keys without '=' or NUL."""
        if value is None:
            return True
        if not isinstance(value, dict):
            self.add(path, f"must be a table of strings, got {_type_name(value)} {value!r}")
            return False
        ok = True
        for key, item in value.items():
            if not isinstance(key, str) or not key or "=" in key or "\0" in key:
                self.add(path, f"invalid variable name {key!r}")
                ok = False
                continue
            ok &= self.string(f"{path}.{key}", item, no_nul=True)
        return ok

    def callable_(self, path: str, value: Any) -> bool:
        if not callable(value):
            self.add(path, f"must be callable, got {_type_name(value)} {value!r}")
            return False
        return True
