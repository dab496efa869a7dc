"""Tables for `stimulans export status|tilldelning|frister`: typed content only (no file formats).

Values are typed (Decimal amounts, dates, ints, text) and each column has a kind, so the writers
(`sheets/exports.py` for .xlsx, the CSV writer in `bot/cli/commands/exports.py`) can format them: SEK and
date number formats in Excel, decimal comma in the Swedish CSV dialect.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from engine.status import STATUS_LABELS
from engine.store import Snapshot

KINDS = ("text", "amount", "date", "int", "decimal")


@dataclass(frozen=True)
class Column:
    header: str
    kind: str = "text"  # one of KINDS


@dataclass
class ExportTable:
    name: str  # sheet name in the .xlsx, e.g. "Status"
    columns: list[Column]
    rows: list[list[Any]]
    notes: list[str] = field(default_factory=list)

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]


def _county_of(kb: Any, recipient_id: str) -> str | None:
    r = (getattr(kb, "recipients", {}) or {}).get(recipient_id)
    if r is None:
        return None
    return r.county_code or (r.code if str(r.kind) in ("lan", "region") else None)


def _county_name(kb: Any, code: str | None, fallback: str = "") -> str:
    if not code:
        return fallback
    lan = (getattr(kb, "recipients", {}) or {}).get(f"lan-{code}")
    return lan.name if lan is not None else fallback


def status_table(kb: Any, snapshot: Snapshot, county: str | None = None) -> ExportTable:
    """The Rekvisitioner rows (optionally one county's), typed."""
    posts = getattr(kb, "posts", {}) or {}
    columns = [Column("Mottagare"), Column("Kod"), Column("Län"), Column("Överenskommelse"), Column("Post"),
               Column("Status"), Column("Belopp (kr)", "amount"), Column("Datum", "date"),
               Column("Faktura/referens"), Column("Planerad användning"), Column("Kontaktperson"),
               Column("Uppdaterad av"), Column("Uppdaterad")]
    rows = []
    for s in snapshot.statuses:
        code = _county_of(kb, s.key.recipient_id)
        if county and code != county:
            continue
        post = posts.get(s.key.post)
        rows.append([s.recipient_name, s.code, s.county or _county_name(kb, code), s.key.agreement,
                     post.short if post is not None else s.key.post, STATUS_LABELS.get(s.status, str(s.status)),
                     s.amount, s.date, s.reference, s.planned_use, s.contact, s.updated_by, s.updated_at])
    notes = []
    if snapshot.problems:
        notes.append(f"{len(snapshot.problems)} celler i arket kunde inte läsas och exporteras tomma; "
                     "kör `stimulans check`.")
    return ExportTable("Status", columns, rows, notes)


def allocation_table(kb: Any, snapshot: Snapshot | None, county: str | None = None) -> ExportTable:
    """Published allocations from the knowledge base, then the sheet's Tilldelning rows not already there."""
    posts = getattr(kb, "posts", {}) or {}
    recipients = getattr(kb, "recipients", {}) or {}
    columns = [Column("Mottagare"), Column("Kod"), Column("Län"), Column("Överenskommelse"), Column("År", "int"),
               Column("Post"), Column("Belopp (kr)", "amount"), Column("Typ"), Column("Källa")]
    rows: list[list[Any]] = []
    seen: set[tuple[str, str, Decimal]] = set()
    for a in sorted(getattr(kb, "allocations", []) or [], key=lambda a: (-a.year, a.recipient, a.post or "")):
        code = _county_of(kb, a.recipient)
        if county and code != county:
            continue
        key = (a.recipient, a.post or "", a.amount)
        if key in seen:
            continue
        seen.add(key)
        r = recipients.get(a.recipient)
        post = posts.get(a.post) if a.post else None
        rows.append([r.name if r else a.recipient, (r.code or "") if r else "", _county_name(kb, code),
                     a.agreement, a.year, post.short if post else "(totalt)", a.amount, "publicerad",
                     a.source.cite()])
    for s in (snapshot.allocations if snapshot else []):
        code = _county_of(kb, s.recipient_id)
        if county and code != county:
            continue
        key = (s.recipient_id, s.post, s.amount)
        if key in seen:
            continue
        seen.add(key)
        post = posts.get(s.post)
        rows.append([s.recipient_name, s.code, s.county or _county_name(kb, code), s.agreement, s.year,
                     post.short if post else s.post, s.amount, s.kind, s.source])
    notes = ["Typ ”beräknad” = beräknat av Stimulans, inte ett publicerat belopp."]
    return ExportTable("Tilldelning", columns, rows, notes)


def table_from_grid(name: str, grid: list[list[Any]], kinds: dict[str, str]) -> ExportTable:
    """A sheet tab (header row first) as a typed table; a cell that does not parse stays text."""
    from engine.parsing import ParseError, parse_amount, parse_date

    if not grid:
        return ExportTable(name, [], [])
    headers = [str(h or "").strip() for h in grid[0]]
    columns = [Column(h, kinds.get(h, "text")) for h in headers]
    rows = []
    for raw_row in grid[1:]:
        cells = list(raw_row) + [""] * (len(headers) - len(raw_row))
        if not any(str(c or "").strip() for c in cells):
            continue
        row: list[Any] = []
        for col, value in zip(columns, cells, strict=False):
            if value is None or (isinstance(value, str) and not value.strip()):
                row.append(None if col.kind != "text" else "")
                continue
            try:
                if col.kind == "amount":
                    value = parse_amount(value)
                elif col.kind == "date":
                    value = value.date() if isinstance(value, dt.datetime) else (
                        value if isinstance(value, dt.date) else parse_date(value))
            except ParseError:
                value = str(value)
            row.append(value if col.kind != "text" else str(value))
        rows.append(row)
    return ExportTable(name, columns, rows)
