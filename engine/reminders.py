"""Reminder planning: which reminders are due on a date, for whom, and what they say.

Pure functions over the knowledge base, a store Snapshot and a date (Europe/Stockholm calendar dates).
No Slack here: the texts are Slack mrkdwn strings (mentions as <@U…>), posting is bot/slack/reminder_sender.py.

Rules (docs/reminders.md):
- A deadline with a date gets one reminder per configured offset (days before; 0 = the day itself).
  A reminder whose day is not a Swedish business day is sent the previous business day; two offsets
  landing on the same day become one (the one closer to the deadline).
- Due on `today`: the reminder planned for today; with `catch_up`, also the latest planned reminder
  before today, until the next planned one (a run missed on its day is made up later, never twice).
- Open recipients per deadline kind: see OPEN_RULES / is_open().
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Literal

from engine.business_days import non_business_reason, previous_business_day
from engine.formatting import format_date, format_weekday_date
from engine.models import Deadline, DeadlineKind, Fact
from engine.reminder_config import ReminderConfig
from engine.scope import by_id, expand_applies_to, kb_items
from engine.sheet.knowledge import with_sheet
from engine.slack_text import escape, is_user_id
from engine.status import DONE_FOR_REPORT, DONE_FOR_REQUISITION, STATUS_LABELS, Status
from engine.store import Contact, ReminderRecord, Role, Snapshot, StatusRow
from engine.text import fold

#: event_type of the Slack message metadata every reminder carries (crash recovery looks for it)
METADATA_EVENT_TYPE = "stimulans_reminder"
#: action_id of the "Uppdatera status" button in reminder DMs (the Slack bot opens the status modal)
STATUS_BUTTON_ACTION_ID = "stimulans_open_status_modal"
CLAIMED = "anspråk"
SENT = "skickad"

KIND_LABELS: dict[DeadlineKind, str] = {
    DeadlineKind.rekvisition: "Rekvisition",
    DeadlineKind.faktura: "Faktura",
    DeadlineKind.aterbetalning: "Återbetalning",
    DeadlineKind.redovisning: "Redovisning",
    DeadlineKind.ekonomisk_redovisning: "Ekonomisk redovisning",
    DeadlineKind.slutrapport: "Slutrapport",
    DeadlineKind.fragematerial: "Frågeunderlag",
    DeadlineKind.verksamhetsrapport: "Verksamhetsrapport",
    DeadlineKind.avsta: "Avstå medel",
    DeadlineKind.utbetalning: "Utbetalning",
    DeadlineKind.anmalan: "Anmälan av mottagare",
    DeadlineKind.grundkrav: "Grundkrav",
    DeadlineKind.annat: "Frist",
}

_REPORT_KINDS = {DeadlineKind.redovisning, DeadlineKind.ekonomisk_redovisning, DeadlineKind.slutrapport}
#: before a repayment deadline: open = has (or is about to get) money and has not settled it.
#: "ej rekvirerad" has received nothing, so owes nothing; "avstår"/"återbetald" are settled.
_SETTLED_FOR_REPAYMENT = {Status.aterbetald, Status.avstar, Status.ej_rekvirerad}

_DONE_PHRASE: dict[DeadlineKind, str] = {
    DeadlineKind.rekvisition: "har rekvirerat eller avstått",
    DeadlineKind.faktura: "har fakturerat eller avstått",
    DeadlineKind.aterbetalning: "har återbetalat oanvända medel, avstått eller inte fått några medel",
}


def has_status_rule(kind: DeadlineKind) -> bool:
    """Whether recipients' sheet status says who is still open for this kind of deadline.

    Kinds without a rule (frågeunderlag, verksamhetsrapport, avstå) are someone else's task or have no
    status column; their reminders state the deadline without naming recipients.
    """
    return kind in (DeadlineKind.rekvisition, DeadlineKind.faktura, DeadlineKind.aterbetalning) or kind in _REPORT_KINDS


def is_open(kind: DeadlineKind, status: Status) -> bool:
    """Still open before a deadline of `kind`: rekvisition/faktura → not requisitioned/invoiced (nor declined);
    redovisning/ekonomisk redovisning/slutrapport → not reported ("redovisad") nor declined; återbetalning →
    funds received or requested and not settled (not återbetald/avstår; "ej rekvirerad" owes nothing)."""
    if kind in (DeadlineKind.rekvisition, DeadlineKind.faktura):
        return status not in DONE_FOR_REQUISITION
    if kind in _REPORT_KINDS:
        return status not in DONE_FOR_REPORT
    if kind == DeadlineKind.aterbetalning:
        return status not in _SETTLED_FOR_REPAYMENT
    return False


# ---------------------------------------------------------------- the knowledge base, whatever its shape


_kb_items = kb_items
_by_id = by_id


# ---------------------------------------------------------------- planning dates


@dataclass(frozen=True)
class PlannedReminder:
    deadline: Deadline
    offset: int  # days before the deadline (nominal)
    nominal_date: dt.date  # deadline date − offset
    send_date: dt.date  # nominal date, or the previous business day

    @property
    def moved(self) -> bool:
        return self.send_date != self.nominal_date


def plan_deadline(deadline: Deadline, config: ReminderConfig) -> list[PlannedReminder]:
    """The reminders of one deadline, by send date (empty when the deadline has no date)."""
    if deadline.date is None:
        return []
    by_day: dict[dt.date, PlannedReminder] = {}
    for offset in config.offsets_for(deadline.kind):
        nominal = deadline.date - dt.timedelta(days=offset)
        planned = PlannedReminder(deadline, offset, nominal, previous_business_day(nominal))
        current = by_day.get(planned.send_date)
        if current is None or planned.offset < current.offset:
            by_day[planned.send_date] = planned
    return [by_day[day] for day in sorted(by_day)]


def due_reminder(deadline: Deadline, today: dt.date, config: ReminderConfig) -> PlannedReminder | None:
    """The reminder of `deadline` due on `today`, if any (see the module doc for catch-up)."""
    plan = plan_deadline(deadline, config)
    if not plan or deadline.date is None or today > deadline.date:
        return None
    for planned in plan:
        if planned.send_date == today:
            return planned
    if not config.catch_up:
        return None
    earlier = [p for p in plan if p.send_date < today]
    return earlier[-1] if earlier else None


def due_reminders(kb: Any, today: dt.date, config: ReminderConfig) -> list[PlannedReminder]:
    due = [p for d in _kb_items(kb, "deadlines") if (p := due_reminder(d, today, config))]
    return sorted(due, key=lambda p: (p.deadline.date, p.deadline.id))


def reminder_id(deadline_id: str, offset: int, channel: str) -> str:
    """Stable id of one reminder: deadline × offset × channel (or DM user)."""
    return f"{deadline_id}:{offset}d:{channel}"


# ---------------------------------------------------------------- who is still open


@dataclass(frozen=True)
class OpenRecipient:
    recipient_id: str
    name: str
    rows: tuple[StatusRow, ...] = ()  # the open Rekvisitioner rows; () = no row in the sheet
    contacts: tuple[Contact, ...] = ()

    @property
    def has_row(self) -> bool:
        return bool(self.rows)


@dataclass(frozen=True)
class RecipientState:
    applies: bool  # False: the kind has no status rule (nobody is named)
    open: tuple[OpenRecipient, ...] = ()
    total: int = 0  # recipients considered (rows + named without a row)
    unknown_markers: tuple[str, ...] = ()

    @property
    def all_done(self) -> bool:
        return self.applies and self.total > 0 and not self.open

    @property
    def nobody_known(self) -> bool:
        return self.applies and self.total == 0


def _recipient_kind(kb_recipients: dict[str, Any], rid: str) -> str:
    if rid in kb_recipients:
        return str(kb_recipients[rid].kind)
    return rid.split("-", 1)[0]  # "kommun-0180" → "kommun", "skr" → "skr"


def _agreement_matches(row_agreement: str, deadline_agreement: str, kb: Any) -> bool:
    if row_agreement == deadline_agreement:
        return True
    agreement = _by_id(kb, "agreements").get(deadline_agreement)
    names = {fold(deadline_agreement)}
    if agreement is not None:
        names |= {fold(agreement.short), fold(agreement.name)}
    return fold(row_agreement) in names


def recipient_state(kb: Any, deadline: Deadline, snapshot: Snapshot | None) -> RecipientState:
    if not has_status_rule(deadline.kind) or snapshot is None:
        return RecipientState(applies=False)
    scope = expand_applies_to(kb, deadline.applies_to)
    kb_recipients = _by_id(kb, "recipients")
    rows = [r for r in snapshot.statuses if _agreement_matches(r.key.agreement, deadline.agreement, kb)
            and scope.covers(r.key.recipient_id, _recipient_kind(kb_recipients, r.key.recipient_id))]
    by_recipient: dict[str, list[StatusRow]] = {}
    for row in rows:
        by_recipient.setdefault(row.key.recipient_id, []).append(row)

    def name_of(rid: str, rows_: list[StatusRow]) -> str:
        if rid in kb_recipients:
            return kb_recipients[rid].name
        return next((r.recipient_name for r in rows_ if r.recipient_name), rid)

    def contacts_of(rid: str) -> tuple[Contact, ...]:
        return tuple(c for c in snapshot.contacts if c.recipient_id == rid)

    open_: list[OpenRecipient] = []
    for rid, rows_ in by_recipient.items():
        open_rows = tuple(r for r in rows_ if is_open(deadline.kind, r.status))
        if open_rows:
            open_.append(OpenRecipient(rid, name_of(rid, rows_), open_rows, contacts_of(rid)))
    missing = sorted(scope.named - set(by_recipient))
    for rid in missing:
        open_.append(OpenRecipient(rid, name_of(rid, []), (), contacts_of(rid)))
    for marker in scope.unknown:
        open_.append(OpenRecipient(marker, f"”{marker}” (okänd mottagare i kunskapsbasen)"))
    open_.sort(key=lambda o: sv_sort_key(o.name))
    total = len(by_recipient) + len(missing) + len(scope.unknown)
    return RecipientState(applies=True, open=tuple(open_), total=total, unknown_markers=scope.unknown)


# ---------------------------------------------------------------- texts

_SV_ORDER = str.maketrans({"å": "{", "ä": "|", "æ": "|", "ö": "}", "ø": "}", "é": "e", "ü": "y"})


def sv_sort_key(name: str) -> str:
    """Swedish alphabetical order (å, ä, ö after z)."""
    return name.lower().translate(_SV_ORDER)



def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def _days_left(deadline_date: dt.date, today: dt.date) -> str:
    days = (deadline_date - today).days
    if days == 0:
        return "sista dagen i dag"
    return "1 dag kvar" if days == 1 else f"{days} dagar kvar"


def offset_label(offset: int) -> str:
    if offset == 0:
        return "själva dagen"
    return "1 dag före" if offset == 1 else f"{offset} dagar före"


def headline(kb: Any, deadline: Deadline) -> str:
    """"Kommunerna i Stockholms län ska skicka faktura till Storsthlm senast tisdag 1 december 2020." """
    when = f" senast {format_weekday_date(deadline.date)}" if deadline.date else ""
    return f"{_cap(deadline.who.strip())} ska {deadline.task()}{when}."


def agreement_label(kb: Any, agreement_id: str) -> str:
    agreement = _by_id(kb, "agreements").get(agreement_id)
    return agreement.short if agreement is not None else agreement_id


def non_business_note(deadline: Deadline) -> str | None:
    """"Obs: 1 december 2019 är en söndag; ..." when the deadline is not a business day."""
    if deadline.date is None or (reason := non_business_reason(deadline.date)) is None:
        return None
    before = previous_business_day(deadline.date)
    return (f"Obs: {format_date(deadline.date)} är {reason}; sista arbetsdagen före är "
            f"{format_weekday_date(before)}.")


def practical_facts(kb: Any, deadline: Deadline, config: ReminderConfig) -> list[Fact]:
    facts = [f for f in _kb_items(kb, "facts") if f.agreement in (deadline.agreement, None)]
    wanted = config.fact_topics.get(deadline.kind)
    if wanted is not None:
        ordered = [f for topic in wanted for f in facts if f.topic == topic]
        return list({f.id: f for f in ordered}.values())  # keep order, no duplicates
    return [f for f in facts if f.agreement == deadline.agreement and f.topic.startswith(f"{deadline.kind}_")]


_NUMBERED = re.compile(r"^\s*\d+[.)]\s")


def _fact_lines(facts: list[Fact]) -> list[str]:
    lines = []
    for fact in facts:
        lines.append(f"• {fact.text.strip()}")
        lines.extend(f"    {item}" if _NUMBERED.match(item) else f"    {n}. {item}" for n, item in enumerate(fact.items, 1))
    return lines


def source_line(deadline: Deadline, facts: list[Fact]) -> str:
    cites = list(dict.fromkeys([deadline.source.cite(), *(f.source.cite() for f in facts)]))
    return "_Källa: " + "; ".join(cites) + "_"


def _mention(contact: Contact) -> str:
    """A mention only from a valid Slack user id; otherwise the name as text (escaped)."""
    return f"<@{contact.slack_id}>" if is_user_id(contact.slack_id) else escape(contact.name)


def _post_labels(kb: Any, rows: tuple[StatusRow, ...]) -> str:
    posts = _by_id(kb, "posts")
    labels = [posts[r.key.post].short if r.key.post in posts else r.key.post for r in rows if r.key.post]
    return f" ({', '.join(labels)})" if labels else ""


def _common_post(recipients: tuple[OpenRecipient, ...]) -> str | None:
    """The one post every open row is about, if there is exactly one (then named once, in the heading)."""
    posts = {r.key.post for rec in recipients for r in rec.rows}
    if len(posts) == 1 and all(len(rec.rows) <= 1 for rec in recipients):
        return next(iter(posts)) or None
    return None


def _recipient_line(kb: Any, rec: OpenRecipient, *, show_posts: bool = True) -> str:
    line = f"• {escape(rec.name)}{_post_labels(kb, rec.rows) if show_posts else ''}"
    if not rec.has_row:
        line += " – ingen rad i Rekvisitioner, räknas som öppen"
    mentions = [_mention(c) for c in rec.contacts]
    if mentions:
        line += f" ({', '.join(mentions)})"
    return line


def coordinators(snapshot: Snapshot | None) -> list[Contact]:
    return [c for c in (snapshot.contacts if snapshot else []) if c.role == Role.samordnare]


@dataclass(frozen=True)
class OutgoingReminder:
    """One message to post: a channel reminder, an "alla klara" note, or a DM to one contact."""

    reminder_id: str
    deadline_id: str
    offset: int
    channel: str  # channel id, or the Slack user id for a DM
    planned_date: dt.date
    text: str
    kind: Literal["channel", "all_done", "dm"] = "channel"
    buttons: tuple[dict[str, str], ...] = ()  # DM only: {"label", "value"} (value is JSON for the modal)
    recipients: tuple[str, ...] = ()  # names of the open recipients in the message

    def record(self, *, owner: str, claimed_at: str, reminder_id: str | None = None) -> ReminderRecord:
        return ReminderRecord(
            reminder_id=reminder_id or self.reminder_id, deadline_id=self.deadline_id,
            offset_days=self.offset, channel=self.channel, planned_date=self.planned_date,
            status=CLAIMED, owner=owner, claimed_at=claimed_at,
        )

    @property
    def metadata(self) -> dict[str, Any]:
        return {"event_type": METADATA_EVENT_TYPE, "event_payload": {
            "reminder_id": self.reminder_id, "deadline_id": self.deadline_id, "offset_days": self.offset}}


def channel_text(kb: Any, planned: PlannedReminder, state: RecipientState, config: ReminderConfig,
                 today: dt.date) -> str:
    d = planned.deadline
    facts = practical_facts(kb, d, config)
    title = f"{KIND_LABELS[d.kind]}, {agreement_label(kb, d.agreement)}"
    lines = [f":bell: *Påminnelse: {title} – {_days_left(d.date, today)} ({format_weekday_date(d.date)})*",
             headline(kb, d)]
    if d.consequence:
        lines.append(f"Om det missas: {d.consequence.strip()}")
    if note := non_business_note(d):
        lines.append(note)
    if state.applies:
        lines.append("")
        if state.nobody_known:
            lines.append(f"Inga rader i Rekvisitioner för {agreement_label(kb, d.agreement)}: "
                         "vem som redan är klar syns inte här.")
        else:
            common = _common_post(state.open)
            about = next((_post_labels(kb, r.rows).strip(" ()") for r in state.open if r.rows), "") if common else ""
            lines.append(f"*Ännu inte klara ({len(state.open)} av {state.total}){' – ' + about if about else ''}:*")
            shown = state.open[: config.max_names]
            lines.extend(_recipient_line(kb, rec, show_posts=not common) for rec in shown)
            if len(state.open) > len(shown):
                lines.append(f"• … och {len(state.open) - len(shown)} till")
    if facts:
        lines += ["", "*Så gör ni:*", *_fact_lines(facts)]
    lines += ["", source_line(d, facts)]
    return "\n".join(lines)


def all_done_text(kb: Any, planned: PlannedReminder, state: RecipientState, snapshot: Snapshot | None,
                  today: dt.date) -> str:
    d = planned.deadline
    done = _DONE_PHRASE.get(d.kind, "har redovisat eller avstått")
    who = " ".join(_mention(c) for c in coordinators(snapshot))
    text = (f":white_check_mark: Alla klara inför {KIND_LABELS[d.kind].lower()} "
            f"{agreement_label(kb, d.agreement)} {format_date(d.date)} ({_days_left(d.date, today)}): "
            f"alla {state.total} mottagare {done}.")
    return f"{text} {who}".rstrip() + "\n" + source_line(d, [])


def dm_text(kb: Any, planned: PlannedReminder, recipients: list[OpenRecipient], config: ReminderConfig,
            today: dt.date) -> str:
    d = planned.deadline
    facts = practical_facts(kb, d, config)
    lines = [f":bell: *{KIND_LABELS[d.kind]}, {agreement_label(kb, d.agreement)} – "
             f"{_days_left(d.date, today)} ({format_weekday_date(d.date)})*", headline(kb, d)]
    if d.consequence:
        lines.append(f"Om det missas: {d.consequence.strip()}")
    if note := non_business_note(d):
        lines.append(note)
    lines += ["", "Enligt arket är detta ännu inte klart för:"]
    for rec in recipients:
        if rec.rows:
            statuses = ", ".join(sorted({STATUS_LABELS[r.status].lower() for r in rec.rows}))
            lines.append(f"• {escape(rec.name)}{_post_labels(kb, rec.rows)}: {statuses}")
        else:
            lines.append(f"• {escape(rec.name)}: ingen rad i Rekvisitioner")
    lines.append("Är det redan gjort? Tryck på Uppdatera status så rättar vi arket.")
    if facts:
        lines += ["", "*Så gör ni:*", *_fact_lines(facts)]
    lines += ["", source_line(d, facts)]
    return "\n".join(lines)


def _buttons(kb: Any, deadline: Deadline, recipients: list[OpenRecipient]) -> tuple[dict[str, str], ...]:
    import json

    buttons = []
    for rec in recipients:
        rows = rec.rows or (None,)
        for row in rows:
            post = row.key.post if row is not None else ""
            label = "Uppdatera status"
            if len(recipients) > 1 or len(rows) > 1:
                label += f": {rec.name}{_post_labels(kb, (row,)) if row is not None else ''}"
            value = {"recipient_id": rec.recipient_id, "agreement": deadline.agreement, "post": post,
                     "deadline_id": deadline.id}
            buttons.append({"label": label[:75], "value": json.dumps(value, ensure_ascii=False)})
    return tuple(buttons[:25])


def plan_outgoing(kb: Any, snapshot: Snapshot | None, today: dt.date, config: ReminderConfig, *,
                  channel: str, dm: bool = False) -> list[OutgoingReminder]:
    """Every message due on `today` (already-sent ones included; see sent_record())."""
    out: list[OutgoingReminder] = []
    kb = with_sheet(kb, snapshot)  # the sheet's Frister rows are deadlines too
    for planned in due_reminders(kb, today, config):
        d = planned.deadline
        state = recipient_state(kb, d, snapshot)
        rid = reminder_id(d.id, planned.offset, channel)
        if state.all_done:
            if config.all_done == "note":
                out.append(OutgoingReminder(rid, d.id, planned.offset, channel, planned.send_date,
                                            all_done_text(kb, planned, state, snapshot, today), "all_done"))
            continue
        out.append(OutgoingReminder(rid, d.id, planned.offset, channel, planned.send_date,
                                    channel_text(kb, planned, state, config, today), "channel",
                                    recipients=tuple(o.name for o in state.open)))
        if not dm:
            continue
        by_user: dict[str, list[OpenRecipient]] = {}
        for rec in state.open:
            for contact in rec.contacts:
                if is_user_id(contact.slack_id) and rec not in by_user.setdefault(contact.slack_id, []):
                    by_user[contact.slack_id].append(rec)
        for user, recs in sorted(by_user.items()):
            out.append(OutgoingReminder(
                reminder_id(d.id, planned.offset, user), d.id, planned.offset, user, planned.send_date,
                dm_text(kb, planned, recs, config, today), "dm", _buttons(kb, d, recs),
                tuple(r.name for r in recs)))
    return out


def contacts_without_slack(kb: Any, snapshot: Snapshot | None, today: dt.date,
                           config: ReminderConfig) -> list[str]:
    """Names of open recipients' contacts who cannot get a DM (no Slack-id in Kontakter)."""
    names: list[str] = []
    kb = with_sheet(kb, snapshot)  # the sheet's Frister rows are deadlines too
    for planned in due_reminders(kb, today, config):
        for rec in recipient_state(kb, planned.deadline, snapshot).open:
            names += [f"{c.name} ({rec.name})" for c in rec.contacts if not c.slack_id]
    return list(dict.fromkeys(names))


