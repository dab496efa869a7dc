"""Reminders: a reminder run that DMs every open municipality (290), on the production path — the real
knowledge base seeded into the Google store (gspread against the fake Sheets API), the real sender against
the mock Slack Web API. Sheets calls are counted at the fake API; Slack calls are paced by the sender's
Pacer on a simulated clock (the run would really take minutes: Slack's tiers, not our CPU, set the pace)."""
from __future__ import annotations

import datetime as dt
import io
import json
import time

from benchmarks.report import Row
from benchmarks.timing import median_max_ms

DAY = dt.date(2021, 3, 24)
POST = "ok2020-kommun-handlingsplaner"  # 7 days before the repayment deadline that concerns every municipality and region


def run() -> list:
    from bot.cli.commands.remind import run_once
    from bot.slack.reminder_sender import ReminderSender, make_client
    from config.settings import Settings
    from engine.knowledge import load_knowledge
    from engine.models import RecipientKind
    from engine.reminder_config import load_reminder_config
    from engine.reminders import plan_outgoing
    from engine.seed import requisition_row
    from engine.store import HEADERS, RowKey, Tab
    from sheets.google import GoogleBackend
    from sheets.tabular import TabularStore
    from tests.fake_sheets_api import FakeSheetsAPI, service_account_info
    from tests.reminders_support import MockSlack, SimClock

    kb, config = load_knowledge(), load_reminder_config()
    lines: list = []
    with FakeSheetsAPI() as api:
        api.create_spreadsheet("bench-remind-00001")
        settings = Settings(_env_file=None, STIMULANS_GOOGLE_SHEET="bench-remind-00001",
                            STIMULANS_GOOGLE_CREDENTIALS_JSON=json.dumps(service_account_info(api.token_uri)),
                            STIMULANS_SHEETS_API_URL=api.api_url)
        store = TabularStore(GoogleBackend.from_settings(settings), kb=kb)
        store.init_schema()
        municipalities = [r for r in kb.recipients.values() if r.kind == RecipientKind.kommun]
        contacts = [[f"Kontakt {r.name}", f"k{r.code}@example.se", f"U{r.code}BENCH", r.name, r.code, "kontakt"]
                    for r in sorted(municipalities, key=lambda r: r.code)]
        store.backend.append_rows("Kontakter", contacts)
        # every municipality has requisitioned this year's funds (a row with status "rekvirerad"), so all
        # 290 are open before the repayment deadline
        have = {(st.key.recipient_id, st.key.post) for st in store.refresh().statuses}
        header = HEADERS[Tab.rekvisitioner]
        rows = []
        for r in municipalities:
            if (r.id, POST) in have:
                continue
            row = requisition_row(kb, RowKey(recipient_id=r.id, agreement="ok2020", post=POST))
            row["Status"] = "rekvirerad"
            rows.append([row.get(h, "") for h in header])
        store.backend.append_rows("Rekvisitioner", rows)
        snap = store.refresh()
        days = [dt.date(2020, 1, 1) + dt.timedelta(days=i) for i in range(366)]
        year = median_max_ms(lambda: [plan_outgoing(kb, snap, d, config, channel="C1", dm=True) for d in days], 1)
        lines.append(f"plan every day of 2020 with {len(snap.statuses)} sheet rows and {len(contacts)} contacts: "
                     f"{year[0]:.0f} ms")
        sim = SimClock()
        with MockSlack() as slack:
            sender = ReminderSender(make_client("xoxb-bench", slack.url), store,
                                    pacer=sim.pacer())
            api.reset_calls()
            out = io.StringIO()
            t0 = time.perf_counter()
            run_once(kb=kb, store=store, config=config, today=DAY, channel="C0BENCH01", dm=True, dry_run=False,
                     sender=sender, out=out)
            wall = time.perf_counter() - t0
            calls = sum(1 for c in api.calls if "/v4/" in c)
            dms = [p for p in slack.posts if p["channel"].startswith("D")]
            posted = len(slack.posts)
            opened = slack.calls.count("conversations.open")
            per_method = {m: slack.calls.count(m) for m in ("conversations.open", "conversations.history",
                                                            "chat.postMessage")}
            api.reset_calls()
            run_once(kb=kb, store=store, config=config, today=DAY, channel="C0BENCH01", dm=True, dry_run=False,
                     sender=sender, out=io.StringIO())
            again = sum(1 for c in api.calls if "/v4/" in c)
            reposted = len(slack.posts) - posted
    minutes = sim.t / 60
    from bot.slack.reminder_sender import Pacer

    busiest = {m: sim.busiest_minute(m) for m in Pacer.LIMITS}
    within = all(n <= Pacer.LIMITS[m][0] + Pacer.LIMITS[m][1] for m, n in busiest.items())
    lines += [
        f"reminder run on {DAY}: {len(dms)} DMs + channel posts, {calls} Sheets calls, {opened} conversations.open, "
        f"Slack calls {per_method}; {wall:.1f} s of CPU/wall here, {minutes:.1f} min of paced Slack time",
        Row(f"Sheets calls per reminder run ({len(dms)} DMs)", calls, "calls", 6 * len(dms),
            "previous design (6 per DM)", "≤ 10", calls <= 10, note=f"a repeat run: {again} calls, {reposted} posts"),
        Row("conversations.open in the busiest minute of the run", busiest["conversations.open"], "calls", 50,
            "Tier 3 (50/min)", "within Slack's rate limits", within,
            note=(f"history {busiest['conversations.history']}/min (Tier 3), postMessage "
                  f"{busiest['chat.postMessage']}/min (~1/s); {len(dms)} DMs in {minutes:.1f} min of paced time")),
    ]
    return lines
