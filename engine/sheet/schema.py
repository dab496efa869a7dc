"""The ONE tab schema of the shared sheet: tab names, headers in order, column kinds, dropdown
choices, the columns a tab cannot be read without, and the fields people may edit.

Stores (sheets/), `init-sheet`, the row parsers (engine/sheet/rows.py), the Slack modal and the CLI all
read it from here; no other module spells a header of its own. Add a column here and every layer
follows (init-sheet adds it at the end of row 1 of an existing sheet, never moving columns).
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Tab(StrEnum):
    tilldelning = "Tilldelning"
    rekvisitioner = "Rekvisitioner"
    frister = "Frister"
    kontakter = "Kontakter"
    paminnelser = "Påminnelser"
    logg = "Logg"
    aterkoppling = "Återkoppling"


class Kind(StrEnum):
    """How a column is formatted and read."""

    text = "text"  # free text
    code = "code"  # must stay text (codes with leading zeros)
    amount = "amount"  # kronor, SEK number format
    date = "date"  # a calendar date
    year = "year"  # a four-digit year
    choice = "choice"  # a dropdown (choices below); other words people type may still be understood


# Header names used by the parsers (one spelling each).
MOTTAGARE, KOD, LAN, OK, AR, POST = "Mottagare", "Kod", "Län", "Överenskommelse", "År", "Post"
BELOPP, TYP, KALLA, STATUS, DATUM = "Belopp (kr)", "Typ", "Källa", "Status", "Datum"
VEM, TILL, BESKRIVNING = "Vem", "Till", "Beskrivning"
REFERENS, PLANERAD, KONTAKTPERSON = "Faktura/referens", "Planerad användning", "Kontaktperson"
UPPDATERAD_AV, UPPDATERAD = "Uppdaterad av", "Uppdaterad"

#: Typ of a Tilldelning row: published (in a document), decided (a decision not yet published) or
#: estimated (computed). An estimate is never presented as published.
ALLOCATION_TYPES = ("publicerad", "beslutad", "beräknad")
#: Typ of a Frister row.
DEADLINE_TYPES = ("rekvisition", "faktura", "redovisning", "återbetalning", "annat")


def _status_labels() -> tuple[str, ...]:
    from engine.status import STATUS_LABELS

    return tuple(STATUS_LABELS.values())


@dataclass(frozen=True)
class Column:
    """One column of a tab: its header and the kind of value it holds."""

    header: str
    kind: Kind = Kind.text
    required: bool = False  # the tab cannot be read without it
    editable: bool = False  # people and the bot may update it (Rekvisitioner)
    choices: tuple[str, ...] = ()


_C = Column
SCHEMA: dict[Tab, tuple[Column, ...]] = {
    Tab.tilldelning: (
        _C(MOTTAGARE, required=True), _C(KOD, Kind.code), _C(LAN), _C(OK, required=True), _C(AR, Kind.year),
        _C(POST, required=True), _C(BELOPP, Kind.amount, required=True),
        _C(TYP, Kind.choice, choices=ALLOCATION_TYPES), _C(KALLA),
    ),
    Tab.rekvisitioner: (
        _C(MOTTAGARE, required=True), _C(KOD, Kind.code), _C(LAN), _C(OK, required=True), _C(POST, required=True),
        _C(STATUS, Kind.choice, required=True, editable=True, choices=("<status>",)),
        _C(BELOPP, Kind.amount, editable=True), _C(DATUM, Kind.date, editable=True),
        _C(REFERENS, editable=True), _C(PLANERAD, editable=True), _C(KONTAKTPERSON, editable=True),
        _C(UPPDATERAD_AV), _C(UPPDATERAD),
    ),
    Tab.frister: (
        _C(OK, required=True), _C(TYP, Kind.choice, required=True, choices=DEADLINE_TYPES),
        _C(DATUM, Kind.date, required=True), _C(VEM), _C(TILL), _C(BESKRIVNING), _C(KALLA),
    ),
    Tab.kontakter: (
        _C("Namn", required=True), _C("E-post"), _C("Slack-id", Kind.code), _C(MOTTAGARE), _C(KOD, Kind.code),
        _C("Roll"),
    ),
    Tab.paminnelser: (
        _C("Påminnelse-id", required=True), _C("Deadline"), _C("Dagar före"), _C("Kanal"), _C("Planerat datum"),
        _C(STATUS, required=True), _C("Ägare"), _C("Anspråk"), _C("Slack-ts"), _C("Skickad"),
    ),
    Tab.logg: (
        _C("Tid", required=True), _C("Vem"), _C(MOTTAGARE), _C("Fält", required=True), _C("Gammalt värde"),
        _C("Nytt värde"), _C("Kommentar"),
    ),
    Tab.aterkoppling: (_C("Tid", required=True), _C("Vem"), _C("Fråga", required=True), _C("Svar"), _C("Röst")),
}

#: Column headers per tab, in order.
HEADERS: dict[Tab, list[str]] = {tab: [c.header for c in cols] for tab, cols in SCHEMA.items()}
#: Columns a tab cannot be read without (the rest are optional).
KEY_COLUMNS: dict[Tab, list[str]] = {tab: [c.header for c in cols if c.required] for tab, cols in SCHEMA.items()}
#: Fields of a Rekvisitioner row that people and the bot may update.
EDITABLE_FIELDS: list[str] = [c.header for c in SCHEMA[Tab.rekvisitioner] if c.editable]


#: Tilldelning cells an upsert may change on an existing row (the rest is its key).
ALLOCATION_VALUE_COLUMNS: tuple[str, ...] = (AR, BELOPP, TYP, KALLA)
#: Rekvisitioner cells quoted when a write is refused because someone else changed the row.
CONFLICT_SUMMARY_FIELDS: tuple[str, ...] = (STATUS, BELOPP, DATUM, REFERENS, KONTAKTPERSON)


def _by_kind(kind: Kind) -> dict[Tab, list[str]]:
    return {tab: hs for tab, cols in SCHEMA.items() if (hs := [c.header for c in cols if c.kind == kind])}


AMOUNT_COLUMNS = _by_kind(Kind.amount)
DATE_COLUMNS = _by_kind(Kind.date)
TEXT_COLUMNS = _by_kind(Kind.code)
STATUS_COLUMN = (Tab.rekvisitioner, STATUS)


def column(tab: str, header: str) -> Column | None:
    try:
        cols = SCHEMA[Tab(tab)]
    except ValueError:
        return None
    return next((c for c in cols if c.header == header), None)


def column_kind(tab: str, header: str) -> str | None:
    """The format a store applies: "amount", "date", "status", "choice", "text" (keep as text) or None."""
    if (str(tab), header) == (str(STATUS_COLUMN[0]), STATUS_COLUMN[1]):
        return "status"
    col = column(tab, header)
    if col is None:
        return None
    return {Kind.amount: "amount", Kind.date: "date", Kind.code: "text", Kind.choice: "choice"}.get(col.kind)


def column_choices(tab: str, header: str) -> list[str]:
    """The dropdown values of a column ([] = no dropdown). The status column offers the status labels."""
    col = column(tab, header)
    if col is None or col.kind != Kind.choice:
        return []
    if col.choices == ("<status>",):
        return list(_status_labels())
    return list(col.choices)
