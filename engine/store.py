"""The store interface the engine reads and writes through; `sheets/` implements it.

The shared sheet (Google Sheets, or the local .xlsx workbook with the same tabs) is the
source of truth for requisition status, contacts, reminder claims, the audit log and
feedback. Tab names and headers: engine/sheet/schema.py, once, for both stores and `init-sheet`.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from abc import ABC, abstractmethod
from decimal import Decimal
from enum import StrEnum

from engine.models import Frozen, KnowledgeFile, model
from engine.sheet.schema import (  # noqa: F401 - re-exported: the one tab schema
    AMOUNT_COLUMNS,
    DATE_COLUMNS,
    EDITABLE_FIELDS,
    HEADERS,
    STATUS_COLUMN,
    TEXT_COLUMNS,
    Tab,
)
from engine.status import Status


class Role(StrEnum):
    kontakt = "kontakt"  # a municipality / region contact: may edit its own recipient's rows
    samordnare = "samordnare"  # a coordinator: may edit all rows


# The store's values are models like the knowledge's (engine.models.model: immutable, built by keyword, no
# pydantic at import; issue #13); the sheet's cells are parsed into them by engine/sheet/rows.py, which
# reports what it cannot read.


@model
class RowKey(Frozen):
    """Identifies one Rekvisitioner row: recipient × agreement × post."""

    recipient_id: str
    agreement: str
    post: str = ""


@model
class StatusRow(Frozen):
    """One Rekvisitioner row as read: a recipient's requisition status for an agreement and post."""

    row: int  # 1-based sheet row (header is row 1) for A1 references
    key: RowKey
    recipient_name: str
    code: str = ""
    county: str = ""
    status: Status = Status.ej_rekvirerad
    amount: Decimal | None = None
    date: dt.date | None = None
    reference: str = ""
    planned_use: str = ""
    contact: str = ""
    updated_by: str = ""
    updated_at: str = ""
    raw: dict[str, str] = dataclasses.field(default_factory=dict)  # cells as typed, by header (conflict detection)


@model
class Contact(Frozen):
    """One Kontakter row: a person, their Slack id and e-mail, whom they act for and their role."""

    row: int
    name: str
    email: str = ""
    slack_id: str = ""
    recipient_id: str = ""  # "" for coordinators who are not tied to one recipient
    role: Role = Role.kontakt


@model
class SheetAllocation(Frozen):
    """One Tilldelning row as read: an amount the sheet states for a recipient and post."""

    recipient_id: str
    recipient_name: str
    code: str = ""
    county: str = ""
    agreement: str
    year: int
    post: str
    amount: Decimal
    kind: str = "publicerad"  # "publicerad", "beslutad" or "beräknad" (engine.sheet.schema.ALLOCATION_TYPES)
    source: str = ""
    row: int = 0  # the Tilldelning row it was read from (0 = not read from the sheet)


@model
class SheetDeadline(Frozen):
    """A Frister row as read: a deadline someone typed into the shared sheet."""

    row: int
    agreement: str  # agreement id (a document's, or one the sheet defines)
    kind: str  # DeadlineKind value
    date: dt.date
    who: str = ""
    to: str = ""
    description: str = ""
    source: str = ""  # the Källa cell
    applies_to: list[str] = dataclasses.field(default_factory=list)


@model
class ReminderRecord(Frozen):
    """One Påminnelser row: a reminder claimed or sent for a deadline (the run's ledger)."""

    reminder_id: str
    deadline_id: str
    offset_days: int
    channel: str
    planned_date: dt.date | None = None
    status: str = ""  # "anspråk" (claimed), "skickad" (posted)
    owner: str = ""
    claimed_at: str = ""
    slack_ts: str = ""
    sent_at: str = ""


@model
class CellProblem(Frozen):
    """A cell a person typed that could not be understood; the rest of the sheet still serves."""

    tab: str
    a1: str  # e.g. "G7"
    raw: str
    reason: str  # Swedish
    #: recipient ids whose rows are withheld because of this problem (Kod mismatch)
    recipients: list[str] = dataclasses.field(default_factory=list)

    def describe(self) -> str:
        return f"{self.tab}!{self.a1}: ”{self.raw}”: {self.reason}"


