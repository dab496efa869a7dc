"""`stimulans answers`: the answer process for the HTTP web process with REDIS_URL (docs/scale.md).

The gunicorn master of `stimulans serve --http` / the Procfile's `web` starts STIMULANS_ANSWER_PROCESSES of
these itself (default 1); with STIMULANS_ANSWER_PROCESSES=0 run them yourself, on this host or another.
"""
from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("answers", help="svarsprocessen: besvarar frågorna som webbprocessen köat i Redis",
                       description="Tar jobb från svarskön i Redis (REDIS_URL) och svarar i Slack. Startas av "
                                   "webbprocessen (STIMULANS_ANSWER_PROCESSES) eller separat. SIGTERM: svarar "
                                   "på det som redan står i kö och avslutar.")
    p.add_argument("--nice", type=int, default=None,
                   help="lägre CPU-prioritet än webbprocessen (standard STIMULANS_ANSWER_NICE eller 10)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import logging

    from bot.slack.answer_queue import main

    logging.getLogger("bot.slack.answer_queue").setLevel(logging.INFO)
    return main(nice=args.nice)
