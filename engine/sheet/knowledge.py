"""The shared sheet as a knowledge layer: Tilldelning and Frister rows become the same typed items
(engine.models) the YAML knowledge holds, each with a sheet source, merged over the documents.

    layer = sheet_layer(kb, snapshot.allocations, snapshot.deadlines, defined)   # in parse_tables
    kb2 = with_sheet(kb, snapshot)          # the documents + the sheet, for answers, reminders, App Home

Rules:
- A sheet row that repeats a document's figure or date adds nothing (it is the same fact).
- A sheet amount that differs from a document's for the same recipient × post × year is NOT added as an
  allocation (answers would otherwise add them up); it becomes a Discrepancy naming both, which the
  answer shows ("Obs (dokumenten och delade arket skiljer sig): …") and `stimulans check` reports.
- A sheet deadline whose date differs from the document's deadline of the same agreement, kind and
  receivers is added (both are answered, each with its source) with a Discrepancy naming both.
- Agreements and posts the documents do not know ("ÖK 2024", "Barn och unga") are defined by the sheet
  (engine/sheet/rows.py Lookup.define_*) and carry name/short/synonyms, so the question parser learns them.
"""
from __future__ import annotations

import hashlib
import threading
from dataclasses import replace
from typing import Any

from engine.formatting import format_date, format_kr
from engine.models import Allocation, Deadline, DeadlineKind, Discrepancy, KnowledgeFile
from engine.scope import expand_applies_to
from engine.sheet.rows import sheet_source, slug
from engine.sheet.schema import Tab
from engine.store import SheetAllocation, SheetDeadline, Snapshot
from engine.text import fold

SHEET_TABLE = "delade-arket-tilldelning"

#: how an amount of each Typ is labelled wherever it is shown (an estimate is never "published")
KIND_NOTES = {"beslutad": "beslutat belopp enligt delade arket, ännu inte publicerat",
              "beräknad": "beräknat belopp enligt delade arket, inte publicerat"}

_DEFAULT_ACTION = {"rekvisition": "rekvirera medlen", "faktura": "skicka fakturan", "redovisning": "lämna redovisningen",
                   "aterbetalning": "återbetala oanvända medel", "annat": "hålla fristen"}


def _recipient_name(kb: Any, rid: str) -> str:
    r = (getattr(kb, "recipients", {}) or {}).get(rid)
    return r.name if r is not None else rid


def _post_label(kb: Any, posts: dict, post: str | None, year: int) -> str:
    p = posts.get(post) if post else None
    return f"{p.short} {year}" if p is not None and str(year) not in p.short else (p.short if p else f"totalt {year}")


def allocation_items(kb: Any, rows: list[SheetAllocation], posts: dict) -> tuple[list[Allocation], list[Discrepancy]]:
    docs = list(getattr(kb, "allocations", []) or [])
    allocations: list[Allocation] = []
    discrepancies: list[Discrepancy] = []
    for a in rows:
        source = sheet_source(Tab.tilldelning, a.row, a.source)
        post = a.post or None
        same = [d for d in docs if d.recipient == a.recipient_id and d.year == a.year
                and (d.post == post if post else (d.post is None and d.agreement == a.agreement))]
        if any(d.amount == a.amount for d in same):
            continue  # the documents' own figure (e.g. seeded by init-sheet): nothing new
        if same:
            d = same[0]
            what = f"{_recipient_name(kb, a.recipient_id)}, {_post_label(kb, posts, post, a.year)}"
            kind = "" if a.kind == "publicerad" else f" ({a.kind})"
            discrepancies.append(Discrepancy(
                id=f"ark-avvikelse-tilldelning-{a.row}",
                text=(f"{what}: dokumenten anger {format_kr(d.amount)} ({d.source.cite()}), men delade arket anger "
                      f"{format_kr(a.amount)}{kind} ({source.cite()})."),
                about=[d.id], sources=[d.source, source]))
            continue
        allocations.append(Allocation(
            id=f"ark-tilldelning-{a.row}", table=SHEET_TABLE, agreement=a.agreement, year=a.year,
            recipient=a.recipient_id, post=post, amount=a.amount, note=KIND_NOTES.get(a.kind), source=source))
    return allocations, discrepancies


def deadline_id(d: SheetDeadline) -> str:
    """Stable across row moves (reminder claims are keyed on it): agreement, kind, date and who."""
    digest = hashlib.sha1(fold(d.who).encode()).hexdigest()[:6]
    return f"ark-frist-{slug(d.agreement)}-{d.kind}-{d.date.isoformat()}-{digest}"


def _covered(kb: Any, markers: list[str]) -> set[str] | None:
    """Recipient ids a deadline covers; None = everyone."""
    scope = expand_applies_to(kb, markers)
    if scope.everyone:
        return None
    recipients = getattr(kb, "recipients", {}) or {}
    return set(scope.named) | {r.id for r in recipients.values() if str(r.kind) in scope.kinds}


