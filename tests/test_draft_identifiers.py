"""Identifiers an added document states (a case number, a bank giro) are drafted with whose they are and
answered value first, cited; another body's identifier is never given. The memo is made up for these tests."""
from __future__ import annotations

from engine.knowledge import load_knowledge
from engine.library import drafts
from engine.library.document import DocumentText, LibraryDocument, content_hash, split_sections
from engine.recipients import RecipientIndex

MEMO = """Beslut om fördelning 2035

1. Rekvisition

Rekvisitionen ska innehålla Region Gotlands diarienummer RG 2035/0099 och kommunens namn.

2. Återbetalning

Medel som inte har förbrukats återbetalas till Region Gotlands bankgiro 1234-5678 med referensen "ÅB 2035".
Regeringskansliets diarienummer: S2034/01234.
"""


def _facts():
    doc = LibraryDocument(id="dok-00000000ee", title="Region Gotland – beslut om fördelning 2035 (prov)",
                          sha256=content_hash(MEMO), sections=split_sections(DocumentText(pages=[MEMO])))
    return [i.data for i in drafts.draft(doc, load_knowledge()) if i.kind == "fact"
            and i.data["topic"] in ("diarienummer", "bankgiro")]


def test_case_numbers_and_giros_are_drafted_with_their_owner_and_sentence():
    by_value = {f["value"]: f for f in _facts()}
    assert set(by_value) == {"RG 2035/0099", "1234-5678", "S2034/01234"}
    assert by_value["RG 2035/0099"]["topic"] == "diarienummer"
    assert "Region Gotlands" in by_value["RG 2035/0099"]["title"]
    assert by_value["1234-5678"]["topic"] == "bankgiro"
    assert "återbetalas" in by_value["1234-5678"]["source"]["quote"]
    assert "Regeringskansliets" in by_value["S2034/01234"]["title"]


def _kb_with_memo():
    import dataclasses

    from engine.models import Fact, validate

    kb = load_knowledge()  # a copy: the loaded one is shared by other tests
    return dataclasses.replace(kb, facts=[*kb.facts, *(validate(Fact, f) for f in _facts())])


def _ask(kb, text):
    from engine.answers import identifiers
    from engine.understanding import QuestionParser

    return identifiers.answer(kb, QuestionParser(kb, RecipientIndex(kb.recipients)).parse(text))


def test_the_value_leads_the_answer_and_is_cited():
    kb = _kb_with_memo()
    ans = _ask(kb, "bankgiro för återbetalning till region gotland?")
    assert ans is not None and ans.text.startswith("1234-5678")
    assert [s.doc for s in ans.sources] == ["dok-00000000ee"]
    assert "återbetalas" in ans.text  # the sentence it stands in: what the giro is for
    ans = _ask(kb, "diarienummer på gotlands beslut?")
    assert ans is not None and ans.text.startswith("RG 2035/0099")
    ans = _ask(kb, "Vilket diarienummer har Regeringskansliet?")
    assert ans is not None and ans.text.startswith("S2034/01234")


def test_another_bodys_identifier_is_never_given():
    kb = _kb_with_memo()
    assert _ask(kb, "Vilket bankgiro har Kammarkollegiet?") is None
    assert _ask(kb, "Vilket diarienummer ska stå på fakturan?") is None  # a rule about the invoice, not this
