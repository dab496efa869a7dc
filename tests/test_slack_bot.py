"""The Slack bot end to end: a real Bolt App (request verification on) behind the real WSGI app over
loopback HTTP, signed requests built like Slack's, a mock Slack Web API recording what Slack would
receive, and the real local workbook store."""
from __future__ import annotations

import json
import time
from decimal import Decimal
from typing import Any

import pytest

from bot.slack.blocks import ACTION_FEEDBACK_UP, ACTION_OPEN_MODAL, ACTION_SHARE
from bot.slack.services import services
from engine.store import RowKey, StatusUpdate
from tests import slack_support as s


@pytest.fixture
def bot(tmp_path):
    with s.running_bot(tmp_path) as (mock, server, engine, store, app):
        yield Bot(mock, server, engine, store, app)


class Bot:
    def __init__(self, mock: s.MockSlack, server: s.BotServer, engine: s.SpyEngine, store: Any, app: Any):
        self.mock, self.server, self.engine, self.store, self.app = mock, server, engine, store, app

    @property
    def events_url(self) -> str:
        return self.server.url + "/slack/events"

    def send_event(self, event: dict[str, Any], event_id: str | None = None, headers: dict[str, str] | None = None,
                   **sign_kw: Any) -> s.Response:
        body = s.event_body(event, event_id)
        return s.post(self.events_url, body, "application/json", {**s.sign(body, **sign_kw), **(headers or {})})

    def send_command(self, text: str, user: str, response_name: str = "r1") -> s.Response:
        body = s.command_body(text, user, self.mock.response_url(response_name))
        return s.post(self.events_url, body, "application/x-www-form-urlencoded", s.sign(body))

    def send_interactive(self, payload: dict[str, Any]) -> s.Response:
        body = s.interactive_body(payload)
        return s.post(self.events_url, body, "application/x-www-form-urlencoded", s.sign(body))

    def responses(self, name: str) -> list[s.Call]:
        return [c for c in self.mock.of("response_url") if c.path.endswith("/" + name)]

    def wait_response(self, name: str, count: int = 1) -> list[s.Call]:
        return self.mock.wait_for(lambda calls: len(found := [c for c in calls if c.method == "response_url"
                                                              and c.path.endswith("/" + name)]) >= count and found)

    def open_modal(self, user: str, text: str = "uppdatera") -> dict[str, Any]:
        before = len(self.mock.of("views.open"))
        assert self.send_command(text, user).status == 200
        return self.mock.wait_method("views.open", before + 1)[-1].data["view"]

    def audit_rows(self) -> list[list[str]]:
        grid = self.store.backend.read_tabs(["Logg"])["Logg"]
        return [r for r in grid[1:] if any(str(c or "").strip() for c in r)]


def texts(blocks: list[dict[str, Any]]) -> str:
    out = []
    for b in blocks:
        if b.get("text"):
            out.append(b["text"]["text"] if isinstance(b["text"], dict) else b["text"])
        for e in b.get("elements", []) or []:
            if isinstance(e, dict) and isinstance(e.get("text"), (str, dict)):
                out.append(e["text"] if isinstance(e["text"], str) else e["text"]["text"])
        if b.get("accessory"):
            out.append(json.dumps(b["accessory"], ensure_ascii=False))
    return "\n".join(out)


def action_ids(blocks: list[dict[str, Any]]) -> list[str]:
    return [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]


# ---------------------------------------------------------------- request verification

def test_forged_signature_is_rejected_and_engine_not_called(bot):
    body = s.event_body(s.mention_event("Hur mycket får Falun 2020?"))
    forged = s.sign(body, secret="not-the-secret")
    resp = s.post(bot.events_url, body, "application/json", forged)
    assert resp.status == 401
    assert bot.engine.calls == []
    assert bot.mock.of("chat.postMessage") == []


def test_timestamp_older_than_five_minutes_is_rejected(bot):
    resp = bot.send_event(s.mention_event("Hur mycket får Falun 2020?"), timestamp=int(time.time()) - 6 * 60)
    assert resp.status == 401
    assert bot.engine.calls == []


def test_health_endpoint(bot):
    import urllib.request

    with urllib.request.urlopen(bot.server.url + "/healthz", timeout=5) as r:
        assert r.status == 200 and r.read() == b"ok"


# ---------------------------------------------------------------- mentions, DMs, retries

