"""Reminders: planning a year of days, one remind run (claim + post + record) against the local workbook."""
from __future__ import annotations

import datetime as dt
import io
import tempfile
import time
from pathlib import Path

from benchmarks.timing import median_max_ms


def run() -> list[str]:
    from bot.commands.remind import run_once
    from bot.reminder_sender import ReminderSender, make_client
    from config.settings import Settings
    from engine.knowledge import load_knowledge
    from engine.reminder_config import load_reminder_config
    from engine.reminders import plan_outgoing, upcoming_text
    from sheets.factory import open_store
    from tests.reminders_support import MockSlack

    kb, config = load_knowledge(), load_reminder_config()
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Settings(_env_file=None, STIMULANS_WORKBOOK=str(Path(tmp) / "b.xlsx")))
        snap = store.snapshot()
        days = [dt.date(2020, 1, 1) + dt.timedelta(days=i) for i in range(366)]
        year = median_max_ms(lambda: [plan_outgoing(kb, snap, d, config, channel="C1", dm=True) for d in days], 3)
        lines.append(f"plan every day of 2020 ({len(kb.deadlines)} deadlines, {len(snap.statuses)} sheet rows): "
                     f"median {year[0]:.0f} ms, max {year[1]:.0f} ms")
        up = median_max_ms(lambda: upcoming_text(kb, dt.date(2020, 11, 24), snap, config), 20)
        lines.append(f"upcoming_text (/stimulans påminnelser): median {up[0]:.1f} ms, max {up[1]:.1f} ms")
        dry = median_max_ms(lambda: run_once(kb=kb, store=store, config=config, today=dt.date(2020, 11, 24), channel="C1",
                                   dm=False, dry_run=True, out=io.StringIO()), 5)
        lines.append(f"remind --dry-run on the workbook (re-read + plan): median {dry[0]:.0f} ms, max {dry[1]:.0f} ms")
        with MockSlack() as slack:
            sender = ReminderSender(make_client("xoxb-bench", slack.url), store)
            start = time.perf_counter()
            run_once(kb=kb, store=store, config=config, today=dt.date(2020, 11, 24), channel="C1", dm=False,
                     dry_run=False, sender=sender, out=io.StringIO())
            first = (time.perf_counter() - start) * 1000
            again = median_max_ms(lambda: run_once(kb=kb, store=store, config=config, today=dt.date(2020, 11, 24),
                                         channel="C1", dm=False, dry_run=False, sender=sender,
                                         out=io.StringIO()), 5)
            lines.append(f"remind, first run (claim + history check + post + record, mock Slack): {first:.0f} ms; "
                         f"repeat runs (already sent): median {again[0]:.0f} ms; posts: {len(slack.posts)}")
    return lines
