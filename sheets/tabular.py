"""engine.store.Store over a Backend (sheets/backend.py): snapshot cache, conflict-safe audited writes.

Guarantees (same for the workbook and Google):
- Reads: one batched read of every tab the engine needs; the snapshot is served from memory until it
  is older than the TTL or a write happened. A failed refresh serves the last good snapshot with
  `stale_error` set (its `fetched_at` tells the age).
- Writes: the row is re-read right before writing; if any cell differs from what the writer saw, the
  write is refused with ConflictError carrying the current row. Only changed cells are written, as
  plain values (text never becomes a formula). The audit rows are appended to Logg BEFORE the cells
  are written, so no change exists without its audit row; if the cell write then fails, a second
  audit row says "MISSLYCKADES". Happy path: 3 API calls (re-read, audit, write).
- Reminder claims: under the workbook's file lock the re-read and the append are one step; on Google
  the claim is appended and the tab re-read, and the earliest claim row for the reminder wins. Claims
  and completions take a list, so a run of any size costs a constant number of calls (docs/scale.md).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from engine.formatting import format_kr
from engine.parsing import ParseError
from engine.seed import allocation_row, requisition_row, seed_allocations, seed_requisition_keys
from engine.sheet.ceiling import amount_ceiling
from engine.sheet.knowledge import with_sheet
from engine.sheet.rows import (
    KEY_COLUMNS,
    SNAPSHOT_TABS,
    Lookup,
    Table,
    display_value,
    lookup_for,
    normalize_value,
    parse_allocation_rows,
    parse_reminders,
    parse_status_rows,
    parse_tables,
    resolve_field,
    same_value,
    write_value,
)
from engine.sheet.schema import ALLOCATION_VALUE_COLUMNS, BELOPP, CONFLICT_SUMMARY_FIELDS, OK, POST
from engine.store import (
    HEADERS,
    ConflictError,
    Feedback,
    ReminderRecord,
    RowKey,
    SheetAllocation,
    Snapshot,
    StatusRow,
    StatusUpdate,
    Store,
    StoreError,
    Tab,
    UpdateResult,
)
from sheets.backend import Backend

log = logging.getLogger(__name__)

ACTIVE_CLAIM = {"anspråk", "ansprak", "skickad"}


class TabularStore(Store):
    def __init__(
        self,
        backend: Backend,
        *,
        kb: Any | None = None,
        ttl_seconds: float = 60.0,
        timezone: str = "Europe/Stockholm",
        auto_init: bool = False,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], dt.datetime] | None = None,
        background_refresh: bool = False,
        county: str | None = None,
    ):
        self.backend = backend
        #: the county (länskod) this sheet belongs to when one deployment serves several (docs/scale.md)
        self.county = county
        self.name = backend.name
        self._kb = kb
        self.ttl = ttl_seconds
        self.tz = ZoneInfo(timezone)
        self.auto_init = auto_init
        self._clock = clock
        self._now = now or (lambda: dt.datetime.now(dt.UTC))
        self._lock = threading.RLock()
        self._snap: Snapshot | None = None
        self._good: Snapshot | None = None
        self._checked = 0.0
        self._dirty = True
        #: Google: an expired snapshot is served at once while one background thread re-reads the sheet
        self.background_refresh = background_refresh
        self._generation = 0  # bumped by every install and invalidate: a late background read is dropped
        self._refreshing: threading.Thread | None = None

    # -- knowledge base --------------------------------------------------------------------------
    @property
    def kb(self) -> Any:
        if self._kb is None:
            from engine.knowledge import load_knowledge

            self._kb = load_knowledge()
        return self._kb

    def _lookup(self) -> Lookup:
        return lookup_for(self.kb)

    def _stamp(self, micro: bool = False) -> str:
        return self._now().astimezone(self.tz).isoformat(timespec="microseconds" if micro else "seconds")

    # -- reads -----------------------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        with self._lock:
            if self._snap is not None and not self._dirty and self._clock() - self._checked < self.ttl:
                return self._snap
            if self.background_refresh and self._snap is not None and not self._dirty:
                self._start_background_refresh()
                return self._snap  # expired, not invalid: answer now, the fresh one lands shortly
            return self._refresh(serve_stale=True)

    def _start_background_refresh(self) -> None:
        if self._refreshing is not None and self._refreshing.is_alive():
            return
        self._refreshing = threading.Thread(target=self._background_refresh, args=(self._generation,),
                                            name="stimulans-snapshot", daemon=True)
        self._refreshing.start()

    def _background_refresh(self, generation: int) -> None:
        try:
            snap: Snapshot | None = self._read_snapshot()  # outside the lock: questions keep being answered
            error = None
        except StoreError as e:
            snap, error = None, e
        except Exception as e:  # noqa: BLE001 - a background thread must not die silently
            log.exception("bakgrundsläsning av bladet misslyckades")
            snap, error = None, StoreError(f"oväntat fel: {type(e).__name__}")
        with self._lock:
            if generation != self._generation:
                return  # a write or a newer read came first
            self._generation += 1
            if snap is not None:
                self._snap = self._good = snap
            elif self._good is not None:
                self._snap = dataclasses.replace(self._good, stale_error=str(error))
            self._checked = self._clock()

    def wait_for_refresh(self, timeout: float | None = None) -> bool:
        """Wait for a running background refresh (tests, shutdown); True when none is running."""
        thread = self._refreshing
        if thread is not None:
            thread.join(timeout)
            return not thread.is_alive()
        return True

    def refresh(self) -> Snapshot:
        with self._lock:
            return self._refresh(serve_stale=True)

    def sheet_snapshot(self) -> Snapshot | None:
        if self.auto_init and not self.backend.exists():
            return None  # asking a question never creates the local workbook
        return self.snapshot()

    def invalidate(self) -> None:
        """Make the next snapshot() re-read (after a write)."""
        with self._lock:
            self._dirty = True
            self._generation += 1

    def _refresh(self, serve_stale: bool) -> Snapshot:
        try:
            snap = self._read_snapshot()
        except StoreError as e:
            if not serve_stale or self._good is None:
                raise
            self._snap = dataclasses.replace(self._good, stale_error=str(e))
            self._checked = self._clock()  # retry after the TTL, not on every question
            self._dirty = False
            return self._snap
        self._snap = self._good = snap
        self._checked = self._clock()
        self._dirty = False
        self._generation += 1
        return snap

    def _ensure_exists(self) -> None:
        if self.auto_init and not self.backend.exists():
            self.init_schema()

    def _read_snapshot(self) -> Snapshot:
        self._ensure_exists()
        tabs = [str(t) for t in SNAPSHOT_TABS]
        grids = self.backend.read_tabs(tabs)
        if all(grids.get(t) is None for t in tabs):  # nothing set up yet: one clear error
            self._require(grids, SNAPSHOT_TABS)
        # A deleted tab or a mistyped header is a problem (tab + A1) in the snapshot; the rest serves.
        return parse_tables(grids, self.kb, self._now())

    def _require(self, grids: dict[str, Any], tabs: list[Tab]) -> None:
        missing_tabs = [str(t) for t in tabs if grids.get(str(t)) is None]
        if missing_tabs:
            raise StoreError(f"Fliken {', '.join(missing_tabs)} saknas i {self.backend.name}; "
                             "kör `stimulans init-sheet` för att skapa den.")
        for t in tabs:
            missing = Table(t, grids[str(t)]).missing(KEY_COLUMNS[t])
            if missing:
                raise StoreError(f"Fliken {t} saknar rubriken {', '.join(missing)} i rad 1; "
                                 "kör `stimulans init-sheet` för att laga den.")

    def _read_table(self, tab: Tab) -> Table:
        grids = self.backend.read_tabs([str(tab)])
        self._require(grids, [tab])
        return Table(tab, grids[str(tab)])

    # -- status writes ---------------------------------------------------------------------------
    def update_status(self, update: StatusUpdate) -> UpdateResult:
        changes: dict[str, str | Decimal] = {}
        for field, value in update.changes.items():
            try:
                header = resolve_field(field)
                changes[header] = normalize_value(header, value)
            except ParseError as e:
                raise StoreError(f"{field}: {e}") from e
        if not update.actor.strip():
            raise StoreError("Vem som ändrar saknas (behövs för loggen).")
        key = update.key
        lookup = Lookup(with_sheet(self.kb, self.snapshot()))  # knows the sheet's own agreements and posts
        self._check_key(key, lookup)
        self._check_ceiling(key, changes.get(BELOPP))
        self._check_county(key, lookup)
        expected = update.expected
        if expected is None:
            seen = self.snapshot().status_for(key)
            expected = dict(seen.raw) if seen is not None else {}
        self._ensure_exists()
        audit: list[list[Any]] = []
        refused: ConflictError | None = None
        try:
            with self._lock, self.backend.transaction():
                table = self._read_table(Tab.rekvisitioner)
                current = self._find(table, key, lookup)
                try:
                    self._check_conflict(key, expected, current)
                except ConflictError as e:  # logged inside the transaction, raised after it (the log row is kept)
                    self._audit_refusal(key, current, changes, update.actor, lookup)
                    refused = e
                else:
                    result = self._write_status(table, key, current, changes, update.actor, lookup, audit)
        except StoreError as e:
            # the local workbook saves its cells when the transaction ends, after the Logg row was kept in
            # the journal: a failed save must be logged as such too (Google failures are caught inside)
            if audit and not isinstance(e, ConflictError) and not getattr(e, "audited", False):
                self._audit_failure(audit, e)
                raise StoreError(f"Ändringen för {self._describe_key(key)} kunde inte skrivas: {e} "
                                 "Loggen visar försöket; kontrollera raden.") from e
            raise
        finally:
            self.invalidate()
        if refused is not None:
            raise refused
        return result

    def _check_county(self, key: RowKey, lookup: Lookup) -> None:
        """A county's sheet holds only its own recipients' rows (a second guard behind authorization)."""
        rec = lookup.recipients.get(key.recipient_id)
        county = getattr(rec, "county_code", None)
        if self.county and rec is not None and county != self.county:
            raise StoreError(f"{rec.name} hör till län {county}, inte till det här kalkylarket (län {self.county}); "
                             "inget skrevs.")

    @staticmethod
    def _check_key(key: RowKey, lookup: Lookup) -> None:
        """A row key from any front (a crafted Slack payload included) must name a known recipient,
        agreement and post, so nothing is ever written for a recipient that does not exist."""
        if lookup.recipients and key.recipient_id not in lookup.recipients:
            raise StoreError(f"Okänd mottagare ”{key.recipient_id}”; inget skrevs.")
        if lookup.agreements and key.agreement not in lookup.agreements:
            raise StoreError(f"Okänd överenskommelse ”{key.agreement}”; inget skrevs.")
        if key.post and lookup.posts:
            post = lookup.posts.get(key.post)
            if post is None or getattr(post, "agreement", key.agreement) != key.agreement:
                raise StoreError(f"Okänd post ”{key.post}” för {key.agreement}; inget skrevs.")

    def _check_ceiling(self, key: RowKey, amount: Any) -> None:
        """The one ceiling rule (engine/sheet/ceiling.py), over the documents and the sheet's Tilldelning."""
        if not isinstance(amount, Decimal):
            return
        kb = with_sheet(self.kb, self.snapshot())
        ceiling = amount_ceiling(kb, key.recipient_id, key.agreement, key.post)
        if ceiling is not None and amount > ceiling.amount:
            from engine.dashboard import post_label, recipient_name

            raise StoreError(f"{format_kr(amount)} är mer än {ceiling.describe()} för "
                             f"{recipient_name(kb, key.recipient_id)}, {post_label(kb, key.agreement, key.post)}; "
                             "inget skrevs.")

    def _find(self, table: Table, key: RowKey, lookup: Lookup) -> StatusRow | None:
        rows = parse_status_rows(table, lookup, [])
        return next((r for r in rows if r.key == key), None)

    def _describe_key(self, key: RowKey) -> str:
        rec = getattr(self.kb, "recipients", {}).get(key.recipient_id)
        name = rec.name if rec is not None else key.recipient_id
        return f"{name} / {key.agreement}" + (f" / {key.post}" if key.post else "")

    def _check_conflict(self, key: RowKey, expected: dict[str, str], current: StatusRow | None) -> None:
        what = self._describe_key(key)
        if current is None:
            if expected:
                raise ConflictError(f"Raden för {what} finns inte längre i bladet (någon har tagit bort eller "
                                    "ändrat den). Inget skrevs.", None)
            return
        if not expected:
            raise ConflictError(f"Någon har lagt till raden för {what} (rad {current.row}) sedan du läste bladet; "
                                f"nu står där: {self._summary(current)}. Inget skrevs.", current)
        differing = [h for h, v in expected.items() if current.raw.get(h, "") != v]
        if differing:
            now_vals = ", ".join(f"{h}: ”{current.raw.get(h, '')}” (du såg ”{expected[h]}”)" for h in differing)
            raise ConflictError(f"Någon har ändrat raden för {what} (rad {current.row}) sedan du läste den: "
                                f"{now_vals}. Inget skrevs; läs om och försök igen.", current)

    @staticmethod
    def _summary(row: StatusRow) -> str:
        return ", ".join(f"{h}: ”{v}”" for h, v in row.raw.items()
                         if v and h in CONFLICT_SUMMARY_FIELDS) or "tom rad"

    def _write_status(self, table: Table, key: RowKey, current: StatusRow | None,
                      changes: dict[str, str | Decimal], actor: str, lookup: Lookup,
                      audit_out: list[list[Any]] | None = None) -> UpdateResult:
        changed: dict[str, tuple[str, str]] = {}
        values: dict[str, Any] = {}
        for header, new in changes.items():
            old = current.raw.get(header, "") if current is not None else ""
            if current is not None and same_value(header, old, new):
                continue
            if current is None and new in ("", None):
                continue
            changed[header] = (old, display_value(new))
            values[header] = write_value(new)
        if not changed:
            return UpdateResult(row=current.row if current else 0, changed={}, created=False)
        stamp = self._stamp()
        values["Uppdaterad av"] = actor
        values["Uppdaterad"] = stamp
        rec = lookup.recipients.get(key.recipient_id)
        recipient_name = current.recipient_name if current else (rec.name if rec else key.recipient_id)
        where = f"{key.agreement} {key.post}".strip()
        note = where + ("; ny rad" if current is None else f"; rad {current.row}")
        audit = [[stamp, actor, recipient_name, h, old, new, note] for h, (old, new) in changed.items()]
        self.backend.append_rows(str(Tab.logg), audit)  # audit first: no change without its log row
        if audit_out is not None:
            audit_out.extend(audit)
        try:
            if current is None:
                row = requisition_row(self.kb, key)
                row.update(values)
                header = table.header or HEADERS[Tab.rekvisitioner]
                self.backend.append_rows(str(Tab.rekvisitioner), [[row.get(h, "") for h in header]])
                row_no = len(table.rows) + 2
            else:
                cells = [(current.row, table.columns[h], v) for h, v in values.items() if h in table.columns]
                self.backend.write_cells(str(Tab.rekvisitioner), cells)
                row_no = current.row
        except StoreError as e:
            self._audit_failure(audit, e)
            failed = StoreError(f"Ändringen för {self._describe_key(key)} kunde inte skrivas: {e} "
                                "Loggen visar försöket; kontrollera raden.")
            failed.audited = True  # type: ignore[attr-defined]
            raise failed from e
        return UpdateResult(row=row_no, changed=changed, created=current is None)

    def _audit_refusal(self, key: RowKey, current: StatusRow | None, changes: dict[str, str | Decimal],
                       actor: str, lookup: Lookup) -> None:
        """A refused write is logged too: the current value (old column) and the refused one (new column)."""
        rec = lookup.recipients.get(key.recipient_id)
        name = current.recipient_name if current else (rec.name if rec else key.recipient_id)
        where = f"{key.agreement} {key.post}".strip() + (f"; rad {current.row}" if current else "")
        stamp = self._stamp()
        rows = [[stamp, actor, name, h, current.raw.get(h, "") if current else "", display_value(v),
                 f"AVVISAD: raden hade ändrats sedan den lästes; inget skrevs; {where}"] for h, v in changes.items()]
        try:
            self.backend.append_rows(str(Tab.logg), rows)
        except StoreError as e:
            log.warning("avvisad ändring kunde inte loggas: %s", e)

    def _audit_failure(self, audit: list[list[str]], error: Exception) -> None:
        failed = [r[:6] + [f"MISSLYCKADES: skrevs inte ({error}); {r[6]}"] for r in audit]
        try:
            self.backend.append_rows(str(Tab.logg), failed)
        except StoreError:
            pass  # the first audit row still records the attempt

    # -- feedback --------------------------------------------------------------------------------
    def append_feedback(self, feedback: Feedback) -> None:
        self._ensure_exists()
        self.backend.append_rows(str(Tab.aterkoppling), [[
            self._stamp(), feedback.who, feedback.question, feedback.answer, feedback.vote]])

    # -- reminders -------------------------------------------------------------------------------
    # A reminder run costs a constant number of calls whatever the number of reminders: claims are read
    # once, appended in one batch and re-read once; completions are read once and written in one batch.
    def claim_reminder(self, record: ReminderRecord) -> bool:
        return record.reminder_id in self.claim_reminders([record])

    def claim_reminders(self, records: list[ReminderRecord]) -> set[str]:
        if not records:
            return set()
        self._ensure_exists()
        import uuid  # imported by the one call that names an owner: not on every store opened (#13)

        owner_default = f"stimulans-{uuid.uuid4().hex[:8]}"
        claimed_at = self._stamp(micro=True)
        with self._lock, self.backend.transaction():
            table = self._read_table(Tab.paminnelser)
            taken = self._claim_index(table)
            mine: dict[str, str] = {}  # reminder id -> owner of the row this call appends
            rows = []
            for record in records:
                rid = record.reminder_id
                if rid in taken or rid in mine:
                    continue
                owner = record.owner or owner_default
                mine[rid] = owner
                planned = record.planned_date.isoformat() if record.planned_date else ""
                row = {"Påminnelse-id": rid, "Deadline": record.deadline_id, "Dagar före": record.offset_days,
                       "Kanal": record.channel, "Planerat datum": planned, "Status": "anspråk", "Ägare": owner,
                       "Anspråk": claimed_at}
                rows.append([row.get(h, "") for h in table.header])
            if not rows:
                return set()
            self.backend.append_rows(str(Tab.paminnelser), rows)
            # Re-read: without a lock (Google) two processes may both have appended; the earliest row wins.
            after = self._read_table(Tab.paminnelser)
            index = self._claim_index(after)
            won: set[str] = set()
            losers: list[tuple[int, int, Any]] = []
            for rid, owner in mine.items():
                claims = index.get(rid, [])
                if claims and claims[0][1].owner == owner and claims[0][1].claimed_at == claimed_at:
                    won.add(rid)
                    continue
                for row_no, rec in claims:
                    if rec.owner == owner and rec.claimed_at == claimed_at and "Status" in after.columns:
                        losers.append((row_no, after.columns["Status"], "dubblett"))
            if losers:
                self.backend.write_cells(str(Tab.paminnelser), losers)
        self.invalidate()
        return won

    @staticmethod
    def _claim_index(table: Table) -> dict[str, list[tuple[int, ReminderRecord]]]:
        """Active claims (claimed or sent) per reminder id, earliest row first, from one read of the tab."""
        out: dict[str, list[tuple[int, ReminderRecord]]] = {}
        for row_no, rec in table.records():
            rid = rec.get("Påminnelse-id", "").strip()
            if not rid:
                continue
            parsed = parse_reminders(_single(table, rec), [])
            if parsed and parsed[0].status in ACTIVE_CLAIM:
                out.setdefault(rid, []).append((row_no, parsed[0]))
        return out

    def complete_reminder(self, reminder_id: str, slack_ts: str) -> None:
        self.complete_reminders([(reminder_id, slack_ts)])

    def complete_reminders(self, done: list[tuple[str, str]]) -> None:
        if not done:
            return
        self._ensure_exists()
        stamp = self._stamp()
        with self._lock, self.backend.transaction():
            table = self._read_table(Tab.paminnelser)
            index = self._claim_index(table)
            cells: list[tuple[int, int, Any]] = []
            appends: list[list[Any]] = []
            for reminder_id, slack_ts in dict(done).items():
                values = {"Status": "skickad", "Slack-ts": slack_ts, "Skickad": stamp}
                claims = index.get(reminder_id)
                if not claims:
                    row = {"Påminnelse-id": reminder_id, **values}
                    appends.append([row.get(h, "") for h in table.header])
                else:
                    row_no = claims[0][0]
                    cells += [(row_no, table.columns[h], v) for h, v in values.items() if h in table.columns]
            self.backend.write_cells(str(Tab.paminnelser), cells)
            self.backend.append_rows(str(Tab.paminnelser), appends)
        self.invalidate()

    # -- allocations -----------------------------------------------------------------------------
    def write_allocations(self, rows: list[SheetAllocation], actor: str) -> int:
        self._ensure_exists()
        with self._lock, self.backend.transaction():
            written = self._upsert_allocations(rows, actor, update_existing=True)
        self.invalidate()
        return written

    def _upsert_allocations(self, rows: list[SheetAllocation], actor: str, *, update_existing: bool) -> int:
        table = self._read_table(Tab.tilldelning)
        existing = {(a.recipient_id, a.agreement, a.post): a for a in parse_allocation_rows(table, self._lookup(), [])}
        row_of = self._allocation_rows(table)
        cells: list[tuple[int, int, Any]] = []
        appends: list[list[Any]] = []
        audit: list[list[Any]] = []
        stamp = self._stamp()
        seen: set[tuple[str, str, str]] = set()
        for a in rows:
            key = (a.recipient_id, a.agreement, a.post)
            if key in seen:
                continue
            seen.add(key)
            old = existing.get(key)
            if old is None:
                values = allocation_row(a, self.kb)
                appends.append([values.get(h, "") for h in table.header])
                continue
            if not update_existing or (old.kind == "publicerad" and a.kind != "publicerad"):
                continue  # a published figure is never replaced by a computed one
            if (old.amount, old.kind, old.source, old.year) == (a.amount, a.kind, a.source, a.year):
                continue
            values = allocation_row(a, self.kb)
            row_no = row_of[key]
            for h in ALLOCATION_VALUE_COLUMNS:
                if h in table.columns:
                    cells.append((row_no, table.columns[h], values[h]))
            audit.append([stamp, actor, a.recipient_name, "Tilldelning Belopp (kr)", display_value(old.amount),
                          display_value(a.amount), f"{a.agreement} {a.post}; rad {row_no}; {a.kind}"])
        if appends:
            audit.append([stamp, actor, "", "Tilldelning", "", f"{len(appends)} nya rader", "tillagda rader"])
        if not audit:
            return 0
        self.backend.append_rows(str(Tab.logg), audit)
        try:
            if cells:
                self.backend.write_cells(str(Tab.tilldelning), cells)
            if appends:
                self.backend.append_rows(str(Tab.tilldelning), appends)
        except StoreError as e:
            self._audit_failure(audit, e)
            raise
        return len(appends) + len({c[0] for c in cells})

    def _allocation_rows(self, table: Table) -> dict[tuple[str, str, str], int]:
        lookup = self._lookup()
        out: dict[tuple[str, str, str], int] = {}
        for row_no, rec in table.records():
            parsed = parse_allocation_rows(_single(table, rec), lookup, [])
            if parsed:
                a = parsed[0]
                out.setdefault((a.recipient_id, a.agreement, a.post), row_no)
        return out

    def _own(self, recipient_id: str) -> bool:
        """Whether a recipient's rows belong in this sheet (always, without counties)."""
        return not self.county or _county_of(self.kb, recipient_id) == self.county

    # -- schema ----------------------------------------------------------------------------------
    def init_schema(self) -> list[str]:
        with self._lock, self.backend.transaction():
            changes = self.backend.ensure_tabs({str(t): h for t, h in HEADERS.items()})
            changes += self._seed()
        self.invalidate()
        return changes

    def seed_year(self, year: int) -> list[str]:
        """`init-sheet --år 2024`: a Rekvisitioner row for every recipient × post the sheet's Tilldelning gives
        for that year (a county group's row: each of its municipalities). Existing rows are never touched."""
        self._ensure_exists()
        snap = self.refresh()
        kb = with_sheet(self.kb, snap)
        wanted: list[RowKey] = []
        for a in snap.allocations:
            if a.year != year or not a.post:
                continue
            rec = kb.recipients.get(a.recipient_id)
            ids = [a.recipient_id]
            if rec is not None and str(rec.kind) == "grupp" and rec.county_code:
                ids = [m.id for m in kb.municipalities_in_county(rec.county_code)] or ids
            for rid in ids:
                key = RowKey(recipient_id=rid, agreement=a.agreement, post=a.post)
                if key not in wanted:
                    wanted.append(key)
        if not wanted:
            return [f"{Tab.tilldelning} har inga rader med post för {year}; inget att lägga till i {Tab.rekvisitioner}."]
        with self._lock, self.backend.transaction():
            table = self._read_table(Tab.rekvisitioner)
            have = {r.key for r in parse_status_rows(table, Lookup(kb), [])}
            new = [k for k in wanted if k not in have]
            if new:
                rows = []
                for k in new:
                    row = requisition_row(kb, k)
                    ag, post = kb.agreements.get(k.agreement), kb.posts.get(k.post)
                    if k.agreement.startswith("ark-") and ag is not None:
                        row[OK] = ag.short  # what the sheet calls it ("ÖK 2024"), not the internal id
                    if k.post.startswith("ark-") and post is not None:
                        row[POST] = post.short
                    rows.append([row.get(h, "") for h in table.header])
                self.backend.append_rows(str(Tab.rekvisitioner), rows)
        self.invalidate()
        kept = len(wanted) - len(new)
        return [f"{Tab.rekvisitioner}: {len(new)} rader tillagda för {year} från {Tab.tilldelning}"
                + (f" ({kept} fanns redan och lämnades orörda)" if kept else "")] if new else []

    def _seed(self) -> list[str]:
        kb = self.kb
        if not getattr(kb, "allocations", None):
            return []
        changes: list[str] = []
        table = self._read_table(Tab.rekvisitioner)
        lookup = self._lookup()
        have = {r.key for r in parse_status_rows(table, lookup, [])}
        new = [k for k in seed_requisition_keys(kb) if k not in have and self._own(k.recipient_id)]
        if new:
            header = table.header
            rows = [[requisition_row(kb, k).get(h, "") for h in header] for k in new]
            self.backend.append_rows(str(Tab.rekvisitioner), rows)
            changes.append(f"{Tab.rekvisitioner}: {len(new)} rader tillagda från kunskapsbasen")
        added = self._upsert_allocations([a for a in seed_allocations(kb) if self._own(a.recipient_id)],
                                         "stimulans init-sheet", update_existing=False)
        if added:
            changes.append(f"{Tab.tilldelning}: {added} publicerade belopp tillagda")
        return changes


def _county_of(kb: Any, recipient_id: str) -> str | None:
    rec = getattr(kb, "recipients", {}).get(recipient_id)
    return getattr(rec, "county_code", None) if rec is not None else None


def _single(table: Table, rec: dict[str, str]) -> Table:
    """A one-row Table (header + this record) for parsing a single row with the tab parsers."""
    grid = [table.header, [rec.get(h, "") if h in table.columns else "" for h in table.header]]
    return Table(table.tab, grid)
