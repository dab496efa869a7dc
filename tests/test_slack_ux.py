"""What Slack would show, on the real knowledge base: App Home per role (Stockholm date), the status modal
(own posts first, ceiling hint, reminder context), confirmations in Swedish, and Block Kit within Slack's
limits for large and empty sheets. Real Bolt on signed requests, the mock Web API, the real workbook."""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.slack import home
from bot.slack.app import create_app
from bot.slack.http import create_wsgi_app
from bot.slack.modal import Prefill, build_status_modal
from bot.slack.reminder_sender import blocks_for
from config.settings import Settings
from engine.authz import Identity
from engine.dashboard import upcoming_deadlines
from engine.reminders import OutgoingReminder
from engine.status import Status
from engine.store import Contact, RowKey, Snapshot, StatusRow, StatusUpdate
from tests import slack_support as s

U_RATT, U_DAND, U_COORD, U_STR = "URATT001", "UDAND001", "UCOORD01", "USTRANGE"
RATTVIK, DANDERYD = "kommun-2031", "kommun-0162"
HANDLINGSPLANER_2020 = "ok2020|ok2020-kommun-handlingsplaner"
STOCKHOLM = dt.timezone(dt.timedelta(hours=1))  # CET in November/December


@pytest.fixture(scope="module")
def kb():
    from engine.knowledge import KnowledgeError, load_knowledge

    try:
        return load_knowledge()
    except KnowledgeError as e:  # pragma: no cover - while the knowledge base is being written
        pytest.skip(f"knowledge base does not load: {e}")


