"""Bolt app factory: `create_app()` wires settings, the Slack Web API client, dedup and listeners.

Acknowledgement strategy: `process_before_response=True` with Bolt *lazy listeners*. Every
listener's ack function only acknowledges (or, for the status modal, validates and returns inline
errors); the slow work (engine answers, sheet reads/writes, views.publish) runs in lazy listeners
in Bolt's thread pool after the ack. This works the same in Socket Mode, behind gunicorn and on
FaaS, and keeps Slack's 3-second limit out of reach.
"""
from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_sdk import WebClient

from bot.slack.dedup import replay_key
from bot.slack.listeners import register_listeners
from bot.slack.services import Services, attach
from config.settings import Settings, get_settings

ENV_HELP = (
    "Slack är inte konfigurerat. Sätt miljövariablerna:\n"
    "  SLACK_BOT_TOKEN       (xoxb-…, OAuth & Permissions)\n"
    "  SLACK_APP_TOKEN       (xapp-…, för Socket Mode: Basic Information → App-Level Tokens, "
    "scope connections:write)\n"
    "  SLACK_SIGNING_SECRET  (för HTTP-läget: Basic Information → Signing Secret)\n"
    "  SLACK_API_URL         (valfri, annan adress till Slacks Web API)\n"
    "Se docs/slack.md. Utan Slack fungerar `stimulans chat` lokalt."
)


class SlackConfigError(Exception):
    """Slack settings are missing; str() lists the environment variables (never their values)."""


def _secret(value: Any) -> str | None:
    return value.get_secret_value() if value is not None else None


def api_base_url(settings: Settings) -> str:
    url = settings.slack_api_url or WebClient.BASE_URL
    return url if url.endswith("/") else url + "/"


def create_app(settings: Settings | None = None, *, engine: Any = None, store: Any = None,
               client: WebClient | None = None, kb: Any = None, answer_queue: bool = False,
               answer_worker: bool = False) -> App:
    """The Bolt App. Engine/store/kb default to the runtime ones, built on first use.

    answer_queue (the web workers with REDIS_URL): lazy listeners are queued on Redis for the answer
    process instead of running in this process's threads (bot/slack/answer_queue.py).
    answer_worker (`stimulans answers`): the app that runs those queued jobs; they were verified by the web
    worker that queued them, so it does not verify signatures (it serves no HTTP)."""
    default_settings = settings is None
    settings = settings or get_settings()
    token = _secret(settings.slack_bot_token)
    if client is None:
        if not token:
            raise SlackConfigError(ENV_HELP)
        client = WebClient(token=token, base_url=api_base_url(settings))
    app = App(
        client=client,
        signing_secret=_secret(settings.slack_signing_secret) or "",
        process_before_response=True,
        request_verification_enabled=not answer_worker,
    )
    svc = attach(app, Services(settings, engine=engine, store=store, kb=kb, default_settings=default_settings))

    @app.middleware
    def drop_event_retries(req: BoltRequest, body: dict[str, Any], next: Any) -> Any:  # noqa: A002 - Bolt's name
        """A redelivered event (same event_id, with or without X-Slack-Retry-Num) is acked and dropped.
        A queued job (lazy-only, in the answer process) was let through by the web worker already."""
        if req.lazy_only:
            return next()
        if isinstance(body, dict) and body.get("type") == "event_callback":
            if not svc.dedup.first_time(body.get("event_id")):
                return BoltResponse(status=200, body="")
        return next()

    @app.middleware
    def drop_replays(req: BoltRequest, next: Any) -> Any:  # noqa: A002 - Bolt's argument name
        """A signed request seen before (same signature, timestamp and body: a replay inside Bolt's
        5-minute window) is acked and dropped. Runs after Bolt has verified the signature."""
        key = replay_key(req.headers, req.raw_body)
        if key is not None and not svc.replays.first_time(key):
            return BoltResponse(status=200, body="")
        return next()

    register_listeners(app)
    if answer_queue and svc.shared is not None:
        from bot.slack.answer_queue import install

        install(app, svc.shared.client, _secret(settings.slack_signing_secret) or "")
    return app
