"""`stimulans remind` (post due reminders) and `stimulans påminnelser` (upcoming deadlines and reminder dates)."""
from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
import threading
from collections.abc import Callable
from typing import TextIO
from zoneinfo import ZoneInfo

from bot.render import plain_text
from engine.formatting import format_date, format_weekday_date
from engine.parsing import ParseError, parse_date

log = logging.getLogger(__name__)
NO_CHANNEL = "ingen-kanal"


def _date_arg(raw: str) -> dt.date:
    try:
        return parse_date(raw)
    except ParseError as e:
        raise argparse.ArgumentTypeError(f"{e} (t.ex. --today 2020-11-24)") from e


def _minutes_arg(raw: str) -> float:
    try:
        minutes = float(raw.replace(",", "."))
    except ValueError:
        raise argparse.ArgumentTypeError(f"”{raw}” är inget antal minuter (t.ex. --loop 15)") from None
    if not 1 <= minutes <= 24 * 60:
        raise argparse.ArgumentTypeError(f"--loop ska vara mellan 1 och 1440 minuter, inte {raw}")
    return minutes


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "remind", help="skicka påminnelser före deadlines (kanal och, med --dm, direktmeddelanden)",
        description="Skickar dagens påminnelser före deadlines till Slack, exakt en gång per påminnelse "
                    "(deadline × dagar före × kanal), även om kommandot körs ofta, parallellt eller efter en krasch.",
    )
    p.add_argument("--dry-run", action="store_true", help="visa vad som skulle skickas; skriv och skicka inget")
    p.add_argument("--today", type=_date_arg, metavar="ÅÅÅÅ-MM-DD", help="planera för ett annat datum")
    p.add_argument("--loop", type=_minutes_arg, metavar="MINUTER", help="kör om var N:e minut (Procfile clock)")
    p.add_argument("--channel", metavar="KANAL", help="kanal-id (annars STIMULANS_REMINDER_CHANNEL)")
    p.add_argument("--dm", action="store_true", help="skicka också direktmeddelanden till öppna mottagares kontakter")
    p.set_defaults(func=cmd_remind)

    q = sub.add_parser("påminnelser", aliases=["paminnelser"],
                       help="kommande deadlines och planerade påminnelsedatum")
    q.add_argument("--today", type=_date_arg, metavar="ÅÅÅÅ-MM-DD", help="visa från ett annat datum")
    q.set_defaults(func=cmd_upcoming)


def today_in(timezone: str) -> dt.date:
    return dt.datetime.now(ZoneInfo(timezone)).date()


def _open_store_for_reading(settings):
    from bot.runtime import get_store

    try:
        return get_store()
    except Exception as e:  # noqa: BLE001 - the overview works without status
        log.warning("arket kunde inte öppnas: %s", e)
        return None


def cmd_upcoming(args: argparse.Namespace, out: TextIO | None = None) -> int:
    from bot.runtime import get_knowledge
    from config.settings import get_settings
    from engine.reminder_config import load_reminder_config
    from engine.reminders import upcoming_text

    out = out or sys.stdout
    settings = get_settings()
    kb = get_knowledge(settings)
    config = load_reminder_config()
    store = _open_store_for_reading(settings)
    snapshot = None
    if store is not None:
        try:
            snapshot = store.snapshot()
        except Exception as e:  # noqa: BLE001
            print(f"(Arket kunde inte läsas, visar utan status: {e})", file=out)
    print(plain_text(upcoming_text(kb, args.today or today_in(settings.timezone), snapshot, config)), file=out)
    return 0


def run_once(*, kb, store, config, today: dt.date, channel: str, dm: bool, dry_run: bool, sender=None,
             out: TextIO) -> int:
    """Plan what is due on `today` and post it (or print it). Returns 0, or 1 if something failed."""
    from engine.reminders import contacts_without_slack, plan_outgoing, sent_record

    snapshot = store.refresh()
    items = plan_outgoing(kb, snapshot, today, config, channel=channel, dm=dm)
    pending = [i for i in items if not sent_record(snapshot, i.reminder_id)]
    done = [i for i in items if i not in pending]
    where = f"kanal {channel}" if channel != NO_CHANNEL else \
        "ingen kanal angiven: sätt STIMULANS_REMINDER_CHANNEL eller --channel"
    head = f"Påminnelser {format_weekday_date(today)} ({where}): "
    if not items:
        print(head + "inget att skicka.", file=out)
        return 0
    print(head + f"{len(pending)} att skicka, {len(done)} redan skickade.", file=out)
    for item in done:
        print(f"Redan skickad: {item.reminder_id}", file=out)
    if dm:
        for who in contacts_without_slack(kb, snapshot, today, config):
            print(f"Inget Slack-id, får inget direktmeddelande: {who}", file=out)
    if dry_run:
        for item in pending:
            target = f"direktmeddelande till {item.channel}" if item.kind == "dm" else \
                (f"kanal {item.channel}" if item.channel != NO_CHANNEL else "kanalen (ingen angiven ännu)")
            print(f"\n--- {item.reminder_id} → {target} (planerad {format_date(item.planned_date)}) ---", file=out)
            print(plain_text(item.text), file=out)
            for button in item.buttons:
                print(f"[{button['label']}] {button['value']}", file=out)
        print("\n(torrkörning: inget skickat, inget skrivet)", file=out)
        return 0
    results = sender.send_all(pending)
    for result in results:
        print(result.describe(), file=out)
    return 1 if any(r.outcome in ("failed", "stuck") for r in results) else 0


