"""Bolt listeners, one module per request kind (as in Bolt's starter template)."""
from __future__ import annotations

from slack_bolt import App

from bot.slack.listeners import actions, commands, documents, drafts, events, views


def register_listeners(app: App) -> None:
    events.register(app)
    commands.register(app)
    actions.register(app)
    views.register(app)
    drafts.register(app)
    documents.register(app)