class RealBot:
    """Real engine + real knowledge base + real workbook store behind Bolt over loopback HTTP."""

    def __init__(self, tmp_path: Any, kb: Any):
        from engine.qa import Engine
        from sheets.factory import open_store

        self.mock = s.MockSlack(users={**s.EMAILS, U_RATT: "rattvik@example.se", U_STR: "someone@example.se"})
        settings = Settings(SLACK_BOT_TOKEN=s.BOT_TOKEN, SLACK_SIGNING_SECRET=s.SIGNING_SECRET,
                            SLACK_API_URL=self.mock.url, STIMULANS_WORKBOOK=tmp_path / "stimulans.xlsx")
        self.store = open_store(settings, kb=kb)
        self.store.init_schema()
        self.store.backend.append_rows("Kontakter", [
            ["Rut Rättvik", "rattvik@example.se", U_RATT, "Rättviks kommun", "2031", "kontakt"],
            ["Dan Danderyd", "danderyd@example.se", "", "Danderyds kommun", "0162", "kontakt"],  # e-mail only
            ["Sara Samordnare", "samordnare@example.se", U_COORD, "", "", "samordnare"],
        ])
        self.store.invalidate()
        app = create_app(settings, engine=Engine(kb, store=self.store), store=self.store, kb=kb)
        self.server = s.BotServer(create_wsgi_app(app))
        self.url = self.server.url + "/slack/events"

    def close(self) -> None:
        self.server.close()
        self.mock.close()

    def event(self, event: dict[str, Any]) -> None:
        body = s.event_body(event)
        assert s.post(self.url, body, "application/json", s.sign(body)).status == 200

    def command(self, text: str, user: str, name: str) -> list[dict[str, Any]]:
        """Run `/stimulans text`; the blocks sent to its response_url (or [] when a modal opened instead)."""
        body = s.command_body(text, user, self.mock.response_url(name))
        assert s.post(self.url, body, "application/x-www-form-urlencoded", s.sign(body)).status == 200
        return self.mock.wait_for(lambda calls: [c.data for c in calls if c.method == "response_url"
                                                 and c.path.endswith("/" + name)])[-1]["blocks"]

    def interactive(self, payload: dict[str, Any]) -> s.Response:
        body = s.interactive_body(payload)
        return s.post(self.url, body, "application/x-www-form-urlencoded", s.sign(body))

    def home(self, user: str) -> dict[str, Any]:
        before = len(self.mock.of("views.publish"))
        self.event({"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home",
                    "event_ts": "1600000009.000900"})
        return self.mock.wait_method("views.publish", before + 1, timeout=30)[-1].data["view"]

    def open_modal(self, user: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        before = len(self.mock.of("views.open"))
        if payload is None:
            body = s.command_body("uppdatera", user, self.mock.response_url("upd"))
            assert s.post(self.url, body, "application/x-www-form-urlencoded", s.sign(body)).status == 200
        else:
            assert self.interactive(payload).status == 200
        return self.mock.wait_method("views.open", before + 1, timeout=30)[-1].data["view"]


@pytest.fixture
def bot(tmp_path, kb):
    b = RealBot(tmp_path, kb)
    yield b
    b.close()


# ------------------------------------------------------------------ Block Kit checks (Slack's limits)

def _strings(view_or_blocks: Any) -> str:
    return json.dumps(view_or_blocks, ensure_ascii=False)


def _check_select(el: dict[str, Any]) -> None:
    opts = el.get("options")
    groups = el.get("option_groups")
    assert (opts is None) != (groups is None), "a select has options or option_groups, not both"
    assert len(opts or []) <= 100 and len(groups or []) <= 100
    for g in groups or []:
        assert len(g["label"]["text"]) <= 75 and 1 <= len(g["options"]) <= 100
    every = list(opts or []) + [o for g in groups or [] for o in g["options"]]
    for o in every:
        assert o["text"]["type"] == "plain_text" and len(o["text"]["text"]) <= 75
        assert len(o["value"]) <= 150
    values = [o["value"] for o in every]
    assert len(values) == len(set(values)), "duplicate option values"


def check_blocks(blocks: list[dict[str, Any]], max_blocks: int) -> None:
    assert 0 < len(blocks) <= max_blocks
    for b in Block.parse_all(blocks):
        b.validate_json()
    ids = [b["block_id"] for b in blocks if "block_id" in b]
    assert len(ids) == len(set(ids)), "block_id must be unique in a message or view"
    for b in blocks:
        if b["type"] == "header":
            assert b["text"]["type"] == "plain_text" and len(b["text"]["text"]) <= 150
        if b["type"] == "section" and "text" in b:
            assert len(b["text"]["text"]) <= 3000
        if b["type"] == "context":
            assert len(b["elements"]) <= 10 and all(len(e.get("text", "")) <= 2000 for e in b["elements"])
        if b["type"] == "actions":
            action_ids = [e["action_id"] for e in b["elements"]]
            assert len(action_ids) == len(set(action_ids)) and len(b["elements"]) <= 25
        for el in [b.get("accessory"), b.get("element"), *(b.get("elements") or [])]:
            if not isinstance(el, dict):
                continue
            if el.get("type") == "button":
                assert el["text"]["type"] == "plain_text" and len(el["text"]["text"]) <= 75
                assert len(el.get("value", "")) <= 2000
            if el.get("type") == "static_select":
                _check_select(el)


def check_view(view: dict[str, Any]) -> None:
    View(**view).validate_json()
    check_blocks(view["blocks"], 100)
    if view["type"] == "modal":
        assert len(view["title"]["text"]) <= 24
        assert len(view.get("private_metadata", "")) <= 3000


def texts(blocks: list[dict[str, Any]]) -> str:
    out = []
    for b in blocks:
        if isinstance(b.get("text"), dict):
            out.append(b["text"]["text"])
        for e in b.get("elements", []) or []:
            if isinstance(e, dict) and isinstance(e.get("text"), str):
                out.append(e["text"])
    return "\n".join(out)


# ------------------------------------------------------------------ App Home on the real knowledge base

def test_dalarna_contact_home_shows_both_posts_with_amounts_statuses_and_sourced_deadlines(bot):
    with time_machine.travel(dt.datetime(2020, 11, 20, 9, 0, tzinfo=STOCKHOLM), tick=True):
        view = bot.home(U_RATT)
    check_view(view)
    shown = texts(view["blocks"])
    assert "*Rättviks kommun*" in shown
    assert "Handlingsplaner, kommuner 2020: *212 491,47 kr*" in shown
    assert "Kunskapsbaserad och säker vård, kommuner 2020: *106 245,74 kr*" in shown
    assert "Källa: Region Dalarna – förslag på användning av medlen 2020" in shown  # the allocations' source
    assert "002_74a662b3024a3357" not in shown  # never a bare stem
    statuses = [b["text"]["text"] for b in view["blocks"]
                if b["type"] == "section" and b.get("accessory", {}).get("text", {}).get("text") == "Uppdatera"]
    assert statuses == ["*Handlingsplaner, kommuner 2020*: Ej rekvirerad",
                        "*Kunskapsbaserad och säker vård, kommuner 2020*: Ej rekvirerad"]
    deadlines = next(b["text"]["text"] for b in view["blocks"]
                     if b["type"] == "section" and b["text"]["text"].startswith("*Kommande deadlines*"))
    assert "31 mars 2021" in deadlines
    i = next(i for i, b in enumerate(view["blocks"]) if b.get("text", {}).get("text") == deadlines)
    assert view["blocks"][i + 1]["type"] == "context" and "Källa:" in view["blocks"][i + 1]["elements"][0]["text"]


def test_stockholm_county_contact_sees_the_storsthlm_invoice_deadline_until_stockholm_midnight(bot):
    with time_machine.travel(dt.datetime(2020, 11, 20, 9, 0, tzinfo=STOCKHOLM), tick=True):
        before = texts(bot.home(U_DAND)["blocks"])  # Danderyd is matched by e-mail (no Slack id in Kontakter)
    assert "• 1 december 2020: kommunerna i Stockholms län ska skicka faktura" in before
    assert "Storsthlm (faktura@storsthlm.se)" in before
    assert "Dokumenten anger inget eget belopp för Danderyds kommun" in before
    assert "`Hur mycket får Danderyds kommun 2020?`" in before  # a question the engine answers (estimate)
    # 1 December 23:30 UTC is already 2 December in Stockholm: the deadline has passed there
    with time_machine.travel(dt.datetime(2020, 12, 1, 23, 30, tzinfo=dt.UTC), tick=True):
        after = texts(bot.home(U_DAND)["blocks"])
    assert "1 december 2020: kommunerna i Stockholms län ska skicka faktura" not in after


def test_coordinator_home_progress_per_post_open_recipients_and_swedish_date(bot):
    bot.store.update_status(StatusUpdate(key=RowKey(recipient_id=RATTVIK, agreement="ok2020",
                                                    post="ok2020-kommun-handlingsplaner"),
                                         changes={"Status": "rekvirerad"}, actor="test"))
    with time_machine.travel(dt.datetime(2020, 11, 20, 9, 0, tzinfo=STOCKHOLM), tick=True):
        view = bot.home(U_COORD)
    check_view(view)
    shown = texts(view["blocks"])
    assert "Läget 20 november 2020" in shown
    assert "*Handlingsplaner, kommuner 2020*\n`▓░░░░░░░░░ 7 %`  1 av 15 kommuner har rekvirerat" in shown
    hp = next(b["text"]["text"] for b in view["blocks"]
              if b["type"] == "section" and b["text"]["text"].startswith("*Handlingsplaner, kommuner 2020*"))
    assert "Öppna: Avesta kommun" in hp and "Rättviks kommun" not in hp
    assert "*Mottagare med öppna rader*" in shown
    assert "• 1 december 2020: kommunerna i Stockholms län ska skicka faktura" in shown
    assert "tillgängligt för regioner och kommuner till regioner och kommuner" not in shown


def test_stranger_home_says_whom_to_ask(bot):
    view = bot.home(U_STR)
    check_view(view)
    assert "Fråga en samordnare: <@UCOORD01>" in texts(view["blocks"])


# ------------------------------------------------------------------ the status modal

def test_contact_modal_lists_own_posts_first_and_preselects_a_single_own_post(bot):
    view = bot.open_modal(U_DAND)  # Danderyd has one row (Sammanhållen vård 2020)
    check_view(view)
    post = next(b for b in view["blocks"] if b.get("block_id") == "post")["element"]
    assert post["option_groups"][0]["label"]["text"] == "Era poster"
    assert [o["value"] for o in post["option_groups"][0]["options"]] == ["ok2020|ok2020-lan-sammanhallen-vard"]
    assert post["initial_option"]["value"] == "ok2020|ok2020-lan-sammanhallen-vard"
    status = next(b for b in view["blocks"] if b.get("block_id") == "status")["element"]
    assert status["initial_option"]["value"] == Status.ej_rekvirerad.value
    meta = json.loads(view["private_metadata"])
    assert meta["key"] == [DANDERYD, "ok2020", "ok2020-lan-sammanhallen-vard"] and meta["expected"]["Status"]

    view = bot.open_modal(U_RATT)  # Rättvik has two: both first, nothing preselected
    post = next(b for b in view["blocks"] if b.get("block_id") == "post")["element"]
    assert [o["text"]["text"] for o in post["option_groups"][0]["options"]] == [
        "Handlingsplaner, kommuner 2020", "Kunskapsbaserad och säker vård, kommuner 2020"]
    assert "initial_option" not in post
    all_values = [o["value"] for g in post["option_groups"] for o in g["options"]]
    assert "ok2021|" in all_values  # the rest stays reachable (e.g. a whole-agreement row for 2021)


def test_home_button_prefills_and_hints_the_published_ceiling_then_confirms_in_swedish(bot):
    value = json.dumps({"recipient_id": RATTVIK, "agreement": "ok2020", "post": "ok2020-kommun-handlingsplaner",
                        "deadline_id": ""})
    view = bot.open_modal(U_RATT, s.block_action("stimulans_open_status_modal", value, U_RATT, None, channel=None,
                                                 container={"type": "view", "view_id": "VHOME"}))
    check_view(view)
    amount = next(b for b in view["blocks"] if b.get("block_id") == "amount")
    assert amount["hint"]["text"] == "Publicerad tilldelning: 212 491,47 kr. Ett högre belopp godtas inte."
    too_much = bot.interactive(s.view_submission(view, U_RATT, {"status": "rekvirerad", "amount": "212 492 kr"}))
    assert too_much.json()["errors"] == {"amount": "212 492 kr är mer än den publicerade tilldelningen "
                                                   "(212 491,47 kr) för Handlingsplaner, kommuner 2020 "
                                                   "(Region Dalarna – förslag på användning av medlen 2020, avsnitt 1. Belopp)."}
    ok = bot.interactive(s.view_submission(view, U_RATT, {"status": "rekvirerad", "amount": "212 491,47 kr",
                                                          "date": "20/11/2020"}))
    assert ok.status == 200 and ok.body == ""
    dm = bot.mock.wait_method("chat.postMessage", timeout=30)[-1].data
    assert dm["channel"] == U_RATT
    assert "• Datum: (tomt) → 20 november 2020" in dm["text"]
    assert "• Belopp (kr): (tomt) → 212 491,47 kr" in dm["text"]
    bot.store.invalidate()
    row = bot.store.snapshot().status_for(RowKey(recipient_id=RATTVIK, agreement="ok2020",
                                                 post="ok2020-kommun-handlingsplaner"))
    assert row.amount == Decimal("212491.47") and row.date == dt.date(2020, 11, 20)


def test_reminder_button_modal_says_which_deadline_it_is_about(bot):
    value = json.dumps({"recipient_id": DANDERYD, "agreement": "ok2020", "post": "ok2020-lan-sammanhallen-vard",
                        "deadline_id": "ok2020-faktura-storsthlm"})
    view = bot.open_modal(U_DAND, s.block_action("stimulans_open_status_modal", value, U_DAND, None,
                                                 channel="D0DM0001"))
    check_view(view)
    first = view["blocks"][0]
    assert first["type"] == "context"
    assert first["elements"][0]["text"].startswith("Från påminnelsen: senast 1 december 2020 ska kommunerna i "
                                                   "Stockholms län skicka faktura")
    assert json.loads(view["private_metadata"])["deadline_id"] == "ok2020-faktura-storsthlm"


def test_conflict_message_shows_current_values_in_swedish(bot):
    value = json.dumps({"recipient_id": RATTVIK, "agreement": "ok2020", "post": "ok2020-kommun-handlingsplaner",
                        "deadline_id": ""})
    view = bot.open_modal(U_RATT, s.block_action("stimulans_open_status_modal", value, U_RATT, None, channel=None,
                                                 container={"type": "view", "view_id": "VHOME"}))
    bot.store.update_status(StatusUpdate(key=RowKey(recipient_id=RATTVIK, agreement="ok2020",
                                                    post="ok2020-kommun-handlingsplaner"),
                                         changes={"Status": "fakturerad", "Datum": "2020-11-25"}, actor="Annan"))
    assert bot.interactive(s.view_submission(view, U_RATT, {"status": "utbetald"})).status == 200
    dm = bot.mock.wait_method("chat.postMessage", timeout=30)[-1].data["text"]
    assert dm.startswith("*Inget sparades för Rättviks kommun, Handlingsplaner, kommuner 2020*")
    assert "• Status: Fakturerad" in dm and "• Datum: 25 november 2020" in dm
    assert "Senast ändrad av Annan " in dm and " kl. " in dm  # not an ISO timestamp


# ------------------------------------------------------------------ answers: Block Kit, source, Swedish figures

@pytest.mark.parametrize("text,user,expect", [
    ("hur mkt far rattvik 2020", U_RATT, "318 737 kr"),
    ("status", U_COORD, "av 15 klara"),
    ("status Dalarna", U_COORD, "Rättviks kommun"),
    ("påminnelser", U_COORD, "Kommande deadlines"),
    ("hjälp", U_STR, "Hur mycket får Falun 2020?"),
    ("", U_STR, "Hur mycket får Falun 2020?"),
])
def test_slash_answers_are_valid_block_kit_with_share_and_feedback(bot, text, user, expect):
    blocks = bot.command(text, user, "r-" + text.encode().hex()[:12])
    check_blocks(blocks, 50)
    assert expect in texts(blocks)
    actions = [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert actions == ["stimulans_feedback_up", "stimulans_feedback_down", "stimulans_share"]
    if text.startswith("hur"):  # a figure answer carries its source as a context line
        assert any(b["type"] == "context" and b["elements"][0]["text"].startswith("Källa: ") for b in blocks)


def test_mention_answer_is_valid_block_kit_in_the_thread(bot):
    bot.event(s.mention_event("sista dag fakturera storsthlm?", ts="1600000001.000100"))
    msg = bot.mock.wait_method("chat.postMessage", timeout=30)[-1].data
    assert msg["thread_ts"] == "1600000001.000100"
    check_blocks(msg["blocks"], 50)
    assert msg["blocks"][0]["text"]["text"].startswith("1 december 2020")
    assert "Källa: Storsthlm – fakturering av länsgemensamma stimulansmedel" in texts(msg["blocks"])


# ------------------------------------------------------------------ scale and emptiness (no Slack needed)

def _big_snapshot(kb: Any) -> Snapshot:
    munis = [r for r in kb.recipients.values() if str(r.kind) == "kommun"]
    posts = [p for p in kb.posts.values() if p.year == 2020][:6]
    rows, n = [], 2
    for r in munis:
        for p in posts:
            rows.append(StatusRow(row=n, key=RowKey(recipient_id=r.id, agreement=p.agreement, post=p.id),
                                  recipient_name=r.name, planned_use="lång text " * 60))
            n += 1
    return Snapshot(statuses=rows, fetched_at=dt.datetime.now(dt.UTC))


def test_coordinator_with_300_recipients_stays_within_slack_limits(kb):
    snap = _big_snapshot(kb)
    assert len({s.key.recipient_id for s in snap.statuses}) >= 290
    view = home.coordinator_home(kb, snap, dt.date(2020, 11, 20), "Sara").to_dict()
    check_view(view)
    assert "… och" in texts(view["blocks"])  # long lists are cut, not sent whole
    modal = build_status_modal(kb, recipient_ids=None, prefill=Prefill(), statuses=snap.statuses).to_dict()
    check_view(modal)
    recipient = next(b for b in modal["blocks"] if b.get("block_id") == "recipient")["element"]
    assert sum(len(g["options"]) for g in recipient["option_groups"]) >= 300


def test_contact_of_many_recipients_and_posts_stays_within_slack_limits(kb):
    snap = _big_snapshot(kb)
    munis = sorted({s.key.recipient_id for s in snap.statuses})[:150]
    identity = Identity(tuple(Contact(row=i + 2, name="K", recipient_id=r) for i, r in enumerate(munis)))
    view = home.contact_home(kb, snap, dt.date(2020, 11, 20), identity).to_dict()
    check_view(view)
    assert "… och 145 mottagare till" in texts(view["blocks"])
    modal = build_status_modal(kb, recipient_ids=munis, prefill=Prefill(), statuses=snap.statuses).to_dict()
    check_view(modal)


def test_empty_sheet_is_not_reported_as_all_done(kb):
    empty = Snapshot(fetched_at=dt.datetime.now(dt.UTC))
    view = home.coordinator_home(kb, empty, dt.date(2020, 11, 20), "Sara").to_dict()
    check_view(view)
    shown = texts(view["blocks"])
    assert "alla rader är klara" not in shown
    assert "Fliken Rekvisitioner har inga rader ännu" in shown
    contact = home.contact_home(kb, empty, dt.date(2020, 11, 20),
                                Identity((Contact(row=2, name="R", recipient_id=RATTVIK),))).to_dict()
    check_view(contact)
    assert "Inga rader i fliken Rekvisitioner ännu" in texts(contact["blocks"])
    check_view(build_status_modal(kb, recipient_ids=None, prefill=Prefill(), statuses=[]).to_dict())


def test_deadline_line_does_not_repeat_the_receiver(kb):
    lines = [d.text for d in upcoming_deadlines(kb, dt.date(2021, 1, 1), limit=50)]
    assert all(" till regioner och kommuner till regioner och kommuner" not in t for t in lines)
    assert any(t.endswith("tillgängligt för regioner och kommuner") for t in lines)


def test_reminder_dm_blocks_are_block_kit_and_keep_their_buttons():
    buttons = tuple({"label": f"Uppdatera status: Kommun {i} – Sammanhållen vård 2020",
                     "value": json.dumps({"recipient_id": f"kommun-{i:04d}", "agreement": "ok2020",
                                          "post": "ok2020-lan-sammanhallen-vard", "deadline_id": "d"})}
                    for i in range(5))
    item = OutgoingReminder("d:7d:U1", "d", 7, "U1", dt.date(2020, 11, 24), "\n".join(["x" * 2800] * 80),
                            kind="dm", buttons=buttons)
    blocks = blocks_for(item)
    check_blocks(blocks, 50)
    assert [b["block_id"] for b in blocks if b["type"] == "actions"] == [f"stimulans_status_{i}" for i in range(5)]
    assert blocks[-1]["elements"][0]["action_id"] == "stimulans_open_status_modal"