def test_mention_is_answered_in_the_thread_with_source_and_feedback_buttons(bot):
    question = "Hur mycket får Falun 2020?"
    resp = bot.send_event(s.mention_event(question, ts="1600000001.000100"))
    assert resp.status == 200
    call = bot.mock.wait_method("chat.postMessage")[0]
    assert call.data["channel"] == "C0CHAN01"
    assert call.data["thread_ts"] == "1600000001.000100"
    expected = bot.engine.inner.ask(question)
    blocks = call.data["blocks"]
    assert blocks[0]["type"] == "section" and blocks[0]["text"]["text"] == expected.text
    context = [b for b in blocks if b["type"] == "context"]
    if expected.sources:
        assert context and context[-1]["elements"][0]["text"] == expected.source_line()
    assert action_ids(blocks) == ["stimulans_feedback_up", "stimulans_feedback_down"]
    assert ("ask", question) in bot.engine.calls


def test_mention_inside_a_thread_replies_in_that_thread(bot):
    bot.send_event(s.mention_event("Hur mycket får Falun 2020?", ts="1600000009.000900",
                                   thread_ts="1600000005.000500"))
    assert bot.mock.wait_method("chat.postMessage")[0].data["thread_ts"] == "1600000005.000500"


def test_direct_message_is_answered_and_bot_messages_are_ignored(bot):
    bot.send_event({**s.dm_event("ignorera mig"), "bot_id": "BOTHER", "ts": "1600000002.000001"})
    bot.send_event({**s.dm_event("ändrat"), "subtype": "message_changed", "ts": "1600000002.000002"})
    bot.send_event(s.dm_event("Hur mycket får Falun 2020?", ts="1600000002.000200"))
    call = bot.mock.wait_method("chat.postMessage")[0]
    assert call.data["channel"] == "D0DM0001" and call.data["thread_ts"] == "1600000002.000200"
    assert [q for k, q in bot.engine.calls if k == "ask"] == ["Hur mycket får Falun 2020?"]


def test_retried_event_is_not_answered_twice(bot):
    event = s.mention_event("Hur mycket får Falun 2020?", ts="1600000001.000111")
    assert bot.send_event(event, event_id="Ev0RETRY1").status == 200
    bot.mock.wait_method("chat.postMessage")
    # Slack's HTTP retry (header) and a Socket-Mode-style redelivery (no header): same event_id
    r1 = bot.send_event(event, event_id="Ev0RETRY1", headers={"X-Slack-Retry-Num": "1",
                                                               "X-Slack-Retry-Reason": "http_timeout"})
    r2 = bot.send_event(event, event_id="Ev0RETRY1")
    assert r1.status == 200 and r2.status == 200
    # a later, different event is answered, so the pool has run what the retries would have started
    bot.send_event(s.mention_event("Hur mycket får Rättvik 2020?", ts="1600000001.000222"))
    bot.mock.wait_method("chat.postMessage", 2)
    posts = bot.mock.of("chat.postMessage")
    assert [p.data["thread_ts"] for p in posts].count("1600000001.000111") == 1
    assert len(posts) == 2
    assert sum(1 for k, q in bot.engine.calls if q == "Hur mycket får Falun 2020?") == 1


def test_long_answer_is_split_within_slack_limits(bot):
    bot.send_event(s.mention_event("LÅNGT svar tack"))
    call = bot.mock.wait_method("chat.postMessage")[0]
    blocks = call.data["blocks"]
    assert len(blocks) <= 50
    sections = [b for b in blocks if b["type"] == "section"]
    assert len(sections) > 1
    assert all(len(b["text"]["text"]) <= 3000 for b in sections)
    assert len(call.data["text"]) <= 3000
    assert "förkortat" in sections[-1]["text"]["text"]  # 259 long paragraphs do not fit in 50 blocks
    assert action_ids(blocks)  # feedback buttons survive the split


# ---------------------------------------------------------------- slash command, share, feedback

def test_slash_question_is_ephemeral_with_share_button_and_share_reposts_publicly(bot):
    assert bot.send_command("Hur mycket får Falun 2020?", s.U_FALUN, "q1").status == 200
    reply = bot.wait_response("q1")[0].data
    assert reply["response_type"] == "ephemeral"
    assert action_ids(reply["blocks"]) == ["stimulans_feedback_up", "stimulans_feedback_down", "stimulans_share"]
    share = next(e for b in reply["blocks"] if b["type"] == "actions" for e in b["elements"]
                 if e["action_id"] == ACTION_SHARE)
    bot.send_interactive(s.block_action(ACTION_SHARE, share["value"], s.U_FALUN, bot.mock.response_url("q1")))
    public = bot.mock.wait_method("chat.postMessage")[0].data
    assert public["channel"] == "C0CHAN01" and "thread_ts" not in public
    assert f"Delat av <@{s.U_FALUN}>" in texts(public["blocks"])
    assert texts(reply["blocks"]).split("\n")[1] in texts(public["blocks"])  # same answer text
    deleted = bot.wait_response("q1", 2)[1].data
    assert deleted.get("delete_original") is True


