"""`stimulans serve`: run the Slack bot.

    stimulans serve                      Socket Mode (needs SLACK_BOT_TOKEN + SLACK_APP_TOKEN)
    stimulans serve --http --port 3000   HTTP: POST /slack/events (+ GET /healthz) with gunicorn
                                         (needs SLACK_BOT_TOKEN + SLACK_SIGNING_SECRET)
    stimulans serve --http --dev         the same with the standard library's wsgiref (development only)
"""
from __future__ import annotations

import argparse
import logging
import os

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="kör Slack-boten (Socket Mode, eller HTTP med --http)",
                       description="Kör Slack-boten. Utan --http: Socket Mode (SLACK_APP_TOKEN). "
                                   "Med --http: Bolts HTTP-endpoint /slack/events via gunicorn.")
    p.add_argument("--http", action="store_true", help="servera /slack/events över HTTP i stället för Socket Mode")
    p.add_argument("--port", type=int, default=int(os.environ.get("PORT", "3000")),
                   help="port för --http (standard $PORT eller 3000)")
    p.add_argument("--host", default="0.0.0.0", help="adress för --http (standard 0.0.0.0)")
    p.add_argument("--threads", type=int, default=None,
                   help="trådar i gunicorn-processen (standard 128, se bot/slack/gunicorn_conf.py)")
    p.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "1") or 1),
                   help="gunicorn-processer (standard WEB_CONCURRENCY eller 1); fler än 1 kräver REDIS_URL")
    p.add_argument("--dev", action="store_true", help="använd wsgiref (bara för utveckling) i stället för gunicorn")
    p.set_defaults(func=run)


def _missing(settings, names: list[str]) -> list[str]:
    attrs = {"SLACK_BOT_TOKEN": "slack_bot_token", "SLACK_APP_TOKEN": "slack_app_token",
             "SLACK_SIGNING_SECRET": "slack_signing_secret"}
    return [n for n in names if not getattr(settings, attrs[n])]


def run(args: argparse.Namespace) -> int:
    from bot.cli import CliError
    from bot.slack.app import ENV_HELP
    from config.settings import get_settings

    settings = get_settings()
    if args.http:
        missing = _missing(settings, ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"])
        if missing:
            raise CliError(f"HTTP-läget saknar {', '.join(missing)}.\n{ENV_HELP}")
        if not 0 < args.port < 65536:
            raise CliError(f"ogiltig port {args.port}; välj 1–65535")
        if args.workers < 1:
            raise CliError(f"--workers ska vara 1 eller fler, inte {args.workers}")
        if args.workers > 1 and settings.redis_url is None:
            raise CliError(f"{args.workers} arbetsprocesser kräver REDIS_URL (delad dubblettkontroll och "
                           "uppföljningskontext); utan Redis kör en process med trådar. Se docs/scale.md.")
        check_slack_token(settings)
        if args.dev:
            return _serve_wsgiref(args.host, args.port)
        from bot.slack.gunicorn_conf import THREADS

        return _serve_gunicorn(args.host, args.port, args.threads or THREADS, args.workers)
    missing = _missing(settings, ["SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"])
    if missing:
        raise CliError(f"Socket Mode saknar {', '.join(missing)} (eller kör `stimulans serve --http`).\n{ENV_HELP}")
    check_slack_token(settings)
    return _serve_socket_mode(settings)


def check_slack_token(settings) -> None:
    """One auth.test before starting, so a wrong token or an unreachable Slack is one clear line
    (never the token itself) instead of a traceback from inside Bolt or a gunicorn worker."""
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

    from bot.cli import CliError
    from bot.slack.app import api_base_url

    url = api_base_url(settings)
    try:
        WebClient(token=settings.slack_bot_token.get_secret_value(), base_url=url, timeout=15).auth_test()
    except SlackApiError as e:
        code = (e.response.get("error") if e.response is not None else None) or "okänt fel"
        raise CliError(f"Slack godtog inte SLACK_BOT_TOKEN ({code}). Kontrollera att det är appens "
                       "Bot User OAuth Token (xoxb-…) och att appen är installerad i arbetsytan.") from None
    except (OSError, ValueError) as e:  # URLError, timeouts, a malformed SLACK_API_URL
        reason = getattr(e, "reason", None) or type(e).__name__
        raise CliError(f"Kan inte nå Slack på {url} ({reason}); kontrollera nätverket och SLACK_API_URL.") from None


def _serve_socket_mode(settings) -> int:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.slack.app import create_app

    app = create_app()
    print("Stimulans ansluter till Slack med Socket Mode… (Ctrl-C avslutar)")
    handler = SocketModeHandler(app, settings.slack_app_token.get_secret_value())
    from bot.slack.health import Heartbeat  # `stimulans healthcheck`: fresh while the websocket is connected

    Heartbeat(handler.client.is_connected).start()
    handler.start()
    return 0


def _serve_wsgiref(host: str, port: int) -> int:
    from socketserver import ThreadingMixIn
    from wsgiref.simple_server import WSGIServer, make_server

    from bot.slack.http import create_wsgi_app

    class Server(ThreadingMixIn, WSGIServer):
        daemon_threads = True

    from bot.slack.app import create_app

    app = create_wsgi_app(create_app())  # answers in this process's threads (no answer process here)
    with make_server(host, port, app, server_class=Server) as server:
        print(f"Stimulans (utvecklingsserver) lyssnar på http://{host}:{port}/slack/events (Ctrl-C avslutar)")
        server.serve_forever()
    return 0


def _serve_gunicorn(host: str, port: int, threads: int, workers: int = 1) -> int:
    from gunicorn.app.base import BaseApplication

    from bot.slack.http import create_wsgi_app

    class Gunicorn(BaseApplication):
        def __init__(self, options: dict):
            self.options = options
            super().__init__()

        def load_config(self) -> None:
            for key, value in self.options.items():
                self.cfg.set(key, value)

        def load(self):
            return create_wsgi_app()

    from bot.slack.gunicorn_conf import OPTIONS

    # Without REDIS_URL: ONE worker process (threads for concurrency), the event-id dedup cache is per
    # process. With REDIS_URL: N workers share dedup, follow-up context and locks (docs/scale.md).
    Gunicorn({**OPTIONS, "bind": f"{host}:{port}", "workers": workers, "threads": max(1, threads)}).run()
    return 0
