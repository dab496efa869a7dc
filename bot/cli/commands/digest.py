"""`stimulans sammanfattning [--dry-run] [--today …] [--län …] [--channel C] [--ut FIL.png] [--loop MIN]`:
the weekly progress digest (chart + text) to the coordinator channel, once per week and channel."""
from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import TextIO


def _cli_error(message: str) -> Exception:
    from bot.cli import CliError

    return CliError(message)


def register(sub: argparse._SubParsersAction) -> None:
    from bot.cli.commands.remind import _date_arg, _minutes_arg

    p = sub.add_parser(
        "sammanfattning", aliases=["digest"],
        help="veckosammanfattning: diagram över läget per post och län + vilka som är öppna, till samordnarkanalen",
        description="Ritar läget (rekvirerat / fakturerat / öppet per post och per län, nästa deadline markerad) "
                    "och skriver vilka som fortfarande är öppna. Skickas med Slacks filuppladdning till "
                    "samordnarkanalen (STIMULANS_COORDINATOR_CHANNEL, annars STIMULANS_REMINDER_CHANNEL), "
                    "exakt en gång per vecka och kanal, även om kommandot körs ofta (cron, --loop).")
    p.add_argument("--dry-run", action="store_true", help="skriv PNG-filen och texten; skicka och registrera inget")
    p.add_argument("--today", type=_date_arg, metavar="ÅÅÅÅ-MM-DD", help="läget för ett annat datum")
    p.add_argument("--län", "--lan", dest="lan", metavar="LÄN", help="bara ett län (kod eller namn)")
    p.add_argument("--channel", metavar="KANAL", help="kanal-id (annars samordnar-/påminnelsekanalen)")
    p.add_argument("--ut", metavar="FIL", help="var PNG-filen skrivs (standard vid --dry-run: sammanfattning-<vecka>.png)")
    p.add_argument("--loop", type=_minutes_arg, metavar="MINUTER", help="kör om var N:e minut (Procfile clock)")
    p.add_argument("--tidigast", type=_time_arg, metavar="HH:MM",
                   help="skicka inte före denna tid på dagen (svensk tid), t.ex. 08:00 med --loop")
    p.set_defaults(func=cmd_digest)


def _time_arg(raw: str) -> dt.time:
    try:
        return dt.time.fromisoformat(raw.strip().replace(".", ":").zfill(5))
    except ValueError:
        raise argparse.ArgumentTypeError(f"”{raw}” är ingen tid (t.ex. --tidigast 08:00)") from None


def run_once(args: argparse.Namespace, *, kb, store, settings, client, out: TextIO) -> int:
    from bot.charts import digest_png
    from bot.cli.commands.allocation import resolve_county
    from bot.cli.commands.remind import today_in
    from engine.digest import build_digest

    county = resolve_county(kb, args.lan) if args.lan else None
    if args.tidigast and not args.today and not args.dry_run:
        from zoneinfo import ZoneInfo

        now = dt.datetime.now(ZoneInfo(settings.timezone))
        if now.time() < args.tidigast:
            print(f"Klockan är {now:%H:%M}; sammanfattningen skickas tidigast {args.tidigast:%H:%M}.", file=out)
            return 0
    today = args.today or today_in(settings.timezone)
    digest = build_digest(kb, store.refresh(), today, county)
    png = digest_png(digest)
    if args.dry_run or args.ut:
        target = Path(args.ut or f"sammanfattning-{digest.week}{'-' + county if county else ''}.png")
        try:
            target.write_bytes(png)
        except OSError as e:
            raise _cli_error(f"Kan inte skriva diagrammet {target}: {e.strerror or e}") from None
        print(f"Diagram: {target} ({len(png) // 1024} kB)", file=out)
    print(digest.text, file=out)
    if args.dry_run:
        print("\n(torrkörning: inget skickat, inget registrerat)", file=out)
        return 0
    from bot.slack.digest_sender import post_digest

    result = post_digest(client, store, digest, png, args.channel_resolved, county=county)
    print(result.describe(), file=out)
    return 1 if result.outcome == "failed" else 0


def cmd_digest(args: argparse.Namespace, out: TextIO | None = None) -> int:
    from bot.runtime import get_store
    from config.settings import get_settings
    from engine.knowledge import load_knowledge

    out = out or sys.stdout
    settings = get_settings()
    args.channel_resolved = args.channel or settings.coordinator_channel or settings.reminder_channel
    client = None
    if not args.dry_run:
        if not args.channel_resolved:
            raise _cli_error("ingen kanal: sätt STIMULANS_COORDINATOR_CHANNEL (eller STIMULANS_REMINDER_CHANNEL), "
                             "ange --channel, eller använd --dry-run")
        if settings.slack_bot_token is None:
            raise _cli_error("SLACK_BOT_TOKEN saknas: kan inte skicka till Slack (använd --dry-run)")
        from bot.slack.reminder_sender import make_client

        client = make_client(settings.slack_bot_token.get_secret_value(), settings.slack_api_url)
    store = get_store()
    kb = getattr(store, "kb", None) or load_knowledge()

    def once() -> int:
        return run_once(args, kb=kb, store=store, settings=settings, client=client, out=out)

    if args.loop:
        from bot.cli.commands.remind import run_loop

        print(f"stimulans sammanfattning: kör var {args.loop:g}:e minut (Ctrl-C avslutar)", file=out)
        return run_loop(once, args.loop, out=out)
    return once()
