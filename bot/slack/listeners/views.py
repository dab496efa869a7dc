"""The status modal: open it (authorized, prefilled), validate the submission inline, write lazily.

The ack of a view_submission carries the inline errors (`response_action: errors`), so
validation runs before the ack; it is fast (parsing, knowledge base, cached snapshot). The write
to the store (Google Sheets can take seconds) runs in a lazy listener after the ack, which
re-validates (lazy listeners run whatever the ack said) and confirms by DM.
"""
from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from slack_bolt import App

from bot.slack.blocks import notice_message
from bot.slack.modal import (
    B_RECIPIENT,
    CALLBACK_ID,
    Prefill,
    Validated,
    build_status_modal,
    parse_submission,
    validate,
)
from bot.slack.services import Services, mention, services
from engine.authz import Decision, can_edit, can_open_editor, whom_to_ask
from engine.dashboard import post_label
from engine.formatting import format_date, format_kr
from engine.sheet.knowledge import with_sheet
from engine.sheet.schema import DATUM
from engine.slack_text import escape
from engine.status import STATUS_LABELS
from engine.store import ConflictError, RowKey, StatusRow, StoreError

log = logging.getLogger(__name__)


def refusal(decision: Decision) -> str:
    """A refusal for Slack mrkdwn: the reason (it may name what a payload typed) escaped, whom to ask."""
    return f"{escape(decision.reason)} {whom_to_ask(decision.ask, mention)}"


def open_status_modal(svc: Services, client: Any, user_id: str, trigger_id: str | None,
                      prefill: Prefill) -> str | None:
    """Open the modal for this user; returns a refusal message instead when they may not edit."""
    county = None
    if svc.counties is not None:  # the row's county when the button names one, else the asker's
        county = (svc.county_of_recipient(prefill.recipient_id) if prefill.recipient_id else None) \
            or svc.county_for(client, user_id)
    try:
        identity = svc.identity(client, user_id, county)
        snapshot = svc.store_for(county).snapshot()
        contacts = svc.contacts(county)
    except StoreError as exc:
        return f"Kalkylarket gick inte att läsa: {escape(exc)}"
    decision = can_open_editor(identity, contacts)
    if decision.allowed and prefill.recipient_id:
        decision = can_edit(identity, prefill.recipient_id, contacts, svc.recipient_names())
    if not decision.allowed:
        return refusal(decision)
    if not prefill.recipient_id and identity.recipient_ids:
        prefill.recipient_id = identity.recipient_ids[0]
    current = None
    if prefill.recipient_id and prefill.agreement:
        current = snapshot.status_for(RowKey(recipient_id=prefill.recipient_id, agreement=prefill.agreement,
                                             post=prefill.post or ""))
    recipient_ids = None if identity.is_coordinator else identity.recipient_ids
    if recipient_ids is None and county is not None:  # a county's coordinator picks among its own recipients
        recipient_ids = [rid for rid in svc.kb.recipients if svc.county_of_recipient(rid) == county]
    view = build_status_modal(with_sheet(svc.kb, snapshot), recipient_ids=recipient_ids, prefill=prefill, current=current,
                              statuses=snapshot.statuses)
    if not trigger_id:
        return "Formuläret kunde inte öppnas (Slack skickade inget trigger_id); försök igen."
    from slack_sdk.errors import SlackApiError

    try:
        client.views_open(trigger_id=trigger_id, view=view)
    except SlackApiError as exc:  # e.g. expired_trigger_id: Slack's 3 s passed (a busy answer queue)
        log.warning("views.open failed: %s", exc.response.get("error") if exc.response is not None else "")
        return "Formuläret kunde inte öppnas i tid (Slack väntar bara 3 sekunder); försök igen."
    return None


def check_submission(svc: Services, client: Any, user_id: str, view: dict[str, Any]
                     ) -> tuple[Validated | None, dict[str, str], str]:
    """(validated, errors, actor). Authorization refusals are an error on the recipient field."""
    sub = parse_submission(view)
    county = svc.county_of_recipient(sub.recipient_id) if sub.recipient_id else None
    try:  # the ceiling counts the sheet's Tilldelning too
        kb = with_sheet(svc.kb, svc.store_for(county or None).snapshot())
    except StoreError:
        kb = svc.kb
    validated, errors = validate(kb, sub)
    identity = svc.identity(client, user_id, county)  # in the ROW's county: other counties' coordinators are nobody
    if county == "":
        names = svc.recipient_names()
        errors = {B_RECIPIENT: f"{names.get(sub.recipient_id, sub.recipient_id)} hör inte till något län i den "
                               "här installationen; inget kan sparas för den.",
                  **{k: v for k, v in errors.items() if k != B_RECIPIENT}}
        validated = None
    elif sub.recipient_id:
        decision = can_edit(identity, sub.recipient_id, svc.contacts(county), svc.recipient_names())
        if not decision.allowed:
            errors = {B_RECIPIENT: refusal(decision)[:2000], **{k: v for k, v in errors.items()
                                                                       if k != B_RECIPIENT}}
            validated = None
    actor = f"{identity.name} (Slack {user_id})" if identity.name else f"Slack {user_id}"
    return validated, errors, actor


