"""The population a document's table row states for one named municipality ("What population figure is used
for Boden?"): read from the verbatim row, cited, never computed. A fictional memo; wording not from any bank."""
from __future__ import annotations

import pytest

from engine.knowledge import load_knowledge
from engine.qa import Engine
from tests.documents_support import engine_with_accepted

MEMO = """Fördelning av stimulansmedel till kommunerna i Norrbottens län 2031 (prov)

1. Bakgrund
Regionen fördelar 1 000 000 kr till kommunerna.

2. Post A – Samverkan
Posten omfattar 1 000 000 kr och fördelas efter kommunernas andel av länets folkmängd.

Kod Kommun Folkmängd Belopp post A
2582 Boden 30 000 inv. 600 000 kr
2584 Kiruna 20 000 inv. 400 000 kr
Summa 50 000 inv. 1 000 000 kr

3. Redovisning
Kommunerna redovisar insatserna i en egen rapport.
"""
TITLE = "Norrbottens län – fördelning 2031 (prov)"


@pytest.fixture(scope="module")
def drafted(tmp_path_factory):
    return engine_with_accepted(tmp_path_factory.mktemp("pop") / "data", MEMO, filename="nb.txt", title=TITLE)


@pytest.mark.parametrize("question,first", [
    ("What population figure is used for Boden?", "30 000 inhabitants"),
    ("Vilken folkmängd används för Kiruna?", "20 000 invånare"),
    ("hur många invånare har boden kommun i fördelningen 2031", "30 000 invånare"),
])
def test_the_rows_population_is_stated_and_cited(drafted, question, first):
    answer = drafted.ask(question)
    assert answer.rule == "row_population", answer.text
    assert answer.text.startswith(first), answer.text
    assert any(s.title == TITLE for s in answer.sources), answer.text


def test_an_amount_question_naming_the_key_is_still_an_amount(drafted):
    answer = drafted.ask("hur mycket får Boden efter befolkning 2031?")
    assert answer.rule != "row_population"
    assert answer.text.startswith("600 000 kr"), answer.text


def test_no_row_with_a_count_gives_no_population(drafted):
    # Luleå has no row in the memo, and the curated documents give no population per row: never a figure
    assert drafted.ask("Vilken folkmängd används för Luleå?").rule != "row_population"
    curated = Engine(load_knowledge())
    for question in ("Vilken folkmängd används för Falun?", "What population figure is used for Mora?"):
        assert curated.ask(question).rule != "row_population"
