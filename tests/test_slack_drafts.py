"""Invoice drafts in Slack (issue #14): `/stimulans faktura [mottagare]` and the App Home button deliver the
draft as a .docx in a DM through files_upload_v2 against the mock Web API on loopback; a contact gets only its
own recipient's draft, a coordinator any. App Home shows the latest digest chart."""
from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from docx import Document

from bot.slack.listeners.drafts import ACTION_INVOICE_DRAFT
from engine.digest import digest_record
from tests import slack_support as s
from tests.test_slack_ux import DANDERYD, U_COORD, U_DAND, U_RATT, U_STR, RealBot


@pytest.fixture(scope="module")
def kb():
    from engine.knowledge import load_knowledge

    return load_knowledge()


@pytest.fixture
def bot(tmp_path, kb):
    b = RealBot(tmp_path, kb)
    yield b
    b.close()


def _notice(bot: RealBot, text: str, user: str, name: str) -> str:
    blocks = bot.command(text, user, name)
    return "\n".join(b["text"]["text"] for b in blocks if b.get("text"))


def _docx_text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    return "\n".join([p.text for p in doc.paragraphs]
                     + [" | ".join(c.text for c in row.cells) for t in doc.tables for row in t.rows])


def _uploads(bot: RealBot) -> list[tuple[dict[str, Any], bytes]]:
    done = bot.mock.of("files.completeUploadExternal")
    raw = {c.data["file_id"]: c.data["bytes"] for c in bot.mock.of("file_upload")}
    import json

    out = []
    for c in done:
        files = json.loads(c.data["files"]) if isinstance(c.data["files"], str) else c.data["files"]
        out.append((c.data, raw[files[0]["id"]]))
    return out


def test_coordinator_gets_any_recipients_draft_in_a_dm(bot):
    text = _notice(bot, "faktura Danderyd", U_COORD, "f1")
    assert "Fakturaunderlaget för Danderyds kommun (2020) har skickats till dig som direktmeddelande" in text
    assert bot.mock.of("conversations.open")[0].data["users"] == U_COORD
    [(meta, data)] = _uploads(bot)
    assert meta["channel_id"] == "D" + U_COORD
    assert "beräknat" in meta["initial_comment"] and "[ATT FYLLA I]" in meta["initial_comment"]
    body = _docx_text(data)
    for needed in ("faktura@storsthlm.se", "S/20/0002", "717/771", "Ingen moms", "BERÄKNAT BELOPP"):
        assert needed in body
    # the sheet's Kontakter row fills the contact person
    assert "Dan Danderyd, danderyd@example.se" in body


def test_contact_gets_only_its_own_recipients_draft(bot):
    text = _notice(bot, "faktura", U_DAND, "f2")  # no recipient: its own (matched by e-mail)
    assert "Danderyds kommun (2020) har skickats" in text
    assert len(_uploads(bot)) == 1
    refused = _notice(bot, "faktura Täby", U_DAND, "f3")
    assert "kan bara hämta dess fakturaunderlag, inte Täby kommun" in refused
    assert len(_uploads(bot)) == 1  # nothing more uploaded


def test_contact_whose_recipient_sends_no_invoice_is_told_why(bot):
    text = _notice(bot, "faktura", U_RATT, "f4")
    assert "gäller kommunerna i Stockholms län, inte Rättviks kommun" in text
    assert _uploads(bot) == []


def test_stranger_is_refused_and_told_whom_to_ask(bot):
    text = _notice(bot, "faktura Danderyd", U_STR, "f5")
    assert "Du finns inte i fliken Kontakter" in text and "Fråga en samordnare" in text
    assert _uploads(bot) == []


def test_faktura_followed_by_a_question_is_still_a_question(bot):
    text = _notice(bot, "faktura moms?", U_STR, "f6")
    assert "moms" in text.lower() and _uploads(bot) == []


def test_app_home_button_delivers_the_draft(bot):
    view = bot.home(U_DAND)
    buttons = [e for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]]
    invoice = [e for e in buttons if e["action_id"] == ACTION_INVOICE_DRAFT]
    assert [e["value"] for e in invoice] == [DANDERYD]
    payload = s.block_action(ACTION_INVOICE_DRAFT, DANDERYD, U_DAND, None, channel=None,
                             container={"type": "view", "view_id": "V0TEST"})
    assert bot.interactive(payload).status == 200
    bot.mock.wait_method("files.completeUploadExternal")
    [(meta, data)] = _uploads(bot)
    assert meta["channel_id"] == "D" + U_DAND and "717/771" in _docx_text(data)
    # Rättvik's contact sends no invoice to Storsthlm: no button
    view = bot.home(U_RATT)
    assert ACTION_INVOICE_DRAFT not in str(view["blocks"])
    # a forged click for someone else's recipient is refused in the DM, nothing uploaded
    forged = s.block_action(ACTION_INVOICE_DRAFT, DANDERYD, U_RATT, None, channel=None,
                            container={"type": "view", "view_id": "V0TEST"})
    assert bot.interactive(forged).status == 200
    notice = bot.mock.wait_for(lambda calls: [c for c in calls if c.method == "chat.postMessage"
                                              and c.data.get("channel") == U_RATT])
    assert "inte Danderyds kommun" in notice[-1].data["text"]
    assert len(_uploads(bot)) == 1


def test_coordinator_home_shows_the_latest_digest_chart(bot):
    view = bot.home(U_COORD)
    assert not [b for b in view["blocks"] if b["type"] == "image"]
    now = dt.datetime.now(dt.UTC).isoformat()
    record = digest_record(dt.date(2020, 11, 24), "CCOORD1", "test", now)
    assert bot.store.claim_reminder(record)
    bot.store.complete_reminder(record.reminder_id, "F0DIGEST1")
    view = bot.home(U_COORD)
    images = [b for b in view["blocks"] if b["type"] == "image"]
    assert len(images) == 1 and images[0]["slack_file"] == {"id": "F0DIGEST1"}
    assert "/stimulans faktura" in str(view["blocks"])