def test_share_falls_back_to_response_url_where_the_bot_cannot_post(bot):
    body = s.command_body("status Falun", s.U_COORD, bot.mock.response_url("pv"), channel="CPRIV001")
    s.post(bot.events_url, body, "application/x-www-form-urlencoded", s.sign(body))
    reply = bot.wait_response("pv")[0].data
    share = next(e for b in reply["blocks"] if b["type"] == "actions" for e in b["elements"]
                 if e["action_id"] == ACTION_SHARE)
    assert json.loads(share["value"]) == {"k": "status", "q": "Falun"}
    bot.send_interactive(s.block_action(ACTION_SHARE, share["value"], s.U_COORD, bot.mock.response_url("pv"),
                                        channel="CPRIV001"))
    public = bot.wait_response("pv", 2)[1].data
    assert public["response_type"] == "in_channel" and public.get("replace_original") is False
    assert f"Delat av <@{s.U_COORD}>" in texts(public["blocks"])


@pytest.mark.parametrize("text", ["hjälp", "help", ""])
def test_help_subcommand(bot, text):
    bot.send_command(text, s.U_STRANGER, "h")
    reply = bot.wait_response("h")[0].data
    assert reply["response_type"] == "ephemeral"
    assert reply["text"] == bot.engine.inner.help().text[:3000]


def test_status_subcommand_uses_the_store(bot):
    bot.send_command("status Falun", s.U_COORD, "st")
    reply = bot.wait_response("st")[0].data
    assert ("status", "Falun") in bot.engine.calls
    assert reply["text"] == bot.engine.inner.status_answer("Falun").text[:3000]


def test_reminders_subcommand(bot):
    bot.send_command("påminnelser", s.U_COORD, "p")
    reply = bot.wait_response("p")[0].data
    assert reply["response_type"] == "ephemeral"
    try:
        from engine.reminders import upcoming_text  # noqa: F401
    except ImportError:
        assert "inte tillgängliga" in reply["text"]
    else:
        assert "rekvirera" in reply["text"].lower() or "deadline" in reply["text"].lower()


def test_feedback_click_is_recorded_in_the_store(bot):
    bot.send_command("Hur mycket får Falun 2020?", s.U_FALUN, "fb")
    reply = bot.wait_response("fb")[0].data
    up = next(e for b in reply["blocks"] if b["type"] == "actions" for e in b["elements"]
              if e["action_id"] == ACTION_FEEDBACK_UP)
    bot.send_interactive(s.block_action(ACTION_FEEDBACK_UP, up["value"], s.U_FALUN, bot.mock.response_url("fb")))
    thanks = bot.wait_response("fb", 2)[1].data
    assert thanks["response_type"] == "ephemeral" and thanks.get("replace_original") is False
    grid = bot.store.backend.read_tabs(["Återkoppling"])["Återkoppling"]
    header, rows = grid[0], [r for r in grid[1:] if any(r)]
    assert len(rows) == 1
    row = dict(zip(header, rows[0], strict=False))
    assert row["Fråga"] == "Hur mycket får Falun 2020?"
    assert row["Röst"] == "up" and s.U_FALUN in row["Vem"]
    assert row["Svar"] and row["Svar"][:40] == bot.engine.inner.ask("Hur mycket får Falun 2020?").text[:40]


# ---------------------------------------------------------------- status modal + authorization

def _options(view: dict[str, Any], block_id: str) -> list[str]:
    el = next(b for b in view["blocks"] if b.get("block_id") == block_id)["element"]
    opts = el.get("options") or [o for g in el.get("option_groups", []) for o in g["options"]]
    return [o["value"] for o in opts]


def _initial(view: dict[str, Any], block_id: str) -> str | None:
    el = next(b for b in view["blocks"] if b.get("block_id") == block_id)["element"]
    return (el.get("initial_option") or {}).get("value")


