"""A sentence that leads into a numbered list, cut by the sentence splitting at every item that opens with a
capital ("4. Region X:s diarienummer …"): the quote and the drafted rule hold the whole list (issue #11, the
second unseen bank). The memo is made up for these tests."""
from __future__ import annotations

import pytest

from engine.knowledge import load_knowledge
from engine.library import drafts, passages
from engine.library.document import DocumentText, LibraryDocument, content_hash, split_sections
from tests.documents_support import engine_with_accepted

MEMO = """Rekvisition av medel 2036

Rekvisition
Medlen betalas ut efter rekvisition till Förbundet Exempel. Rekvisitionen ska innehålla följande uppgifter:
1. kommunens namn och organisationsnummer,
2. Förbundets diarienummer FE 2036/11 och referensen "EX-36",
3. Bankgironummer dit medlen ska betalas ut, samt
4. Underskrift av behörig företrädare.

Övrigt
Medlen får användas för personal och utbildning.
"""
TITLE = "Förbundet Exempel – rekvisition 2036 (prov)"


def _doc():
    return LibraryDocument(id="dok-0000000a11", title=TITLE, sha256=content_hash(MEMO),
                           sections=split_sections(DocumentText(pages=[MEMO])))


def test_a_passage_knows_the_list_its_last_sentence_leads_into():
    lead = next(p for p in passages.passages_of(_doc()) if "följande uppgifter:" in p.sentences[-1])
    assert [m[:2] for m in lead.more] == ["2.", "3.", "4."], lead.more


def test_the_drafted_rule_holds_the_whole_list():
    rules = [i.data["text"] for i in drafts.draft(_doc(), load_knowledge()) if i.kind == "fact"
             and "innehålla följande" in i.data.get("text", "")]
    assert rules and "4. Underskrift av behörig företrädare." in rules[0], rules


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    return engine_with_accepted(tmp_path_factory.mktemp("lists") / "data", MEMO, filename="rekv.txt", title=TITLE)


def test_the_quote_holds_the_whole_list(engine):
    answer = engine.ask("Vad ska rekvisitionen till Förbundet Exempel innehålla 2036?")
    assert "FE 2036/11" in answer.text and "Underskrift" in answer.text, answer.text
