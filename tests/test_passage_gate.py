"""The trust gate on answers built from accepted drafts (issue #11): a figure or date is stated only when a
sentence of the document states it about what was asked; otherwise the document is quoted or the answer
says it is not certain. A figure for a neighbouring question is never stated as the answer."""
from __future__ import annotations

from pathlib import Path

import pytest

from engine.knowledge import SEEDS_DIR
from engine.knowledge_layers import load_live, open_library
from engine.library import drafts, passages
from engine.library.document import DocumentText
from engine.qa import Engine
from tests.documents_support import engine_with_accepted
from tests.test_documents import NOTES, TITLE


@pytest.fixture(scope="module")
def engine(tmp_path_factory) -> Engine:
    return engine_with_accepted(tmp_path_factory.mktemp("gate") / "data", NOTES, filename="notes.txt", title=TITLE)


@pytest.mark.parametrize("question, first", [
    ("Hur mycket får traumavården 2026?", "85 000 000 kr"),
    ("När ska kommunerna rekvirera medlen 2026?", "1 november 2026"),
    ("Hur stor är överenskommelsen 2026?", "1 200 000 000 kr"),
])
def test_a_drafted_figure_its_sentence_states_is_answered(engine, question, first):
    answer = engine.ask(question)
    assert answer.text.startswith(first), answer.text
    assert answer.sources and answer.sources[0].title == TITLE


@pytest.mark.parametrize("question, not_first", [
    # a sum over a level: the one drafted sentence about one post does not state it
    ("Hur mycket får regionerna totalt 2026?", "85 000 000 kr"),
    # asks who to write to: the drafted deadline's date is not the answer
    ("Vem ska man mejla om rekvisitionen 2026?", "1 november 2026"),
    # asks how many posts: the agreement's total is not the answer
    ("Hur många poster har överenskommelsen 2026?", "1 200 000 000 kr"),
])
def test_a_drafted_figure_for_a_neighbouring_question_is_not_stated(engine, question, not_first):
    answer = engine.ask(question)
    assert not answer.text.startswith(not_first), answer.text
    assert answer.intent in ("passage", "not_found"), answer.text


def test_the_document_is_quoted_where_it_answers_what_the_drafted_deadline_does_not(engine):
    answer = engine.ask("Vem ska man mejla om rekvisitionen 2026?")
    assert answer.intent == "passage" and "anna.berg@example.se" in answer.text


MEMO = """Fakturering av länsgemensamma medel 2026

Fakturering
Ange ”Länsgemensamma medel 2026”, dnr LM/26/0042, på fakturan. Skicka fakturan senast den 15 oktober 2026 till faktura@lansforbundet.example.se. Inledningsvis ska arbetet följas upp.

Uppföljning
Kommunerna ska följa upp arbetet under året. Små kommuner ska rapportera in 12 personer och stora kommuner 40 personer.
"""


@pytest.fixture(scope="module")
def memo_engine(tmp_path_factory) -> Engine:
    """A county memo accepted next to the curated knowledge (the seeds, when present)."""
    seeds = SEEDS_DIR if SEEDS_DIR.is_dir() else None
    data: Path = tmp_path_factory.mktemp("memo") / "data"
    lib = open_library(data, seeds)
    doc = lib.add(DocumentText(pages=[MEMO]), filename="memo.txt", title="Länsförbundet – fakturering 2026")
    drafts.draft_and_store(lib, doc)
    drafts.decide(lib, doc, accept="all")
    return Engine(load_live(data, seeds))


@pytest.mark.parametrize("question, holds", [
    # an identifier: the memo's case number, not another document's
    ("Vilket diarienummer ska stå på fakturan till Länsförbundet 2026?", "dnr LM/26/0042"),
    # a number: the sentence that holds it, not the one that only shares the question's words
    ("Hur många personer ska en stor kommun rapportera in 2026?", "stora kommuner 40 personer"),
])
def test_a_quotation_holds_what_is_asked(memo_engine, question, holds):
    answer = memo_engine.ask(question)
    # quoted, or the memo's own sentence drafted as its rule ("Ange …, dnr LM/26/0042, på fakturan.")
    assert answer.intent in ("passage", "invoice_rule") and holds in answer.text, answer.text
    assert answer.sources[0].title == "Länsförbundet – fakturering 2026"


def test_quote_keeps_the_sentence_holding_the_asked_kind():
    p = passages.Passage("dok-x", "T", "S", None, None, "Kommunerna ska följa upp arbetet under året. Små kommuner "
                         "ska rapportera in 12 personer.", ("Kommunerna ska följa upp arbetet under året.",
                                                             "Små kommuner ska rapportera in 12 personer."))
    hit = passages.Hit(p, 1.0, 1.0, 2, 2, frozenset(passages.tokenize("följa upp kommunerna")))
    assert "12 personer" in passages.quote(hit, "Hur många personer ska kommunerna följa upp?")
    assert passages.asked_kind("Vilket diarienummer ska anges?").search("dnr S/20/0002")
    assert passages.asked_kind("Vilket diarienummer ska anges?").search("1 december 2020") is None


def test_support_names_why_a_figure_is_not_confirmed(engine):
    kb = engine.kb
    docs = passages.library_of(kb).documents()
    drafted = set(kb.layer_docs)
    why = {}
    for question in ("Hur mycket får traumavården 2026?", "Hur mycket får regionerna totalt 2026?",
                     "Vem ska man mejla om rekvisitionen 2026?"):
        q = engine.parse(question)
        why[question] = passages.support(kb, q, engine.dispatch(q), docs, drafted)
    assert why["Hur mycket får traumavården 2026?"] == ""
    assert "total" in why["Hur mycket får regionerna totalt 2026?"]
    assert why["Vem ska man mejla om rekvisitionen 2026?"] == "asks for something else than a date"