def sent_record(snapshot: Snapshot | None, rid: str) -> ReminderRecord | None:
    """The Påminnelser record showing `rid` was posted (status skickad or a Slack ts), if any."""
    for record in snapshot.reminders if snapshot else []:
        if record.reminder_id == rid and (record.slack_ts or record.status == SENT):
            return record
    return None


# ---------------------------------------------------------------- overview


def _sent_offsets(snapshot: Snapshot | None, deadline_id: str) -> set[int]:
    return {r.offset_days for r in (snapshot.reminders if snapshot else [])
            if r.deadline_id == deadline_id and (r.slack_ts or r.status == SENT)}


def upcoming_text(kb: Any, today: dt.date, snapshot: Snapshot | None = None,
                  config: ReminderConfig | None = None) -> str:
    """Upcoming deadlines (from `today`, inclusive) with their planned reminder dates, in Swedish mrkdwn."""
    kb = with_sheet(kb, snapshot)  # the sheet's Frister rows are deadlines too
    if config is None:
        from engine.reminder_config import load_reminder_config

        config = load_reminder_config()
    deadlines = _kb_items(kb, "deadlines")
    upcoming = sorted((d for d in deadlines if d.date and d.date >= today), key=lambda d: (d.date, d.id))
    undated = [d for d in deadlines if d.date is None]
    lines = [f"*Kommande deadlines från {format_weekday_date(today)}*"]
    if not upcoming:
        lines.append("Inga kommande deadlines med datum i kunskapsbasen.")
    for d in upcoming:
        days = (d.date - today).days
        when = "i dag" if days == 0 else ("i morgon" if days == 1 else f"om {days} dagar")
        lines.append(f"• *{format_weekday_date(d.date)}* ({when}) – {KIND_LABELS[d.kind]}, "
                     f"{agreement_label(kb, d.agreement)}: {headline(kb, d)}")
        if note := non_business_note(d):
            lines.append(f"    {note}")
        state = recipient_state(kb, d, snapshot)
        if state.applies and not state.nobody_known:
            lines.append(f"    Ännu inte klara: {len(state.open)} av {state.total}.")
        sent = _sent_offsets(snapshot, d.id)
        plan = plan_deadline(d, config)
        if not plan:
            lines.append("    Inga påminnelser planerade för den här typen av deadline.")
            continue
        parts = []
        for p in plan:
            part = f"{format_date(p.send_date)} ({offset_label(p.offset)}"
            if p.moved:
                part += f", flyttad från {format_weekday_date(p.nominal_date)}"
            part += ")"
            if p.offset in sent:
                part += " ✓ skickad"
            elif p.send_date < today:
                part += " (passerad)"
            elif p.send_date == today:
                part += " ← i dag"
            parts.append(part)
        lines.append("    Påminnelser: " + "; ".join(parts))
        lines.append(f"    {source_line(d, [])}")
    if undated:
        lines += ["", "*Utan fast datum:*"]
        lines += [f"• {KIND_LABELS[d.kind]}, {agreement_label(kb, d.agreement)}: {headline(kb, d)} "
                  f"{source_line(d, [])}" for d in undated]
    return "\n".join(lines)
