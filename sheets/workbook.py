"""The local .xlsx workbook (openpyxl): the embedded default store when Google is not configured.

Created on first use. Every change happens under an exclusive file lock (`filelock`, so it works on
Windows as well as Linux/macOS) on a side file and is saved atomically (temp file + os.replace), so two
processes cannot corrupt the workbook or lose each other's rows, and a reader never sees a half-written
file. Text is stored as text cells: a value starting with "=" is a string, never a formula.

The history tabs (Logg, Påminnelser, Återkoppling) are not in the .xlsx: they live in a SQLite journal
beside it (sheets/journal.py), so an update costs the same at 0 or 100 000 Logg rows. A workbook that
still has those tabs (made before the journal) has them moved into the journal once, on first use.
The workbook is only loaded when a workbook tab is read or written (a claim never loads it).
"""
from __future__ import annotations

import contextlib
import glob
import hashlib
import io
import logging
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.formatting import describe_os_error
from engine.store import HEADERS, StoreError, Tab
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

if TYPE_CHECKING:
    from openpyxl import Workbook

    from sheets.journal import Journal

# openpyxl and filelock are imported where a workbook is read, written or locked: opening the store to
# see whether the workbook exists (every `stimulans ask`) does not pay for them (issue #13).

log = logging.getLogger(__name__)

_FORMULA_START = ("=", "+", "-", "@")
#: Excel's limit on the characters in one cell; a longer text makes Excel "repair" (cut) the file.
MAX_CELL_CHARS = 32767
#: Tabs only the bot appends to: kept in the journal beside the workbook, not in the .xlsx.
HISTORY_TABS = ("Logg", "Påminnelser", "Återkoppling")
#: How long a writer waits for another process holding the workbook lock.
LOCK_TIMEOUT = 120.0


#: bump when what `_grid` keeps changes
_GRIDS_FORMAT = "stimulans-grids-1"


def _grid(ws: Any) -> Grid:
    """A tab's cells as values, row by row, without the empty rows at the end."""
    grid = [list(r) for r in ws.iter_rows(values_only=True)]
    while grid and not any(v not in (None, "") for v in grid[-1]):
        grid.pop()
    return grid


def journal_path(workbook: Path) -> Path:
    return workbook.with_name(workbook.stem + ".historik.sqlite")


