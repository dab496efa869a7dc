"""Unit tests for the Slack front's pieces: splitting, dedup, authorization, dashboard, command parsing."""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from bot.slack.blocks import answer_blocks, feedback_value, split_text
from bot.slack.dedup import EventDeduplicator
from bot.slack.listeners.answers import clean_question
from bot.slack.listeners.commands import parse_command
from bot.slack.modal import Submitted, validate
from engine.answer import Answer
from engine.authz import Identity, can_edit, can_open_editor, match_contacts
from engine.dashboard import post_progress, progress_bar
from engine.sheet.ceiling import amount_ceiling
from engine.status import Status
from engine.store import Contact, Role, RowKey, Snapshot, StatusRow
from tests import slack_support as s

CONTACTS = [
    Contact(row=2, name="Fia Falun", email="Falun@Example.se", slack_id="UFALUN01", recipient_id=s.FALUN),
    Contact(row=3, name="Sara Samordnare", email="sara@example.se", slack_id="UCOORD01", role=Role.samordnare),
]


def test_split_text_respects_limit_and_keeps_all_text():
    text = "\n\n".join("ord " * 300 for _ in range(20))
    parts = split_text(text, 3000)
    assert all(len(p) <= 3000 for p in parts) and len(parts) > 1
    assert " ".join(" ".join(parts).split()) == " ".join(text.split())


def test_split_text_hard_cuts_a_word_longer_than_the_limit():
    parts = split_text("x" * 7000, 3000)
    assert [len(p) for p in parts] == [3000, 3000, 1000]


def test_answer_blocks_fit_50_blocks_and_button_values_fit():
    answer = Answer(text="\n\n".join("a" * 2900 for _ in range(80)), intent="amount")
    blocks = [b.to_dict() for b in answer_blocks(answer, question="q" * 5000, share=True, show_question=True)]
    assert len(blocks) == 50
    values = [e["value"] for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert all(len(v) <= 2000 for v in values)
    assert json.loads(values[0])["q"].endswith("…")


def test_feedback_value_keeps_question_and_answer_start():
    data = json.loads(feedback_value("ask", "Hur mycket får Falun?", "1 726 309 kr " * 500))
    assert data["q"] == "Hur mycket får Falun?" and data["a"].startswith("1 726 309 kr")


def test_dedup_first_time_only_and_expires():
    now = [0.0]
    d = EventDeduplicator(ttl_seconds=10, max_size=3, clock=lambda: now[0])
    assert d.first_time("Ev1") and not d.first_time("Ev1")
    now[0] = 11
    assert d.first_time("Ev1")  # expired, seen anew
    for i in range(5):
        d.first_time(f"E{i}")
    assert len(d) == 3  # bounded
    assert d.first_time(None) and d.first_time(None)


def test_match_contacts_by_id_then_email():
    assert match_contacts(CONTACTS, slack_id="ufalun01")[0].name == "Fia Falun"
    assert match_contacts(CONTACTS, slack_id="UNOPE", email="falun@example.SE")[0].name == "Fia Falun"
    assert match_contacts(CONTACTS, slack_id="UNOPE", email="x@example.se") == []


def test_authorization_rules():
    contact = Identity(tuple(match_contacts(CONTACTS, slack_id="UFALUN01")))
    coord = Identity(tuple(match_contacts(CONTACTS, slack_id="UCOORD01")))
    stranger = Identity()
    names = {s.FALUN: "Faluns kommun", s.RATTVIK: "Rättviks kommun"}
    assert can_edit(contact, s.FALUN, CONTACTS, names).allowed
    refused = can_edit(contact, s.RATTVIK, CONTACTS, names)
    assert not refused.allowed
    msg = refused.message()
    assert "Faluns kommun" in msg and "Rättviks kommun" in msg and "sara@example.se" in msg
    assert can_edit(coord, s.RATTVIK, CONTACTS).allowed
    assert not can_edit(stranger, s.FALUN, CONTACTS).allowed
    assert "inte i fliken Kontakter" in can_open_editor(stranger, CONTACTS).message()
    assert "ingen samordnare" in can_open_editor(stranger, CONTACTS[:1]).message()


def test_progress_bar():
    assert progress_bar(12, 15) == "▓▓▓▓▓▓▓▓░░ 80 %"
    assert progress_bar(0, 0).endswith("0 %")


def test_dashboard_progress_and_ceiling():
    kb = s.slack_kb()
    assert amount_ceiling(kb, s.FALUN, s.AGREEMENT, s.KUNSKAPSBASERAD).amount == s.FALUN_CEILING
    assert amount_ceiling(kb, s.DANDERYD, s.AGREEMENT, s.SAMMANHALLEN) is None
    rows = [StatusRow(row=2, key=RowKey(recipient_id=s.FALUN, agreement=s.AGREEMENT, post=s.KUNSKAPSBASERAD),
                      recipient_name="Faluns kommun", status=Status.rekvirerad)]
    snap = Snapshot(statuses=rows, fetched_at=dt.datetime.now(dt.UTC))
    progress = {p.post: p for p in post_progress(kb, snap)}
    assert progress[s.KUNSKAPSBASERAD].line == "1 av 15 kommuner har rekvirerat"
    assert "Faluns kommun" not in progress[s.KUNSKAPSBASERAD].open_names
    assert progress[s.SAMMANHALLEN].total == 26  # the county pot stands for Stockholm county's municipalities


def test_modal_validation_amount_parsing_and_ceiling():
    kb = s.slack_kb()
    ok, errors = validate(kb, Submitted(recipient_id=s.FALUN, agreement=s.AGREEMENT, post=s.KUNSKAPSBASERAD,
                                        status="rekvirerad", amount="1,7 mnkr"))
    assert errors == {} and ok.amount == Decimal("1700000")
    assert ok.changes() == {"Status": "rekvirerad", "Belopp (kr)": "1700000"}  # not prefilled: no clearing
    _, errors = validate(kb, Submitted(recipient_id=s.FALUN, agreement=s.AGREEMENT, post=s.KUNSKAPSBASERAD,
                                       status="rekvirerad", amount="1 800 000,01 kr"))
    assert "1 800 000 kr" in errors["amount"]
    _, errors = validate(kb, Submitted())
    assert set(errors) == {"recipient", "post", "status"}


@pytest.mark.parametrize("text,expected", [
    ("", ("help", "")), ("hjälp", ("help", "")), ("Help", ("help", "")),
    ("status", ("status", "")), ("status Falun", ("status", "Falun")),
    ("uppdatera", ("update", "")), ("påminnelser", ("reminders", "")),
    ("hur mycket får Falun 2020?", ("ask", "hur mycket får Falun 2020?")),
    ("<@U123> vad gäller för moms?", ("ask", "vad gäller för moms?")),
])
def test_parse_command(text, expected):
    assert parse_command(text) == expected


def test_clean_question_unescapes_and_drops_mentions():
    assert clean_question("<@UBOT|stimulans>  a &lt; b &amp; c  <https://x.se|x.se>") == "a < b & c x.se"
