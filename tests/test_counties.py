"""Several counties in one deployment (engine/counties.py, docs/scale.md): Stockholm and Dalarna, each with
its own workbook and channel. Reminders, status answers and writes stay within their county; the county
file is validated on start; without it nothing changes."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.slack.modal import B_RECIPIENT
from engine.counties import CountyConfigError, county_deadlines, load_counties
from engine.store import RowKey
from tests import slack_support as s

STHLM_CH, DALA_CH = "C0STHLM01", "C0DALA001"
U_STHLM_CO, U_DALA_CO = "USTHCO01", "UDALCO01"


def write_counties(tmp_path: Path, extra: str = "") -> Path:
    path = tmp_path / "counties.yaml"
    path.write_text(f"""counties:
  - code: "01"
    name: Stockholms län
    workbook: sthlm.xlsx
    reminder_channel: {STHLM_CH}
    coordinators: [{U_STHLM_CO}]
  - code: "20"
    name: Dalarnas län
    workbook: dala.xlsx
    reminder_channel: {DALA_CH}
    coordinators: [{U_DALA_CO}]
{extra}""", encoding="utf-8")
    return path


# ------------------------------------------------------------------ the county file


@pytest.mark.parametrize("body, message", [
    ('counties:\n  - code: "01"\n    reminder_channel: C0AAAAAA1\n', "antingen workbook"),
    ('counties:\n  - code: "1x"\n    workbook: a.xlsx\n', "två siffror"),
    ('counties:\n  - code: "01"\n    workbook: a.xlsx\n    reminder_channel: "#allmänt"\n', "inget kanal-id"),
    ('counties:\n  - code: "01"\n    workbook: a.xlsx\n    coordinators: [anna]\n', "varken ett Slack-id"),
    ('counties:\n  - {code: "01", workbook: a.xlsx, reminder_channel: C0SAME001}\n'
     '  - {code: "20", workbook: b.xlsx, reminder_channel: C0SAME001}\n', "kanal C0SAME001 står för både"),
    ('counties:\n  - {code: "01", workbook: a.xlsx}\n  - {code: "01", workbook: b.xlsx}\n', "länskod 01"),
    ('counties: []\n', "inga län"),
    ('län: []\n', "counties:"),
    ('counties:\n  - {code: "01", workbook: a.xlsx, colour: red}\n', "colour"),
])
def test_a_wrong_county_file_is_one_clear_line(tmp_path, body, message):
    path = tmp_path / "c.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(CountyConfigError, match=message):
        load_counties(path)


def test_an_unknown_county_code_is_refused_against_the_knowledge_base(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text('counties:\n  - {code: "99", workbook: a.xlsx}\n', encoding="utf-8")
    with pytest.raises(CountyConfigError, match="län 99"):
        load_counties(path).check_against(s.slack_kb())


def test_the_bot_refuses_to_start_on_a_wrong_county_file(tmp_path, monkeypatch, capsys):
    from bot.cli import main
    from config.settings import get_settings

    path = tmp_path / "c.yaml"
    path.write_text('counties:\n  - {code: "01"}\n', encoding="utf-8")
    monkeypatch.setenv("STIMULANS_COUNTIES", str(path))
    get_settings.cache_clear()
    try:
        assert main(["remind", "--dry-run", "--today", "2020-11-24"]) == 2
    finally:
        get_settings.cache_clear()
    err = capsys.readouterr().err
    assert "antingen workbook" in err and "Traceback" not in err


def test_the_example_file_is_valid():
    from engine.knowledge import load_knowledge

    counties = load_counties(Path(__file__).resolve().parents[1] / "config" / "counties.example.yaml")
    counties.check_against(load_knowledge())
    assert [c.code for c in counties.counties] == ["01", "20"]


def test_county_deadlines_keep_only_what_concerns_the_county():
    from engine.knowledge import load_knowledge

    kb = load_knowledge()
    dala = {d.id for d in county_deadlines(kb, "20")}
    sthlm = {d.id for d in county_deadlines(kb, "01")}
    assert "ok2020-faktura-storsthlm" in sthlm and "ok2020-faktura-storsthlm" not in dala
    assert "ok2020-slutredovisning-dalarna" in dala and "ok2020-slutredovisning-dalarna" not in sthlm
    assert "ok2020-aterbetalning" in dala and "ok2020-aterbetalning" in sthlm
    assert "ok2019-rekvisition" not in dala  # SKR's own deadline: no county's business


# ------------------------------------------------------------------ reminders


def test_reminders_go_to_each_countys_channel_about_its_own_recipients_only(tmp_path, monkeypatch):
    from bot.cli import main
    from bot.runtime import get_store
    from config.settings import get_settings
    from sheets.workbook import WorkbookBackend
    from tests.reminders_support import MockSlack

    counties = write_counties(tmp_path)
    with MockSlack() as slack:
        for k, v in {"STIMULANS_COUNTIES": str(counties), "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_URL": slack.url,
                     "STIMULANS_WORKBOOK": str(tmp_path / "unused.xlsx")}.items():
            monkeypatch.setenv(k, v)
        monkeypatch.delenv("STIMULANS_REMINDER_CHANNEL", raising=False)
        get_settings.cache_clear()
        get_store.cache_clear()
        try:
            assert main(["remind", "--today", "2020-11-24"]) == 0  # Storsthlm's invoice: Stockholm only
            first = list(slack.posts)
            assert main(["remind", "--today", "2021-03-24"]) == 0  # repayment (all) + Dalarna's final report
            assert main(["remind", "--today", "2021-03-24"]) == 0  # again: nothing new
        finally:
            get_settings.cache_clear()
            get_store.cache_clear()
        posts = list(slack.posts)
    assert [p["channel"] for p in first] == [STHLM_CH]
    assert "ok2020-faktura-storsthlm" in first[0]["metadata"]["event_payload"]["reminder_id"]
    later = posts[len(first):]
    by_channel = {ch: [p["metadata"]["event_payload"]["deadline_id"] for p in later if p["channel"] == ch]
                  for ch in (STHLM_CH, DALA_CH)}
    assert sorted(by_channel[DALA_CH]) == ["ok2020-aterbetalning", "ok2020-slutredovisning-dalarna"]
    assert by_channel[STHLM_CH] == ["ok2020-aterbetalning"]
    for p in posts:
        text = p["text"]
        if p["channel"] == DALA_CH:
            assert "Botkyrka" not in text and "Danderyd" not in text
        else:
            assert "Rättvik" not in text and "Falu" not in text
    assert len(later) == 3  # the repeated run sent nothing twice
    # each county's claims are in its own journal, none in the other's
    sthlm = WorkbookBackend(tmp_path / "sthlm.xlsx").read_tabs(["Påminnelser"])["Påminnelser"]
    dala = WorkbookBackend(tmp_path / "dala.xlsx").read_tabs(["Påminnelser"])["Påminnelser"]
    assert all(STHLM_CH in str(r[0]) for r in sthlm[1:]) and len(sthlm) == 3
    assert all(DALA_CH in str(r[0]) for r in dala[1:]) and len(dala) == 3
    assert not (tmp_path / "unused.xlsx").exists()


# ------------------------------------------------------------------ the Slack bot: answers and writes


@pytest.fixture
def county_bot(tmp_path):
    from bot.slack.app import create_app
    from bot.slack.http import create_wsgi_app
    from bot.slack.services import services
    from config.settings import Settings

    counties = write_counties(tmp_path)
    mock = s.MockSlack()
    kb = s.slack_kb()
    settings = Settings(_env_file=None, SLACK_BOT_TOKEN=s.BOT_TOKEN, SLACK_SIGNING_SECRET=s.SIGNING_SECRET,
                        SLACK_API_URL=mock.url, STIMULANS_COUNTIES=counties,
                        STIMULANS_WORKBOOK=tmp_path / "unused.xlsx")
    app = create_app(settings, kb=kb)
    svc = services(app)
    # Kontakter: Falun's contact in Dalarna's sheet, Danderyd's in Stockholm's
    for code in ("01", "20"):
        svc.store_for(code).snapshot()  # first use creates and seeds the county's workbook
    svc.store_for("20").backend.append_rows("Kontakter", [["Fia Falun", "", s.U_FALUN, "Falu kommun", "2080",
                                                           "kontakt"]])
    svc.store_for("01").backend.append_rows("Kontakter", [["Dan Danderyd", "", s.U_DANDERYD, "Danderyds kommun",
                                                           "0162", "kontakt"]])
    for code in ("01", "20"):
        svc.store_for(code).invalidate()
    server = s.BotServer(create_wsgi_app(app))
    try:
        yield mock, server, svc
    finally:
        server.close()
        mock.close()


def _command(mock, server, text, user, name, channel="C0CHAN01"):
    body = s.command_body(text, user, mock.response_url(name), channel=channel)
    assert s.post(server.url + "/slack/events", body, "application/x-www-form-urlencoded", s.sign(body)).status == 200


def _submit(server, view, user, values):
    body = s.interactive_body(s.view_submission(view, user, values))
    return s.post(server.url + "/slack/events", body, "application/x-www-form-urlencoded", s.sign(body))


def _options(view, block):
    el = next(b for b in view["blocks"] if b.get("block_id") == block)["element"]
    return [o["value"] for o in el.get("options", [])] + [o["value"] for g in el.get("option_groups", [])
                                                          for o in g["options"]]


def test_each_countys_sheet_holds_only_its_own_rows(county_bot):
    _, _, svc = county_bot
    sthlm, dala = svc.store_for("01").snapshot(), svc.store_for("20").snapshot()
    assert sthlm.statuses and dala.statuses
    assert {svc.kb.recipients[r.key.recipient_id].county_code for r in sthlm.statuses} == {"01"}
    assert {svc.kb.recipients[r.key.recipient_id].county_code for r in dala.statuses} == {"20"}


def test_a_coordinator_writes_in_their_county_and_cannot_write_anothers_rows(county_bot):
    mock, server, svc = county_bot
    _command(mock, server, "uppdatera", U_STHLM_CO, "m1")
    view = mock.wait_method("views.open")[0].data["view"]
    offered = _options(view, B_RECIPIENT)
    assert s.DANDERYD in offered and s.FALUN not in offered  # the modal offers Stockholm's recipients only
    before = svc.store_for("20").backend.journal.count("Logg")
    # a crafted submission for Falun (Dalarna) by Stockholm's coordinator: refused inline, nothing written
    resp = _submit(server, view, U_STHLM_CO, {B_RECIPIENT: s.FALUN, "post": f"{s.AGREEMENT}|{s.KUNSKAPSBASERAD}",
                                              "status": "rekvirerad"})
    assert resp.json()["response_action"] == "errors" and B_RECIPIENT in resp.json()["errors"]
    # the same coordinator on a Stockholm row: written to Stockholm's workbook
    resp = _submit(server, view, U_STHLM_CO, {B_RECIPIENT: s.DANDERYD, "post": f"{s.AGREEMENT}|{s.SAMMANHALLEN}",
                                              "status": "rekvirerad"})
    assert resp.status == 200 and "errors" not in (resp.json() if resp.body else {})
    key = RowKey(recipient_id=s.DANDERYD, agreement=s.AGREEMENT, post=s.SAMMANHALLEN)
    mock.wait_for(lambda calls: [c for c in calls if c.method == "chat.postMessage"
                                 and c.data["channel"] == U_STHLM_CO])
    assert str(svc.store_for("01").refresh().status_for(key).status) == "rekvirerad"
    assert svc.store_for("20").backend.journal.count("Logg") == before  # Dalarna untouched
    # and the store itself refuses a row of another county (a second guard)
    from engine.store import StatusUpdate, StoreError

    with pytest.raises(StoreError, match="hör till län 20"):
        svc.store_for("01").update_status(StatusUpdate(
            key=RowKey(recipient_id=s.FALUN, agreement=s.AGREEMENT, post=s.KUNSKAPSBASERAD),
            changes={"Status": "rekvirerad"}, actor="x"))


def test_a_contact_of_dalarna_writes_dalarnas_workbook(county_bot):
    mock, server, svc = county_bot
    _command(mock, server, "uppdatera", s.U_FALUN, "m2")
    view = mock.wait_method("views.open")[0].data["view"]
    resp = _submit(server, view, s.U_FALUN, {"post": f"{s.AGREEMENT}|{s.KUNSKAPSBASERAD}", "status": "rekvirerad"})
    assert resp.status == 200
    mock.wait_for(lambda calls: [c for c in calls if c.method == "chat.postMessage" and c.data["channel"] == s.U_FALUN])
    key = RowKey(recipient_id=s.FALUN, agreement=s.AGREEMENT, post=s.KUNSKAPSBASERAD)
    assert str(svc.store_for("20").refresh().status_for(key).status) == "rekvirerad"
    assert svc.store_for("01").refresh().status_for(key) is None


def test_status_answers_default_to_the_askers_county(county_bot):
    mock, server, svc = county_bot
    _command(mock, server, "status", U_DALA_CO, "d", channel="C0CHAN01")  # Dalarna's coordinator: Dalarna
    _command(mock, server, "status", "UNOBODY1", "st", channel=STHLM_CH)  # in Stockholm's channel: Stockholm
    dala = mock.wait_for(lambda calls: [c for c in calls if c.method == "response_url" and c.path.endswith("/d")])
    sthlm = mock.wait_for(lambda calls: [c for c in calls if c.method == "response_url" and c.path.endswith("/st")])
    dala_text, sthlm_text = str(dala[0].data), str(sthlm[0].data)
    assert "Rättvik" in dala_text and "Danderyd" not in dala_text
    assert "Danderyd" in sthlm_text and "Rättvik" not in sthlm_text
    assert svc.county_for(None, s.U_FALUN) == "20" and svc.county_for(None, s.U_DANDERYD) == "01"


def test_without_a_county_file_nothing_changes(tmp_path):
    from bot.slack.services import Services
    from config.settings import Settings

    svc = Services(Settings(_env_file=None, STIMULANS_WORKBOOK=tmp_path / "one.xlsx"), kb=s.slack_kb())
    assert svc.counties is None and svc.county_for(None, "U1", "C1") is None
    assert svc.store_for(None) is svc.store and svc.engine_for("20") is svc.engine
    assert svc.county_of_recipient(s.FALUN) is None


def test_remind_uses_the_countys_own_channel_even_with_dm(tmp_path, monkeypatch, capsys):
    from bot.cli import main
    from bot.runtime import get_store
    from config.settings import get_settings

    monkeypatch.setenv("STIMULANS_COUNTIES", str(write_counties(tmp_path)))
    get_settings.cache_clear()
    get_store.cache_clear()
    try:
        assert main(["remind", "--dry-run", "--dm", "--today", dt.date(2021, 3, 24).isoformat()]) == 0
    finally:
        get_settings.cache_clear()
        get_store.cache_clear()
    out = capsys.readouterr().out
    assert "== Stockholms län ==" in out and "== Dalarnas län ==" in out
    assert f"kanal {DALA_CH}" in out and f"kanal {STHLM_CH}" in out


def test_the_cli_works_on_the_county_chosen_by_stimulans_county(tmp_path, monkeypatch, capsys):
    from bot.cli import main
    from bot.runtime import get_store
    from config.settings import get_settings
    from sheets.workbook import WorkbookBackend

    monkeypatch.setenv("STIMULANS_COUNTIES", str(write_counties(tmp_path)))

    def cli(county: str, *argv: str) -> int:
        monkeypatch.setenv("STIMULANS_COUNTY", county)
        get_settings.cache_clear()
        get_store.cache_clear()
        try:
            return main(list(argv))
        finally:
            get_settings.cache_clear()
            get_store.cache_clear()

    assert cli("20", "update", "Rättvik", "status", "rekvirerad", "--post", "handlingsplaner", "--som", "bo") == 0
    assert cli("01", "update", "Rättvik", "status", "klart", "--post", "handlingsplaner", "--overenskommelse", "ok2020",
               "--som", "bo") == 2  # not even as a new row: Stockholm's sheet holds no Dalarna rows
    assert "hör till län 20" in capsys.readouterr().err
    dala = WorkbookBackend(tmp_path / "dala.xlsx").read_tabs(["Logg"])["Logg"]
    sthlm = WorkbookBackend(tmp_path / "sthlm.xlsx").read_tabs(["Logg"])["Logg"]
    assert any(r[1] == "bo" for r in dala) and not any(r[1] == "bo" for r in sthlm or [])
    assert cli("99", "check") == 2
    assert "STIMULANS_COUNTY=99" in capsys.readouterr().err
