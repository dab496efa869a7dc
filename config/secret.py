"""A secret setting (a token, the service-account JSON, a Redis URL with its password).

Plain Python so that reading settings imports nothing heavy (issue #13, cold start). The value is only
reachable through `get_secret_value()`: repr, str and f-strings show `**********`, so a settings object
that ends up in a log line, a traceback or an error message never carries the secret with it.
"""
from __future__ import annotations

MASK = "**********"


class Secret:
    """A string that does not show itself. Falsy when empty (an empty token is no token); compares and
    hashes by value, so two settings objects with the same secrets are equal."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError("Secret takes a str")
        self._value = value

    def get_secret_value(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret('{MASK if self._value else ''}')"

    def __str__(self) -> str:
        return MASK if self._value else ""

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __len__(self) -> int:
        return len(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash((Secret, self._value))

    def __reduce__(self):  # pickles (a settings object sent to another process) keep the value
        return (Secret, (self._value,))
