"""Status questions answered from the real workbook store: who is done, who is open."""
from __future__ import annotations

import pytest

from config.settings import Settings
from engine.knowledge import load_knowledge
from engine.qa import Engine
from engine.store import RowKey, StatusUpdate
from sheets.factory import open_store


@pytest.fixture()
def engine(tmp_path):
    store = open_store(Settings(STIMULANS_WORKBOOK=tmp_path / "status.xlsx"))
    return Engine(load_knowledge(), store=store)


def test_who_has_not_invoiced_lists_only_the_invoice_rows_and_drops_an_invoiced_one(engine):
    before = engine.ask("vilka har inte fakturerat?")
    assert before.intent == "status"
    assert "0 av 26 klara" in before.text and "Danderyds kommun" in before.text
    assert "Falu kommun" not in before.text  # Dalarna has no invoice deadline
    engine.store.update_status(StatusUpdate(
        key=RowKey(recipient_id="kommun-0162", agreement="ok2020", post="ok2020-lan-sammanhallen-vard"),
        changes={"Status": "fakturerat"}, actor="test"))
    after = engine.ask("who has not invoiced yet?")
    assert "1 av 26 klara" in after.text
    assert "Danderyds kommun" not in after.text


def test_has_x_requisitioned_is_a_status_question(engine):
    answer = engine.ask("Har Falun rekvirerat?")
    assert answer.intent == "status"
    assert answer.text.startswith("Status för Falu kommun")
    assert "Ej rekvirerad" in answer.text


def test_status_of_a_county(engine):
    answer = engine.ask("status Dalarna")
    assert "0 av 15 klara" in answer.text and "Rättviks kommun" in answer.text
    assert "Danderyd" not in answer.text


def test_a_question_that_mentions_invoicing_is_not_a_status_question(engine):
    answer = engine.ask("När får vi pengarna från Storsthlm efter att vi har fakturerat?")
    assert answer.intent != "status"
    assert "Kammarkollegiet" in answer.text


def test_a_documented_fact_leads_when_the_sheet_is_also_asked(engine):
    answer = engine.ask("Vem har rekvirerat 2020 års medel för Dalarnas del?")
    assert answer.text.startswith("Region Dalarna har rekvirerat samtliga medel")
    assert "I det delade arket:" in answer.text and "0 av 15 klara" in answer.text
