"""Invoice drafts in Slack: `/stimulans faktura [mottagare]` and the "Fakturaunderlag" button on App Home.

The draft (engine.drafts) is rendered as .docx (sheets.outputs) and uploaded with files_upload_v2 into
the user's DM with the app. Authorization is checked when the draft is asked for, from the Kontakter
tab: a contact gets only its own recipient's draft, a coordinator any recipient's.
"""
from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App

from bot.slack.blocks import notice_message
from bot.slack.services import Services, mention, services
from engine.authz import coordinators, whom_to_ask
from engine.slack_text import escape

log = logging.getLogger(__name__)

ACTION_INVOICE_DRAFT = "stimulans_invoice_draft"


def is_recipient(svc: Services, text: str) -> bool:
    return _recipient(svc, text) is not None


def _recipient(svc: Services, text: str) -> Any | None:
    text = text.strip()
    if not text:
        return None
    rec = svc.kb.recipients.get(text)
    if rec is not None:
        return rec
    from engine.sheet.rows import Lookup

    return Lookup(svc.kb).recipient(text, text if text.isdigit() else "")


def choose_recipient(svc: Services, client: Any, user_id: str, text: str) -> tuple[Any | None, str]:
    """(recipient, "") when this user may have that recipient's draft, else (None, why)."""
    from engine.drafts import invoice_available

    snapshot = svc.store.snapshot()
    identity = svc.identity(client, user_id)
    names = svc.recipient_names()
    asked = _recipient(svc, text) if text.strip() else None
    if text.strip() and asked is None:
        return None, f"Känner inte igen mottagaren ”{escape(text.strip())}”. Skriv t.ex. `/stimulans faktura Danderyd`."
    if identity.is_coordinator:
        if asked is None:
            return None, "Ange mottagare, t.ex. `/stimulans faktura Danderyd`."
        return asked, ""
    own = identity.recipient_ids
    if not own:
        reason = ("Du finns inte i fliken Kontakter, så du kan inte hämta fakturaunderlag." if not identity.known
                  else "Din rad i fliken Kontakter saknar mottagare.")
        return None, f"{reason} {whom_to_ask(coordinators(snapshot.contacts), mention)}"
    if asked is not None and asked.id not in own:
        own_names = ", ".join(escape(names.get(r, r)) for r in own)
        return None, (f"Du är kontakt för {own_names} och kan bara hämta "
                      f"{'dess' if len(own) == 1 else 'deras'} fakturaunderlag, inte {escape(asked.name)}.")
    if asked is not None:
        return asked, ""
    rid = next((r for r in own if invoice_available(svc.kb, r)), own[0])
    return svc.kb.recipients.get(rid), ""


def deliver_invoice_draft(svc: Services, client: Any, user_id: str, text: str) -> tuple[bool, str]:
    """Build the recipient's draft and upload it to the user's DM; (sent, what to tell the user)."""
    from engine.drafts import DraftError, invoice_draft
    from sheets.outputs import render_draft

    rec, refusal = choose_recipient(svc, client, user_id, text)
    if rec is None:
        return False, refusal
    try:
        draft = invoice_draft(svc.kb, rec.id, None, svc.store.snapshot())
    except DraftError as e:
        return False, escape(str(e))
    data = render_draft(draft, "docx")
    comment = f"{draft.title}. Varje uppgift anger sin källa."
    if draft.estimate:
        comment += " OBS: beloppet är beräknat ur fördelningsnyckeln, inte publicerat; kontrollera det."
    if draft.blanks:
        comment += f" {len(draft.blanks)} fält märkta [ATT FYLLA I] fyller ni i själva."
    try:
        dm = client.conversations_open(users=user_id)["channel"]["id"]
        client.files_upload_v2(channel=dm, file=data, filename=f"fakturaunderlag-{rec.short}-{draft.year}.docx",
                               title=draft.title, initial_comment=escape(comment))
    except Exception:  # noqa: BLE001 - tell the user instead of failing silently
        log.exception("uploading the invoice draft failed")
        return False, "Fakturaunderlaget kunde inte skickas just nu; försök igen om en stund."
    return True, f"Fakturaunderlaget för {escape(rec.name)} ({draft.year}) har skickats till dig som direktmeddelande."


def register(app: App) -> None:
    svc = services(app)

    def ack(ack: Any) -> None:
        ack()

    def on_button(body: dict[str, Any], client: Any, respond: Any) -> None:
        user = (body.get("user") or {}).get("id", "")
        value = ((body.get("actions") or [{}])[0]).get("value") or ""
        sent, message = deliver_invoice_draft(svc, client, user, value)
        if body.get("response_url"):
            respond(response_type="ephemeral", replace_original=False, **notice_message(message))
        elif not sent:  # App Home has no response_url: a refusal goes to the DM (a draft is already there)
            client.chat_postMessage(channel=user, **notice_message(message))

    app.action(ACTION_INVOICE_DRAFT)(ack=ack, lazy=[on_button])
