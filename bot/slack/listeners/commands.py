"""`/stimulans` slash command: a question, `status [mottagare]`, `uppdatera`, `påminnelser`, `dokument`, `hjälp`.

Ack at once (empty), then answer lazily through the command's response_url, ephemeral, with a
"Dela i kanalen" button.
"""
from __future__ import annotations

from typing import Any

from slack_bolt import App

from bot.slack.blocks import answer_message, notice_message
from bot.slack.listeners import documents
from bot.slack.listeners.answers import clean_question, produce
from bot.slack.listeners.views import open_status_modal
from bot.slack.modal import Prefill
from bot.slack.services import services
from engine.text import fold

COMMAND = "/stimulans"

_SUB = {
    "hjalp": "help", "help": "help", "?": "help", "hjalpen": "help",
    "status": "status",
    "uppdatera": "update", "update": "update", "andra": "update",
    "paminnelser": "reminders", "paminnelse": "reminders", "reminders": "reminders",
    "deadlines": "reminders",
    "faktura": "invoice", "fakturaunderlag": "invoice",
    "dokument": "documents", "documents": "documents",
}


def parse_command(text: str) -> tuple[str, str]:
    """("help" | "status" | "update" | "reminders" | "invoice" | "ask", rest of the text)."""
    text = clean_question(text)
    if not text:
        return "help", ""
    first, _, rest = text.partition(" ")
    kind = _SUB.get(fold(first).strip(":,.!"))
    if kind is None:
        return "ask", text
    if kind == "help" and rest:  # "help me with ..." is still a question
        return ("ask", text) if len(rest.split()) > 2 else ("help", "")
    return kind, rest.strip()


def register(app: App) -> None:
    svc = services(app)

    def ack_command(ack: Any) -> None:
        ack()

    def run_command(body: dict[str, Any], respond: Any, client: Any) -> None:
        kind, rest = parse_command(body.get("text", ""))
        user = body.get("user_id")
        if kind == "documents":  # the document library (coordinators only)
            respond(response_type="ephemeral", **documents.command_reply(svc, client, user))
            return
        if kind == "update":
            refusal = open_status_modal(svc, client, user, body.get("trigger_id"), Prefill())
            if refusal:
                respond(response_type="ephemeral", **notice_message(refusal))
            return
        county = svc.county_for(client, user, body.get("channel_id")) if svc.counties is not None else None
        if kind == "invoice":
            from bot.slack.listeners.drafts import deliver_invoice_draft, is_recipient

            if not rest or is_recipient(svc, rest):
                _, message = deliver_invoice_draft(svc, client, user, rest)
                respond(response_type="ephemeral", **notice_message(message))
                return
            kind, rest = "ask", clean_question(body.get("text", ""))  # "faktura moms?" is a question
        answer = produce(svc, kind, rest, user, county=county)
        question = body.get("text", "") if kind == "ask" else rest
        respond(response_type="ephemeral",
                **answer_message(answer, question=question, kind=kind, share=True, show_question=kind == "ask"))

    app.command(COMMAND)(ack=ack_command, lazy=[run_command])
