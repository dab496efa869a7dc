"""The weekly digest's numbers and text (pure; the chart is drawn in bot/charts.py, posted by bot/slack/digest_sender.py).

    digest = build_digest(kb, snapshot, today, county="01")
    digest.posts      # per post: requisitioned / invoiced / declined / open, and the post's next deadline
    digest.counties   # the same per county
    digest.text       # short Swedish text naming who is still open

Rows come from the sheet's Rekvisitioner tab. In scope are the agreements with a deadline on or after
`today` (the work still to do), else the latest year in the sheet. The digest is sent once per ISO
week and channel: `digest_id()` is its claim id in the reminder claims (Påminnelser), like a reminder's.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from engine.dashboard import post_label, recipient_name
from engine.formatting import format_date
from engine.scope import applies
from engine.status import Status
from engine.store import ReminderRecord, Snapshot, StatusRow

DEADLINE_ID = "sammanfattning"  # the "deadline" column of a digest's claim in Påminnelser
REQUISITIONED = {Status.rekvirerad}
INVOICED = {Status.fakturerad, Status.utbetald, Status.redovisad, Status.aterbetald}
DECLINED = {Status.avstar}
CATEGORIES = ("rekvirerad", "fakturerad", "avstår", "öppen")
OPEN_NAMES_LIMIT = 40


def category(status: Status) -> str:
    if status in INVOICED:
        return "fakturerad"
    if status in REQUISITIONED:
        return "rekvirerad"
    if status in DECLINED:
        return "avstår"
    return "öppen"


@dataclass
class Bar:
    label: str
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CATEGORIES, 0))
    next_deadline: dt.date | None = None
    deadline_text: str = ""
    deadline_source: str = ""

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def open(self) -> int:
        return self.counts["öppen"]


@dataclass
class Digest:
    today: dt.date
    week: str  # ISO week, "2020-W48"
    scope: str  # "hela landet" / "Stockholms län"
    posts: list[Bar]
    counties: list[Bar]
    open_names: list[str]
    next_deadline: tuple[dt.date, str, str] | None  # (date, who does what, source)
    rows: int

    @property
    def done(self) -> int:
        return sum(b.total - b.open for b in self.posts)

    @property
    def text(self) -> str:
        week_no = self.week.split("W")[-1].lstrip("0")
        lines = [f"Veckosammanfattning v. {week_no} ({format_date(self.today)}), {self.scope}: "
                 f"{self.done} av {self.rows} rader klara (rekvirerade, fakturerade eller avstår)."]
        if self.next_deadline:
            d, text, source = self.next_deadline
            days = (d - self.today).days
            when = "i dag" if days == 0 else f"om {days} dagar"
            lines.append(f"Nästa deadline: {format_date(d)} ({when}): {text}." + (f" Källa: {source}" if source else ""))
        for bar in self.posts:
            c = bar.counts
            lines.append(f"• {bar.label}: {c['rekvirerad']} rekvirerade, {c['fakturerad']} fakturerade, "
                         f"{c['avstår']} avstår, {c['öppen']} öppna av {bar.total}")
        if self.rows == 0:
            lines.append("Fliken Rekvisitioner har inga rader för perioden ännu.")
        elif self.open_names:
            shown = self.open_names[:OPEN_NAMES_LIMIT]
            more = len(self.open_names) - len(shown)
            lines.append(f"Fortfarande öppna ({len(self.open_names)}): " + ", ".join(shown)
                         + (f" … och {more} till." if more > 0 else "."))
        else:
            lines.append("Inga öppna: alla är klara.")
        return "\n".join(lines)


def iso_week(today: dt.date) -> str:
    year, week, _ = today.isocalendar()
    return f"{year}-W{week:02d}"


def digest_id(today: dt.date, channel: str, county: str | None = None) -> str:
    """One digest per ISO week × channel (× county when narrowed)."""
    return f"{DEADLINE_ID}:{iso_week(today)}{':' + county if county else ''}:{channel}"


def digest_record(today: dt.date, channel: str, owner: str, claimed_at: str, county: str | None = None) -> ReminderRecord:
    monday = today - dt.timedelta(days=today.weekday())
    return ReminderRecord(reminder_id=digest_id(today, channel, county), deadline_id=DEADLINE_ID, offset_days=0,
                          channel=channel, planned_date=monday, status="anspråk", owner=owner, claimed_at=claimed_at)


def latest_digest_file(snapshot: Snapshot | None) -> str | None:
    """The Slack file id of the most recently posted digest (for App Home), if any."""
    sent = [r for r in (snapshot.reminders if snapshot else [])
            if r.deadline_id == DEADLINE_ID and r.slack_ts.startswith("F")]
    if not sent:
        return None
    return max(sent, key=lambda r: (r.planned_date or dt.date.min, r.sent_at)).slack_ts


def _county_code(kb: Any, recipient_id: str) -> str | None:
    r = (getattr(kb, "recipients", {}) or {}).get(recipient_id)
    if r is None:
        return None
    return r.county_code or (r.code if str(r.kind) in ("lan", "region") else None)


def _agreements_in_scope(kb: Any, rows: list[StatusRow], today: dt.date) -> set[str]:
    upcoming = {d.agreement for d in getattr(kb, "deadlines", []) or [] if d.date is not None and d.date >= today}
    in_rows = {r.key.agreement for r in rows}
    if upcoming & in_rows:
        return upcoming & in_rows
    posts = getattr(kb, "posts", {}) or {}
    agreements = getattr(kb, "agreements", {}) or {}

    def year(a: str) -> int:
        ag = agreements.get(a)
        if ag is not None and ag.years:
            return max(ag.years)
        return max((p.year for p in posts.values() if p.agreement == a), default=0)

    latest = max((year(a) for a in in_rows), default=0)
    return {a for a in in_rows if year(a) == latest}


def _next_deadline(kb: Any, agreement: str, recipients: list[Any], today: dt.date) -> Any | None:
    items = [d for d in getattr(kb, "deadlines", []) or []
             if d.agreement == agreement and d.date is not None and d.date >= today
             and (not recipients or any(applies(kb, d.applies_to, r) for r in recipients))]
    return min(items, key=lambda d: (d.date, d.id)) if items else None


def build_digest(kb: Any, snapshot: Snapshot, today: dt.date, county: str | None = None) -> Digest:
    recipients = getattr(kb, "recipients", {}) or {}
    rows = list(snapshot.statuses)
    if county:
        rows = [r for r in rows if _county_code(kb, r.key.recipient_id) == county]
    agreements = _agreements_in_scope(kb, rows, today)
    rows = [r for r in rows if r.key.agreement in agreements]

    by_post: dict[tuple[str, str], Bar] = {}
    by_county: dict[str, Bar] = {}
    members: dict[tuple[str, str], list[Any]] = {}
    open_names: set[str] = set()
    for r in rows:
        cat = category(r.status)
        key = (r.key.agreement, r.key.post)
        bar = by_post.setdefault(key, Bar(post_label(kb, *key)))
        bar.counts[cat] += 1
        rec = recipients.get(r.key.recipient_id)
        if rec is not None:
            members.setdefault(key, []).append(rec)
        code = _county_code(kb, r.key.recipient_id)
        lan = recipients.get(f"lan-{code}") if code else None
        cname = lan.name if lan is not None else (r.county or "okänt län")
        by_county.setdefault(cname, Bar(cname)).counts[cat] += 1
        if cat == "öppen":
            open_names.add(recipient_name(kb, r.key.recipient_id, snapshot))

    overall: list[tuple[dt.date, str, str]] = []
    for key, bar in by_post.items():
        d = _next_deadline(kb, key[0], members.get(key, []), today)
        if d is not None:
            bar.next_deadline = d.date
            bar.deadline_text = f"{d.who} ska {d.task()}"
            bar.deadline_source = d.source.cite() if d.source else ""
            overall.append((d.date, bar.deadline_text, bar.deadline_source))
    posts = sorted(by_post.values(), key=lambda b: (b.next_deadline or dt.date.max, b.label))
    counties = sorted(by_county.values(), key=lambda b: b.label)
    scope = "hela landet"
    if county:
        lan = recipients.get(f"lan-{county}")
        scope = lan.name if lan is not None else f"län {county}"
    from engine.reminders import sv_sort_key

    return Digest(today=today, week=iso_week(today), scope=scope, posts=posts, counties=counties,
                  open_names=sorted(open_names, key=sv_sort_key), next_deadline=min(overall) if overall else None,
                  rows=len(rows))
