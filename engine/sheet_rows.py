"""Parse the raw tabs of the shared sheet into engine.store models, and validate values to write.

Engine side: no gspread, no openpyxl. A store reads every tab as a grid of cell values (header in
row 1) and hands it to `parse_tables`. Whatever people typed is understood with the one parser
(engine.parsing), the one status vocabulary (engine.status) and the recipient register
(engine.recipients); a cell that cannot be understood becomes a CellProblem (tab, A1, raw, reason)
and the rest of the sheet still serves.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from engine.formatting import format_kr
from engine.parsing import ParseError, parse_amount, parse_date
from engine.status import STATUS_LABELS, Status, parse_status
from engine.store import (
    EDITABLE_FIELDS,
    CellProblem,
    Contact,
    ReminderRecord,
    Role,
    RowKey,
    SheetAllocation,
    Snapshot,
    StatusRow,
    Tab,
)
from engine.text import fold

#: Columns a tab cannot be read without (the rest are optional: missing ones are reported).
KEY_COLUMNS: dict[Tab, list[str]] = {
    Tab.tilldelning: ["Mottagare", "Överenskommelse", "Post", "Belopp (kr)"],
    Tab.rekvisitioner: ["Mottagare", "Överenskommelse", "Post", "Status"],
    Tab.kontakter: ["Namn"],
    Tab.paminnelser: ["Påminnelse-id", "Status"],
    Tab.logg: ["Tid", "Fält"],
    Tab.aterkoppling: ["Tid", "Fråga"],
}
#: Tabs the snapshot needs (Logg and Återkoppling are only appended to).
SNAPSHOT_TABS = [Tab.rekvisitioner, Tab.tilldelning, Tab.kontakter, Tab.paminnelser]

#: Words people use for the editable fields (CLI `stimulans update`, Slack).
FIELD_ALIASES: dict[str, str] = {
    "status": "Status", "belopp": "Belopp (kr)", "belopp (kr)": "Belopp (kr)", "summa": "Belopp (kr)",
    "amount": "Belopp (kr)", "datum": "Datum", "date": "Datum", "fakturadatum": "Datum",
    "faktura": "Faktura/referens", "referens": "Faktura/referens", "faktura/referens": "Faktura/referens",
    "fakturanummer": "Faktura/referens", "ref": "Faktura/referens",
    "planerad anvandning": "Planerad användning", "anvandning": "Planerad användning",
    "plan": "Planerad användning", "kontaktperson": "Kontaktperson", "kontakt": "Kontaktperson",
}
MAX_TEXT = 2000


# --------------------------------------------------------------------------- cells


def col_letter(col: int) -> str:
    """1 -> A, 27 -> AA."""
    out = ""
    while col > 0:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def a1(row: int, col: int) -> str:
    return f"{col_letter(col)}{row}"


def cell_text(value: Any) -> str:
    """One text form for a cell value from either store (xlsx types or Sheets API JSON values)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def write_value(value: str | Decimal) -> str | int | float:
    """What a store writes: amounts as numbers (the sheet formats them as SEK), everything else as text."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


class Table:
    """One tab as read: header row mapped to column numbers, data rows as text."""

    def __init__(self, tab: Tab | str, grid: list[list[Any]] | None):
        self.tab = str(tab)
        self.exists = grid is not None
        grid = grid or []
        self.header = [cell_text(h).strip() for h in (grid[0] if grid else [])]
        self.columns: dict[str, int] = {}
        for i, h in enumerate(self.header):
            if h and h not in self.columns:
                self.columns[h] = i + 1
        self.rows = [[cell_text(v) for v in r] for r in grid[1:]]

    def missing(self, headers: list[str]) -> list[str]:
        return [h for h in headers if h not in self.columns]

    def records(self) -> Iterator[tuple[int, dict[str, str]]]:
        """(sheet row number, {header: text}) for every non-blank data row."""
        for i, row in enumerate(self.rows):
            if not any(v.strip() for v in row):
                continue
            yield i + 2, self.record(row)

    def record(self, row: list[str]) -> dict[str, str]:
        return {h: (row[c - 1] if c - 1 < len(row) else "") for h, c in self.columns.items()}

    def a1(self, row: int, header: str) -> str:
        return a1(row, self.columns.get(header, 1))


# --------------------------------------------------------------------------- knowledge-base lookups


_LOOKUPS: dict[int, tuple[Any, Lookup]] = {}


def lookup_for(kb: Any | None) -> Lookup:
    """One Lookup per knowledge base (building its recipient index costs more than parsing a sheet)."""
    hit = _LOOKUPS.get(id(kb))
    if hit is not None and hit[0] is kb:
        return hit[1]
    if len(_LOOKUPS) >= 8:
        _LOOKUPS.clear()
    lookup = Lookup(kb)
    _LOOKUPS[id(kb)] = (kb, lookup)
    return lookup


class Lookup:
    """Resolve recipients, agreements and posts typed in the sheet, via the knowledge base."""

    def __init__(self, kb: Any | None):
        self.kb = kb
        self.recipients = getattr(kb, "recipients", {}) or {}
        self.agreements = getattr(kb, "agreements", {}) or {}
        self.posts = getattr(kb, "posts", {}) or {}
        self._index = None
        self._resolved: dict[tuple[str, str], Any] = {}  # (name, code) -> Recipient | None
        if self.recipients:
            from engine.recipients import RecipientIndex

            self._index = RecipientIndex(self.recipients)

    def recipient(self, name: str, code: str = ""):
        """The Recipient named by a Mottagare (and Kod) cell, or None (memoized: a sheet repeats names)."""
        key = (name.strip(), code.strip())
        if key not in self._resolved:
            if len(self._resolved) > 20_000:
                self._resolved.clear()
            self._resolved[key] = self._recipient(*key)
        return self._resolved[key]

    def _recipient(self, name: str, code: str):
        if self._index is None:
            return None
        if code:
            by_code = [r for r in self.recipients.values() if r.code == code or (code.isdigit() and r.code
                       and r.code == code.zfill(len(r.code)))]
            if len(by_code) == 1:
                return by_code[0]
            if by_code and name:
                named = self._index.resolve(name)
                if named in by_code:
                    return named
                return by_code[0] if not named else named
        if name:
            return self._index.resolve(name)
        return None

    def recipient_id(self, name: str, code: str = "") -> str | None:
        rec = self.recipient(name, code)
        if rec is not None:
            return rec.id
        if self.recipients:
            return None
        # no register loaded (bare tests): a stable id from code or name
        if code.strip().isdigit() and len(code.strip()) == 4:
            return f"kommun-{code.strip()}"
        return fold(name).replace(" ", "-") or None

    def agreement(self, text: str) -> str | None:
        key = fold(text)
        if not key:
            return None
        if not self.agreements:
            return text.strip()
        for a in self.agreements.values():
            if key in {fold(a.id), fold(a.short), fold(a.name)}:
                return a.id
        # "2020", "ÖK 2020": the agreement whose years hold exactly that year
        digits = [w for w in key.replace("ok", " ").split() if w.isdigit() and len(w) == 4]
        if len(digits) == 1:
            hits = [a.id for a in self.agreements.values() if int(digits[0]) in a.years]
            if len(hits) == 1:
                return hits[0]
        return None

    def post(self, text: str, agreement: str) -> str | None:
        key = fold(text)
        if not key:
            return ""
        if not self.posts:
            return text.strip()
        if text.strip() in self.posts:
            return text.strip()
        cands = [p for p in self.posts.values() if p.agreement == agreement]
        for p in cands:
            if key in {fold(p.id), fold(p.short), fold(p.name), *(fold(s) for s in p.synonyms)}:
                return p.id
        return None


# --------------------------------------------------------------------------- parsing tabs


def _problem(table: Table, row: int, header: str, raw: str, reason: str) -> CellProblem:
    return CellProblem(tab=table.tab, a1=table.a1(row, header), raw=raw, reason=reason)


def _optional(parse, rec: dict[str, str], header: str, table, row: int, problems: list):
    """Parse an optional cell; an unreadable one becomes a CellProblem and None."""
    raw = rec.get(header, "")
    if not raw.strip():
        return None
    try:
        return parse(raw)
    except ParseError as e:
        problems.append(_problem(table, row, header, raw, str(e)))
        return None


def _resolve_key(table: Table, row: int, rec: dict[str, str], lookup: Lookup,
                 problems: list[CellProblem]) -> tuple[str, str, str] | None:
    name, code = rec.get("Mottagare", ""), rec.get("Kod", "")
    rid = lookup.recipient_id(name, code)
    if rid is None:
        what = name or code
        problems.append(_problem(table, row, "Mottagare" if name else "Kod", what,
                                 "okänd mottagare (inte en kommun, region, län eller aktör i registret)"))
        return None
    agreement = lookup.agreement(rec.get("Överenskommelse", ""))
    if not agreement:
        raw = rec.get("Överenskommelse", "")
        problems.append(_problem(table, row, "Överenskommelse", raw,
                                 "okänd överenskommelse (skriv t.ex. ok2020)" if raw else "överenskommelse saknas"))
        return None
    post = lookup.post(rec.get("Post", ""), agreement)
    if post is None:
        problems.append(_problem(table, row, "Post", rec.get("Post", ""),
                                 f"okänd post för {agreement} (skriv postens id, t.ex. {agreement}-...)"))
        return None
    return rid, agreement, post


def _recipient_name(lookup: Lookup, rid: str, typed: str) -> str:
    rec = lookup.recipients.get(rid)
    return rec.name if rec is not None else typed.strip()


def parse_status_rows(table: Table, lookup: Lookup, problems: list[CellProblem]) -> list[StatusRow]:
    out: list[StatusRow] = []
    seen: dict[RowKey, int] = {}
    allocations = _published_amounts(lookup)
    for row, rec in table.records():
        key_parts = _resolve_key(table, row, rec, lookup, problems)
        if key_parts is None:
            continue
        key = RowKey(recipient_id=key_parts[0], agreement=key_parts[1], post=key_parts[2])
        if key in seen:
            problems.append(_problem(table, row, "Mottagare", rec.get("Mottagare", ""),
                                     f"dubblett av rad {seen[key]} (samma mottagare, överenskommelse och post)"))
            continue
        seen[key] = row
        status = Status.ej_rekvirerad
        try:
            status = parse_status(rec.get("Status", ""))
        except ParseError as e:
            problems.append(_problem(table, row, "Status", rec.get("Status", ""), str(e)))
        amount = _optional(parse_amount, rec, "Belopp (kr)", table, row, problems)
        if amount is not None and key.post and (key.recipient_id, key.agreement, key.post) in allocations:
            published, source = allocations[(key.recipient_id, key.agreement, key.post)]
            if amount > published:
                problems.append(_problem(table, row, "Belopp (kr)", rec["Belopp (kr)"],
                                         f"högre än den publicerade tilldelningen {format_kr(published)} ({source})"))
        date = _optional(parse_date, rec, "Datum", table, row, problems)
        rec_obj = lookup.recipients.get(key.recipient_id)
        out.append(StatusRow(
            row=row, key=key, recipient_name=_recipient_name(lookup, key.recipient_id, rec.get("Mottagare", "")),
            code=(rec_obj.code if rec_obj is not None and rec_obj.code else rec.get("Kod", "").strip()),
            county=rec.get("Län", "").strip(), status=status, amount=amount, date=date,
            reference=rec.get("Faktura/referens", "").strip(), planned_use=rec.get("Planerad användning", "").strip(),
            contact=rec.get("Kontaktperson", "").strip(), updated_by=rec.get("Uppdaterad av", "").strip(),
            updated_at=rec.get("Uppdaterad", "").strip(), raw=dict(rec),
        ))
    return out


def _published_amounts(lookup: Lookup) -> dict[tuple[str, str, str], tuple[Decimal, str]]:
    out: dict[tuple[str, str, str], tuple[Decimal, str]] = {}
    for a in getattr(lookup.kb, "allocations", []) or []:
        if a.post:
            out[(a.recipient, a.agreement, a.post)] = (a.amount, a.source.cite())
    return out


def parse_allocation_rows(table: Table, lookup: Lookup, problems: list[CellProblem]) -> list[SheetAllocation]:
    out: list[SheetAllocation] = []
    for row, rec in table.records():
        key_parts = _resolve_key(table, row, rec, lookup, problems)
        if key_parts is None:
            continue
        rid, agreement, post = key_parts
        try:
            amount = parse_amount(rec.get("Belopp (kr)", ""))
        except ParseError as e:
            problems.append(_problem(table, row, "Belopp (kr)", rec.get("Belopp (kr)", ""), str(e)))
            continue
        year_text = rec.get("År", "").strip()
        year = int(year_text) if re.fullmatch(r"(19|20)\d\d", year_text) else 0  # not "²", not 12345
        if not year:
            ag = lookup.agreements.get(agreement)
            year = ag.years[0] if ag is not None and ag.years else 0
            if year_text or not year:
                problems.append(_problem(table, row, "År", year_text, "ogiltigt år (skriv t.ex. 2020)"))
        rec_obj = lookup.recipients.get(rid)
        out.append(SheetAllocation(
            recipient_id=rid, recipient_name=_recipient_name(lookup, rid, rec.get("Mottagare", "")),
            code=(rec_obj.code if rec_obj is not None and rec_obj.code else rec.get("Kod", "").strip()),
            county=rec.get("Län", "").strip(), agreement=agreement, year=year, post=post, amount=amount,
            kind=_allocation_kind(rec.get("Typ", "")), source=rec.get("Källa", "").strip(),
        ))
    return out


def _allocation_kind(text: str) -> str:
    key = fold(text)
    if not key or key.startswith("publ"):
        return "publicerad"
    if key.startswith("berak"):
        return "beräknad"
    return text.strip()


def parse_contacts(table: Table, lookup: Lookup, problems: list[CellProblem]) -> list[Contact]:
    out: list[Contact] = []
    for row, rec in table.records():
        name = rec.get("Namn", "").strip()
        if not name:
            problems.append(_problem(table, row, "Namn", "", "namn saknas"))
            continue
        rid = ""
        if rec.get("Mottagare", "").strip() or rec.get("Kod", "").strip():
            found = lookup.recipient_id(rec.get("Mottagare", ""), rec.get("Kod", ""))
            if found is None:
                problems.append(_problem(table, row, "Mottagare", rec.get("Mottagare", "") or rec.get("Kod", ""),
                                         "okänd mottagare"))
            rid = found or ""
        role_text = fold(rec.get("Roll", ""))
        role = Role.kontakt
        if role_text.startswith("samord") or role_text in {"coordinator", "admin"}:
            role = Role.samordnare
        elif role_text and not role_text.startswith("kontakt"):
            problems.append(_problem(table, row, "Roll", rec.get("Roll", ""), "okänd roll; använd kontakt eller samordnare"))
        email = rec.get("E-post", "").strip()
        if email and "@" not in email:
            problems.append(_problem(table, row, "E-post", email, "ogiltig e-postadress"))
        out.append(Contact(row=row, name=name, email=email, slack_id=rec.get("Slack-id", "").strip(),
                           recipient_id=rid, role=role))
    return out


_REMINDER_STATUSES = {"ansprak": "anspråk", "skickad": "skickad", "skickat": "skickad", "dubblett": "dubblett"}


def _reminder_status(text: str) -> str:
    key = fold(text)
    return _REMINDER_STATUSES.get(key, text.strip().lower())


def parse_reminders(table: Table, problems: list[CellProblem]) -> list[ReminderRecord]:
    out: list[ReminderRecord] = []
    for row, rec in table.records():
        rid = rec.get("Påminnelse-id", "").strip()
        if not rid:
            problems.append(_problem(table, row, "Påminnelse-id", "", "påminnelse-id saknas"))
            continue
        offset_text = rec.get("Dagar före", "").strip()
        try:
            offset = int(offset_text or 0)
        except ValueError:
            problems.append(_problem(table, row, "Dagar före", offset_text, "inget heltal"))
            offset = 0
        planned = None
        if rec.get("Planerat datum", "").strip():
            try:
                planned = parse_date(rec["Planerat datum"])
            except ParseError as e:
                problems.append(_problem(table, row, "Planerat datum", rec["Planerat datum"], str(e)))
        out.append(ReminderRecord(
            reminder_id=rid, deadline_id=rec.get("Deadline", "").strip(), offset_days=offset,
            channel=rec.get("Kanal", "").strip(), planned_date=planned, status=_reminder_status(rec.get("Status", "")),
            owner=rec.get("Ägare", "").strip(), claimed_at=rec.get("Anspråk", "").strip(),
            slack_ts=rec.get("Slack-ts", "").strip(), sent_at=rec.get("Skickad", "").strip(),
        ))
    return out


def parse_tables(grids: dict[str, list[list[Any]] | None], kb: Any | None, fetched_at: dt.datetime) -> Snapshot:
    """Build a Snapshot from raw tab grids. Never raises for bad cells; missing tabs/columns are
    reported as problems (the store decides whether that is fatal)."""
    lookup = lookup_for(kb)
    problems: list[CellProblem] = []
    tables = {tab: Table(tab, grids.get(str(tab))) for tab in SNAPSHOT_TABS}
    usable: dict[Tab, Table] = {}
    for tab, table in tables.items():
        if not table.exists:
            problems.append(CellProblem(tab=str(tab), a1="A1", raw="", reason="fliken saknas; kör `stimulans init-sheet`"))
            continue
        missing = table.missing(KEY_COLUMNS[tab])
        if missing:
            problems.append(CellProblem(tab=str(tab), a1="A1", raw=" | ".join(table.header),
                                        reason=f"rubrik saknas: {', '.join(missing)}; kör `stimulans init-sheet`"))
            continue
        usable[tab] = table
    return Snapshot(
        statuses=parse_status_rows(usable[Tab.rekvisitioner], lookup, problems) if Tab.rekvisitioner in usable else [],
        allocations=parse_allocation_rows(usable[Tab.tilldelning], lookup, problems) if Tab.tilldelning in usable else [],
        contacts=parse_contacts(usable[Tab.kontakter], lookup, problems) if Tab.kontakter in usable else [],
        reminders=parse_reminders(usable[Tab.paminnelser], problems) if Tab.paminnelser in usable else [],
        problems=problems, fetched_at=fetched_at,
    )


# --------------------------------------------------------------------------- values to write


def resolve_field(text: str) -> str:
    """A field name as typed ("status", "belopp", "Faktura/referens") -> its Rekvisitioner header."""
    if text in EDITABLE_FIELDS:
        return text
    key = fold(text).strip()
    if key in FIELD_ALIASES:
        return FIELD_ALIASES[key]
    allowed = ", ".join(EDITABLE_FIELDS)
    raise ParseError(f"okänt fält ”{text}”; du kan ändra: {allowed}")


def normalize_value(header: str, text: str) -> str | Decimal:
    """Validate a new value for a Rekvisitioner field. Status -> its label, amount -> Decimal
    (written as a number), date -> ISO text, other fields -> trimmed text. ParseError if invalid."""
    if header == "Status":
        return STATUS_LABELS[parse_status(text)]
    if header == "Belopp (kr)":
        if not str(text).strip():
            return ""
        return parse_amount(text)
    if header == "Datum":
        if not str(text).strip():
            return ""
        return parse_date(text).isoformat()
    value = " ".join(str(text).replace("\r", " ").replace("\n", " ").split())
    if len(value) > MAX_TEXT:
        raise ParseError(f"texten är för lång ({len(value)} tecken, högst {MAX_TEXT})")
    return value


def same_value(header: str, current_raw: str, new: str | Decimal) -> bool:
    """Whether the cell already holds the new value (so nothing needs writing)."""
    if isinstance(new, Decimal):
        try:
            return parse_amount(current_raw) == new
        except ParseError:
            return False
    if header == "Status":
        try:
            return STATUS_LABELS[parse_status(current_raw)] == new and current_raw.strip() == new
        except ParseError:
            return False
    return current_raw.strip() == new


def display_value(new: str | Decimal) -> str:
    """How a written value appears in the audit log."""
    return format_kr(new) if isinstance(new, Decimal) else new

