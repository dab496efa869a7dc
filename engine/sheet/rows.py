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
from dataclasses import replace
from decimal import Decimal
from typing import Any

from engine.formatting import format_kr
from engine.models import Agreement, Level, Post, Source
from engine.parsing import ParseError, parse_amount, parse_date
from engine.sheet.schema import (
    ALLOCATION_TYPES,
    AR,
    BELOPP,
    BESKRIVNING,
    DATUM,
    DEADLINE_TYPES,
    KALLA,
    KEY_COLUMNS,
    KOD,
    LAN,
    MOTTAGARE,
    OK,
    POST,
    TILL,
    TYP,
    VEM,
)
from engine.slack_text import email_problem, name_problem, slack_id_problem
from engine.status import STATUS_LABELS, Status, parse_status
from engine.store import (
    EDITABLE_FIELDS,
    CellProblem,
    Contact,
    ReminderRecord,
    Role,
    RowKey,
    SheetAllocation,
    SheetDeadline,
    Snapshot,
    StatusRow,
    Tab,
)
from engine.text import fold

#: Tabs the snapshot needs (Logg and Återkoppling are only appended to).
SNAPSHOT_TABS = [Tab.rekvisitioner, Tab.tilldelning, Tab.frister, Tab.kontakter, Tab.paminnelser]
#: Tabs added after the first sheets were made: a sheet without them still serves, silently.
OPTIONAL_TABS = {Tab.frister}

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
        self.agreements = dict(getattr(kb, "agreements", {}) or {})
        self.posts = dict(getattr(kb, "posts", {}) or {})
        self.defined: dict[str, Any] = {}  # agreements and posts the sheet itself defines, by id
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


    # -- names the documents do not know define a sheet agreement / post ------------------------
    def define_agreement(self, name: str, year: int, source: Source) -> str:
        """"ÖK 2024" (År 2024) typed in the sheet: a sheet agreement (id "ark-ok-2024") for that year."""
        aid = "ark-" + slug(name)
        current = self.agreements.get(aid)
        if current is None:
            current = Agreement(id=aid, name=inert(name), short=inert(name), years=[year], parties=[],
                                summary="Definierad i det delade arket (fliken Tilldelning).", source=source)
        elif year not in current.years:
            current = replace(current, years=sorted([*current.years, year]))
        self.agreements[aid] = self.defined[aid] = current
        return aid

    def define_post(self, name: str, agreement: str, year: int, level: str, source: Source) -> str:
        """"Barn och unga" typed in the sheet for an agreement: a sheet post of that agreement and year."""
        base = slug(agreement.removeprefix("ark-"))
        pid = f"ark-{base}-{slug(name)}" + ("" if str(year) in base else f"-{year}")
        if pid not in self.posts:
            self.posts[pid] = self.defined[pid] = Post(
                id=pid, agreement=agreement, year=year, name=inert(name), short=inert(name),
                synonyms=[fold(name)] if fold(name) != name.strip() else [], level=Level(level), source=source)
        return pid


def inert(text: str) -> str:
    """Sheet text that becomes knowledge (names, Vem/Till/Beskrivning, Källa) is shown in answers, App Home and
    reminder messages: angle brackets become look-alikes so a cell typed as "<!channel>" or "<https://x|y>"
    can never mention or link anyone, even in mrkdwn built outside bot/slack/blocks.escape (reminders)."""
    return " ".join(text.replace("<", "‹").replace(">", "›").split())


def slug(text: str) -> str:
    """"ÖK 2024" -> "ok-2024" (ids of what the sheet defines)."""
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-") or "x"


def sheet_source(tab: str, row: int, note: str = "") -> Source:
    """Where a fact read from the shared sheet comes from: "delade arket, Tilldelning rad 14 (Källa: …)"."""
    return Source(doc="delade arket", section=f"{tab} rad {row}", tab=str(tab), row=row, note=inert(note) or None)


_LEVEL_OF_KIND = {"kommun": "kommun", "region": "region", "lan": "lan", "grupp": "lan", "aktor": "lan", "skr": "skr"}


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


