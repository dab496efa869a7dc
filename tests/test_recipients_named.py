"""Recipients named in ways the capital-letter rule missed: a municipality by its four-digit code right after
"kommun"/"kod"/"municipality" (never a year), a lower-case name that is also an everyday word ("boden",
"vara") when the question lists it with another municipality, and the difference of two such municipalities
in a document's drafted table. Fictional figures; wording not from any bank."""
from __future__ import annotations

import pytest

from engine.knowledge import load_knowledge
from engine.qa import Engine
from engine.recipients import RecipientIndex
from engine.understanding import QuestionParser
from tests.documents_support import engine_with_accepted


@pytest.fixture(scope="module")
def kb():
    return load_knowledge()


@pytest.fixture(scope="module")
def index(kb):
    return RecipientIndex(kb.recipients)


def _names(index: RecipientIndex, text: str) -> list[str]:
    return [m.recipient.short for m in index.find(text)]


# -- 1. a municipality named by its code ---------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "hur mycket far kommun 2583 totalt",
    "vad får kommunkod 2583?",
    "belopp för kod 2583",
    "How much does municipality 2583 get?",
])
def test_a_code_after_a_code_word_names_that_municipality(index, text):
    found = index.find(text)
    assert [m.recipient.short for m in found] == ["Haparanda"]
    assert found[0].by_code


@pytest.mark.parametrize("text", [
    "hur mycket far 2583 totalt",  # no word making the number a code: an amount or a count
    "hur mycket får kommun 2021",  # 2021 is Vansbro's code, but reads as a year: never a code
    "kommun 1980 belopp",  # 19xx as well (Västerås)
    "kommun 9999",  # no municipality has that code
])
def test_a_number_that_is_no_code_names_nobody(index, text):
    assert _names(index, text) == []


def test_the_assumed_line_says_which_municipality_the_code_is(kb, index):
    q = QuestionParser(kb, index).parse("hur mycket far kommun 2583 totalt")
    assert [r.short for r in q.recipients] == ["Haparanda"]
    assert "kommunkod 2583 = Haparanda kommun" in q.assumed
    answer = Engine(kb).ask("hur mycket far kommun 2583 totalt")
    assert "Jag antog: kommunkod 2583 = Haparanda kommun" in answer.text, answer.text
    english = Engine(kb).ask("How much does municipality 2583 get in total?")
    assert "municipality code 2583 = Haparanda kommun" in english.text, english.text


# -- 2. lower-case names that are also everyday words ---------------------------------------------------

@pytest.mark.parametrize("text,expected", [
    ("skillnad mellan boden och kiruna totalt 2027?", ["Boden", "Kiruna"]),
    ("kiruna eller boden, vem får mest?", ["Kiruna", "Boden"]),
    ("boden och luleå tillsammans", ["Boden", "Luleå"]),
    ("boden, lund och kiruna", ["Boden", "Lund", "Kiruna"]),  # a chain, one link at a time
    ("boden + kiruna totalt", ["Boden", "Kiruna"]),
    ("skillnad mellan vara och lidköping", ["Vara", "Lidköping"]),  # a verb-like name needs "mellan"
    ("What population figure is used for Boden?", ["Boden"]),  # a capital inside the sentence, as before
])
def test_a_lower_case_everyday_name_listed_with_another_municipality_counts(index, text, expected):
    assert _names(index, text) == expected


@pytest.mark.parametrize("text,expected", [
    ("hur mycket får boden", []),  # alone and lower-case: still the word
    ("boden kiruna", ["Kiruna"]),  # side by side without a list mark: not a list
    ("vad ska vara och kiruna ha gjort", ["Kiruna"]),  # "vara" joined by "och" only: the verb
    ("ska fakturan vara med moms för kiruna", ["Kiruna"]),
    ("mellan boden och storsthlm", ["Storsthlm"]),  # listed with an actor, not with a municipality
    ("vad ska vi ange och när", []),
])
def test_everyday_words_outside_a_list_of_municipalities_stay_words(index, text, expected):
    assert _names(index, text) == expected


# -- 3. the difference of two named municipalities in a drafted table -----------------------------------

MEMO = """Fördelning av stimulansmedel till kommunerna i Norrbottens län 2031 (prov)

1. Belopp
Medel till kommunerna:

Psykiatri-
samverkan
Digitala
stödformer
Summa

Boden 210 000,00 kr  90 000,00 kr  300 000,00 kr
Kiruna 150 000,00 kr  70 000,00 kr  220 000,00 kr
Haparanda 60 000,00 kr  25 000,00 kr  85 000,00 kr

2. Redovisning
Kommunerna redovisar insatserna i en egen rapport.
"""
TITLE = "Norrbottens län – fördelning 2031 (prov)"


@pytest.fixture(scope="module")
def drafted(tmp_path_factory):
    return engine_with_accepted(tmp_path_factory.mktemp("named") / "data", MEMO, filename="nb.txt", title=TITLE)


@pytest.mark.parametrize("question,first", [
    ("skillnad mellan boden och kiruna totalt 2031?", "80 000 kr"),
    ("hur mycket mer får boden än kiruna 2031", "80 000 kr"),
    ("hur mycket far kommun 2583 totalt 2031", "85 000 kr"),
])
def test_a_drafted_table_answers_the_named_municipalities(drafted, question, first):
    answer = drafted.ask(question)
    assert first in answer.text.splitlines()[0], answer.text
    assert any(s.title == TITLE for s in answer.sources), answer.text
