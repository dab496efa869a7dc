"""Events: app_mention (channels), message.im (DMs), app_home_opened (App Home).

Each listener acks at once and does the work in a Bolt lazy listener; replies go in the thread
of the question. Event retries are dropped earlier, by the dedup middleware in bot/slack/app.py.
"""
from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App

from bot.slack import home
from bot.slack.blocks import answer_message, notice_message
from bot.slack.listeners import documents
from bot.slack.listeners.answers import clean_question, produce
from bot.slack.services import Services, mention, services
from engine.authz import coordinators

log = logging.getLogger(__name__)


def _ack(ack: Any) -> None:
    ack()


def answer_in_thread(svc: Services, client: Any, event: dict[str, Any]) -> None:
    if not event.get("channel") or not (event.get("thread_ts") or event.get("ts")):
        log.warning("event without channel or ts ignored")
        return
    question = clean_question(event.get("text"))
    user = event.get("user")
    # follow-ups ("och Rättvik?") inherit from the thread's previous question; a DM is one conversation
    thread = event.get("thread_ts") or ("" if event.get("channel_type") == "im" else event["ts"])
    county = svc.county_for(client, user, event["channel"]) if svc.counties is not None else None
    answer = produce(svc, "ask" if question else "help", question, user,
                     conversation=f"slack:{event['channel']}:{thread}", county=county)
    client.chat_postMessage(channel=event["channel"], thread_ts=event.get("thread_ts") or event["ts"],
                            **answer_message(answer, question=question, kind="ask"))


def publish_home(svc: Services, client: Any, user_id: str) -> None:
    try:
        county = svc.county_for(client, user_id) if svc.counties is not None else None
        snapshot = svc.store_for(county).snapshot()
        identity = svc.identity(client, user_id, county)
        today = svc.today()
        if identity.is_coordinator:
            view = home.coordinator_home(svc.kb, snapshot, today, identity.name)
        elif identity.recipient_ids:
            view = home.contact_home(svc.kb, snapshot, today, identity)
        else:
            view = home.guest_home(coordinators(snapshot.contacts), mention)
    except Exception:  # noqa: BLE001 - the home tab shows a clear line instead of staying empty
        log.exception("building App Home failed")
        view = home.error_home("Översikten kunde inte byggas just nu (kalkylarket gick inte att läsa). "
                               "Försök igen om en stund.")
    client.views_publish(user_id=user_id, view=view)


def register(app: App) -> None:
    svc = services(app)

    def on_mention(event: dict[str, Any], client: Any) -> None:
        answer_in_thread(svc, client, event)

    def on_message(event: dict[str, Any], client: Any) -> None:
        if event.get("channel_type") == "im" and event.get("subtype") == "file_share" and not event.get("bot_id"):
            documents.on_file_share(svc, client, event)  # a document uploaded to the app's DM
            return
        # only plain DMs from people (no edits, joins, bot posts); channel messages come as app_mention
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return
        answer_in_thread(svc, client, event)

    def on_home_opened(event: dict[str, Any], client: Any) -> None:
        if event.get("tab", "home") != "home":
            return
        publish_home(svc, client, event["user"])

    app.event("app_mention")(ack=_ack, lazy=[on_mention])
    app.event("message")(ack=_ack, lazy=[on_message])
    app.event("app_home_opened")(ack=_ack, lazy=[on_home_opened])


__all__ = ["register", "answer_in_thread", "publish_home", "notice_message"]
