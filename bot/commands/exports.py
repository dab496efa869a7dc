"""Placeholder, filled below."""
from __future__ import annotations


def register(sub) -> None:  # noqa: ANN001
    pass