def test_contact_opens_modal_with_own_recipient_preselected(bot):
    view = bot.open_modal(s.U_FALUN)
    assert view["callback_id"] == "stimulans_status_modal"
    assert _options(view, "recipient") == [s.FALUN]
    assert _initial(view, "recipient") == s.FALUN
    assert f"{s.AGREEMENT}|{s.KUNSKAPSBASERAD}" in _options(view, "post")
    assert set(_options(view, "status")) >= {"ej rekvirerad", "rekvirerad", "avstår"}


def test_coordinator_modal_lists_every_recipient_in_groups(bot):
    view = bot.open_modal(s.U_COORD)
    el = next(b for b in view["blocks"] if b.get("block_id") == "recipient")["element"]
    assert "option_groups" in el and all(len(g["options"]) <= 100 for g in el["option_groups"])
    assert {s.FALUN, s.RATTVIK, s.DANDERYD} <= set(_options(view, "recipient"))


def test_stranger_cannot_open_the_modal_and_is_told_whom_to_ask(bot):
    bot.send_command("uppdatera", s.U_STRANGER, "u")
    reply = bot.wait_response("u")[0].data
    assert reply["response_type"] == "ephemeral"
    assert "inte i fliken Kontakter" in reply["text"] and f"<@{s.U_COORD}>" in reply["text"]
    assert bot.mock.of("views.open") == []


def test_modal_amount_in_mnkr_is_accepted_and_stored_exactly(bot):
    view = bot.open_modal(s.U_FALUN)
    payload = s.view_submission(view, s.U_FALUN, {"post": f"{s.AGREEMENT}|{s.KUNSKAPSBASERAD}",
                                                  "status": "rekvirerad", "amount": "1,7 mnkr",
                                                  "date": "20 nov 2020", "planned_use": "Utbildning i MI"})
    resp = bot.send_interactive(payload)
    assert resp.status == 200 and not resp.body  # plain ack: the modal closes
    dm = bot.mock.wait_for(lambda calls: [c for c in calls if c.method == "chat.postMessage"
                                          and c.data["channel"] == s.U_FALUN])[0]
    assert "Sparat" in dm.data["text"]
    row = bot.store.refresh().status_for(RowKey(recipient_id=s.FALUN, agreement=s.AGREEMENT, post=s.KUNSKAPSBASERAD))
    assert row.amount == Decimal("1700000")
    assert str(row.status) == "rekvirerad" and row.date.isoformat() == "2020-11-20"
    assert row.planned_use == "Utbildning i MI" and s.U_FALUN in row.updated_by
    assert any(r[3] == "Belopp (kr)" for r in bot.audit_rows())


def test_contact_matched_by_email_without_ceiling_is_accepted(bot):
    # Danderyd has no Slack id in Kontakter: matched through users.info e-mail; its county pot has no
    # per-municipality figure, so there is no ceiling
    view = bot.open_modal(s.U_DANDERYD)
    assert any(c.data.get("user") == s.U_DANDERYD for c in bot.mock.of("users.info"))
    assert _initial(view, "recipient") == s.DANDERYD
    bot.send_interactive(s.view_submission(view, s.U_DANDERYD, {"post": f"{s.AGREEMENT}|{s.SAMMANHALLEN}",
                                                                "status": "fakturerad", "amount": "1,7 mnkr"}))
    bot.mock.wait_for(lambda calls: [c for c in calls if c.method == "chat.postMessage"
                                     and c.data["channel"] == s.U_DANDERYD])
    row = bot.store.refresh().status_for(RowKey(recipient_id=s.DANDERYD, agreement=s.AGREEMENT, post=s.SAMMANHALLEN))
    assert row.amount == Decimal("1700000") and str(row.status) == "fakturerad"


def test_amount_above_allocation_is_an_inline_error_and_nothing_is_written(bot):
    view = bot.open_modal(s.U_FALUN)
    before = bot.audit_rows()
    resp = bot.send_interactive(s.view_submission(view, s.U_FALUN, {
        "post": f"{s.AGREEMENT}|{s.KUNSKAPSBASERAD}", "status": "rekvirerad", "amount": "2 mnkr"}))
    assert resp.status == 200
    body = resp.json()
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {"amount"}
    assert "2 000 000 kr" in body["errors"]["amount"] and "1 800 000 kr" in body["errors"]["amount"]
    # the lazy writer re-validates and writes nothing; a later request proves the pool has run
    bot.send_command("hjälp", s.U_FALUN, "after")
    bot.wait_response("after")
    assert bot.audit_rows() == before