def shown(header: str, value: str) -> str:
    """A stored cell as people read it: ISO dates and times the Swedish way ("20 november 2020")."""
    try:
        if header == DATUM:
            return format_date(dt.date.fromisoformat(value))
        if header == "Ändrad":
            t = dt.datetime.fromisoformat(value)
            return f"{format_date(t.date())} kl. {t:%H.%M}"
    except (TypeError, ValueError):
        pass
    return value


def describe_row(svc: Services, row: StatusRow) -> str:
    """The row's current values for a Slack message (every cell escaped: they are other people's text)."""
    parts = [f"Status: {STATUS_LABELS.get(row.status, str(row.status))}"]
    if row.amount is not None:
        parts.append(f"Belopp: {format_kr(row.amount)}")
    if row.date:
        parts.append(f"Datum: {format_date(row.date)}")
    if row.reference:
        parts.append(f"Faktura/referens: {escape(row.reference)}")
    if row.planned_use:
        parts.append(f"Planerad användning: {escape(row.planned_use)}")
    if row.updated_by or row.updated_at:
        parts.append(f"Senast ändrad av {escape(row.updated_by or 'okänd')} "
                     f"{escape(shown('Ändrad', row.updated_at))}".strip())
    return "\n".join(f"• {p}" for p in parts)


def write_submission(svc: Services, client: Any, user_id: str, view: dict[str, Any]) -> None:
    validated, errors, actor = check_submission(svc, client, user_id, view)
    if validated is None:  # the ack already showed the errors; nothing to write
        return
    key = validated.key
    names = svc.recipient_names()
    what = escape(f"{names.get(key.recipient_id, key.recipient_id)}, {post_label(svc.kb, key.agreement, key.post)}")
    try:
        result = svc.store_for(svc.county_of_recipient(key.recipient_id)).update_status(validated.update(actor))
    except ConflictError as exc:
        text = (f"*Inget sparades för {what}*: någon annan har ändrat raden sedan formuläret öppnades.")
        if exc.current is not None:
            text += "\nNuvarande värden:\n" + describe_row(svc, exc.current)
        text += "\nÖppna formuläret igen för att utgå från de nya värdena."
        client.chat_postMessage(channel=user_id, **notice_message(text))
        return
    except StoreError as exc:
        client.chat_postMessage(channel=user_id, **notice_message(f"*Inget sparades för {what}*: {escape(exc)}"))
        return
    except Exception:  # noqa: BLE001
        log.exception("status update failed")
        client.chat_postMessage(channel=user_id, **notice_message(
            f"*Inget sparades för {what}*: ett oväntat fel. Försök igen eller fråga en samordnare."))
        return
    if not result.changed:
        text = f"Inget ändrades för {what}: värdena var redan sparade."
    else:
        lines = "\n".join(f"• {h}: {escape(shown(h, old) or '(tomt)')} → {escape(shown(h, new) or '(tomt)')}"
                          for h, (old, new) in result.changed.items())
        text = f"*Sparat för {what}* (rad {result.row} i Rekvisitioner):\n{lines}"
    client.chat_postMessage(channel=user_id, **notice_message(text))


def register(app: App) -> None:
    svc = services(app)

    def ack_submission(ack: Any, body: dict[str, Any], client: Any) -> None:
        try:
            _, errors, _ = check_submission(svc, client, body["user"]["id"], body["view"])
        except Exception:  # noqa: BLE001 - never leave the modal hanging
            log.exception("validating the status modal failed")
            errors = {B_RECIPIENT: "Kalkylarket gick inte att läsa just nu; försök igen om en stund."}
        if errors:
            ack(response_action="errors", errors=errors)
        else:
            ack()

    def on_submission(body: dict[str, Any], client: Any) -> None:
        write_submission(svc, client, body["user"]["id"], body["view"])

    app.view(CALLBACK_ID)(ack=ack_submission, lazy=[on_submission])
