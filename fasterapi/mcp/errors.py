"""The exceptions users see when a configuration is wrong or asks for too much."""

from __future__ import annotations

from typing import Iterable, List, Tuple

# (field path, message), e.g. ("upstreams[1].command", "must not be empty")
FieldError = Tuple[str, str]


class ConfigError(ValueError):
    """A configuration is invalid. `.errors` lists every bad field, not just the first."""

    def __init__(self, errors: Iterable[FieldError]):
        self.errors: List[FieldError] = list(errors)
        super().__init__(format_errors(self.errors))


class FeatureNotAvailableError(ConfigError):
    """The configuration is valid but asks for a feature this version does not have yet.

    Raised only after the arguments were validated, so a typo still gets a plain
    ConfigError naming the field.
    """


def format_errors(errors: List[FieldError]) -> str:
    if not errors:
        return "invalid configuration"
    lines = [f"{path}: {message}" if path else message for path, message in errors]
    if len(lines) == 1:
        return lines[0]
    return f"{len(lines)} configuration errors:\n" + "\n".join("  " + line for line in lines)


def raise_if_any(errors: List[FieldError], feature_errors: List[FieldError] = ()) -> None:
    """Bad arguments win over missing features: report those first (and only them)."""
    if errors:
        raise ConfigError(errors)
    if feature_errors:
        raise FeatureNotAvailableError(feature_errors)
