"""`stimulans healthcheck`: exit 0 if the bot running in this container/host is healthy (bot/slack/health.py).

For Docker HEALTHCHECK, compose and systemd: Socket Mode is judged by the heartbeat file `stimulans serve`
keeps fresh while connected; HTTP mode by GET http://127.0.0.1:$PORT/healthz.
"""
from __future__ import annotations

import argparse
import os


def register(sub: argparse._SubParsersAction) -> None:
    from bot.slack.health import MAX_AGE_SECONDS

    p = sub.add_parser("healthcheck", help="kontrollera att den körande boten lever (för Docker/systemd)",
                       description="Avslutar med 0 om boten lever: i Socket Mode om heartbeat-filen "
                                   "(STIMULANS_HEARTBEAT_FILE) är färsk, annars om http://127.0.0.1:$PORT/healthz "
                                   "svarar 200.")
    p.add_argument("--port", type=int, default=int(os.environ.get("PORT") or 3000),
                   help="porten för /healthz (standard $PORT eller 3000)")
    p.add_argument("--max-age", type=float, default=MAX_AGE_SECONDS,
                   help=f"högsta ålder på heartbeat-filen i sekunder (standard {MAX_AGE_SECONDS:.0f})")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from bot.slack.health import check

    ok, detail = check(args.port, max_age=args.max_age)
    print(("frisk: " if ok else "sjuk: ") + detail)
    return 0 if ok else 1