def _storable(text: str) -> str:
    """Text an .xlsx cell can hold: control characters XML 1.0 forbids (openpyxl would refuse the
    whole write) are dropped, and text beyond Excel's cell limit is cut with a marker."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    if len(text) > MAX_CELL_CHARS:
        text = text[: MAX_CELL_CHARS - 1] + "…"
    return text


def _history_value(value: Any) -> Any:
    """A value as the journal keeps it: numbers stay numbers, text is cleaned like a workbook cell."""
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if isinstance(value, int | float):
        return value
    return _storable(str(value))


def _letter(col: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(col)


class WorkbookBackend(Backend):
    """The local .xlsx workbook with its SQLite journal beside it (module doc)."""

    name = "arbetsbok"

    def __init__(self, path: Path, cache_dir: Path | None = None):
        self.path = Path(path)
        #: where the tabs read from each version of the file are kept between processes (the knowledge
        #: cache's folder): a new `stimulans ask` then reads the sheet layer without openpyxl (issue #13)
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self._journal: Journal | None = None
        self._local = threading.local()
        self._thread_lock = threading.RLock()
        self._swept = False  # leftover .tmp files removed on the first locked access
        self.reads = 0  # whole-file reads, for the benchmark
        self.parses = 0  # of which parsed (the file had changed)
        self.saves = 0
        self._cache: tuple[bytes, Workbook] | None = None  # (hash of the file, the parsed workbook)

    # -- file handling ---------------------------------------------------------------------------
    def exists(self) -> bool:
        return self.path.exists()

    @property
    def _in_transaction(self) -> bool:
        return getattr(self._local, "depth", 0) > 0

    @property
    def _wb(self) -> Workbook:
        """The workbook of the current transaction, loaded on first use."""
        if getattr(self._local, "wb", None) is None:
            self._local.wb = self._load()
        return self._local.wb

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        if self._in_transaction:  # nested: the outer transaction holds the lock and saves
            self._local.depth += 1
            try:
                yield
            finally:
                self._local.depth -= 1
            return
        from filelock import FileLock, Timeout

        with self._thread_lock:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                lock = FileLock(str(self.path.with_name(self.path.name + ".lock")), timeout=LOCK_TIMEOUT)
                lock.acquire()
            except Timeout as e:
                raise StoreError(f"Arbetsboken {self.path} är låst av en annan process sedan mer än "
                                 f"{LOCK_TIMEOUT:.0f} s; försök igen om en stund.") from e
            except OSError as e:
                raise StoreError(f"Kan inte skapa arbetsboken {self.path}: {describe_os_error(e)}") from e
            try:
                self._local.depth = 1
                self._local.wb = None
                if not self._swept:
                    self._sweep_temp_files()
                self._local.dirty = False
                self._migrate_history()
                yield
                if self._local.dirty:
                    self._save(self._local.wb)
                    self._local.dirty = False
            finally:
                if self._local.dirty:  # changed in memory but not saved: the cached copy is wrong now
                    self._cache = None
                self._local.depth = 0
                self._local.wb = None
                self._local.dirty = False
                lock.release()

    def _migrate_history(self) -> None:
        """Under the lock: move history tabs still inside an older workbook into the journal, once."""
        if self.journal.exists() or not self.path.exists():
            return
        wb = self._wb
        moved = [t for t in HISTORY_TABS if t in wb.sheetnames]
        for tab in moved:
            self.journal.import_grid(tab, [list(r) for r in wb[tab].iter_rows(values_only=True)])
        if moved:
            for tab in moved:
                wb.remove(wb[tab])
            if not wb.sheetnames:
                wb.create_sheet("Rekvisitioner")
            self._mark_dirty()
        else:
            self.journal.create()  # the file now exists: the workbook is not looked at again
        # a workbook copied or moved without its history file starts a new, empty history (with headers)
        for tab in HISTORY_TABS:
            if tab not in moved:
                self.journal.ensure(tab, HEADERS[Tab(tab)])

    def _try_sweep(self) -> None:
        """On the first read: sweep leftover temp files if no save is running right now (lock free)."""
        if not self.path.parent.is_dir():
            return
        if not any(self.path.parent.glob(f".{glob.escape(self.path.name)}.*.tmp")):
            self._swept = True  # nothing to sweep: no lock needed (nor filelock imported)
            return
        from filelock import FileLock, Timeout

        lock = FileLock(str(self.path.with_name(self.path.name + ".lock")), timeout=0)
        try:
            lock.acquire()
        except (Timeout, OSError):
            return  # a save is running (or the folder is read-only); the next locked access sweeps
        try:
            self._sweep_temp_files()
        finally:
            lock.release()

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
        """The workbook as it is on disk. Parsed only when the file's bytes changed since we last read or
        wrote it (a hash of the file, so a hand edit or another process's save is always seen); callers
        hold the thread lock, so the shared object is never read while a transaction changes it."""
        import zipfile

        from openpyxl import Workbook, load_workbook
        from openpyxl.utils.exceptions import InvalidFileException

        if not self.path.exists():
            self._cache = None
            wb = Workbook()
            wb.remove(wb.active)
            return wb
        try:
            data = self.path.read_bytes()
            self.reads += 1
            digest = hashlib.blake2b(data, digest_size=16).digest()
            if self._cache is not None and self._cache[0] == digest:
                return self._cache[1]
            self.parses += 1
            wb = load_workbook(io.BytesIO(data))
        except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as e:
            self._cache = None
            raise StoreError(
                f"Arbetsboken {self.path} kan inte läsas ("
                + (describe_os_error(e) if isinstance(e, OSError) else "inte en giltig .xlsx-fil") + "). "
                "Är det en .xlsx-fil? "
                "Flytta undan den eller ange en annan med STIMULANS_WORKBOOK."
            ) from e
        self._cache = (digest, wb)
        return wb

    def _save(self, wb: Workbook) -> None:
        self.saves += 1
        self._cache = None  # until the new file is in place
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            wb.save(tmp)
            with open(tmp, "rb") as f:
                data = f.read()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except OSError as e:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise StoreError(f"Kan inte spara arbetsboken {self.path}: {describe_os_error(e)}") from e
        self._cache = (hashlib.blake2b(data, digest_size=16).digest(), wb)

    def _mark_dirty(self) -> None:
        self._local.dirty = True

    @contextlib.contextmanager
    def _open(self, write: bool) -> Iterator[Workbook]:
        if self._in_transaction:
            yield self._wb
            return
        if write:
            with self.transaction():
                yield self._wb
            return
        # A plain read needs no file lock (the file is only ever replaced atomically); the thread lock keeps
        # the cached workbook from being read while a transaction in another thread changes it.
        if not self._swept:
            self._try_sweep()
        with self._thread_lock:
            yield self._load()

    @property
    def journal(self) -> Journal:
        """The history tabs' journal, opened on first use (sqlite3 is not imported to answer a question)."""
        if self._journal is None:
            from sheets.journal import Journal

            self._journal = Journal(journal_path(self.path))
        return self._journal

    @contextlib.contextmanager
    def _history(self) -> Iterator[Journal]:
        """The journal, after a one-time migration of an older workbook's history tabs."""
        if not self._in_transaction and not self.journal.exists() and self.path.exists():
            with self.transaction():
                pass
        yield self.journal

    # -- Backend ---------------------------------------------------------------------------------
    def read_tabs(self, tabs: list[str]) -> dict[str, Grid | None]:
        out: dict[str, Grid | None] = {}
        history = [t for t in tabs if t in HISTORY_TABS]
        book = [t for t in tabs if t not in HISTORY_TABS]
        if history:
            with self._history() as journal:
                for tab in history:
                    out[tab] = journal.read(tab)
        if book:
            grids = self._cached_grids()
            if grids is None:
                with self._open(write=False) as wb:
                    grids = {name: _grid(wb[name]) for name in wb.sheetnames}
                    self._keep_grids(grids)
            out.update({tab: grids.get(tab) for tab in book})
        return {t: out[t] for t in tabs}

    # -- the tabs of each version of the file, kept between processes --------------------------------
    _GRIDS = "arbetsbok-"  # cache file prefix

    def _grids_path(self, digest: str) -> Path | None:
        if self.cache_dir is None:
            return None
        where = hashlib.blake2b(str(self.path.resolve()).encode("utf-8", "surrogateescape"), digest_size=8)
        return self.cache_dir / f"{self._GRIDS}{where.hexdigest()}-{digest}.pickle"

    def _digest(self) -> str | None:
        try:
            return hashlib.blake2b(self.path.read_bytes(), digest_size=16).hexdigest()
        except OSError:
            return None

    def _cached_grids(self) -> dict[str, Grid] | None:
        """Every tab of the file as it is on disk now, from the cache when this exact content (its hash) was
        read before; None to read the file. Only in a process that has not parsed the workbook (one that has
        keeps it and re-checks its hash itself), and never inside a transaction (its workbook is not saved yet)."""
        if self.cache_dir is None or self._cache is not None or self._in_transaction or not self.path.exists():
            return None
        if not self._swept:
            self._try_sweep()
        digest = self._digest()
        if digest is None:
            return None  # unreadable: the ordinary read says why
        path = self._grids_path(digest)
        if path is None:
            return None
        from engine.knowledge_cache import read_private

        payload = read_private(path)
        if not (isinstance(payload, dict) and payload.get("format") == _GRIDS_FORMAT
                and payload.get("digest") == digest and isinstance(payload.get("grids"), dict)):
            return None
        return payload["grids"]

    def _keep_grids(self, grids: dict[str, Grid]) -> None:
        """Keep what was just read, under the hash of the file's bytes it came from (the parsed workbook's)."""
        if self.cache_dir is None or self._in_transaction or self._cache is None:
            return
        digest = self._cache[0].hex()
        path = self._grids_path(digest)
        if path is None or path.exists():
            return
        from engine.knowledge_cache import write_private

        write_private(path, {"format": _GRIDS_FORMAT, "digest": digest, "grids": grids}, self._GRIDS)
        for older in path.parent.glob(path.name.rsplit("-", 1)[0] + "-*.pickle"):  # this file's earlier versions
            if older != path:
                older.unlink(missing_ok=True)

    def write_cells(self, tab: str, cells: list[Cell]) -> None:
        if not cells:
            return
        if tab in HISTORY_TABS:
            with self._history() as journal:
                journal.write_cells(tab, [(r, c, _history_value(v)) for r, c, v in cells])
            return
        with self._open(write=True) as wb:
            ws = self._sheet(wb, tab)
            for row, col, value in cells:
                self._set(ws, row, col, value, tab)
            self._mark_dirty()

    def append_rows(self, tab: str, rows: list[list[Any]]) -> None:
        if not rows:
            return
        if tab in HISTORY_TABS:
            with self._history() as journal:
                journal.append(tab, [[_history_value(v) for v in row] for row in rows])
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

    def export_history(self, target: Path) -> dict[str, int]:
        """Write the history tabs to an .xlsx with the same tab names (for reading in Excel); rows per tab."""
        from openpyxl import Workbook

        wb = Workbook()
        wb.remove(wb.active)
        counts: dict[str, int] = {}
        with self._history() as journal:
            for tab in HISTORY_TABS:
                grid = journal.read(tab) or [list(HEADERS[Tab(tab)])]
                ws = wb.create_sheet(tab)
                for r, row in enumerate(grid, start=1):
                    for c, value in enumerate(row, start=1):
                        ws.cell(r, c).value = value  # header kinds apply below via _set
                        if r > 1:
                            self._set(ws, r, c, value, tab)
                self._format(ws, tab)
                counts[tab] = max(0, len(grid) - 1)
        tmp = target.with_name(f".{target.name}.tmp")
        wb.save(tmp)
        os.replace(tmp, target)
        return counts

    def ensure_tabs(self, headers: dict[str, list[str]]) -> list[str]:
        changes: list[str] = []
        with self._open(write=True) as wb:
            with self._history() as journal:
                for tab, wanted in headers.items():
                    if str(tab) in HISTORY_TABS:
                        change = journal.ensure(str(tab), wanted)
                        if change:
                            changes.append(change)
            for tab, wanted in headers.items():
                tab = str(tab)
                if tab in HISTORY_TABS:
                    continue
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
        from openpyxl.styles import Font, PatternFill
        from openpyxl.worksheet.datavalidation import DataValidation

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
