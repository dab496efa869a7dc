"""The local .xlsx workbook (openpyxl): the embedded default store when Google is not configured.

Created on first use. Every change happens under an exclusive file lock (fcntl) on a side file and
is saved atomically (temp file + os.replace), so two processes cannot corrupt the workbook or lose
each other's rows, and a reader never sees a half-written file. Text is stored as text cells: a value
starting with "=" is a string, never a formula.
"""
from __future__ import annotations

import contextlib
import fcntl
import glob
import logging
import os
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font, PatternFill
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation

from engine.formatting import describe_os_error
from engine.store import StoreError
from sheets.backend import (
    AMOUNT_FORMAT,
    DATE_FORMAT,
    TEXT_FORMAT,
    Backend,
    Cell,
    Grid,
    column_choices,
    column_kind,
)

log = logging.getLogger(__name__)

_FORMULA_START = ("=", "+", "-", "@")
#: Excel's limit on the characters in one cell; a longer text makes Excel "repair" (cut) the file.
MAX_CELL_CHARS = 32767


def _storable(text: str) -> str:
    """Text an .xlsx cell can hold: control characters XML 1.0 forbids (openpyxl would refuse the
    whole write) are dropped, and text beyond Excel's cell limit is cut with a marker."""
    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    if len(text) > MAX_CELL_CHARS:
        text = text[: MAX_CELL_CHARS - 1] + "…"
    return text