def test_bad_date_and_missing_status_are_inline_errors(bot):
    view = bot.open_modal(s.U_FALUN)
    resp = bot.send_interactive(s.view_submission(view, s.U_FALUN, {
        "post": f"{s.AGREEMENT}|{s.KUNSKAPSBASERAD}", "status": None, "amount": "12 äpplen", "date": "31/2/2020"}))
    errors = resp.json()["errors"]
    assert set(errors) == {"status", "amount", "date"}
    assert "12 äpplen" in errors["amount"] and "31/2/2020" in errors["date"]


def test_contact_cannot_update_another_municipality(bot):
    view = bot.open_modal(s.U_FALUN)
    before = bot.audit_rows()
    resp = bot.send_interactive(s.view_submission(view, s.U_FALUN, {
        "recipient": s.RATTVIK, "post": f"{s.AGREEMENT}|{s.KUNSKAPSBASERAD}", "status": "rekvirerad"}))
    errors = resp.json()["errors"]
    assert "Rättvik" in errors["recipient"] and "Falun" in errors["recipient"]
    assert f"<@{s.U_COORD}>" in errors["recipient"]
    bot.send_command("hjälp", s.U_FALUN, "after")
    bot.wait_response("after")
    assert bot.audit_rows() == before
    row = bot.store.refresh().status_for(RowKey(recipient_id=s.RATTVIK, agreement=s.AGREEMENT, post=s.KUNSKAPSBASERAD))
    assert row is None or str(row.status) == "ej rekvirerad"


def test_reminder_button_opens_prefilled_modal_or_refuses(bot):
    value = json.dumps({"recipient_id": s.FALUN, "agreement": s.AGREEMENT, "post": s.KUNSKAPSBASERAD,
                        "deadline_id": "d-rekv-2020"})
    bot.send_interactive(s.block_action(ACTION_OPEN_MODAL, value, s.U_FALUN, bot.mock.response_url("rb"),
                                        channel="D0DM0001"))
    view = bot.mock.wait_method("views.open")[0].data["view"]
    assert _initial(view, "recipient") == s.FALUN
    assert _initial(view, "post") == f"{s.AGREEMENT}|{s.KUNSKAPSBASERAD}"
    assert json.loads(view["private_metadata"])["deadline_id"] == "d-rekv-2020"
    # a contact for Falun clicking Rättvik's button is refused, ephemerally
    other = json.dumps({"recipient_id": s.RATTVIK, "agreement": s.AGREEMENT, "post": s.KUNSKAPSBASERAD,
                        "deadline_id": "d-rekv-2020"})
    bot.send_interactive(s.block_action(ACTION_OPEN_MODAL, other, s.U_FALUN, bot.mock.response_url("rb2")))
    refusal = bot.wait_response("rb2")[0].data
    assert refusal["response_type"] == "ephemeral" and "Rättvik" in refusal["text"]
    assert len(bot.mock.of("views.open")) == 1


def test_conflicting_edit_is_refused_and_user_sees_current_values(bot):
    value = json.dumps({"recipient_id": s.FALUN, "agreement": s.AGREEMENT, "post": s.KUNSKAPSBASERAD,
                        "deadline_id": ""})
    bot.send_interactive(s.block_action(ACTION_OPEN_MODAL, value, s.U_FALUN, bot.mock.response_url("c")))
    view = bot.mock.wait_method("views.open")[0].data["view"]
    # someone edits the same row in the sheet meanwhile
    bot.store.update_status(StatusUpdate(key=RowKey(recipient_id=s.FALUN, agreement=s.AGREEMENT,
                                                    post=s.KUNSKAPSBASERAD),
                                         changes={"Status": "utbetald", "Belopp (kr)": "1500000"}, actor="Kalle i arket"))
    n_audit = len(bot.audit_rows())
    bot.send_interactive(s.view_submission(view, s.U_FALUN, {"status": "rekvirerad", "amount": "1,7 mnkr"}))
    dm = bot.mock.wait_for(lambda calls: [c for c in calls if c.method == "chat.postMessage"
                                          and c.data["channel"] == s.U_FALUN])[0]
    assert "Inget sparades" in dm.data["text"] and "1 500 000 kr" in dm.data["text"]
    row = bot.store.refresh().status_for(RowKey(recipient_id=s.FALUN, agreement=s.AGREEMENT, post=s.KUNSKAPSBASERAD))
    assert row.amount == Decimal("1500000") and str(row.status) == "utbetald"
    refused = bot.audit_rows()[n_audit:]  # only the refusal is logged: the refused values, nothing written
    assert refused and all(str(r[6]).startswith("AVVISAD") for r in refused)


