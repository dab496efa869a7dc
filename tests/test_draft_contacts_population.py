"""A contact per subject and the date a document's population figures are of (issue #11, the second unseen bank):
"vem kontaktar jag om utbetalning?" gets the one the document names for that subject; a key by population
gets the date the document states for its population, never another document's. The memo is made up."""
from __future__ import annotations

import dataclasses

from engine.answers import contacts
from engine.knowledge import load_knowledge
from engine.library import drafts
from engine.library.document import DocumentText, LibraryDocument, content_hash, split_sections
from engine.models import Fact, validate
from engine.recipients import RecipientIndex
from engine.understanding import QuestionParser

MEMO = """Beslut om fördelning 2035

1. Fördelning

Kommunernas andel fördelas på en post:

    Post A  Läxhjälp för unga              500 000 kr

Post A fördelas helt efter folkmängd. Folkmängden avser förhållandena den 1 november 2034.

2. Kontakt

Frågor om beslutet och redovisningen besvaras av Anna Berg, strateg, e-post anna.berg@gotland.se.

Frågor om utbetalning och återbetalning besvaras av
Olle Holm, controller, e-post olle.holm@gotland.se.
"""


def _items():
    doc = LibraryDocument(id="dok-00000000cc", title="Region Gotland – beslut om fördelning 2035 (prov)",
                          sha256=content_hash(MEMO), sections=split_sections(DocumentText(pages=[MEMO])))
    return drafts.draft(doc, load_knowledge())


def test_each_contact_is_drafted_with_the_subjects_it_answers():
    texts = [i.data["text"] for i in _items() if i.kind == "fact" and i.data["topic"] == "kontakt"]
    assert "Olle Holm, olle.holm@gotland.se: svarar på frågor om utbetalning och återbetalning." in texts
    assert "Anna Berg, anna.berg@gotland.se: svarar på frågor om beslutet och redovisningen." in texts


def _kb():
    kb = load_knowledge()  # a copy below: the loaded one is shared by other tests
    own = [validate(Fact, i.data) for i in _items() if i.kind == "fact" and i.data["topic"] == "kontakt"]
    return dataclasses.replace(kb, facts=[*kb.facts, *own])


def _ask(kb, text):
    return QuestionParser(kb, RecipientIndex(kb.recipients)).parse(text)


def test_the_contact_for_the_subject_asked_leads():
    kb = _kb()
    ans = contacts.answer(kb, _ask(kb, "vem kontaktar jag om frågor om återbetalning?"))
    assert ans is not None and ans.text.startswith("Olle Holm, olle.holm@gotland.se")
    assert [s.doc for s in ans.sources] == ["dok-00000000cc"]
    ans = contacts.answer(kb, _ask(kb, "vem svarar på frågor om redovisningen?"))
    assert ans is not None and ans.text.startswith("Anna Berg")
    # no subject asked: not this answer's to pick one
    assert contacts.answer(kb, _ask(kb, "vem kan jag kontakta?")) is None


def test_a_key_by_population_gets_the_documents_own_population_date():
    post = next(i.data for i in _items() if i.kind == "post" and i.data["name"].startswith("Post A"))
    assert post["key"]["kind"] == "population"
    assert post["key"]["population_date"] == "2034-11-01"
    assert "den 1 november 2034" in post["key"]["source"]["quote"]


def test_two_population_dates_in_one_document_give_none():
    text = MEMO.replace("Folkmängden avser förhållandena den 1 november 2034.",
                        "Folkmängden avser den 1 november 2034. För post B gäller folkmängd den 31 december 2033.")
    doc = LibraryDocument(id="dok-00000000cb", title="Prov", sha256=content_hash(text),
                          sections=split_sections(DocumentText(pages=[text])))
    post = next(i.data for i in drafts.draft(doc, load_knowledge()) if i.kind == "post"
                and i.data["name"].startswith("Post A"))
    assert not post["key"].get("population_date")