def _letter(col: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(col)


class WorkbookBackend(Backend):
    name = "arbetsbok"

    def __init__(self, path: Path):
        self.path = Path(path)
        self._local = threading.local()
        self._thread_lock = threading.RLock()
        self._swept = False  # leftover .tmp files removed on the first locked access
        self.reads = 0  # whole-file loads, for the benchmark

    # -- file handling ---------------------------------------------------------------------------
    def exists(self) -> bool:
        return self.path.exists()

    @property
    def _wb(self) -> Workbook | None:
        return getattr(self._local, "wb", None)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        if self._wb is not None:  # nested: the outer transaction holds the lock and saves
            yield
            return
        with self._thread_lock:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                lock = open(self.path.with_name(self.path.name + ".lock"), "a+")  # noqa: SIM115
            except OSError as e:
                raise StoreError(f"Kan inte skapa arbetsboken {self.path}: {describe_os_error(e)}") from e
            try:
                fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
                if not self._swept:
                    self._sweep_temp_files()
                self._local.wb = self._load()
                self._local.dirty = False
                yield
                if self._local.dirty:
                    self._save(self._local.wb)
            finally:
                self._local.wb = None
                self._local.dirty = False
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)
                lock.close()

    def _try_sweep(self) -> None:
        """On the first read: sweep leftover temp files if no save is running right now (lock free)."""
        lock_path = self.path.with_name(self.path.name + ".lock")
        if not self.path.parent.is_dir():
            return
        try:
            with open(lock_path, "a+") as lock:
                try:
                    fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    return  # a save is running; the next locked access sweeps
                try:
                    self._sweep_temp_files()
                finally:
                    fcntl.flock(lock.fileno(), fcntl.LOCK_UN)
        except OSError:
            return

    def _sweep_temp_files(self) -> None:
        """Remove temp files of saves that were killed before their rename. Every save happens under
        the exclusive file lock we hold now, so none of these belongs to a save in progress."""
        self._swept = True
        for tmp in self.path.parent.glob(f".{glob.escape(self.path.name)}.*.tmp"):
            try:
                tmp.unlink()
                log.info("tog bort en kvarlämnad temporärfil från en avbruten sparning: %s", tmp.name)
            except OSError:
                pass

    def _load(self) -> Workbook:
        self.reads += 1
        if not self.path.exists():
            wb = Workbook()
            wb.remove(wb.active)
            return wb
        try:
            return load_workbook(self.path)
        except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as e:
            raise StoreError(
                f"Arbetsboken {self.path} kan inte läsas ("
                + (describe_os_error(e) if isinstance(e, OSError) else "inte en giltig .xlsx-fil") + "). "
                "Är det en .xlsx-fil? "
                "Flytta undan den eller ange en annan med STIMULANS_WORKBOOK."
            ) from e

    def _save(self, wb: Workbook) -> None:
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            wb.save(tmp)
            with open(tmp, "rb") as f:
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except OSError as e:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise StoreError(f"Kan inte spara arbetsboken {self.path}: {describe_os_error(e)}") from e

    def _mark_dirty(self) -> None:
        self._local.dirty = True

    @contextlib.contextmanager
    def _open(self, write: bool) -> Iterator[Workbook]:
        if self._wb is not None:
            yield self._wb
            return
        if write:
            with self.transaction():
                yield self._wb  # type: ignore[misc]
            return
        # A plain read needs no lock: the file is only ever replaced atomically.
        if not self._swept:
            self._try_sweep()
        yield self._load()

    # -- Backend ---------------------------------------------------------------------------------
    def read_tabs(self, tabs: list[str]) -> dict[str, Grid | None]:
        with self._open(write=False) as wb:
            out: dict[str, Grid | None] = {}
            for tab in tabs:
                if tab not in wb.sheetnames:
                    out[tab] = None
                    continue
                grid = [list(r) for r in wb[tab].iter_rows(values_only=True)]
                while grid and not any(v not in (None, "") for v in grid[-1]):
                    grid.pop()
                out[tab] = grid
            return out

    def write_cells(self, tab: str, cells: list[Cell]) -> None:
        if not cells:
            return
        with self._open(write=True) as wb:
            ws = self._sheet(wb, tab)
            for row, col, value in cells:
                self._set(ws, row, col, value, tab)
            self._mark_dirty()

    def append_rows(self, tab: str, rows: list[list[Any]]) -> None:
        if not rows:
            return
        with self._open(write=True) as wb:
            ws = self._sheet(wb, tab)
            last = ws.max_row
            while last > 1 and all(c.value in (None, "") for c in ws[last]):
                last -= 1
            for i, values in enumerate(rows):
                for j, value in enumerate(values):
                    self._set(ws, last + 1 + i, j + 1, value, tab)
            self._mark_dirty()

    def ensure_tabs(self, headers: dict[str, list[str]]) -> list[str]:
        changes: list[str] = []
        with self._open(write=True) as wb:
            for tab, wanted in headers.items():
                tab = str(tab)
                created = tab not in wb.sheetnames
                ws = wb.create_sheet(tab) if created else wb[tab]
                current = [str(c.value).strip() if c.value is not None else "" for c in ws[1]]
                while current and not current[-1]:
                    current.pop()
                missing = [h for h in wanted if h not in current]
                col = len(current)
                for h in missing:
                    col += 1
                    ws.cell(1, col).value = h
                formatted = self._format(ws, tab)
                if created:
                    changes.append(f"{tab}: fliken skapad med rubriker")
                elif missing:
                    changes.append(f"{tab}: rubriker tillagda: {', '.join(missing)}")
                elif formatted:
                    changes.append(f"{tab}: format satta (låst rubrikrad, rullista, talformat)")
            if changes:
                self._mark_dirty()
        return changes

    # -- helpers ---------------------------------------------------------------------------------
    @staticmethod
    def _sheet(wb: Workbook, tab: str):
        if tab not in wb.sheetnames:
            raise StoreError(f"Fliken {tab} saknas i arbetsboken; kör `stimulans init-sheet`.")
        return wb[tab]

    @staticmethod
    def _set(ws, row: int, col: int, value: Any, tab: str) -> None:
        cell = ws.cell(row, col)
        header = ws.cell(1, col).value
        kind = column_kind(tab, str(header)) if header else None
        if isinstance(value, bool) or value is None:
            value = "" if value is None else str(value)
        if isinstance(value, int | float):
            cell.value = value
            if kind == "amount":
                cell.number_format = AMOUNT_FORMAT
            return
        text = _storable(str(value))
        cell.value = text if text else None
        if text:
            cell.data_type = "s"  # never a formula, whatever it starts with
            if text.startswith(_FORMULA_START):
                cell.quotePrefix = True
            if kind == "text":
                cell.number_format = TEXT_FORMAT

    @staticmethod
    def _format(ws, tab: str) -> bool:
        """Frozen header, bold header, column formats, status dropdown. True if anything changed."""
        changed = False
        if ws.freeze_panes != "A2":
            ws.freeze_panes = "A2"
            changed = True
        bold = Font(bold=True)
        fill = PatternFill("solid", fgColor="DDEBF7")
        for cell in ws[1]:
            if cell.value and not cell.font.bold:
                cell.font = bold
                cell.fill = fill
                changed = True
        for cell in ws[1]:
            if not cell.value:
                continue
            letter = _letter(cell.column)
            dim = ws.column_dimensions[letter]
            if not dim.width or dim.width < 12:
                dim.width = max(12, min(40, len(str(cell.value)) + 6))
                changed = True
            kind = column_kind(tab, str(cell.value))
            fmt = {"amount": AMOUNT_FORMAT, "date": DATE_FORMAT, "text": TEXT_FORMAT}.get(kind or "")
            if fmt and dim.number_format != fmt:
                dim.number_format = fmt
                changed = True
            choices = column_choices(tab, str(cell.value))
            if choices:
                ref = f"{letter}2:{letter}5000"
                if not any(ref in str(dv.sqref) for dv in ws.data_validations.dataValidation):
                    labels = ",".join(choices)
                    dv = DataValidation(type="list", formula1=f'"{labels}"', allow_blank=True,
                                        showErrorMessage=False, showDropDown=False)
                    dv.add(ref)
                    ws.add_data_validation(dv)
                    changed = True
        return changed
