"""The status modal: build (prefilled), parse the submitted state, validate with inline errors.

Fields (block ids): recipient, post ("<agreement>|<post>"), status, amount, date, reference,
planned_use. Validation uses the one parser (engine.parsing), the one status vocabulary
(engine.status), the allocation ceiling (engine.sheet.ceiling.amount_ceiling) and the
authorization rule (engine.authz); errors are Swedish and keyed by block id, ready for
`ack(response_action="errors", errors=...)`.
"""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from slack_sdk.models.blocks import (
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    OptionGroup,
    PlainTextInputElement,
    PlainTextObject,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from engine.dashboard import post_label
from engine.formatting import format_date, format_kr
from engine.parsing import ParseError, parse_amount, parse_date
from engine.sheet.ceiling import amount_ceiling
from engine.sheet.schema import BELOPP, DATUM, PLANERAD, REFERENS, STATUS
from engine.status import STATUS_LABELS, Status, parse_status
from engine.store import EDITABLE_FIELDS, RowKey, StatusRow, StatusUpdate

CALLBACK_ID = "stimulans_status_modal"
ACTION = "value"
B_RECIPIENT, B_POST, B_STATUS, B_AMOUNT, B_DATE, B_REFERENCE, B_USE = (
    "recipient", "post", "status", "amount", "date", "reference", "planned_use")
_OPTIONS_PER_GROUP = 100
_LABEL = 75
_METADATA_LIMIT = 3000
_CONTEXT = 2000


def _opt(label: str, value: str) -> Option:
    label = label if len(label) <= _LABEL else label[: _LABEL - 1] + "…"
    return Option(text=PlainTextObject(text=label), value=value)


def _grouped(groups: list[tuple[str, list[Option]]], *, force: bool = False
             ) -> tuple[list[Option] | None, list[OptionGroup] | None]:
    """Plain options when ≤ 100 (unless `force`), else option groups of ≤ 100 each (Slack's select limits)."""
    groups = [(label, opts) for label, opts in groups if opts]
    flat = [o for _, opts in groups for o in opts]
    if len(flat) <= _OPTIONS_PER_GROUP and not force:
        return flat, None
    out: list[OptionGroup] = []
    for label, opts in groups:
        for i in range(0, len(opts), _OPTIONS_PER_GROUP - 1):
            part = opts[i: i + _OPTIONS_PER_GROUP - 1]
            name = label if i == 0 else f"{label} (forts.)"
            out.append(OptionGroup(label=PlainTextObject(text=name[:_LABEL]), options=part))
    return None, out[:100]


@dataclass
class Prefill:
    recipient_id: str | None = None
    agreement: str | None = None
    post: str | None = None
    deadline_id: str | None = None


def post_value(agreement: str, post: str) -> str:
    return f"{agreement}|{post}"


def recipient_choices(kb: Any, recipient_ids: Iterable[str] | None, statuses: Iterable[StatusRow] = ()
                      ) -> list[tuple[str, list[tuple[str, str]]]]:
    """[(group label, [(name, id)])]: the given recipients, or every recipient (grouped by county)."""
    recipients = dict(getattr(kb, "recipients", {}) or {})
    names = {rid: r.name for rid, r in recipients.items()}
    for s in statuses:
        names.setdefault(s.key.recipient_id, s.recipient_name or s.key.recipient_id)
    ids = list(recipient_ids) if recipient_ids is not None else list(names)
    counties = {r.county_code or r.code: r.name for r in recipients.values() if str(r.kind) == "lan"}
    groups: dict[str, list[tuple[str, str]]] = {}
    for rid in ids:
        r = recipients.get(rid)
        county = (r.county_code or (r.code if str(r.kind) in ("lan", "region") else None)) if r else None
        label = counties.get(county, f"Län {county}") if county else "Övriga"
        groups.setdefault(label, []).append((names.get(rid, rid), rid))
    return [(label, sorted(items)) for label, items in sorted(groups.items(), key=lambda kv: kv[0] == "Övriga")]


def post_choices(kb: Any) -> list[tuple[str, list[tuple[str, str]]]]:
    """[(agreement label, [(post label, "agreement|post")])], newest agreement first."""
    agreements = dict(getattr(kb, "agreements", {}) or {})
    by_agreement: dict[str, list[Any]] = {}
    for p in (getattr(kb, "posts", {}) or {}).values():
        by_agreement.setdefault(p.agreement, []).append(p)
    out = []

    def newest(aid: str) -> int:
        a = agreements.get(aid)
        return -max(getattr(a, "years", None) or [0]) if a is not None else 0

    for aid in sorted(set(by_agreement) | set(agreements), key=lambda a: (newest(a), a)):
        a = agreements.get(aid)
        label = a.short if a is not None else aid
        items = [(f"{label} (hela överenskommelsen)", post_value(aid, ""))]
        items += [(post_label(kb, aid, p.id), post_value(aid, p.id))
                  for p in sorted(by_agreement.get(aid, []), key=lambda p: (p.year, p.short))]
        out.append((label, items))
    return out


def recipient_posts(kb: Any, recipient_ids: Iterable[str], statuses: Iterable[StatusRow] = ()) -> list[str]:
    """Post values ("agreement|post") that concern these recipients: their rows in Rekvisitioner and the
    posts with a published allocation to them (or to their county's pot), newest first."""
    ids = set(recipient_ids)
    recipients = dict(getattr(kb, "recipients", {}) or {})
    posts = dict(getattr(kb, "posts", {}) or {})
    counties = {recipients[r].county_code for r in ids if r in recipients and recipients[r].county_code}
    found = {post_value(s.key.agreement, s.key.post) for s in statuses if s.key.recipient_id in ids}
    for a in getattr(kb, "allocations", []) or []:
        r = recipients.get(a.recipient)
        pot = r is not None and str(r.kind) == "grupp" and r.county_code in counties
        if a.post in posts and (a.recipient in ids or pot):
            found.add(post_value(a.agreement, a.post))

    def newest(value: str) -> tuple[int, str]:
        p = posts.get(value.partition("|")[2])
        return (-(p.year if p is not None else 0), value)

    return sorted(found, key=newest)


def _ceiling_hint(kb: Any, recipient_id: str | None, value: str | None) -> str:
    if recipient_id and value:
        agreement, _, post = value.partition("|")
        ceiling = amount_ceiling(kb, recipient_id, agreement, post)
        if ceiling is not None:
            what = "Tilldelning enligt delade arket" if "delade arket" in ceiling.source else "Publicerad tilldelning"
            return f"{what}: {format_kr(ceiling.amount)}. Ett högre belopp godtas inte."
    return "Högst den publicerade tilldelningen för mottagaren och posten."


def _reminder_context(kb: Any, deadline_id: str | None) -> ContextBlock | None:
    d = next((d for d in getattr(kb, "deadlines", []) or [] if d.id == deadline_id), None) if deadline_id else None
    if d is None or d.date is None:
        return None
    to = f" till {d.to}" if d.to and d.to not in d.action else ""
    text = f"Från påminnelsen: senast {format_date(d.date)} ska {d.who} {d.action}{to}."
    return ContextBlock(elements=[MarkdownTextObject(text=text[:_CONTEXT])])


def build_status_modal(kb: Any, *, recipient_ids: list[str] | None, prefill: Prefill,
                       current: StatusRow | None = None, statuses: Iterable[StatusRow] = ()) -> View:
    """The modal. `recipient_ids` None = all recipients (coordinator). A contact's own posts come first
    (and are preselected when there is only one)."""
    statuses = list(statuses)
    r_groups = recipient_choices(kb, recipient_ids, statuses)
    r_opts, r_grp = _grouped([(g, [_opt(n, v) for n, v in items]) for g, items in r_groups])
    flat_r = [o for o in (r_opts or [])] + [o for g in (r_grp or []) for o in g.options]
    initial_r = next((o for o in flat_r if o.value == prefill.recipient_id), None)
    if initial_r is None and len(flat_r) == 1:
        initial_r = flat_r[0]

    p_groups = post_choices(kb)
    if prefill.agreement is not None and not any(
            v == post_value(prefill.agreement, prefill.post or "") for _, items in p_groups for _, v in items):
        p_groups.insert(0, ("Från påminnelsen", [(post_label(kb, prefill.agreement, prefill.post or ""),
                                                  post_value(prefill.agreement, prefill.post or ""))]))
    own = recipient_posts(kb, recipient_ids, statuses) if recipient_ids is not None else []
    if own:  # a contact: their posts first, the rest (rarely needed) after
        labels = {v: n for _, items in p_groups for n, v in items}
        own = [v for v in own if v in labels]
        p_groups = [("Era poster", [(labels[v], v) for v in own])] + [
            (g, [(n, v) for n, v in items if v not in own]) for g, items in p_groups]
    p_opts, p_grp = _grouped([(g, [_opt(n, v) for n, v in items]) for g, items in p_groups], force=bool(own))
    flat_p = [o for o in (p_opts or [])] + [o for g in (p_grp or []) for o in g.options]
    wanted_p = post_value(prefill.agreement, prefill.post or "") if prefill.agreement is not None else None
    if wanted_p is None and len(own) == 1 and initial_r is not None:
        wanted_p = own[0]
        agreement, _, post = wanted_p.partition("|")
        current = current or next((s for s in statuses if s.key == RowKey(
            recipient_id=initial_r.value, agreement=agreement, post=post)), None)
    initial_p = next((o for o in flat_p if o.value == wanted_p), None)

    s_opts = [_opt(label, status.value) for status, label in STATUS_LABELS.items()]
    initial_s = next((o for o in s_opts if current is not None and o.value == current.status.value), None)

    def text_input(block_id: str, label: str, initial: str, placeholder: str, *, multiline: bool = False,
                   hint: str | None = None) -> InputBlock:
        return InputBlock(
            block_id=block_id, label=label, optional=True, hint=hint,
            element=PlainTextInputElement(action_id=ACTION, initial_value=initial or None,
                                          placeholder=placeholder, multiline=multiline, max_length=2900))

    blocks: list[Any] = []
    reminder = _reminder_context(kb, prefill.deadline_id)
    if reminder is not None:
        blocks.append(reminder)
    if not flat_p:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(
            text="Kunskapsbasen saknar överenskommelser; be en samordnare kontrollera installationen.")]))
    blocks += [
        InputBlock(block_id=B_RECIPIENT, label="Mottagare",
                   element=StaticSelectElement(action_id=ACTION, placeholder="Välj mottagare",
                                               options=r_opts, option_groups=r_grp, initial_option=initial_r)),
        InputBlock(block_id=B_POST, label="Överenskommelse och post",
                   element=StaticSelectElement(action_id=ACTION, placeholder="Välj post",
                                               options=p_opts, option_groups=p_grp, initial_option=initial_p)),
        InputBlock(block_id=B_STATUS, label="Status",
                   element=StaticSelectElement(action_id=ACTION, placeholder="Välj status",
                                               options=s_opts, initial_option=initial_s)),
        text_input(B_AMOUNT, "Belopp", format_kr(current.amount) if current and current.amount is not None else "",
                   "t.ex. 1 726 309 kr eller 1,7 mnkr",
                   hint=_ceiling_hint(kb, initial_r.value if initial_r else None,
                                      initial_p.value if initial_p else None)),
        text_input(B_DATE, "Datum (rekvisition/faktura)",
                   current.date.isoformat() if current and current.date else "", "t.ex. 2020-11-20 eller 20 nov 2020"),
        text_input(B_REFERENCE, "Faktura/referens", current.reference if current else "", "t.ex. fakturanummer"),
        text_input(B_USE, "Planerad användning", current.planned_use if current else "",
                   "Vad medlen ska användas till", multiline=True),
    ]
    meta: dict[str, Any] = {}
    if initial_r is not None and initial_p is not None:
        meta["key"] = [initial_r.value, *initial_p.value.split("|", 1)]
        # what the user saw: the row's editable cells, or {} = "no row yet" (the store refuses if one appears)
        meta["expected"] = {h: current.raw.get(h, "") for h in EDITABLE_FIELDS} if current is not None else {}
    if prefill.deadline_id:
        meta["deadline_id"] = prefill.deadline_id
    private = json.dumps(meta, ensure_ascii=False)
    if len(private) > _METADATA_LIMIT:
        # too long to carry what the user saw: then the modal must not count as "prefilled" either, or
        # emptied fields would clear cells against a snapshot the user never saw (lost update)
        meta.pop("expected", None)
        meta.pop("key", None)
        private = json.dumps(meta, ensure_ascii=False)
        if len(private) > _METADATA_LIMIT:
            private = "{}"
    return View(type="modal", callback_id=CALLBACK_ID, title="Uppdatera status", submit="Spara",
                close="Avbryt", blocks=blocks, private_metadata=private)


