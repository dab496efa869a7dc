"""Produce the answer for a kind of request (shared by mentions, DMs, /stimulans and "Dela i kanalen")."""
from __future__ import annotations

import logging
from typing import Any

from bot.errors import user_error_message
from bot.slack.services import Services
from engine.answer import Answer

log = logging.getLogger(__name__)

KINDS = ("ask", "status", "help", "reminders")

REMINDERS_UNAVAILABLE = "Påminnelser är inte tillgängliga än i den här installationen."


def produce(svc: Services, kind: str, question: str, user_id: str | None = None,
            conversation: str | None = None, county: str | None = None) -> Answer:
    """The Answer for `kind` (ask / status / help / reminders); errors become a clear Swedish answer.
    With a `conversation` (a Slack thread or DM), a follow-up inherits from the previous question there;
    the engine keeps that context in the services' store (in-process, or Redis with REDIS_URL, so any
    worker answering the next message sees it). With several counties, `county` (the asker's,
    Services.county_for) picks the sheet that status answers read."""
    try:
        if kind == "help":
            return svc.engine.help()
        if kind == "status":
            return svc.engine_for(county).status_answer(question or None)
        if kind == "reminders":
            return Answer(text=_reminders_text(svc, county), intent="reminders")
        if not question.strip():
            return svc.engine.help()
        return svc.engine_for(county).ask(question, user_id=user_id, conversation=conversation)
    except Exception as exc:  # noqa: BLE001 - the user gets one clear line, the log the details
        known = user_error_message(exc)
        if known is None:
            log.exception("answering failed (kind=%s)", kind)
            known = "Något gick fel när jag skulle svara. Försök igen om en stund eller fråga en samordnare."
        return Answer(text=known, intent="error")


def _reminders_text(svc: Services, county: str | None = None) -> str:
    try:
        from engine.reminders import upcoming_text
    except ImportError:
        return REMINDERS_UNAVAILABLE
    try:
        snapshot = svc.store_for(county).snapshot()
    except Exception:  # noqa: BLE001 - deadlines still show without the sheet's counts
        snapshot = None
    return upcoming_text(svc.kb, svc.today(), snapshot)


def clean_question(text: Any) -> str:
    """Slack text → the question: drop mentions, unescape &amp; &lt; &gt;, collapse spaces."""
    import re

    text = re.sub(r"<@[A-Z0-9]+(?:\|[^>]*)?>", " ", str(text or ""))
    text = re.sub(r"<(https?://[^|>]+)(?:\|([^>]*))?>", lambda m: m.group(2) or m.group(1), text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return " ".join(text.split())
