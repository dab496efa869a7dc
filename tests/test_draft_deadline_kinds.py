"""Deadline kinds an added document states in words the engine had no kind for (issue #11, the second unseen
bank): a payout by the payer, naming who receives the money, reporting that the basic requirements are met. Each
date belongs to its own clause, and the payout asked about is the one whose sentence matches the question, not
the later payout of redistributed money. The memo is made up for these tests."""
from __future__ import annotations

import dataclasses

from engine.answers import deadlines
from engine.knowledge import load_knowledge
from engine.library import drafts
from engine.library.document import DocumentText, LibraryDocument, content_hash, split_sections
from engine.models import Deadline, validate
from engine.recipients import RecipientIndex
from engine.understanding import QuestionParser

MEMO = """Beslut om fördelning 2035

1. Anmälan

Kommunerna i länet ska gemensamt anmäla till Region Gotland vilken aktör som ska ta emot medlen. Anmälan ska ha
kommit in till Region Gotland senast den 14 januari 2035. Om ingen mottagare har anmälts i tid betalas medlen ut
till regionen.

2. Utbetalning

Region Gotland betalar ut medlen till de kommuner som har rekvirerat i tid senast den 12 mars 2035. Omfördelade
medel betalas ut senast den 9 april 2035. Landstinget betalar därefter ut sin del senast den 3 juni 2035.

3. Grundkrav

Kommunerna redovisar till Region Gotland att grundkraven är uppfyllda senast den 20 maj 2035. Kommunerna
redovisar hur medlen har använts senast den 15 februari 2036.
"""


def _drafted() -> dict[str, dict]:
    doc = LibraryDocument(id="dok-00000000dd", title="Region Gotland – beslut om fördelning 2035 (prov)",
                          sha256=content_hash(MEMO), sections=split_sections(DocumentText(pages=[MEMO])))
    return {i.data["date"]: i.data for i in drafts.draft(doc, load_knowledge()) if i.kind == "deadline"}


def test_each_kind_with_its_own_date_and_actor():
    by_date = _drafted()
    assert by_date["2035-01-14"]["kind"] == "anmalan"
    assert by_date["2035-01-14"]["who"].startswith("Kommunerna")  # the sentence before says who
    assert "Om ingen mottagare har anmälts i tid" in by_date["2035-01-14"]["consequence"]
    assert by_date["2035-03-12"]["kind"] == "utbetalning"  # "som har rekvirerat" is not what is due
    assert by_date["2035-03-12"]["who"] == "Region Gotland"
    assert by_date["2035-04-09"]["kind"] == "utbetalning"
    assert by_date["2035-06-03"]["kind"] == "utbetalning"  # "betalar därefter ut": the verb split by an adverb
    assert by_date["2035-05-20"]["kind"] == "grundkrav"
    assert by_date["2036-02-15"]["kind"] == "redovisning"  # the report on the use stays a report


def _ask(text: str):
    kb = load_knowledge()
    own = [validate(Deadline, d) for d in _drafted().values()]
    kb = dataclasses.replace(kb, deadlines=[*kb.deadlines, *own])  # a copy: the loaded one is shared
    q = QuestionParser(kb, RecipientIndex(kb.recipients)).parse(text)
    return deadlines.answer(kb, q)


def test_the_payout_asked_about_leads_not_the_redistributed_one():
    ans = _ask("När betalar Region Gotland ut medlen till kommunerna?")
    assert ans is not None and ans.text.startswith("12 mars 2035: Region Gotland ska betala ut medlen")


def test_naming_a_recipient_and_the_requirements_report_have_their_own_dates():
    assert _ask("sista dag att anmäla mottagare?").text.startswith("14 januari 2035")
    assert _ask("Sista dag att redovisa att grundkraven är uppfyllda?").text.startswith("20 maj 2035")
