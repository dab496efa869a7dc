"""English questions: an ordinary English word that names no thing ("supposed", "coherent", "several") is
no unknown term, while a word that can name a thing the documents lack ("capital", "tax", "weather") still
is. Swedish questions keep the documents' own vocabulary as the test. The wording here is not that of
any bank."""
from __future__ import annotations

import re

import pytest

from engine import english_words
from engine.knowledge import load_knowledge
from engine.qa import Engine

NOT_IN_DOCS = ("finns inte i dokumenten", "framgår inte av dokumenten", "not in the documents")
_FIGURE = re.compile(r"\d[\d  ]*(?:[,.]\d+)? ?(?:kr|sek|mkr|msek|kronor|miljoner|million)", re.I)


@pytest.fixture(scope="module")
def engine():
    return Engine(load_knowledge())


def test_the_lexicon_tells_words_that_name_no_thing():
    for word in ("continued", "supposed", "coherent", "several", "consider", "strengthen", "needing"):
        assert english_words.names_no_thing(word), word
    for word in ("capital", "tax", "weather", "development", "norway", "kurator"):
        assert not english_words.names_no_thing(word), word
    assert "need" in english_words.lemmas("needing")


@pytest.mark.parametrize("question", [
    "When were the 2020 funds intended to be paid out to the municipalities?",
    "How much did Mora actually receive in 2020?",
    "What should a proper invoice to Storsthlm contain?",
])
def test_ordinary_english_words_are_not_unknown_terms(engine, question):
    assert engine.parser.parse(question).unmatched == [], question
    assert not engine.ask(question).text.startswith("”")


@pytest.mark.parametrize("question,term", [
    ("What is the capital of Sweden?", "capital"),
    ("Will the weather be nice in Falun tomorrow?", "weather"),
    ("How much money goes to dental care in 2021?", "dental"),
])
def test_english_nouns_the_documents_lack_are_still_unknown(engine, question, term):
    q = engine.parser.parse(question)
    assert term in q.unmatched, (question, q.unmatched)
    answer = engine.ask(question)
    assert any(p in answer.text.split("\n")[0] for p in NOT_IN_DOCS), answer.text
    assert not _FIGURE.search(answer.text.split("\n")[0]), answer.text


@pytest.mark.parametrize("question", [
    "What tax do people pay in Säter?",  # reported: it got Säter's allocation
    "Which trains stop in Leksand?",
    "What tax does Gagnef charge?",
])
def test_an_english_question_about_something_else_gets_no_figure(engine, question):
    answer = engine.ask(question)
    assert answer.language == "en" and not answer.confident, (question, answer.text)
    assert any(p in answer.text.split("\n")[0] for p in NOT_IN_DOCS), answer.text
    assert not _FIGURE.search(answer.text), answer.text


def test_more_before_a_post_name_is_no_comparison(engine):
    answer = engine.ask("How is the 2021 county money for more coherent care split?")
    assert answer.rule != "comparison", answer.text
    assert "per county" in answer.text and "population" in answer.text, answer.text


@pytest.mark.parametrize("question,term", [
    ("Hur mycket får Mora för äldrepsykiatri 2020?", "aldrepsykiatri"),
    ("Vad tjänar en kurator?", "kurator"),
])
def test_swedish_terms_the_documents_lack_are_still_unknown(engine, question, term):
    assert term in engine.parser.parse(question).unmatched


def test_swedish_everyday_words_are_not_unknown(engine):
    assert engine.parser.parse("Jag undrar hur mycket Mora skulle få 2020?").unmatched == []


def test_an_agreement_total_stated_for_another_year_is_not_given(engine):
    """The 2021–2022 agreement states its total for 2021 only: asked about 2022, the 2021 total answers a
    different question."""
    for question in ("Vad omfattar överenskommelsen för 2022 totalt?", "What is the 2022 agreement total?"):
        answer = engine.ask(question)
        assert any(p in answer.text for p in NOT_IN_DOCS) and "1 680" not in answer.text, answer.text
    assert "1 680" in engine.ask("Vad omfattar överenskommelsen för 2021 totalt?").text


def test_without_the_lexicon_every_unknown_english_word_stays_unknown(engine, monkeypatch):
    monkeypatch.setattr(english_words, "_lexicon", lambda: (frozenset(), frozenset(), {}))
    assert "intended" in engine.parser.parse("When were the 2020 funds intended to be paid out?").unmatched


@pytest.mark.parametrize("greeting", ["hello", "hi", "hi there", "thanks", "thank you", "good morning", "help",
                                      "what can you do?"])
def test_an_english_greeting_or_help_request_gets_the_help_in_english(engine, greeting):
    from engine.answers.overview import EXAMPLES_EN

    answer = engine.ask(greeting)
    assert answer.language == "en" and answer.intent == "help", answer.text
    assert "I answer questions about the state stimulus funds" in answer.text and "Jag svarar" not in answer.text
    assert "Examples:" in answer.text and all(f"• {e}" in answer.text for e in EXAMPLES_EN)


@pytest.mark.parametrize("greeting", ["hej", "tack", "hej alla", "hjälp", "vad kan du?"])
def test_a_swedish_greeting_keeps_the_swedish_help(engine, greeting):
    answer = engine.ask(greeting)
    assert answer.language == "sv" and "Jag svarar på frågor" in answer.text and "I answer" not in answer.text
