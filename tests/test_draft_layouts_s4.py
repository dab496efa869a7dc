"""Layouts of county decisions and agreement appendices the first drafting rules did not read (issue #11, the
second unseen bank): running page headers and footers, leader dots, table rows that open with a municipality
code and carry a population column, one table per post under that post's heading, a post asked for by its
label ("post B"), and a passage whose only year is inside a date. The memo is made up for these tests."""
from __future__ import annotations

import pytest

from engine.knowledge import load_knowledge
from engine.library import drafts
from engine.library.document import DocumentText, LibraryDocument, content_hash, split_sections
from tests.documents_support import engine_with_accepted

# A county decision in plain text: a letterhead and a footer on every page, two posts with one table each
# (rows "code name population amount"), a dotted list of totals. Other county, names and amounts than any seed.
HEAD = """REGION KALMAR LÄN                                BESLUT
Hälso- och sjukvårdsnämnden                      Dnr: HSN 2031/77
                                                 Sida {n} (3)
"""
FOOT = """
Region Kalmar län | Box 601, 391 26 Kalmar | www.example.se
"""
MEMO = (HEAD.format(n=1) + """
Fördelning av stimulansmedel till kommunerna i Kalmar län 2031

Sammanfattning

Regionen fördelar 1 150 000 kronor till kommunerna. Kommunernas andel fördelas på tre poster:

    Post A  Trygg skolgång för unga            600 000 kr
    Post B  Stöd till anhöriga                 400 000 kr
    Post C  Brukarråd                          150 000 kr

1.1 Post A – Trygg skolgång för unga

Posten omfattar 600 000 kr och fördelas efter folkmängd den 1 november 2030.

Kod  Kommun         Folkmängd      Belopp post A
0880 Kalmar         70 000 inv.    350 000 kr
0881 Nybro          20 000 inv.    100 000 kr
""" + FOOT + HEAD.format(n=2) + """0882 Torsås          7 000 inv.     150 000 kr
     Summa post A   97 000 inv.    600 000 kr

1.2 Post B – Stöd till anhöriga

Posten omfattar 400 000 kr och fördelas lika mellan kommunerna.

Kod  Kommun         Folkmängd      Belopp post B
0880 Kalmar         70 000 inv.    200 000 kr
0881 Nybro          20 000 inv.    100 000 kr
0882 Torsås          7 000 inv.    100 000 kr
     Summa post B   97 000 inv.    400 000 kr

1.3 Post C – Brukarråd

Posten omfattar 150 000 kr. Kommunerna får samma belopp, 50 000 kr per kommun.
""" + FOOT + HEAD.format(n=3) + """
1.4 Totalt per kommun 2031

Kalmar (0880) ............................ 600 000 kr
Nybro (0881) ............................. 250 000 kr
Torsås (0882) ............................ 300 000 kr
Totalt till länets kommuner ............ 1 150 000 kr

2. Rekvisition

Kommunerna rekvirerar medlen senast den 30 september 2031.
""" + FOOT)
TITLE = "Region Kalmar län – fördelning till kommunerna 2031 (prov)"


def _sections():
    return split_sections(DocumentText(pages=[MEMO]))


def _items():
    doc = LibraryDocument(id="dok-00000000cc", title=TITLE, sha256=content_hash(MEMO), sections=_sections())
    return drafts.draft(doc, load_knowledge())


def test_running_page_headers_and_footers_are_left_out():
    text = "\n".join(s.text for s in _sections())
    assert "Box 601" not in text and "Sida" not in text and "HSN 2031/77" not in text
    assert "0882 Torsås 7 000 inv. 150 000 kr" in text  # the table goes on over the page break


def test_leader_dots_become_a_space():
    text = "\n".join(s.text for s in _sections())
    assert "Kalmar (0880) 600 000 kr" in text and "...." not in text


