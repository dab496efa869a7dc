"""Requisition status from the shared sheet (the store's snapshot): who is done, who is open."""
from __future__ import annotations

from collections import defaultdict

from engine.answer import Answer
from engine.answers.common import matches_year
from engine.formatting import format_kr
from engine.knowledge import KnowledgeBase
from engine.models import RecipientKind, Source
from engine.scope import applies
from engine.status import DONE_FOR_REQUISITION, STATUS_LABELS
from engine.store import Snapshot, StatusRow, Store, Tab
from engine.understanding import Query

SHEET_SOURCE = Source(doc="Delade arket", section=Tab.rekvisitioner.value)


def _filter(kb: KnowledgeBase, rows: list[StatusRow], q: Query) -> list[StatusRow]:
    if q.recipients:
        ids = {r.id for r in q.recipients}
        counties = {r.county_code for r in q.recipients if r.kind in (RecipientKind.lan, RecipientKind.region,
                                                                       RecipientKind.aktor, RecipientKind.grupp)}
        rows = [s for s in rows if s.key.recipient_id in ids or
                (kb.recipients.get(s.key.recipient_id) and kb.recipients[s.key.recipient_id].county_code in counties)]
    if q.years:
        rows = [s for s in rows if matches_year(kb, s.key.agreement, q.years)]
    if q.posts:
        post_ids = {p.id for p in q.posts}
        rows = [s for s in rows if s.key.post in post_ids] or rows
    if "faktura" in q.deadline_kinds:
        # "vilka har inte fakturerat?": the rows an invoice deadline applies to
        invoiced = [d for d in kb.deadlines if d.kind.value == "faktura"]
        rows = [s for s in rows if any(
            s.key.agreement == d.agreement and applies(kb, d.applies_to, kb.recipients.get(s.key.recipient_id))
            for d in invoiced)] or rows
    return rows


def _post_label(kb: KnowledgeBase, row: StatusRow) -> str:
    post = kb.posts.get(row.key.post)
    agreement = kb.agreements.get(row.key.agreement)
    return f"{post.short if post else row.key.post or 'hela överenskommelsen'} ({agreement.short if agreement else row.key.agreement})"


def _staleness(snap: Snapshot) -> str:
    if snap.stale_error:
        minutes = int(snap.age_seconds() // 60)
        return f"\nObs: arket kunde inte läsas om ({snap.stale_error}); uppgifterna är {minutes} minuter gamla."
    return ""


def status_answer(kb: KnowledgeBase, store: Store | None, q: Query, *, explicit: bool = False) -> Answer:
    if store is None:
        return Answer(text="Ingen statuskälla är kopplad (varken arbetsboken eller Google-arket).", intent="status")
    snap = store.snapshot()
    rows = _filter(kb, snap.statuses, q)
    if not rows:
        who = ", ".join(r.name for r in q.recipients) or "urvalet"
        withheld = [p for p in snap.problems if p.recipients]
        problems = "".join(f"\n• {p.describe()}" for p in (withheld + [p for p in snap.problems
                                                                         if not p.recipients])[:3])
        if problems:
            problems = "\nArket har problem som kan förklara det:" + problems
        return Answer(text=f"Arket har inga rader om {who}." + problems + _staleness(snap), intent="status",
                      sources=[SHEET_SOURCE])
    lines: list[str] = []
    single = len({r.key.recipient_id for r in rows}) == 1
    if single:
        name = rows[0].recipient_name
        lines.append(f"Status för {name}:")
        for r in rows:
            extra = [STATUS_LABELS[r.status]]
            if r.amount is not None:
                extra.append(format_kr(r.amount))
            if r.date:
                extra.append(r.date.isoformat())
            if r.reference:
                extra.append(f"ref {r.reference}")
            lines.append(f"• {_post_label(kb, r)}: " + ", ".join(extra))
    else:
        groups: dict[tuple[str, str], list[StatusRow]] = defaultdict(list)
        for r in rows:
            groups[(r.key.agreement, r.key.post)].append(r)
        for rs in groups.values():
            done = [r for r in rs if r.status in DONE_FOR_REQUISITION]
            open_ = [r for r in rs if r.status not in DONE_FOR_REQUISITION]
            lines.append(f"{len(done)} av {len(rs)} klara – {_post_label(kb, rs[0])} {progress_bar(len(done), len(rs))}")
            if open_:
                names = ", ".join(sorted(r.recipient_name for r in open_))
                lines.append(f"  Ej klara ({len(open_)}): {names}")
    lines += _withheld_notes(kb, snap, q)
    if snap.problems:
        lines.append(f"{len(snap.problems)} celler i arket kunde inte tolkas; kör `stimulans check` för en lista.")
    text = "\n".join(lines) + _staleness(snap)
    return Answer(text=text, intent="status",
                  facts=[{"recipient": r.key.recipient_id, "agreement": r.key.agreement, "post": r.key.post,
                          "status": r.status.value} for r in rows],
                  sources=[SHEET_SOURCE])


def _withheld_notes(kb: KnowledgeBase, snap: Snapshot, q: Query) -> list[str]:
    """Rows left out of the answer because Mottagare and Kod disagree (said, never silent): for every
    question about them, their county, or everyone."""
    asked = {r.id for r in q.recipients} | {r.county_code for r in q.recipients if r.county_code}
    notes = []
    for p in snap.problems:
        scope = set(p.recipients) | {kb.recipients[r].county_code for r in p.recipients
                                     if r in kb.recipients and kb.recipients[r].county_code}
        if p.recipients and (not asked or asked & scope):
            notes.append(f"Obs: {p.describe()}")
    return notes


def progress_bar(done: int, total: int, width: int = 10) -> str:
    filled = round(width * done / total) if total else 0
    return "▓" * filled + "░" * (width - filled)