# --- submission ---

@dataclass
class Submitted:
    recipient_id: str = ""
    agreement: str = ""
    post: str = ""
    status: str = ""
    amount: str = ""
    date: str = ""
    reference: str = ""
    planned_use: str = ""
    meta: dict[str, Any] = field(default_factory=dict)


def parse_submission(view: dict[str, Any]) -> Submitted:
    values = ((view.get("state") or {}).get("values")) or {}

    def selected(block: str) -> str:
        opt = (values.get(block, {}).get(ACTION) or {}).get("selected_option") or {}
        return str(opt.get("value") or "")

    def typed(block: str) -> str:
        return str((values.get(block, {}).get(ACTION) or {}).get("value") or "").strip()

    agreement, _, post = selected(B_POST).partition("|")
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        meta = {}
    return Submitted(selected(B_RECIPIENT), agreement, post, selected(B_STATUS), typed(B_AMOUNT),
                     typed(B_DATE), typed(B_REFERENCE), typed(B_USE), meta if isinstance(meta, dict) else {})


@dataclass
class Validated:
    key: RowKey
    status: Status
    amount: Decimal | None
    date: dt.date | None
    reference: str
    planned_use: str
    prefilled: bool  # the modal showed this row's current values (so empty fields mean "clear")
    expected: dict[str, str] | None

    def changes(self) -> dict[str, str]:
        """Header -> new text for Store.update_status. Fields left empty are only sent (as "clear")
        when the modal showed the row's current values; otherwise nothing is overwritten unseen."""
        out = {STATUS: self.status.value}
        fields = {
            BELOPP: str(self.amount) if self.amount is not None else "",
            DATUM: self.date.isoformat() if self.date else "",
            REFERENS: self.reference,
            PLANERAD: self.planned_use,
        }
        for header, value in fields.items():
            if value or self.prefilled:
                out[header] = value
        return out

    def update(self, actor: str) -> StatusUpdate:
        return StatusUpdate(key=self.key, changes=self.changes(), actor=actor, expected=self.expected)