def _disagreeing(lookup: Lookup, name: str, code: str) -> tuple[Any, Any] | None:
    """The one name/Kod rule: (recipient by name, recipient by Kod) when a row's Mottagare and Kod name two
    different recipients (e.g. Mora's code on Rättvik's row); which one is meant cannot be known."""
    name, code = name.strip(), code.strip()
    if not (name and code and lookup.recipients):
        return None
    by_name, by_code = lookup.recipient(name), lookup.recipient("", code)
    if by_name is None or by_code is None or by_name.id == by_code.id:
        return None
    return by_name, by_code


def _code_mismatch(table: Table, row: int, rec: dict[str, str], lookup: Lookup) -> CellProblem | None:
    """A Rekvisitioner row whose Mottagare and Kod disagree: neither recipient's row is used until fixed."""
    pair = _disagreeing(lookup, rec.get(MOTTAGARE, ""), rec.get(KOD, ""))
    if pair is None:
        return None
    by_name, by_code = pair
    return CellProblem(
        tab=table.tab, a1=table.a1(row, KOD), raw=f"{rec.get(MOTTAGARE, '').strip()} / {rec.get(KOD, '').strip()}",
        recipients=[by_name.id, by_code.id],
        reason=(f"Mottagare {table.a1(row, MOTTAGARE)} är {by_name.name} men Kod {table.a1(row, KOD)} hör till "
                f"{by_code.name}; varken den här raden eller {by_code.name}s rad för samma post används "
                "förrän Mottagare och Kod stämmer"))


def parse_status_rows(table: Table, lookup: Lookup, problems: list[CellProblem],
                      ceiling_kb: Any | None = None) -> list[StatusRow]:
    """Rekvisitioner rows; an amount above the row's ceiling (engine/sheet/ceiling.py, from `ceiling_kb`:
    the documents merged with the sheet) is a problem."""
    from engine.sheet.ceiling import amount_ceiling

    out: list[StatusRow] = []
    seen: dict[RowKey, int] = {}
    withheld: set[RowKey] = set()
    ceiling_kb = ceiling_kb if ceiling_kb is not None else lookup.kb
    for row, rec in table.records():
        if (mismatch := _code_mismatch(table, row, rec, lookup)) is not None:
            problems.append(mismatch)
            agreement = lookup.agreement(rec.get("Överenskommelse", ""))
            post = lookup.post(rec.get("Post", ""), agreement) if agreement else None
            if agreement and post is not None:
                withheld |= {RowKey(recipient_id=rid, agreement=agreement, post=post) for rid in mismatch.recipients}
            continue
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
        ceiling = amount_ceiling(ceiling_kb, *key_parts) if amount is not None and ceiling_kb is not None else None
        if ceiling is not None and amount > ceiling.amount:
            problems.append(_problem(table, row, BELOPP, rec[BELOPP], f"högre än {ceiling.describe()}"))
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
    return [r for r in out if r.key not in withheld]


def _year(text: str) -> int | None:
    text = text.strip()
    return int(text) if re.fullmatch(r"(19|20)\d\d", text) else None  # not "²", not 12345


