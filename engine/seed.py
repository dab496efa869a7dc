"""Initial rows for a fresh sheet, derived from the knowledge base (never from hard-coded names).

- Tilldelning: every published allocation (Typ "publicerad", Källa "doc, section").
- Rekvisitioner: one row per recipient × agreement × post that someone must act on:
  * each municipality/region with a published per-post allocation in a per-recipient table
    (e.g. Dalarna's 15 municipalities × ok2020 × their two posts);
  * each municipality of a county whose municipalities share a county pot (a "grupp" recipient with
    a county code, e.g. "Kommunerna i Stockholms län") × that pot's agreement × post — they invoice
    the county actor (Storsthlm) for their share.
"""
from __future__ import annotations

from typing import Any

from engine.models import RecipientKind
from engine.sheet.schema import AR, BELOPP, KALLA, KOD, LAN, MOTTAGARE, OK, POST, STATUS, TYP
from engine.status import STATUS_LABELS, Status
from engine.store import HEADERS, RowKey, SheetAllocation, Tab


def county_name(kb: Any, recipient_id: str) -> str:
    rec = kb.recipients.get(recipient_id)
    if rec is None or not rec.county_code:
        return ""
    county = kb.recipients.get(f"lan-{rec.county_code}")
    return county.name if county is not None else ""


def agreement_label(kb: Any, agreement: str) -> str:
    """What a person reads in the sheet ("ÖK psykisk hälsa 2020"); the row parser maps it back to the id."""
    a = kb.agreements.get(agreement)
    return a.short if a is not None else agreement


def post_name(kb: Any, post: str) -> str:
    """The post's short name ("Handlingsplaner, kommuner"), not its id; the row parser maps it back."""
    p = kb.posts.get(post) if post else None
    return p.short if p is not None else post


def seed_allocations(kb: Any) -> list[SheetAllocation]:
    out: list[SheetAllocation] = []
    seen: set[tuple[str, str, str]] = set()
    for a in kb.allocations:
        key = (a.recipient, a.agreement, a.post or "")
        rec = kb.recipients.get(a.recipient)
        if rec is None or key in seen:
            continue
        seen.add(key)
        out.append(SheetAllocation(
            recipient_id=rec.id, recipient_name=rec.name, code=rec.code or "", county=county_name(kb, rec.id),
            agreement=a.agreement, year=a.year, post=a.post or "", amount=a.amount, kind="publicerad",
            source=a.source.cite(),
        ))
    return out


def seed_requisition_keys(kb: Any) -> list[RowKey]:
    keys: list[RowKey] = []
    seen: set[RowKey] = set()

    def add(recipient_id: str, agreement: str, post: str) -> None:
        key = RowKey(recipient_id=recipient_id, agreement=agreement, post=post)
        if key not in seen:
            seen.add(key)
            keys.append(key)

    for a in kb.allocations:
        rec = kb.recipients.get(a.recipient)
        if rec is None or not a.post:
            continue
        if rec.kind == RecipientKind.kommun:
            add(rec.id, a.agreement, a.post)
        elif rec.kind == RecipientKind.grupp and rec.county_code:
            for muni in kb.municipalities_in_county(rec.county_code):
                add(muni.id, a.agreement, a.post)

    def order(k: RowKey) -> tuple[str, str, str, str]:
        rec = kb.recipients.get(k.recipient_id)
        return (k.agreement, (rec.county_code or "") if rec else "", (rec.code or "") if rec else "", k.post)

    return sorted(keys, key=order)


def requisition_row(kb: Any, key: RowKey) -> dict[str, str]:
    rec = kb.recipients.get(key.recipient_id)
    row = dict.fromkeys(HEADERS[Tab.rekvisitioner], "")
    row.update({
        MOTTAGARE: rec.name if rec is not None else key.recipient_id,
        KOD: (rec.code or "") if rec is not None else "",
        LAN: county_name(kb, key.recipient_id),
        OK: agreement_label(kb, key.agreement),
        POST: post_name(kb, key.post),
        STATUS: STATUS_LABELS[Status.ej_rekvirerad],
    })
    return row


def allocation_row(a: SheetAllocation, kb: Any = None) -> dict[str, Any]:
    """The sheet row for an allocation; with the knowledge base, agreement and post are written as names."""
    from engine.sheet.rows import write_value

    agreement = agreement_label(kb, a.agreement) if kb is not None else a.agreement
    post = post_name(kb, a.post) if kb is not None else a.post
    return {
        MOTTAGARE: a.recipient_name, KOD: a.code, LAN: a.county, OK: agreement,
        AR: a.year, POST: post, BELOPP: write_value(a.amount), TYP: a.kind, KALLA: a.source,
    }
