"""A reminder run costs a constant number of Sheets calls, is paced to Slack's rate tiers, and a failing
store call ends the run cleanly; the next run resumes without a duplicate (Google path: gspread against
the fake Sheets API, Slack path: the mock Web API)."""
from __future__ import annotations

import datetime as dt

import pytest

from bot.slack.reminder_sender import Pacer, ReminderSender, make_client
from engine.reminders import OutgoingReminder
from tests.fake_sheets_api import FakeSheetsAPI
from tests.reminders_support import MockSlack, SimClock
from tests.sheets_support import Clock, GoogleHarness

DAY = dt.date(2020, 11, 24)


def dm_items(n: int) -> list[OutgoingReminder]:
    return [OutgoingReminder(reminder_id=f"ok2020-faktura:7d:U{i:04d}", deadline_id="ok2020-faktura", offset=7,
                             channel=f"U{i:04d}", planned_date=DAY, text=f"Påminnelse {i}", kind="dm")
            for i in range(n)]


@pytest.fixture
def google():
    with FakeSheetsAPI() as api:
        yield GoogleHarness(api, Clock(), [])


def sheets_calls(h) -> int:
    return sum(1 for c in h.api.calls if "/v4/" in c)


def test_290_dms_cost_at_most_10_sheets_calls_and_stay_within_slacks_rate_tiers(google):
    time = SimClock()
    items = dm_items(290)
    with MockSlack() as slack:
        sender = ReminderSender(make_client("xoxb-test", slack.url), google.store, pacer=time.pacer())
        google.api.reset_calls()
        google.store.refresh()
        results = sender.send_all(items)
        calls = sheets_calls(google)
        assert [r.outcome for r in results] == ["sent"] * 290
        assert len(slack.posts) == 290
        assert calls <= 10, google.api.calls
        # every DM recorded with its ts, in the sheet
        snap = google.store.refresh()
        sent = {r.reminder_id: r.slack_ts for r in snap.reminders if r.status == "skickad"}
        assert sent == {p["metadata"]["event_payload"]["reminder_id"]: p["ts"] for p in slack.posts}
        # conversations.open once per user, and no method above its tier in any minute
        assert slack.calls.count("conversations.open") == 290
        for method, (per_minute, burst) in Pacer.LIMITS.items():
            assert time.busiest_minute(method) <= per_minute + burst, method
        assert time.t > 290 / 50 * 60 * 0.9  # paced: about six minutes of Slack time, not a burst
        # a second run: everything already sent, one read, no Slack calls
        google.api.reset_calls()
        slack.calls.clear()
        google.store.refresh()
        again = sender.send_all(items)
        assert {r.outcome for r in again} == {"already_sent"}
        assert sheets_calls(google) == 1 and slack.calls == []


def test_conversations_open_is_cached_across_runs(google):
    with MockSlack() as slack:
        sender = ReminderSender(make_client("xoxb-test", slack.url), google.store, pacer=SimClock().pacer())
        sender.send_all(dm_items(3))
        later = [OutgoingReminder(reminder_id=i.reminder_id.replace("7d", "1d"), deadline_id=i.deadline_id, offset=1,
                                  channel=i.channel, planned_date=DAY, text="igen", kind="dm") for i in dm_items(3)]
        sender.send_all(later)
        assert slack.calls.count("conversations.open") == 3
        assert len(slack.posts) == 6


def test_a_failing_claim_ends_the_run_cleanly_and_the_next_run_sends_once(google):
    items = dm_items(20)
    with MockSlack() as slack:
        sender = ReminderSender(make_client("xoxb-test", slack.url), google.store, pacer=SimClock().pacer())
        google.api.fail(429, times=100, match=":append")
        results = sender.send_all(items)
        assert {r.outcome for r in results} == {"failed"}
        assert "kalkylarket" in results[0].detail and slack.posts == []
        google.api.faults.clear()
        results = sender.send_all(items)
        assert [r.outcome for r in results] == ["sent"] * 20 and len(slack.posts) == 20


def test_a_failing_completion_is_reported_and_the_next_run_records_without_reposting(google):
    items = dm_items(20)
    with MockSlack() as slack:
        sender = ReminderSender(make_client("xoxb-test", slack.url), google.store, pacer=SimClock().pacer())
        google.api.fail(503, times=100, match="values:batchUpdate")
        results = sender.send_all(items)  # no exception
        assert [r.outcome for r in results] == ["sent"] * 20
        assert all("inte registrerad" in r.detail for r in results)
        google.api.faults.clear()
        google.api.reset_calls()
        results = ReminderSender(make_client("xoxb-test", slack.url), google.store,
                                 pacer=SimClock().pacer()).send_all(items)
        assert [r.outcome for r in results] == ["recovered"] * 20
        assert len(slack.posts) == 20  # nothing posted twice
        assert sheets_calls(google) <= 10
        snap = google.store.refresh()
        assert sum(1 for r in snap.reminders if r.status == "skickad") == 20