def parse_allocation_rows(table: Table, lookup: Lookup, problems: list[CellProblem]) -> list[SheetAllocation]:
    """Tilldelning rows. An Överenskommelse or Post the documents do not know defines a sheet agreement /
    post (when the row names its År); every row that cannot be understood is a problem and skipped."""
    out: list[SheetAllocation] = []
    seen: dict[tuple[str, str, str, int], int] = {}
    for row, rec in table.records():
        name, code = rec.get(MOTTAGARE, ""), rec.get(KOD, "")
        rid = lookup.recipient_id(name, code)
        if rid is None:
            problems.append(_problem(table, row, MOTTAGARE if name else KOD, name or code,
                                     "okänd mottagare (inte en kommun, region, län eller aktör i registret)"))
            continue
        mismatch = _name_code_mismatch(lookup, name, code)
        if mismatch:
            problems.append(_problem(table, row, KOD, code, mismatch))
            continue
        try:
            amount = parse_amount(rec.get(BELOPP, ""))
        except ParseError as e:
            problems.append(_problem(table, row, BELOPP, rec.get(BELOPP, ""), str(e)))
            continue
        kind = _allocation_kind(rec.get(TYP, ""))
        if kind is None:
            problems.append(_problem(table, row, TYP, rec.get(TYP, ""),
                                     f"okänd typ; skriv {', '.join(ALLOCATION_TYPES)}"))
            continue
        year_text = rec.get(AR, "").strip()
        year = _year(year_text)
        if year_text and year is None:
            problems.append(_problem(table, row, AR, year_text, "ogiltigt år (skriv t.ex. 2024)"))
            continue
        source = sheet_source(table.tab, row, rec.get(KALLA, ""))
        ag_text = rec.get(OK, "")
        agreement = lookup.agreement(ag_text)
        if agreement is None and ag_text.strip() and lookup.agreements:
            digits = re.findall(r"(?<!\d)((?:19|20)\d\d)(?!\d)", ag_text)
            year = year or (int(digits[0]) if len(digits) == 1 else None)
            if year is None:
                problems.append(_problem(table, row, AR, year_text,
                                         f"år saknas för den nya överenskommelsen ”{ag_text.strip()}”"))
                continue
            agreement = lookup.define_agreement(ag_text, year, source)
        if not agreement:
            problems.append(_problem(table, row, OK, ag_text,
                                     "okänd överenskommelse (skriv t.ex. ok2020)" if ag_text else "överenskommelse saknas"))
            continue
        ag = lookup.agreements.get(agreement)
        if year is None:
            year = ag.years[0] if ag is not None and len(ag.years) == 1 else None
            if year is None and ag is not None:
                problems.append(_problem(table, row, AR, year_text, "ogiltigt år (skriv t.ex. 2020)"))
                year = ag.years[0] if ag.years else 0
            year = year or 0
        elif ag is not None and ag.years and year not in ag.years and not agreement.startswith("ark-"):
            problems.append(_problem(table, row, AR, year_text, f"år {year} ingår inte i {ag.short}"))
            continue
        post_text = rec.get(POST, "")
        post = lookup.post(post_text, agreement)
        if post is None and lookup.posts:
            rec_obj = lookup.recipients.get(rid)
            level = _LEVEL_OF_KIND.get(str(rec_obj.kind) if rec_obj else "", "kommun")
            post = lookup.define_post(post_text, agreement, year, level, source)
        if post is None:
            problems.append(_problem(table, row, POST, post_text, f"okänd post för {agreement}"))
            continue
        key = (rid, agreement, post, year)
        if key in seen:
            problems.append(_problem(table, row, MOTTAGARE, name or code,
                                     f"dubblett av rad {seen[key]} (samma mottagare, överenskommelse, år och post)"))
            continue
        seen[key] = row
        rec_obj = lookup.recipients.get(rid)
        out.append(SheetAllocation(
            recipient_id=rid, recipient_name=_recipient_name(lookup, rid, name),
            code=(rec_obj.code if rec_obj is not None and rec_obj.code else code.strip()),
            county=rec.get(LAN, "").strip(), agreement=agreement, year=year, post=post, amount=amount,
            kind=kind, source=rec.get(KALLA, "").strip(), row=row,
        ))
    return out


def _name_code_mismatch(lookup: Lookup, name: str, code: str) -> str | None:
    """"Mora kommun" with Kod 2080 (Falun) on a Tilldelning or Frister row: the row is not used."""
    pair = _disagreeing(lookup, name, code)
    if pair is None:
        return None
    by_name, by_code = pair
    return f"koden {code.strip()} är {by_code.name}, men Mottagare säger {by_name.name}"


def _allocation_kind(text: str) -> str | None:
    """Typ of a Tilldelning row: publicerad (also empty), beslutad or beräknad; None = not understood."""
    key = fold(text)
    if not key or key.startswith("publ"):
        return "publicerad"
    if key.startswith("beslut"):
        return "beslutad"
    if key.startswith(("berak", "uppskatt", "estim", "prelim")):
        return "beräknad"
    return None


_DEADLINE_KINDS = {"rekvisition": "rekvisition", "rekvirera": "rekvisition", "faktura": "faktura",
                   "fakturera": "faktura", "redovisning": "redovisning", "aterrapportering": "redovisning",
                   "aterbetalning": "aterbetalning", "aterbetala": "aterbetalning", "annat": "annat",
                   "ovrigt": "annat"}


def _applies_to(lookup: Lookup, who: str) -> list[str]:
    """Who a Frister row's Vem cell names, as Deadline.applies_to markers ([] = everyone in the agreement)."""
    rec = lookup.recipient(who) if who.strip() else None
    if rec is None:
        return []
    kind = str(rec.kind)
    if kind == "grupp" and rec.county_code:
        return [f"lan:{rec.county_code}:kommun"]
    if kind == "lan" and rec.county_code:
        return [f"lan:{rec.county_code}"]
    return [rec.id]