@model
class Snapshot(Frozen):
    """Every tab of the sheet as read at one moment, plus the problems found in its cells."""

    statuses: list[StatusRow] = dataclasses.field(default_factory=list)
    contacts: list[Contact] = dataclasses.field(default_factory=list)
    allocations: list[SheetAllocation] = dataclasses.field(default_factory=list)
    deadlines: list[SheetDeadline] = dataclasses.field(default_factory=list)
    reminders: list[ReminderRecord] = dataclasses.field(default_factory=list)
    #: the sheet as a knowledge layer (engine/sheet/knowledge.py): agreements, posts, allocations,
    #: deadlines and document-vs-sheet discrepancies, merged over the documents by `with_sheet`
    knowledge: KnowledgeFile = dataclasses.field(default_factory=KnowledgeFile)
    problems: list[CellProblem] = dataclasses.field(default_factory=list)
    fetched_at: dt.datetime
    stale_error: str | None = None  # set when a refresh failed and this is the last good snapshot

    def age_seconds(self, now: dt.datetime | None = None) -> float:
        now = now or dt.datetime.now(dt.UTC)
        return (now - self.fetched_at).total_seconds()

    def status_for(self, key: RowKey) -> StatusRow | None:
        return next((s for s in self.statuses if s.key == key), None)


@model
class StatusUpdate(Frozen):
    """A change someone asks for: new cell values of one row, with what they saw before."""

    key: RowKey
    changes: dict[str, str]  # header -> new value as text (validated by the store's parsers)
    actor: str  # who (Slack user / e-mail / CLI user), for the audit log
    expected: dict[str, str] | None = None  # raw values the actor saw; None = the store's snapshot


@model
class UpdateResult(Frozen):
    """What an update changed: per header the old and the new value."""

    row: int
    changed: dict[str, tuple[str, str]]  # header -> (old, new)
    created: bool = False


@model
class Feedback(Frozen):
    """A thumbs up or down on an answer (Återkoppling)."""

    who: str
    question: str
    answer: str
    vote: str  # "up" / "down"


class StoreError(Exception):
    """A store problem with a clear Swedish message for the user (no traceback needed)."""


class ConflictError(StoreError):
    """Someone changed the row since the snapshot the writer used; nothing was written."""

    def __init__(self, message: str, current: StatusRow | None = None):
        super().__init__(message)
        self.current = current


class Store(ABC):
    """What the engine needs from a shared sheet. Both stores pass one contract test suite."""

    name: str = "store"

    @abstractmethod
    def snapshot(self) -> Snapshot:
        """The in-memory snapshot, refreshed when older than the TTL (a failed refresh keeps the last one)."""

    @abstractmethod
    def refresh(self) -> Snapshot:
        """Force a re-read of all tabs."""

    def sheet_snapshot(self) -> Snapshot | None:
        """The snapshot for the sheet knowledge layer; None when there is no sheet yet (never creates one)."""
        return self.snapshot()

    @abstractmethod
    def update_status(self, update: StatusUpdate) -> UpdateResult:
        """Re-read the row, refuse on conflict (ConflictError), write only changed cells as plain
        text (never formulas), append one audit row per changed field to Logg."""

    @abstractmethod
    def append_feedback(self, feedback: Feedback) -> None: ...

    @abstractmethod
    def claim_reminder(self, record: ReminderRecord) -> bool:
        """Record a claim for a reminder; False if it is already claimed or sent."""

    @abstractmethod
    def complete_reminder(self, reminder_id: str, slack_ts: str) -> None: ...

    def claim_reminders(self, records: list[ReminderRecord]) -> set[str]:
        """Claim several reminders in one step; returns the ids this call won. A store on a quota'd API
        overrides this with a constant number of calls (read once, append once); the default claims
        one by one."""
        return {r.reminder_id for r in records if self.claim_reminder(r)}

    def complete_reminders(self, done: list[tuple[str, str]]) -> None:
        """Record (reminder id, Slack ts) pairs as sent, in one step where the store can."""
        for reminder_id, slack_ts in done:
            self.complete_reminder(reminder_id, slack_ts)

    @abstractmethod
    def write_allocations(self, rows: list[SheetAllocation], actor: str) -> int:
        """Upsert allocation rows (never overwriting other rows); returns rows written."""

    @abstractmethod
    def init_schema(self) -> list[str]:
        """Create/repair tabs, headers, formats; returns what changed (empty = nothing to do)."""
