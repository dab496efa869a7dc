"""Engine-side data for the App Home dashboards (no Slack here; bot/slack/home.py renders it).

- coordinators: progress per post ("12 av 15 kommuner har rekvirerat" + a text progress bar),
  the recipients still open, upcoming deadlines;
- a municipality contact: its published allocations, its status per post, its next deadlines.

The ceiling of an amount typed for a recipient/post has one home: engine/sheet/ceiling.py.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from engine.formatting import format_date, format_kr
from engine.scope import applies
from engine.status import DONE_FOR_REQUISITION, STATUS_LABELS, Status
from engine.store import Snapshot, StatusRow


def _posts(kb: Any) -> dict:
    return dict(getattr(kb, "posts", {}) or {})


def _recipients(kb: Any) -> dict:
    return dict(getattr(kb, "recipients", {}) or {})


def _allocations(kb: Any) -> list:
    return list(getattr(kb, "allocations", []) or [])


def recipient_name(kb: Any, recipient_id: str, snapshot: Snapshot | None = None) -> str:
    r = _recipients(kb).get(recipient_id)
    if r is not None:
        return r.name
    if snapshot is not None:
        row = next((s for s in snapshot.statuses if s.key.recipient_id == recipient_id), None)
        if row and row.recipient_name:
            return row.recipient_name
    return recipient_id


def post_label(kb: Any, agreement: str, post: str) -> str:
    """"Suicidprevention 2020" for a post, the agreement's short name for a whole-agreement row."""
    p = _posts(kb).get(post) if post else None
    if p is not None:
        return f"{p.short} {p.year}" if str(p.year) not in p.short else p.short
    a = dict(getattr(kb, "agreements", {}) or {}).get(agreement)
    base = a.short if a is not None else agreement
    return f"{base} (hela överenskommelsen)" if not post else f"{base}, {post}"


def progress_bar(done: int, total: int, width: int = 10) -> str:
    """`▓▓▓▓▓▓▓▓░░ 80 %` (text only, renders everywhere)."""
    if total <= 0:
        return "░" * width + " 0 %"
    filled = round(width * done / total)
    return "▓" * filled + "░" * (width - filled) + f" {round(100 * done / total)} %"


@dataclass
class PostProgress:
    agreement: str
    post: str
    label: str
    done: int
    total: int
    noun: str  # "kommuner", "regioner", "mottagare"
    open_names: list[str] = field(default_factory=list)

    @property
    def line(self) -> str:
        return f"{self.done} av {self.total} {self.noun} har rekvirerat"

    @property
    def bar(self) -> str:
        return progress_bar(self.done, self.total)


def _status_of(snapshot: Snapshot, recipient_id: str, agreement: str, post: str) -> StatusRow | None:
    """The row for recipient × post; a whole-agreement row (post "") stands in when there is none."""
    rows = [s for s in snapshot.statuses if s.key.recipient_id == recipient_id and s.key.agreement == agreement]
    exact = next((s for s in rows if s.key.post == post), None)
    return exact or next((s for s in rows if s.key.post == ""), None)


def _noun(kinds: set[str]) -> str:
    if kinds == {"kommun"}:
        return "kommuner"
    if kinds == {"region"}:
        return "regioner"
    return "mottagare"


def post_progress(kb: Any, snapshot: Snapshot, limit: int = 8) -> list[PostProgress]:
    """Progress per post: posts with rows in Rekvisitioner or with per-recipient published
    allocations, newest year first, at most `limit`."""
    posts = _posts(kb)
    recipients = _recipients(kb)
    members: dict[tuple[str, str], set[str]] = {}
    for a in _allocations(kb):
        if a.post and a.post in posts:
            members.setdefault((a.agreement, a.post), set()).update(_expand(kb, a.recipient))
    for s in snapshot.statuses:
        if s.key.post:
            members.setdefault((s.key.agreement, s.key.post), set()).add(s.key.recipient_id)

    def year(key: tuple[str, str]) -> int:
        p = posts.get(key[1])
        return p.year if p is not None else 0

    out: list[PostProgress] = []
    for agreement, post in sorted(members, key=lambda k: (-year(k), post_label(kb, *k))):
        ids = members[(agreement, post)]
        done, open_names = 0, []
        for rid in ids:
            row = _status_of(snapshot, rid, agreement, post)
            if row is not None and row.status in DONE_FOR_REQUISITION:
                done += 1
            else:
                open_names.append(recipient_name(kb, rid, snapshot))
        kinds = {str(recipients[r].kind) for r in ids if r in recipients} or {"?"}
        out.append(PostProgress(agreement, post, post_label(kb, agreement, post), done, len(ids),
                                _noun(kinds), sorted(open_names)))
        if len(out) >= limit:
            break
    return out


