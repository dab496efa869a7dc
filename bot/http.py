"""WSGI entry point for gunicorn: `gunicorn 'bot.http:create_wsgi_app()'`.

POST /slack/events  Bolt's endpoint for events, slash commands and interactivity (signed requests)
GET  /healthz       liveness probe: 200 "ok" (touches neither Slack nor the sheet)
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"

HTTP_ENV_HELP = (
    "HTTP-läget kräver SLACK_BOT_TOKEN och SLACK_SIGNING_SECRET (Basic Information → Signing Secret). "
    "Se docs/slack.md."
)


def create_wsgi_app(app: App | None = None) -> Callable[[dict[str, Any], Any], Iterable[bytes]]:
    if app is None:
        from bot.app import SlackConfigError, create_app
        from config.settings import get_settings

        settings = get_settings()
        if not settings.slack_signing_secret or not settings.slack_bot_token:
            raise SlackConfigError(HTTP_ENV_HELP)
        app = create_app()
    handler = SlackRequestHandler(app, path=EVENTS_PATH)

    def wsgi(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", "2")])
            return [b"ok"]
        return handler(environ, start_response)

    return wsgi
