"""The small interface both stores implement; sheets/tabular.py builds engine.store.Store on it.

A backend moves grids of cell values, nothing more: one batched read of several tabs, writing
single cells as plain values (never formulas), appending rows, and creating/repairing tabs.
"""
from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import Any

Grid = list[list[Any]]
Cell = tuple[int, int, Any]  # (row, column, value), 1-based; value is str, int or float


class Backend(ABC):
    name = "backend"

    def exists(self) -> bool:
        """Whether the underlying workbook/spreadsheet exists yet (a missing local file is created)."""
        return True

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Group reads and writes that must not interleave with another writer (the workbook holds
        a file lock and saves once at the end; Google has no locks, so this is a no-op there)."""
        yield

    @abstractmethod
    def read_tabs(self, tabs: list[str]) -> dict[str, Grid | None]:
        """Every named tab (header row first) in ONE read; None for a tab that does not exist."""

    @abstractmethod
    def write_cells(self, tab: str, cells: list[Cell]) -> None:
        """Write single cells as plain values (text stays text, never a formula)."""

    @abstractmethod
    def append_rows(self, tab: str, rows: list[list[Any]]) -> None:
        """Append rows after the last row of a tab, as plain values."""

    @abstractmethod
    def ensure_tabs(self, headers: dict[str, list[str]]) -> list[str]:
        """Create missing tabs, add missing headers (at the end of row 1, never moving columns) and
        apply formats (frozen header, status dropdown, SEK/date/text formats, protected header).
        Returns a Swedish line per change; empty when nothing had to change."""


AMOUNT_FORMAT = '#,##0.00 "kr"'  # shows 1 726 309,00 kr in a Swedish-locale sheet; the value stays exact
DATE_FORMAT = "yyyy-mm-dd"
TEXT_FORMAT = "@"


def column_kind(tab: str, header: str) -> str | None:
    """"amount", "date", "status", "choice", "text" (codes: keep leading zeros) or None (engine/sheet/schema.py)."""
    from engine.sheet.schema import column_kind as kind

    return kind(tab, header)


def column_choices(tab: str, header: str) -> list[str]:
    """The dropdown values of a column ([] = none), from engine/sheet/schema.py."""
    from engine.sheet.schema import column_choices as choices

    return choices(tab, header)