def run_loop(once: Callable[[], int], minutes: float, *, stop: threading.Event | None = None,
             max_runs: int | None = None, out: TextIO | None = None) -> int:
    """Run `once` now and then every `minutes` until stopped. A failing run is reported, not fatal."""
    from bot.errors import user_error_message

    out = out or sys.stdout
    stop = stop or threading.Event()
    runs = 0
    while True:
        try:
            once()
        except Exception as e:  # noqa: BLE001 - keep the clock alive; the next run retries
            message = user_error_message(e) or f"{type(e).__name__}: {e}"
            print(f"stimulans remind: körningen misslyckades: {message}", file=out)
            log.exception("remind-körning misslyckades")
        out.flush()
        runs += 1
        if (max_runs is not None and runs >= max_runs) or stop.wait(minutes * 60):
            return 0


def cmd_remind(args: argparse.Namespace, out: TextIO | None = None) -> int:
    from bot.cli import CliError
    from bot.runtime import get_knowledge, get_store
    from config.settings import get_settings
    from engine.reminder_config import ReminderConfigError, load_reminder_config

    out = out or sys.stdout
    settings = get_settings()
    try:
        config = load_reminder_config()
    except ReminderConfigError as e:
        raise CliError(str(e)) from e
    kb = get_knowledge(settings)  # the documents, plus the library's accepted drafts
    # (label, knowledge base view, store, channel): one job per county, or the one sheet and channel
    jobs: list[tuple[str, object, object, str | None]] = []
    if settings.counties_file is not None:
        from engine.counties import CountyConfigError, county_kb, load_counties
        from sheets.factory import open_county_store

        try:
            counties = load_counties(settings.counties_file)
            counties.check_against(kb)
        except CountyConfigError as e:
            raise CliError(str(e)) from e
        for county in counties.counties:
            channel = args.channel if args.channel and len(counties.counties) == 1 else county.reminder_channel
            jobs.append((county.name or f"län {county.code}", county_kb(kb, county.code),
                         open_county_store(settings, county, kb=kb), channel))
    else:
        jobs.append(("", kb, get_store(), args.channel or settings.reminder_channel))
    senders: dict[int, object] = {}
    if not args.dry_run:
        missing = [label or "" for label, _, _, channel in jobs if not channel]
        if missing:
            where = f" för {', '.join(missing)}" if any(missing) else ""
            raise CliError(f"ingen kanal{where}: sätt STIMULANS_REMINDER_CHANNEL, reminder_channel i länsfilen "
                           "eller ange --channel (eller --dry-run för att bara visa påminnelserna)")
        if settings.slack_bot_token is None:
            raise CliError("SLACK_BOT_TOKEN saknas: kan inte skicka till Slack (använd --dry-run för att bara visa)")
        from bot.slack.reminder_sender import ReminderSender, make_client

        client = make_client(settings.slack_bot_token.get_secret_value(), settings.slack_api_url)
        for n, (_, _, store, _) in enumerate(jobs):
            lock = None
            if settings.redis_url is not None:  # several clock processes: one claims at a time (docs/scale.md)
                from sheets.redis_state import SharedLock, shared_state

                lock = SharedLock(shared_state(settings.redis_url.get_secret_value()),
                                  f"remind:{getattr(store, 'county', None) or 'alla'}")
            senders[n] = ReminderSender(client, store, lock=lock,
                                        claim_timeout=dt.timedelta(minutes=config.claim_timeout_minutes))

    def once() -> int:
        today = args.today or today_in(settings.timezone)
        rc = 0
        for n, (label, kb_view, store, channel) in enumerate(jobs):
            if label:
                print(f"== {label} ==", file=out)
            rc = max(rc, run_once(kb=kb_view, store=store, config=config, today=today, channel=channel or NO_CHANNEL,
                                  dm=args.dm, dry_run=args.dry_run, sender=senders.get(n), out=out))
        return rc

    if args.loop:
        print(f"stimulans remind: kör var {args.loop:g}:e minut (Ctrl-C avslutar)", file=out)
        return run_loop(once, args.loop, out=out)
    return once()