def deadline_items(kb: Any, rows: list[SheetDeadline]) -> tuple[list[Deadline], list[Discrepancy]]:
    docs = list(getattr(kb, "deadlines", []) or [])
    deadlines: list[Deadline] = []
    discrepancies: list[Discrepancy] = []
    for r in rows:
        source = sheet_source(Tab.frister, r.row, r.source)
        action = r.description.strip().rstrip(".") or _DEFAULT_ACTION[r.kind]
        action = action[0].lower() + action[1:] if action[:2] != action[:2].upper() else action  # keep "SKR …"
        item = Deadline(id=deadline_id(r), agreement=r.agreement, kind=DeadlineKind(r.kind), date=r.date,
                        who=r.who or "mottagarna", action=action, to=r.to or None, applies_to=r.applies_to,
                        source=source)
        mine = _covered(kb, r.applies_to)
        same_kind = [d for d in docs if d.agreement == r.agreement and d.kind.value == r.kind]
        overlapping = [d for d in same_kind if mine is None or (c := _covered(kb, d.applies_to)) is None or mine & c]
        if any(d.date == r.date for d in overlapping):
            continue  # the documents' own date: nothing new
        deadlines.append(item)
        dated = [d for d in overlapping if d.date is not None]
        if dated:
            d = dated[0]
            discrepancies.append(Discrepancy(
                id=f"ark-avvikelse-frist-{r.row}",
                text=(f"{d.who} ska {d.task()}: dokumenten anger {format_date(d.date)} ({d.source.cite()}), men "
                      f"delade arket anger {format_date(r.date)} ({source.cite()})."),
                about=[d.id, item.id], sources=[d.source, source]))
    return deadlines, discrepancies


def sheet_layer(kb: Any, allocations: list[SheetAllocation], deadlines: list[SheetDeadline],
                defined: dict[str, Any]) -> KnowledgeFile:
    """The sheet's rows as one KnowledgeFile (the same model a YAML file is read into)."""
    if kb is None or not getattr(kb, "recipients", None):
        return KnowledgeFile()
    from engine.models import Agreement, Post

    posts = {**(getattr(kb, "posts", {}) or {}), **{k: v for k, v in defined.items() if isinstance(v, Post)}}
    allocs, d1 = allocation_items(kb, allocations, posts)
    dls, d2 = deadline_items(kb, deadlines)
    return KnowledgeFile(
        doc=None, title="Delade arket (Tilldelning, Frister)",
        agreements=[v for v in defined.values() if isinstance(v, Agreement)],
        posts=[v for v in defined.values() if isinstance(v, Post)],
        allocations=allocs, deadlines=dls, discrepancies=d1 + d2)


def is_empty(layer: KnowledgeFile) -> bool:
    return not (layer.agreements or layer.posts or layer.allocations or layer.deadlines or layer.discrepancies)


_cache: dict[str, Any] = {}
_cache_lock = threading.Lock()


def with_sheet(kb: Any, snapshot: Snapshot | None) -> Any:
    """The knowledge base with the sheet layer merged over it (the same object when the sheet adds nothing).
    Cached for the last (knowledge base, snapshot) pair."""
    layer = getattr(snapshot, "knowledge", None)
    if layer is None or is_empty(layer) or not hasattr(kb, "agreements"):
        return kb
    key = (id(kb), id(snapshot))
    with _cache_lock:
        if _cache.get("key") == key:
            return _cache["kb"]
    merged = merge(kb, layer)
    with _cache_lock:
        _cache.update(key=key, kb=merged, snapshot=snapshot, base=kb)  # hold both so ids stay unique
    return merged


LAYER_FILE = "delade arket"


def documents_only(kb: Any) -> Any:
    """A knowledge base without any sheet layer merged into it (merging is idempotent: a merged knowledge
    base passed back in, e.g. an Engine's `kb`, never gets the sheet's rows twice)."""
    if LAYER_FILE not in (getattr(kb, "files", None) or {}):
        return kb
    return replace(
        kb,
        agreements={k: v for k, v in kb.agreements.items() if not v.source.tab},
        posts={k: v for k, v in kb.posts.items() if not v.source.tab},
        allocations=[a for a in kb.allocations if not a.source.tab],
        deadlines=[d for d in kb.deadlines if not d.source.tab],
        discrepancies=[d for d in kb.discrepancies if not any(s.tab for s in d.sources)],
        files={k: v for k, v in kb.files.items() if k != LAYER_FILE},
    )


def merge(kb: Any, layer: KnowledgeFile) -> Any:
    """A KnowledgeBase with the layer's items added (kb itself when the layer is empty or kb is no KnowledgeBase)."""
    if is_empty(layer) or not hasattr(kb, "agreements") or not hasattr(kb, "files"):
        return kb
    kb = documents_only(kb)
    return replace(
        kb,
        agreements={**kb.agreements, **{a.id: a for a in layer.agreements}},
        posts={**kb.posts, **{p.id: p for p in layer.posts}},
        allocations=[*kb.allocations, *layer.allocations],
        deadlines=[*kb.deadlines, *layer.deadlines],
        discrepancies=[*kb.discrepancies, *layer.discrepancies],
        files={**kb.files, LAYER_FILE: layer},
    )

