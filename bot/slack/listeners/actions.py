"""Buttons: 👍/👎 feedback, "Dela i kanalen", and "Uppdatera status" (App Home and reminder DMs)."""
from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import App

from bot.slack.blocks import (
    ACTION_FEEDBACK_DOWN,
    ACTION_FEEDBACK_UP,
    ACTION_OPEN_MODAL,
    ACTION_SHARE,
    answer_message,
    notice_message,
    parse_value,
)
from bot.slack.listeners.answers import KINDS, clean_question, produce
from bot.slack.listeners.views import open_status_modal
from bot.slack.modal import Prefill
from bot.slack.services import Services, services
from engine.store import Feedback

log = logging.getLogger(__name__)


def _ack(ack: Any) -> None:
    ack()


def _action(body: dict[str, Any]) -> dict[str, Any]:
    return (body.get("actions") or [{}])[0]


def _user(body: dict[str, Any]) -> str:
    return (body.get("user") or {}).get("id", "")


def _channel(body: dict[str, Any]) -> str | None:
    return (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")


def record_feedback(svc: Services, body: dict[str, Any], respond: Any) -> None:
    action = _action(body)
    vote = "up" if action.get("action_id") == ACTION_FEEDBACK_UP else "down"
    data = parse_value(action.get("value"))
    user = body.get("user") or {}
    who = user.get("id", "")
    name = user.get("username") or user.get("name")
    if name:
        who = f"{name} ({who})"
    try:
        county = svc.county_for(None, user.get("id"), _channel(body)) if svc.counties is not None else None
        svc.store_for(county).append_feedback(Feedback(who=who, question=str(data.get("q", "")),
                                           answer=str(data.get("a", "")), vote=vote))
    except Exception:  # noqa: BLE001
        log.exception("recording feedback failed")
        respond(response_type="ephemeral", replace_original=False,
                **notice_message("Återkopplingen kunde inte sparas just nu; försök igen om en stund."))
        return
    thanks = "Tack! Bra att svaret hjälpte." if vote == "up" else (
        "Tack! En samordnare går igenom svar som fått tummen ned.")
    respond(response_type="ephemeral", replace_original=False, **notice_message(thanks))


def share(svc: Services, body: dict[str, Any], client: Any, respond: Any) -> None:
    """Repost an ephemeral answer publicly (same question, answered again), then remove the ephemeral."""
    data = parse_value(_action(body).get("value"))
    kind = data.get("k") if data.get("k") in KINDS else "ask"
    question = clean_question(data.get("q", ""))
    user = _user(body)
    county = svc.county_for(client, user, _channel(body)) if svc.counties is not None else None
    answer = produce(svc, kind, question, user, county=county)
    message = answer_message(answer, question=question, kind=kind, show_question=kind == "ask", shared_by=user)
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
    posted = False
    if channel:
        try:
            client.chat_postMessage(channel=channel, **message)
            posted = True
        except Exception as exc:  # noqa: BLE001 - e.g. not_in_channel in a private channel
            log.info("chat.postMessage for share failed (%s); using response_url", type(exc).__name__)
    if posted:
        respond(delete_original=True)
    else:
        respond(response_type="in_channel", replace_original=False, **message)


def open_modal_from_button(svc: Services, body: dict[str, Any], client: Any, respond: Any) -> None:
    try:
        data = json.loads(_action(body).get("value") or "{}")
    except ValueError:
        data = {}
    data = data if isinstance(data, dict) else {}
    prefill = Prefill(recipient_id=data.get("recipient_id") or None,
                      agreement=data.get("agreement") or None,
                      post=data.get("post") or "", deadline_id=data.get("deadline_id") or None)
    refusal = open_status_modal(svc, client, _user(body), body.get("trigger_id"), prefill)
    if refusal:
        if body.get("response_url"):
            respond(response_type="ephemeral", replace_original=False, **notice_message(refusal))
        else:  # App Home has no response_url: tell the user in the app's DM
            client.chat_postMessage(channel=_user(body), **notice_message(refusal))


def register(app: App) -> None:
    svc = services(app)

    def on_feedback(body: dict[str, Any], respond: Any) -> None:
        record_feedback(svc, body, respond)

    def on_share(body: dict[str, Any], client: Any, respond: Any) -> None:
        share(svc, body, client, respond)

    def on_open_modal(body: dict[str, Any], client: Any, respond: Any) -> None:
        open_modal_from_button(svc, body, client, respond)

    app.action(ACTION_FEEDBACK_UP)(ack=_ack, lazy=[on_feedback])
    app.action(ACTION_FEEDBACK_DOWN)(ack=_ack, lazy=[on_feedback])
    app.action(ACTION_SHARE)(ack=_ack, lazy=[on_share])
    app.action(ACTION_OPEN_MODAL)(ack=_ack, lazy=[on_open_modal])