# ---------------------------------------------------------------- App Home

def test_app_home_for_coordinator_shows_progress(bot):
    bot.store.update_status(StatusUpdate(key=RowKey(recipient_id=s.FALUN, agreement=s.AGREEMENT,
                                                    post=s.KUNSKAPSBASERAD),
                                         changes={"Status": "rekvirerad"}, actor="test"))
    bot.send_event({"type": "app_home_opened", "user": s.U_COORD, "channel": "D0DM0001", "tab": "home",
                    "event_ts": "1600000004.000400"})
    view = bot.mock.wait_method("views.publish")[0].data
    assert view["user_id"] == s.U_COORD and view["view"]["type"] == "home"
    text = texts(view["view"]["blocks"])
    assert "1 av 15 kommuner har rekvirerat" in text
    assert "0 av 15 kommuner har rekvirerat" in text
    assert "▓" in text and "Rättvik" in text
    assert len(view["view"]["blocks"]) <= 100


def test_app_home_for_contact_shows_own_allocations_and_update_button(bot):
    bot.send_event({"type": "app_home_opened", "user": s.U_FALUN, "channel": "D0DM0001", "tab": "home",
                    "event_ts": "1600000004.000401"})
    blocks = bot.mock.wait_method("views.publish")[0].data["view"]["blocks"]
    text = texts(blocks)
    assert "Falu" in text and "1 800 000 kr" in text
    assert ACTION_OPEN_MODAL in text  # "Uppdatera status" buttons
    assert "1 december 2099" in text  # next deadline
    assert "Rättvik" not in text


def test_app_home_for_stranger_says_whom_to_ask(bot):
    bot.send_event({"type": "app_home_opened", "user": s.U_STRANGER, "channel": "D0DM0001", "tab": "home",
                    "event_ts": "1600000004.000402"})
    text = texts(bot.mock.wait_method("views.publish")[0].data["view"]["blocks"])
    assert "inte i fliken Kontakter" in text and f"<@{s.U_COORD}>" in text


def test_messages_tab_opened_publishes_nothing(bot):
    bot.send_event({"type": "app_home_opened", "user": s.U_COORD, "channel": "D0DM0001", "tab": "messages",
                    "event_ts": "1600000004.000403"})
    bot.send_event(s.mention_event("Hur mycket får Falun 2020?"))
    bot.mock.wait_method("chat.postMessage")
    assert bot.mock.of("views.publish") == []


def test_services_are_reachable_from_the_app(bot):
    assert services(bot.app).store is bot.store


# ---------------------------------------------------------------- follow-ups (issue #10)

def test_follow_up_in_a_thread_inherits_the_thread_question_but_not_another_threads(bot):
    bot.send_event(s.mention_event("Hur mycket får Mora 2020?", ts="1600000020.000100"))
    bot.mock.wait_method("chat.postMessage")
    bot.send_event(s.mention_event("Hur mycket får Falun för suicidprevention 2021?", ts="1600000021.000100"))
    bot.mock.wait_method("chat.postMessage", count=2)
    bot.send_event(s.mention_event("och Rättvik?", ts="1600000022.000100", thread_ts="1600000020.000100"))
    reply = bot.mock.wait_method("chat.postMessage", count=3)[2]
    assert reply.data["thread_ts"] == "1600000020.000100"
    text = texts(reply.data["blocks"])
    expected = bot.engine.inner.ask("Hur mycket får Rättvik 2020?").text
    assert expected.split(":")[0] in text and "Rättviks kommun" in text and "Jag antog: 2020" in text


def test_follow_up_in_a_direct_message_inherits_the_previous_dm_question(bot):
    bot.send_event(s.dm_event("How much does Vansbro get in 2020?", ts="1600000030.000100"))
    bot.mock.wait_method("chat.postMessage")
    bot.send_event(s.dm_event("and Mora?", ts="1600000031.000100"))
    reply = bot.mock.wait_method("chat.postMessage", count=2)[1]
    text = texts(reply.data["blocks"])
    expected = bot.engine.inner.ask("How much does Mora get in 2020?").text
    assert expected.split(":")[0] in text and "Mora kommun gets" in text and "Assumed: 2020" in text