def parse_deadline_rows(table: Table, lookup: Lookup, problems: list[CellProblem]) -> list[SheetDeadline]:
    """Frister rows; an unknown Överenskommelse is defined for the year of its date (e.g. "ÖK 2025")."""
    out: list[SheetDeadline] = []
    seen: dict[tuple[str, str, dt.date, str], int] = {}
    for row, rec in table.records():
        kind = _DEADLINE_KINDS.get(fold(rec.get(TYP, "")).strip())
        if kind is None:
            problems.append(_problem(table, row, TYP, rec.get(TYP, ""), f"okänd typ; skriv {', '.join(DEADLINE_TYPES)}"))
            continue
        try:
            date = parse_date(rec.get(DATUM, ""))
        except ParseError as e:
            problems.append(_problem(table, row, DATUM, rec.get(DATUM, ""), str(e)))
            continue
        ag_text = rec.get(OK, "")
        agreement = lookup.agreement(ag_text)
        if agreement is None and ag_text.strip() and lookup.agreements:
            digits = re.findall(r"(?<!\d)((?:19|20)\d\d)(?!\d)", ag_text)
            year = int(digits[0]) if len(digits) == 1 else date.year
            agreement = lookup.define_agreement(ag_text, year, sheet_source(table.tab, row, rec.get(KALLA, "")))
        if not agreement:
            problems.append(_problem(table, row, OK, ag_text,
                                     "okänd överenskommelse (skriv t.ex. ok2020)" if ag_text else "överenskommelse saknas"))
            continue
        who = rec.get(VEM, "").strip()
        key = (agreement, kind, date, fold(who))
        if key in seen:
            problems.append(_problem(table, row, OK, ag_text, f"dubblett av rad {seen[key]} (samma överenskommelse, "
                                                              "typ, datum och vem)"))
            continue
        seen[key] = row
        out.append(SheetDeadline(row=row, agreement=agreement, kind=kind, date=date, who=inert(who),
                                 to=inert(rec.get(TILL, "")), description=inert(rec.get(BESKRIVNING, "")),
                                 source=inert(rec.get(KALLA, "")), applies_to=_applies_to(lookup, who)))
    return out


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
        email, slack_id = rec.get("E-post", "").strip(), rec.get("Slack-id", "").strip()
        for header, raw, why in (("Namn", name, name_problem(name)), ("E-post", email, email_problem(email)),
                                 ("Slack-id", slack_id, slack_id_problem(slack_id))):
            if why:
                problems.append(_problem(table, row, header, raw, why))
        # an id that is not a Slack id is never used (no mention, no DM, no identity match)
        out.append(Contact(row=row, name=name, email=email, slack_id="" if slack_id_problem(slack_id) else slack_id,
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
            if tab in OPTIONAL_TABS:
                continue  # an older sheet without it: nothing to read (init-sheet adds it)
            problems.append(CellProblem(tab=str(tab), a1="A1", raw="", reason="fliken saknas; kör `stimulans init-sheet`"))
            continue
        missing = table.missing(KEY_COLUMNS[tab])
        if missing:
            problems.append(CellProblem(tab=str(tab), a1="A1", raw=" | ".join(table.header),
                                        reason=f"rubrik saknas: {', '.join(missing)}; kör `stimulans init-sheet`"))
            continue
        usable[tab] = table
    # Tilldelning and Frister first: the agreements and posts they define name Rekvisitioner rows too.
    allocations = parse_allocation_rows(usable[Tab.tilldelning], lookup, problems) if Tab.tilldelning in usable else []
    deadlines = parse_deadline_rows(usable[Tab.frister], lookup, problems) if Tab.frister in usable else []
    from engine.sheet.knowledge import merge, sheet_layer

    layer = sheet_layer(kb, allocations, deadlines, lookup.defined)
    merged = merge(kb, layer)
    return Snapshot(
        statuses=(parse_status_rows(usable[Tab.rekvisitioner], lookup, problems, merged)
                  if Tab.rekvisitioner in usable else []),
        allocations=allocations, deadlines=deadlines, knowledge=layer,
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