def test_a_column_header_over_table_rows_is_no_section_heading():
    headings = [s.heading for s in _sections()]
    assert not any(h.startswith("Kod") for h in headings), headings
    assert "1.2 Post B – Stöd till anhöriga" in headings  # a dash is no word of a numbered heading


def test_one_table_per_post_gives_that_posts_rows_and_the_dotted_list_the_totals():
    def post(i):
        return next((x for x in "ABC" if f"-post-post-{x.lower()}-" in i.data.get("post", "")), "")

    allocations = {(i.data["recipient"], post(i)): i.data["amount"] for i in _items() if i.kind == "allocation"}
    assert allocations[("kommun-0881", "A")] == "100000"  # Nybro, post A (the code and population left out)
    assert allocations[("kommun-0834", "A")] == "150000"  # Torsås, on the next page
    assert allocations[("kommun-0880", "B")] == "200000"  # Kalmar, post B
    assert allocations[("kommun-0880", "")] == "600000"  # Kalmar's total, from the dotted list
    totals = [i for i in _items() if i.kind == "allocation" and i.data["recipient"] == "kommun-0880"
              and not i.data.get("post")]
    assert len(totals) == 1, [t.data for t in totals]  # a post's column is never read as the total


def test_the_same_amount_for_every_municipality_is_each_ones_row():
    """Post C has no table: "samma belopp, 50 000 kr per kommun", and 3 × 50 000 kr is the post's 150 000 kr."""
    rows = {i.data["recipient"]: i.data["amount"] for i in _items() if i.kind == "allocation"
            and "-post-post-c-" in i.data.get("post", "")}
    assert rows == {"kommun-0880": "50000", "kommun-0881": "50000", "kommun-0834": "50000"}


def test_a_post_is_named_by_its_label():
    posts = [i.data for i in _items() if i.kind == "post" and i.data["name"].startswith("Post B")]
    assert posts and "Post B" in posts[0]["synonyms"]


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    return engine_with_accepted(tmp_path_factory.mktemp("s4") / "data", MEMO, filename="kalmar.txt", title=TITLE)


@pytest.mark.parametrize("question, first", [
    ("hur mycket far nybro for post A 2031", "100 000 kr"),
    ("Hur mycket får Kalmar för post B 2031?", "200 000 kr"),
    ("hur mkt far torsas totalt 2031", "300 000 kr"),
])
def test_the_rows_are_answered(engine, question, first):
    answer = engine.ask(question)
    assert answer.text.startswith(first), answer.text


def test_a_year_only_inside_a_date_is_not_the_moneys_year(engine):
    """"hur mycket fick Nybro 2030": the memo's only 2030 is the population date; no 2031 figure is given."""
    answer = engine.ask("Hur mycket fick Nybro 2030?")
    first = answer.text.split("\n")[0]
    assert not first.startswith(("100 000 kr", "200 000 kr")), answer.text
    assert "2030" not in first or "framgår inte" in first or "finns inte" in first, answer.text


def test_the_equal_shares_do_not_add_to_the_published_totals(engine):
    """The smallest total is the dotted list's (Nybro 250 000 kr), not a total plus post C's 50 000 kr."""
    answer = engine.ask("vilken kommun far minst totalt 2031 i kalmar lan")
    assert "250 000 kr" in answer.text.split("\n")[0] and "Nybro" in answer.text.split("\n")[0], answer.text


def test_a_municipalitys_equal_share_is_answered(engine):
    answer = engine.ask("hur mycket far torsas for post C 2031")
    assert answer.text.startswith("50 000 kr"), answer.text


def test_a_suspended_compound_is_completed_only_by_a_word_the_document_uses():
    from engine.library.drafts import _suspended_compounds

    words = {"medverkan", "i", "det", "lokala"}
    assert _suspended_compounds("Post C Brukar- och anhörigmedverkan", words) == ["brukarmedverkan"]
    assert _suspended_compounds("Barn- och ungdomspsykiatrin", words) == []  # no "psykiatrin" of its own: no guess
