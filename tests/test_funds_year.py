"""A figure or date that belongs to another question is not given: a deadline is for one year's money
("2022 års medel" has none: the 2021–2022 agreement states money, and so its repayment date, for 2021
only), and the size of the state budget itself is not the agreement's total. Wording not from any bank."""
from __future__ import annotations

import pytest

from engine.answers.deadlines import funds_years
from engine.knowledge import load_knowledge
from engine.qa import Engine

NOT_IN_DOCS = ("finns inte i dokumenten", "framgår inte av dokumenten", "not in the documents")


@pytest.fixture(scope="module")
def engine():
    return Engine(load_knowledge())


def _first(text: str) -> str:
    return text.strip().splitlines()[0]


@pytest.mark.parametrize("question,years", [
    ("När ska 2022 års medel återbetalas?", [2022]),
    ("Hur länge får vi ha kvar pengarna från 2021?", [2021]),
    ("When are the 2019 funds due?", [2019]),
    ("Vilka frister infaller 2022?", []),  # the year of a date, not of the money
])
def test_the_year_of_the_money(engine, question, years):
    assert funds_years(engine.parser.parse(question)) == years


@pytest.mark.parametrize("question", [
    "Senast när ska outnyttjade 2022 års medel betalas tillbaka?",
    "By when must leftover 2022 money be paid back?",
])
def test_no_repayment_date_for_money_the_documents_do_not_state(engine, question):
    answer = engine.ask(question)
    first = _first(answer.text)
    assert any(p in first for p in NOT_IN_DOCS), answer.text
    assert not answer.confident


def test_the_repayment_date_of_the_money_it_belongs_to(engine):
    assert _first(engine.ask("Senast när ska outnyttjade 2021 års medel betalas tillbaka?").text).startswith(
        "31 mars 2022")


def test_the_report_on_a_years_money_whatever_the_document_calls_it(engine):
    answer = engine.ask("När ska redovisningen av 2020 års medel i Dalarna vara inne?")
    assert "31 mars 2021" in _first(answer.text), answer.text


@pytest.mark.parametrize("question", [
    "Vad är statsbudgeten på för 2020?",
    "How large was the Swedish state budget in 2019?",
])
def test_the_state_budget_itself_is_not_the_agreement_total(engine, question):
    answer = engine.ask(question)
    assert any(p in _first(answer.text) for p in NOT_IN_DOCS), answer.text
    assert "Mkr" not in answer.text and "MSEK" not in answer.text and "000 000" not in answer.text, answer.text


def test_money_set_aside_in_the_budget_keeps_its_figure(engine):
    assert "456 500 000" in engine.ask("Vad avsattes i statsbudgeten för PRIO 2012?").text


@pytest.mark.parametrize("question", [
    "Vilken dag avser befolkningsmängden i 2021 års fördelning?",
    "What population date does the 2021 split use?",
])
def test_an_unstated_population_date_is_not_in_the_documents(engine, question):
    answer = engine.ask(question)
    assert any(p in _first(answer.text) for p in NOT_IN_DOCS), answer.text
    assert not answer.confident


def test_a_stated_population_date_is_given(engine):
    assert "1 november 2018" in _first(engine.ask("Vilket datum gäller befolkningsmängden i nyckeln för 2019?").text)
