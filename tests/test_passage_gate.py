"""The trust gate on answers built from accepted drafts (issue #11): a figure or date is stated only when a
sentence of the document states it about what was asked; otherwise the document is quoted or the answer
says it is not certain. A figure for a neighbouring question is never stated as the answer."""
from __future__ import annotations

from pathlib import Path

import pytest

from engine.knowledge_layers import load_live, open_library
from engine.library import drafts, passages
from engine.library.document import DocumentText
from engine.qa import Engine
from tests.test_documents import NOTES, TITLE


@pytest.fixture(scope="module")
def engine(tmp_path_factory) -> Engine:
    data: Path = tmp_path_factory.mktemp("gate") / "data"
    lib = open_library(data, None)
    doc = lib.add(DocumentText(pages=[NOTES]), filename="notes.txt", title=TITLE)
    drafts.draft_and_store(lib, doc)
    drafts.decide(lib, doc, accept="all")
    return Engine(load_live(data, None))


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
])
def test_a_drafted_figure_for_a_neighbouring_question_is_not_stated(engine, question, not_first):
    answer = engine.ask(question)
    assert not answer.text.startswith(not_first), answer.text
    assert answer.intent in ("passage", "not_found"), answer.text


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
