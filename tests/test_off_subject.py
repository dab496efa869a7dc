"""A question about something else never gets a figure of the documents: a receiver named in it is no
amount question ("Vilka tåg går från Mora?"), and a fact stating another quantity is no answer to a
question about a price ("Vad kostar ett besök hos psykiatern?" is not what ill-health costs Sweden).
The wording here is not that of any bank (plus the three reported examples)."""
from __future__ import annotations

import re

import pytest

from engine.knowledge import load_knowledge
from engine.qa import Engine

NOT_IN_DOCS = ("finns inte i dokumenten", "framgår inte av dokumenten", "not in the documents")
_FIGURE = re.compile(r"\d[\d  ]*(?:[,.]\d+)? ?(?:kr|sek|mkr|msek|tkr|kronor|miljoner|miljarder|million)", re.I)


@pytest.fixture(scope="module")
def engine():
    return Engine(load_knowledge())


def _says_not_in_documents_without_figure(text: str) -> bool:
    first = text.strip().splitlines()[0]
    return any(p in first.lower() for p in NOT_IN_DOCS) and not _FIGURE.search(text)


@pytest.mark.parametrize("question", [
    "Vilka tåg går från Mora till Stockholm?",  # reported
    "Vilken skatt betalar man i Säter?",  # reported
    "Vilka tåg stannar i Leksand?",
    "Vilken skatt tar Gagnef ut?",
    "Vem är kommunalråd i Orsa?",
    "Vilken skola finns i Rättvik?",
    "Hur kallt blir det i Mora i januari?",
])
def test_a_receiver_alone_does_not_make_an_amount_question(engine, question):
    answer = engine.ask(question)
    assert answer.intent == "not_in_documents" and not answer.confident, (question, answer.text)
    assert _says_not_in_documents_without_figure(answer.text), (question, answer.text)


def test_the_nearest_fact_about_the_receiver_is_labelled(engine):
    text = engine.ask("Vilka tåg stannar i Leksand?").text
    assert text.startswith("”tåg”") and "Närmast i dokumenten" in text and "Leksands kommun" in text


@pytest.mark.parametrize("question", [
    "Vad kostar ett besök hos psykiatern?",  # reported
    "Vad kostar en neuropsykiatrisk utredning hos BUP?",
    "Hur mycket kostar en utbildning för personalen i SIP?",
])
def test_a_fact_about_another_quantity_is_no_answer(engine, question):
    answer = engine.ask(question)
    assert _says_not_in_documents_without_figure(answer.text), (question, answer.text)
    assert "70 miljarder" not in answer.text


@pytest.mark.parametrize("question,expected", [
    ("Mora 2020", "593 461"),
    ("Hur ser det ut för Mora?", "593 461"),  # "ser" asks, it names no other subject
    ("Vad får Vansbro?", "197 452"),
    ("Leksand handlingsplaner 2020", "306 566,04"),
    ("Hur mycket kostar psykisk ohälsa Sverige varje år?", "70 miljarder"),
    ("Vad kostar den psykiska ohälsan samhället?", "70 miljarder"),
])
def test_questions_the_documents_answer_keep_their_figure(engine, question, expected):
    answer = engine.ask(question)
    assert expected in answer.text, (question, answer.text)
    assert not any(p in answer.text.split("\n")[0].lower() for p in NOT_IN_DOCS), (question, answer.text)


def test_a_post_named_in_a_price_question_is_not_answered_with_a_national_cost(engine):
    answer = engine.ask("Vad kostar SIP 2021?")
    assert _says_not_in_documents_without_figure(answer.text), answer.text
