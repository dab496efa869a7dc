"""An agreement appendix whose amounts are in a summary table with the unit in its caption (issue #11, the
second unseen bank's layout): posts grouped under level lines and checked against each group's "Summa" line,
one figure per county under a caption naming the unit, the total in prose ("Staten avsätter … till
överenskommelsen"), and a level's word never naming a post. The appendix is made up for these tests."""
from __future__ import annotations

import pytest

from engine.knowledge import load_knowledge
from engine.library import drafts
from engine.library.document import DocumentText, LibraryDocument, content_hash, split_sections
from tests.documents_support import engine_with_accepted

APPENDIX = """Bilaga 3 till överenskommelsen om stimulansmedel 2033

1. Omfattning

Staten avsätter för 2033 sammanlagt 600 miljoner kronor till överenskommelsen.

Tabell 2. Medlen 2033 per mottagare (mnkr)

Mottagare / post                               mnkr   Nyckel
Regionerna
  Digital vård för unga                        120,5   B
  Kriscentrum                                   79,5   B
  Summa regionerna                             200,0
Kommunerna
  Lokala mötesplatser                          250,0   B
  Summa kommunerna                             250,0
Länsnivå
  Gemensamma kanslier                            3,75  F
  Regionala nätverk                            146,25  B
  Summa länsnivå                               150,0
Totalt                                         600,0

2. Fasta belopp

Posten gemensamma kanslier fördelas med fasta belopp per län.

Gemensamma kanslier, belopp per län 2033 (mnkr)

  Uppsala län ......................... 2,50
  Gotlands län ........................ 1,25
  Summa ................................ 3,75

3. Tabell med fel

Tabell 3. Medel som inte stämmer (mnkr)

Regionerna
  Felaktig post                                 10,0
  Summa regionerna                              99,0
"""
TITLE = "Bilaga 3 – stimulansmedel 2033 (prov)"


def _items():
    doc = LibraryDocument(id="dok-00000000dd", title=TITLE, sha256=content_hash(APPENDIX),
                          sections=split_sections(DocumentText(pages=[APPENDIX])))
    return drafts.draft(doc, load_knowledge())


def test_the_prose_total_is_the_agreements():
    agreement = next(i for i in _items() if i.kind == "agreement")
    assert agreement.data["total"] == "600000000"


def test_table_rows_under_a_level_line_are_that_levels_posts():
    posts = {i.data["name"]: (i.data["level"], i.data["amount"]) for i in _items() if i.kind == "post"}
    assert posts["Digital vård för unga"] == ("region", "120500000")
    assert posts["Kriscentrum"] == ("region", "79500000")
    assert posts["Lokala mötesplatser"] == ("kommun", "250000000")
    assert posts["Regionala nätverk"] == ("lan", "146250000")
    assert "Felaktig post" not in posts  # its group does not add up to its Summa line


def test_a_post_keeps_its_row_with_group_and_unit():
    post = next(i for i in _items() if i.kind == "post" and i.data["name"] == "Kriscentrum")
    assert post.data["source"]["quote"] == "Regionerna: Kriscentrum 79,5 mnkr B"


def test_the_groups_summa_lines_are_level_totals():
    agreement = next(i for i in _items() if i.kind == "agreement")
    totals = {tuple(t["levels"]): t["amount"] for t in agreement.data["level_totals"]}
    assert totals[("region",)] == "200000000" and totals[("lan",)] == "150000000"


def test_one_figure_per_county_under_a_caption_with_the_unit():
    rows = {i.data["recipient"]: (i.data["amount"], i.data.get("post", "")) for i in _items() if i.kind == "allocation"}
    assert rows["lan-09"][0] == "1250000" and rows["lan-03"][0] == "2500000"
    assert "gemensamma-kanslier" in rows["lan-09"][1]


def test_a_levels_word_is_no_posts_synonym():
    post = next(i for i in _items() if i.kind == "post" and i.data["name"] == "Regionala nätverk")
    assert "regionala" not in [s.lower() for s in post.data["synonyms"]]


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    return engine_with_accepted(tmp_path_factory.mktemp("units") / "data", APPENDIX, filename="bilaga3.txt",
                                title=TITLE)


@pytest.mark.parametrize("question, first", [
    ("Hur mycket avsätts till kriscentrum 2033?", "79 500 000 kr"),
    ("Hur mycket får Gotlands län för gemensamma kanslier 2033?", "1 250 000 kr"),
    ("Hur mycket får regionerna sammanlagt 2033?", "200 000 000 kr"),
])
def test_the_table_is_answered(engine, question, first):
    answer = engine.ask(question)
    assert answer.text.startswith(first), answer.text
