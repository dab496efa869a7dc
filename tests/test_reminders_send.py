"""Posting reminders exactly once (bot/slack/reminder_sender.py) against a local mock Slack Web API."""
import datetime as dt
import json
import threading

import pytest
import time_machine

from bot.slack.reminder_sender import ReminderSender, blocks_for, make_client
from engine.reminder_config import ReminderConfig
from engine.reminders import METADATA_EVENT_TYPE, STATUS_BUTTON_ACTION_ID, plan_outgoing
from tests.reminders_support import CrashAfterPost, CrashingStore, MemoryStore, MockSlack, make_kb

TODAY = dt.date(2020, 11, 24)
RID = "ok2020-faktura-storsthlm:7d:C1"
CONFIG = ReminderConfig()


@pytest.fixture
def slack():
    with MockSlack() as mock:
        yield mock


def items_for(store, dm=False):
    return plan_outgoing(make_kb(), store.snapshot(), TODAY, CONFIG, channel="C1", dm=dm)


def sender_for(slack, store, **kw):
    return ReminderSender(make_client("xoxb-test", slack.url), store, **kw)


def record(store, rid):
    return next(r for r in store.reminders if r.reminder_id == rid)


def test_posts_once_with_metadata_and_records_the_ts(slack):
    store = MemoryStore()
    [result] = sender_for(slack, store).send_all(items_for(store))
    assert result.outcome == "sent"
    [post] = slack.posts
    assert post["channel"] == "C1"
    assert post["metadata"] == {"event_type": METADATA_EVENT_TYPE, "event_payload": {
        "reminder_id": RID, "deadline_id": "ok2020-faktura-storsthlm", "offset_days": 7}}
    assert "Botkyrka kommun" in post["text"]
    rec = record(store, RID)
    assert rec.status == "skickad" and rec.slack_ts == post["ts"] == result.ts
    assert rec.planned_date == TODAY and rec.offset_days == 7 and rec.channel == "C1"
    again = sender_for(slack, store).send_all(items_for(store))
    assert [r.outcome for r in again] == ["already_sent"]
    assert len(slack.posts) == 1


def test_two_concurrent_runs_post_each_reminder_once(slack):
    for _ in range(15):
        store = MemoryStore()
        slack.posts.clear()
        barrier = threading.Barrier(2)
        outcomes = []

        def run(store=store, barrier=barrier, outcomes=outcomes):
            items = items_for(store, dm=True)
            barrier.wait()
            outcomes.extend(r.outcome for r in sender_for(slack, store).send_all(items))

        threads = [threading.Thread(target=run) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        ids = [p["metadata"]["event_payload"]["reminder_id"] for p in slack.posts]
        assert sorted(ids) == sorted(set(ids)) == [RID, "ok2020-faktura-storsthlm:7d:UBOTK"]
        assert outcomes.count("sent") == 2
        assert set(outcomes) <= {"sent", "already_sent", "in_progress", "recovered"}


def test_crash_between_post_and_record_does_not_double_post(slack):
    store = MemoryStore()
    with pytest.raises(CrashAfterPost):
        sender_for(slack, CrashingStore(store)).send_all(items_for(store))
    assert len(slack.posts) == 1
    assert record(store, RID).status == "anspråk" and not record(store, RID).slack_ts
    [result] = sender_for(slack, store).send_all(items_for(store))
    assert result.outcome == "recovered"
    assert len(slack.posts) == 1
    assert record(store, RID).slack_ts == slack.posts[0]["ts"]
    assert [r.outcome for r in sender_for(slack, store).send_all(items_for(store))] == ["already_sent"]


def test_crash_between_claim_and_post_waits_for_the_timeout_then_posts_once(slack):
    store = MemoryStore()
    [item] = items_for(store)
    now = dt.datetime.now(dt.UTC)
    assert store.claim_reminder(item.record(owner="crashed", claimed_at=now.isoformat()))
    # another run right after the crash: the claim may still be in flight → do not post
    [result] = sender_for(slack, store).send_all([item])
    assert result.outcome == "in_progress" and slack.posts == []
    with time_machine.travel(now + dt.timedelta(minutes=11), tick=False):
        [result] = sender_for(slack, store).send_all([item])
        again = sender_for(slack, store).send_all([item])
    assert result.outcome == "sent"
    assert len(slack.posts) == 1
    assert record(store, RID).slack_ts == slack.posts[0]["ts"]
    assert record(store, RID + "#2").slack_ts == slack.posts[0]["ts"]
    assert [r.outcome for r in again] == ["already_sent"]


def test_two_runs_taking_over_a_stale_claim_post_once(slack):
    store = MemoryStore()
    [item] = items_for(store)
    now = dt.datetime.now(dt.UTC)
    store.claim_reminder(item.record(owner="crashed", claimed_at=now.isoformat()))
    barrier = threading.Barrier(2)
    outcomes = []
    with time_machine.travel(now + dt.timedelta(minutes=30), tick=False):
        def run():
            barrier.wait()
            outcomes.extend(r.outcome for r in sender_for(slack, store).send_all([item]))

        threads = [threading.Thread(target=run) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert len(slack.posts) == 1
    assert outcomes.count("sent") == 1


def test_stale_claim_is_not_reposted_when_the_history_cannot_be_read():
    with MockSlack(history_error="missing_scope") as slack:
        store = MemoryStore()
        [item] = items_for(store)
        now = dt.datetime.now(dt.UTC)
        store.claim_reminder(item.record(owner="crashed", claimed_at=now.isoformat()))
        with time_machine.travel(now + dt.timedelta(hours=2), tick=False):
            [result] = sender_for(slack, store).send_all([item])
    assert result.outcome == "stuck" and "missing_scope" in result.detail
    assert slack.posts == []


def test_a_lost_record_does_not_repost_a_message_already_in_the_channel(slack):
    store = MemoryStore()
    sender_for(slack, store).send_all(items_for(store))
    store.reminders.clear()  # someone deleted the row in Påminnelser
    [result] = sender_for(slack, store).send_all(items_for(store))
    assert result.outcome == "recovered"
    assert len(slack.posts) == 1


def test_a_slack_error_is_reported_not_raised():
    with MockSlack(post_error="channel_not_found") as slack:
        store = MemoryStore()
        [result] = sender_for(slack, store).send_all(items_for(store))
    assert result.outcome == "failed" and result.detail == "channel_not_found"
    assert "Misslyckades" in result.describe()


def test_dm_goes_to_the_im_channel_with_the_status_button(slack):
    store = MemoryStore()
    results = sender_for(slack, store).send_all(items_for(store, dm=True))
    assert [r.outcome for r in results] == ["sent", "sent"]
    dm = next(p for p in slack.posts if p["channel"] == "DUBOTK")
    actions = [b for b in dm["blocks"] if b["type"] == "actions"]
    [button] = actions[0]["elements"]
    assert button["action_id"] == STATUS_BUTTON_ACTION_ID
    assert button["text"]["text"] == "Uppdatera status"
    assert json.loads(button["value"])["recipient_id"] == "kommun-0127"
    assert "conversations.open" in slack.calls


def test_blocks_split_long_texts_under_the_section_limit():
    store = MemoryStore()
    [item] = items_for(store)
    long_item = item.__class__(**{**item.__dict__, "text": ("rad\n" * 2000) + "x" * 7000})
    blocks = blocks_for(long_item)
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks)
    assert "".join(b["text"]["text"].replace("\n", "") for b in blocks) == "rad" * 2000 + "x" * 7000