def validate(kb: Any, sub: Submitted) -> tuple[Validated | None, dict[str, str]]:
    """(validated, {}) or (None, {block_id: Swedish error})."""
    errors: dict[str, str] = {}
    if not sub.recipient_id:
        errors[B_RECIPIENT] = "Välj mottagare."
    if not sub.agreement:
        errors[B_POST] = "Välj överenskommelse och post."
    status: Status | None = None
    if not sub.status:
        errors[B_STATUS] = "Välj status."
    else:
        try:
            status = parse_status(sub.status)
        except ParseError as e:
            errors[B_STATUS] = str(e)
    amount: Decimal | None = None
    if sub.amount:
        try:
            amount = parse_amount(sub.amount)
        except ParseError as e:
            errors[B_AMOUNT] = _sentence(str(e))
        else:
            if sub.recipient_id and sub.agreement:
                ceiling = amount_ceiling(kb, sub.recipient_id, sub.agreement, sub.post)
                if ceiling is not None and amount > ceiling.amount:
                    what = "tilldelningen i delade arket" if "delade arket" in ceiling.source else \
                        "den publicerade tilldelningen"
                    errors[B_AMOUNT] = (f"{format_kr(amount)} är mer än {what} "
                                        f"({format_kr(ceiling.amount)}) för {post_label(kb, sub.agreement, sub.post)}"
                                        f" ({ceiling.source}).")[:2000]
    date: dt.date | None = None
    if sub.date:
        try:
            date = parse_date(sub.date)
        except ParseError as e:
            errors[B_DATE] = _sentence(str(e))
        else:
            if not 2000 <= date.year <= 2100:
                errors[B_DATE] = f"Året {date.year} verkar fel; skriv t.ex. 2020-11-20."
    if errors:
        return None, errors
    key = RowKey(recipient_id=sub.recipient_id, agreement=sub.agreement, post=sub.post)
    meta_key = sub.meta.get("key")
    prefilled = isinstance(meta_key, list) and meta_key == [key.recipient_id, key.agreement, key.post]
    expected = sub.meta.get("expected") if prefilled and isinstance(sub.meta.get("expected"), dict) else None
    return Validated(key, status, amount, date, sub.reference, sub.planned_use, prefilled, expected), {}


def _sentence(text: str) -> str:
    text = text.strip()
    return (text[:1].upper() + text[1:]).rstrip(".") + "." if text else text
