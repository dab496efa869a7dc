"""The history tabs of the local store (Logg, Påminnelser, Återkoppling) in SQLite beside the workbook.

Why: an .xlsx is a zip file; adding one row means loading and re-saving the whole workbook, so with
the audit log inside it every update grew with the history (5.6 s at 10 000 Logg rows). The tabs people
edit by hand (Rekvisitioner, Kontakter, Tilldelning) stay in the workbook; the tabs only the bot appends
to live here, one row per sheet row, so an append or a claim costs the same at 0 or 100 000 rows.
`stimulans export-historik` writes them to an .xlsx with the same tabs for reading (docs/scale.md).

The grid model is the sheet's: row 1 is the header, data rows are numbered from 2; a row is a JSON list
of cell values. Each call opens its own connection (WAL mode, busy timeout), so threads and processes
can share the file; the workbook's file lock orders claims (read + append) across processes.
"""
from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from engine.store import StoreError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS headers (tab TEXT PRIMARY KEY, cells TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS rows (tab TEXT NOT NULL, n INTEGER NOT NULL, cells TEXT NOT NULL, PRIMARY KEY (tab, n));
"""


def _json(value: Any) -> Any:
    if value is None or isinstance(value, bool):
        return "" if value is None else str(value)
    if isinstance(value, int | float | str):
        return value
    return str(value)


class Journal:
    def __init__(self, path: Path):
        self.path = Path(path)

    def exists(self) -> bool:
        return self.path.exists()

    @contextlib.contextmanager
    def _db(self, write: bool = False) -> Iterator[sqlite3.Connection]:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        except (sqlite3.Error, OSError) as e:
            raise StoreError(f"Historikfilen {self.path} kan inte öppnas: {e}") from e
        try:
            con.execute("PRAGMA busy_timeout = 30000")
            if write:
                con.execute("PRAGMA journal_mode = WAL")
                con.executescript(_SCHEMA)
                con.execute("BEGIN IMMEDIATE")
            yield con
            if write:
                con.execute("COMMIT")
        except sqlite3.DatabaseError as e:
            with contextlib.suppress(sqlite3.Error):
                con.execute("ROLLBACK")
            raise StoreError(f"Historikfilen {self.path} kan inte läsas eller skrivas ({e}). Flytta undan den "
                             "(historiken i den går då förlorad) eller återställ en kopia.") from e
        finally:
            con.close()

    def create(self) -> None:
        with self._db(write=True):
            pass

    # -- tabs --------------------------------------------------------------------------------------
    def tabs(self) -> list[str]:
        if not self.exists():
            return []
        with self._db() as db:
            try:
                return [r[0] for r in db.execute("SELECT tab FROM headers")]
            except sqlite3.OperationalError:
                return []

    def header(self, tab: str) -> list[str] | None:
        if not self.exists():
            return None
        with self._db() as db:
            try:
                row = db.execute("SELECT cells FROM headers WHERE tab = ?", (tab,)).fetchone()
            except sqlite3.OperationalError:
                return None
        return json.loads(row[0]) if row else None

    def ensure(self, tab: str, wanted: list[str]) -> str | None:
        """Create the tab or add missing headers at the end; a Swedish line when something changed."""
        with self._db(write=True) as db:
            row = db.execute("SELECT cells FROM headers WHERE tab = ?", (tab,)).fetchone()
            current = json.loads(row[0]) if row else []
            missing = [h for h in wanted if h not in current]
            if row and not missing:
                return None
            db.execute("INSERT OR REPLACE INTO headers (tab, cells) VALUES (?, ?)",
                       (tab, json.dumps(current + missing, ensure_ascii=False)))
        if not row:
            return f"{tab}: fliken skapad med rubriker (i historikfilen {self.path.name})"
        return f"{tab}: rubriker tillagda: {', '.join(missing)}"

    # -- grids -------------------------------------------------------------------------------------
    def read(self, tab: str) -> list[list[Any]] | None:
        """Header + data rows as in a sheet (row i of the grid is sheet row i + 1); None if no such tab."""
        if not self.exists():
            return None
        with self._db() as db:
            try:
                head = db.execute("SELECT cells FROM headers WHERE tab = ?", (tab,)).fetchone()
                if head is None:
                    return None
                rows = db.execute("SELECT n, cells FROM rows WHERE tab = ? ORDER BY n", (tab,)).fetchall()
            except sqlite3.OperationalError:
                return None
        grid: list[list[Any]] = [json.loads(head[0])]
        for n, cells in rows:
            while len(grid) < n - 1:  # a gap (never written by us): blank rows keep the numbering
                grid.append([])
            grid.append(json.loads(cells))
        return grid

    def count(self, tab: str) -> int:
        if not self.exists():
            return 0
        with self._db() as db:
            try:
                return int(db.execute("SELECT COUNT(*) FROM rows WHERE tab = ?", (tab,)).fetchone()[0])
            except sqlite3.OperationalError:
                return 0

    def append(self, tab: str, rows: list[list[Any]]) -> None:
        if not rows:
            return
        with self._db(write=True) as db:
            if db.execute("SELECT 1 FROM headers WHERE tab = ?", (tab,)).fetchone() is None:
                raise StoreError(f"Fliken {tab} saknas i historikfilen {self.path}; kör `stimulans init-sheet`.")
            last = db.execute("SELECT COALESCE(MAX(n), 1) FROM rows WHERE tab = ?", (tab,)).fetchone()[0]
            db.executemany("INSERT INTO rows (tab, n, cells) VALUES (?, ?, ?)", [
                (tab, last + 1 + i, json.dumps([_json(v) for v in row], ensure_ascii=False))
                for i, row in enumerate(rows)])

    def write_cells(self, tab: str, cells: list[tuple[int, int, Any]]) -> None:
        if not cells:
            return
        with self._db(write=True) as db:
            by_row: dict[int, list[tuple[int, Any]]] = {}
            for row, col, value in cells:
                if row < 2:
                    raise StoreError(f"Rubrikraden i {tab} skrivs inte av boten.")
                by_row.setdefault(row, []).append((col, value))
            for row, values in by_row.items():
                found = db.execute("SELECT cells FROM rows WHERE tab = ? AND n = ?", (tab, row)).fetchone()
                current = json.loads(found[0]) if found else []
                for col, value in values:
                    while len(current) < col:
                        current.append("")
                    current[col - 1] = _json(value)
                db.execute("INSERT OR REPLACE INTO rows (tab, n, cells) VALUES (?, ?, ?)",
                           (tab, row, json.dumps(current, ensure_ascii=False)))

    def import_grid(self, tab: str, grid: list[list[Any]]) -> None:
        """Move a tab from the workbook (header + rows, same numbering) into the journal, once."""
        with self._db(write=True) as db:
            db.execute("INSERT OR REPLACE INTO headers (tab, cells) VALUES (?, ?)",
                       (tab, json.dumps([_json(v) for v in (grid[0] if grid else [])], ensure_ascii=False)))
            db.execute("DELETE FROM rows WHERE tab = ?", (tab,))
            db.executemany("INSERT INTO rows (tab, n, cells) VALUES (?, ?, ?)", [
                (tab, i + 1, json.dumps([_json(v) for v in row], ensure_ascii=False))
                for i, row in enumerate(grid) if i > 0 and any(v not in (None, "") for v in row)])