def _expand(kb: Any, recipient_id: str) -> list[str]:
    """A county pot ("grupp", e.g. Kommunerna i Stockholms län) stands for the county's municipalities."""
    r = _recipients(kb).get(recipient_id)
    if r is not None and str(r.kind) == "grupp" and r.county_code and hasattr(kb, "municipalities_in_county"):
        return [m.id for m in kb.municipalities_in_county(r.county_code)] or [recipient_id]
    return [recipient_id]


def open_recipients(kb: Any, snapshot: Snapshot) -> list[str]:
    """Names of recipients with at least one row not yet requisitioned (sheet rows)."""
    names = {recipient_name(kb, s.key.recipient_id, snapshot)
             for s in snapshot.statuses if s.status not in DONE_FOR_REQUISITION}
    return sorted(names)


def _applies(kb: Any, deadline: Any, recipient: Any | None) -> bool:
    return applies(kb, getattr(deadline, "applies_to", []) or [], recipient)


@dataclass
class DeadlineLine:
    date: dt.date
    text: str  # "1 december 2020: kommunerna ska rekvirera medlen till Kammarkollegiet"
    consequence: str = ""
    source: str = ""


def upcoming_deadlines(kb: Any, today: dt.date, recipient_id: str | None = None,
                       limit: int = 5) -> list[DeadlineLine]:
    recipient = _recipients(kb).get(recipient_id) if recipient_id else None
    items = [d for d in (getattr(kb, "deadlines", []) or [])
             if d.date is not None and d.date >= today and _applies(kb, d, recipient)]
    items.sort(key=lambda d: (d.date, d.id))
    out = []
    for d in items[:limit]:
        out.append(DeadlineLine(d.date, f"{format_date(d.date)}: {d.who} ska {d.task()}",
                                d.consequence or "", d.source.cite() if d.source else ""))
    return out


@dataclass
class AllocationLine:
    label: str
    amount: str
    source: str
    published: bool = True  # False for a decided or estimated amount typed into the sheet's Tilldelning


@dataclass
class StatusLine:
    agreement: str
    post: str
    label: str
    status: Status
    status_label: str
    amount: str = ""
    date: str = ""
    planned_use: str = ""
    updated: str = ""


@dataclass
class ContactOverview:
    recipient_id: str
    name: str
    allocations: list[AllocationLine]
    statuses: list[StatusLine]
    deadlines: list[DeadlineLine]


def contact_overview(kb: Any, snapshot: Snapshot, recipient_id: str, today: dt.date,
                     limit: int = 10) -> ContactOverview:
    posts = _posts(kb)
    allocs = [a for a in _allocations(kb) if a.recipient == recipient_id]
    allocs.sort(key=lambda a: (-a.year, a.post or ""))
    lines, seen = [], set()
    for a in allocs:
        key = (a.year, a.post, a.amount)
        if key in seen:
            continue
        seen.add(key)
        label = post_label(kb, a.agreement, a.post) if a.post in posts else f"Totalt {a.year}"
        unpublished = a.source.tab is not None and a.note is not None  # "beräknat/beslutat belopp …" (sheet Typ)
        if unpublished:
            label += f" ({a.note})"
        lines.append(AllocationLine(label, format_kr(a.amount), a.source.cite(), published=not unpublished))
        if len(lines) >= limit:
            break
    statuses = []
    for s in snapshot.statuses:
        if s.key.recipient_id != recipient_id:
            continue
        statuses.append(StatusLine(
            s.key.agreement, s.key.post, post_label(kb, s.key.agreement, s.key.post), s.status,
            STATUS_LABELS.get(s.status, str(s.status)),
            format_kr(s.amount) if s.amount is not None else "",
            format_date(s.date) if s.date else "", s.planned_use,
            " ".join(x for x in (s.updated_at, s.updated_by) if x)))
    return ContactOverview(recipient_id, recipient_name(kb, recipient_id, snapshot), lines, statuses,
                           upcoming_deadlines(kb, today, recipient_id))
