"""The one escaping of people's text for Slack, and the one way a mention is built.

Everything a person typed (a sheet cell, a question, a Kontakter name, an old or new value) reaches Slack
mrkdwn through `escape`: `&`, `<` and `>` become entities, so `<!channel>`, `<!here>`, `<@U…>` and
`<https://…|text>` show as text and ping or link nobody. A mention is built only by `mention`, and only
from an id that matches Slack's user-id pattern; anything else is shown as escaped text.

Pure (no Slack import): the engine builds reminder texts with it and the bot reuses it.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Any

#: Slack user ids: U… or W… (Enterprise Grid), upper-case letters and digits.
USER_ID = re.compile(r"[UW][A-Z0-9]{1,20}")
#: Slack conversation ids a message may be posted to (channels, groups, DMs, users).
CONVERSATION_ID = re.compile(r"[CDGUW][A-Z0-9]{1,20}")
#: a plain e-mail address: one @, no spaces or Slack control characters, a dot in the domain.
EMAIL = re.compile(r"[^@\s<>&|!*`]+@[^@\s<>&|!*`]+\.[^@\s<>&|!*`.]+")
_NAME_FORBIDDEN = set("<>|@`*_~")


def escape(text: Any) -> str:
    """Text as Slack shows it literally in mrkdwn (and plain fallback text): & < > as entities."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def is_user_id(value: Any) -> bool:
    return isinstance(value, str) and USER_ID.fullmatch(value) is not None


def is_conversation_id(value: Any) -> bool:
    return isinstance(value, str) and CONVERSATION_ID.fullmatch(value) is not None


def user_mention(user_id: Any) -> str:
    """`<@U…>` for a valid user id, else the escaped text (never a live mention of something else)."""
    return f"<@{user_id}>" if is_user_id(user_id) else escape(user_id or "")


def mention(contact: Any) -> str:
    """How a Kontakter row is shown in Slack: a mention for a valid Slack id, else name (e-mail), escaped."""
    slack_id = getattr(contact, "slack_id", "")
    if is_user_id(slack_id):
        return f"<@{slack_id}>"
    name, email = getattr(contact, "name", ""), getattr(contact, "email", "")
    if email:
        return escape(f"{name} ({email})" if name else email)
    return escape(name)


def name_problem(name: str) -> str | None:
    """Why a Kontakter name is not a plain person's name (None when it is)."""
    if any(ch in _NAME_FORBIDDEN for ch in name) or "://" in name:
        return "namnet innehåller < > | @ ` * _ ~ eller en länk; skriv bara personens namn"
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        return "namnet innehåller styrtecken; skriv bara personens namn"
    if not any(ch.isalpha() for ch in name):
        return "namnet har inga bokstäver"
    return None


def slack_id_problem(value: str) -> str | None:
    if value and not is_user_id(value):
        return "inget Slack-medlems-id (U eller W följt av versaler och siffror, t.ex. U01ABCDEF)"
    return None


def email_problem(value: str) -> str | None:
    if value and EMAIL.fullmatch(value) is None:
        return "ogiltig e-postadress"
    return None
