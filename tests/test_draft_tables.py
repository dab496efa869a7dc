"""Per-recipient tables drafted from a county memo nobody has curated (issue #11): column headings split over
lines or sharing a line, a county's own unnamed row, the municipal rows with their total, every item keeping
its verbatim row as its source text, and the answers the engine gives once every draft is accepted unseen."""
from __future__ import annotations

from decimal import Decimal

import pytest

from engine.library import drafts
from engine.library.document import DocumentText
from tests.documents_support import engine_with_accepted

# Another county, other names and other column headings than any seed (the shape of a PDF extraction:
# names hyphenated over line breaks, several headings on one line, the total's heading over two lines).
MEMO = """Fördelning av stimulansmedel i Kalmar län 2026

1. Belopp
Länsgemensamma medel:

Traumavård
och krisstöd
Barnhälsa Suicidprevention  Ungdoms-
mottagningar
Avrundat
belopp

2 000 000,00 kr  500 000,50 kr  1 250 000,25 kr  750 000,00 kr  4 500 001 kr

Medel till kommunerna:

Psykiatri-
samverkan
Digitala
stödformer
Summa

Kalmar 300 000,40 kr  150 000,20 kr  450 000,60 kr
Nybro 120 000,00 kr  60 000,00 kr  180 000,00 kr
Torsås 80 000,00 kr  40 000,00 kr  120 000,00 kr

2. Redovisning
Kommunerna redovisar insatserna i en egen rapport.
"""
TITLE = "Kalmar län – fördelning 2026 (prov)"


def _items():
    from engine.knowledge import load_knowledge
    from engine.library.document import LibraryDocument, content_hash, split_sections

    doc = LibraryDocument(id="dok-00000000aa", title=TITLE, sha256=content_hash(MEMO),
                          sections=split_sections(DocumentText(pages=[MEMO])))
    return drafts.draft(doc, load_knowledge())


def test_column_headings_are_split_into_one_post_per_column():
    posts = {i.data["id"].rsplit("-tabell-", 1)[1]: i.data for i in _items() if i.kind == "post"
             and "-tabell-" in i.data["id"]}
    assert [p["name"] for p in posts.values()] == [
        "Traumavård och krisstöd", "Barnhälsa", "Suicidprevention", "Ungdomsmottagningar",
        "Psykiatrisamverkan", "Digitala stödformer"]
    assert [p["level"] for p in posts.values()] == ["lan"] * 4 + ["kommun"] * 2


def test_the_unnamed_row_under_a_county_shared_caption_is_the_countys_own():
    items = _items()
    county = {i.data.get("post"): i for i in items if i.kind == "allocation" and i.data["recipient"] == "lan-08"}
    names = {i.data["id"]: i.data["name"] for i in items if i.kind == "post"}
    amounts = {names.get(p, "totalt"): Decimal(i.data["amount"]) for p, i in county.items()}
    assert amounts == {"Traumavård och krisstöd": Decimal("2000000"), "Barnhälsa": Decimal("500000.50"),
                       "Suicidprevention": Decimal("1250000.25"), "Ungdomsmottagningar": Decimal("750000"),
                       "totalt": Decimal("4500001")}
    assert county[None].data["rounded"] is True
    # one table: the total and its parts together (a ranking or a sum must not add the total to its parts)
    assert len({i.data["table"] for i in county.values()}) == 1
    # the exact row, with its caption and column heading, is the item's source text (and its source's quote)
    barn = next(i for p, i in county.items() if p and names[p] == "Barnhälsa")
    assert barn.sentence == ("Länsgemensamma medel: Barnhälsa: 2 000 000,00 kr 500 000,50 kr 1 250 000,25 kr "
                             "750 000,00 kr 4 500 001 kr")
    assert barn.data["source"]["quote"] == barn.sentence


def test_municipal_rows_keep_their_row_and_column_heading():
    items = _items()
    rows = [i for i in items if i.kind == "allocation" and i.data["recipient"] == "kommun-0881"]
    assert {(i.data.get("post") is None, Decimal(i.data["amount"])) for i in rows} == {
        (True, Decimal(180000)), (False, Decimal(120000)), (False, Decimal(60000))}
    digital = next(i for i in rows if i.data.get("post") and Decimal(i.data["amount"]) == 60000)
    assert digital.sentence == "Medel till kommunerna: Digitala stödformer: Nybro 120 000,00 kr 60 000,00 kr 180 000,00 kr"


def test_a_table_without_a_county_shared_caption_gives_no_county_row():
    text = MEMO.replace("Länsgemensamma medel:", "Övriga medel:")
    from engine.knowledge import load_knowledge
    from engine.library.document import LibraryDocument, content_hash, split_sections

    doc = LibraryDocument(id="dok-00000000ab", title=TITLE, sha256=content_hash(text),
                          sections=split_sections(DocumentText(pages=[text])))
    items = drafts.draft(doc, load_knowledge())
    assert not [i for i in items if i.kind == "allocation" and i.data["recipient"].startswith("lan-")]


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    return engine_with_accepted(tmp_path_factory.mktemp("tables") / "data", MEMO, filename="kalmar.txt", title=TITLE)


@pytest.mark.parametrize("question, first", [
    ("Hur mycket får Nybro för digitala stödformer 2026?", "60 000 kr"),
    ("Hur mycket får Kalmar kommun 2026?", "450 000,60 kr"),
    ("Vad får Kalmar län för barnhälsa 2026?", "500 000,50 kr"),
    ("Hur mycket är Kalmar läns länsgemensamma medel 2026 sammanlagt?", "4 500 001 kr"),
    ("Vilken kommun i Kalmar län får mest 2026?", "Kalmars kommun: 450 000,60 kr"),
    # "suicid" names the curated agreements' post of that name; the county's drafted column bears the same name
    ("Hur mycket får Kalmar län för suicid 2026?", "1 250 000,25 kr"),
    ("Region Kalmar län suicidprevention 2026", "1 250 000,25 kr"),  # county-shared: the county's figure
])
def test_accepted_table_drafts_are_answered_with_the_rows_figure(engine, question, first):
    answer = engine.ask(question)
    assert answer.text.startswith(first), answer.text
    assert any(s.title == TITLE for s in answer.sources)


# A county memo in prose (the Storsthlm shape, another county): the county-shared posts it lists are the
# county's, and "X till <recipient>" names the region, the municipalities as a group, and how that sum is split.
PROSE = """Länsgemensamma medel 2026

De länsgemensamma stimulansmedlen fördelas enligt nedan tre poster. Denna skrivelse avser posten Traumavård.
1. Traumavård: 4 000 tkr
2. Barnhälsa: 1 500 tkr
3. Suicidprevention: 2 500 tkr

Fördelning av posten Traumavård
Av de 4 000 tkr till traumavård fördelas 2 500 tkr till Region Kalmar län och 1 500 tkr t ill kommunerna.
Det finns kvarvarande medel från 2025 om totalt 300 000 kr. Därmed finns totalt 1 800 000 kr som fördelas ut till
kommunerna. Kommunernas medel fördelas enligt befolkningsmängd.
"""


def _prose_items(publisher: str | None, title: str = "Länsgemensamma medel 2026 (prov)"):
    from engine.knowledge import load_knowledge
    from engine.library.document import LibraryDocument, content_hash, split_sections

    doc = LibraryDocument(id="dok-00000000ac", title=title, publisher=publisher, sha256=content_hash(PROSE),
                          sections=split_sections(DocumentText(pages=[PROSE])))
    return drafts.draft(doc, load_knowledge())


def test_a_county_documents_prose_names_the_county_region_and_municipalities():
    items = _prose_items("Region Kalmar län")
    names = {i.data["id"]: i.data["name"] for i in items if i.kind == "post"}
    got = {(i.data["recipient"], names.get(i.data.get("post"), "-"), Decimal(i.data["amount"]))
           for i in items if i.kind == "allocation"}
    assert got == {("lan-08", "Traumavård", Decimal(4_000_000)), ("lan-08", "Barnhälsa", Decimal(1_500_000)),
                   ("lan-08", "Suicidprevention", Decimal(2_500_000)),
                   ("region-08", "Traumavård", Decimal(2_500_000)), ("kommunerna-08", "Traumavård", Decimal(1_500_000)),
                   ("kommunerna-08", "-", Decimal(1_800_000)), ("kommunerna-08", "-", Decimal(300_000))}
    pot = next(i for i in items if i.kind == "allocation" and Decimal(i.data["amount"]) == 1_800_000)
    assert pot.data["split_key"]["kind"] == "population"
    assert pot.sentence == "Därmed finns totalt 1 800 000 kr som fördelas ut till kommunerna."
    left = next(i for i in items if i.kind == "allocation" and Decimal(i.data["amount"]) == 300_000)
    assert "kvarvarande" in left.data["note"]
    region = next(i for i in items if i.kind == "allocation" and i.data["recipient"] == "region-08")
    assert "2 500 tkr till Region Kalmar län" in region.data["source"]["quote"]
    # the listed posts are county-shared (the lead-in says so, the level words of the names do not)
    assert {i.data["level"] for i in items if i.kind == "post" and i.data.get("amount")} == {"lan"}


def test_a_national_documents_posts_are_nobodys_allocation():
    items = _prose_items("Sveriges Kommuner och Regioner (SKR)")
    assert not [i for i in items if i.kind == "allocation"]


def test_national_figures_in_a_county_document_are_not_the_countys():
    text = PROSE.replace("De länsgemensamma stimulansmedlen fördelas enligt nedan tre poster.",
                         "De länsgemensamma stimulansmedlen fördelas mellan länen enligt nedan tre poster.")
    text = text.replace("Därmed finns totalt 1 800 000 kr som fördelas ut till\nkommunerna.",
                        "I hela landet går 300 000 000 kr till kommunerna.")
    from engine.knowledge import load_knowledge
    from engine.library.document import LibraryDocument, content_hash, split_sections

    doc = LibraryDocument(id="dok-00000000ad", title="Länsgemensamma medel 2026", publisher="Region Kalmar län",
                          sha256=content_hash(text), sections=split_sections(DocumentText(pages=[text])))
    items = drafts.draft(doc, load_knowledge())
    got = {(i.data["recipient"], Decimal(i.data["amount"])) for i in items if i.kind == "allocation"}
    assert not [g for g in got if g[0] == "lan-08"] and ("kommunerna-08", Decimal(300_000_000)) not in got
    assert ("region-08", Decimal(2_500_000)) in got  # the county's own sentence still counts


# Column names on one extracted line ("Kommun Handlingsplaner Kunskapsstöd Totalt"), each column the post the
# memo lists above with exactly the column's sum; "till de tre kommunerna i länet" is the municipalities' group.
INLINE = """Stimulansmedel till kommunerna 2026

Totalt fördelas 600 000,00 kronor till de tre kommunerna i länet. Beloppet består av två delar:
- Lokala handlingsplaner: 400 000,00 kronor
- Kunskapsstöd i socialtjänsten: 200 000,00 kronor
Varje del fördelas efter kommunens andel av länets befolkning.

Fördelning per kommun
Kommun          Handlingsplaner     Kunskapsstöd      Totalt
Gävle           200 000,00 kr       100 000,00 kr     300 000,00 kr
Sandviken       120 000,00 kr        60 000,00 kr     180 000,00 kr
Hofors           80 000,00 kr        40 000,00 kr     120 000,00 kr
Summa           400 000,00 kr       200 000,00 kr     600 000,00 kr
"""


def test_inline_column_names_are_the_listed_posts_and_the_group_gets_its_total():
    from engine.knowledge import load_knowledge
    from engine.library.document import LibraryDocument, content_hash, split_sections

    doc = LibraryDocument(id="dok-00000000ae", title="Stimulansmedel till kommunerna 2026", publisher="Region Gävleborg",
                          sha256=content_hash(INLINE), sections=split_sections(DocumentText(pages=[INLINE])))
    items = drafts.draft(doc, load_knowledge())
    names = {i.data["id"]: i.data["name"] for i in items if i.kind == "post"}
    assert sorted(names.values()) == ["Kunskapsstöd i socialtjänsten", "Lokala handlingsplaner"]  # no column posts
    sandviken = {names.get(i.data.get("post"), "totalt"): i for i in items
                 if i.kind == "allocation" and i.data["recipient"] == "kommun-2181"}
    assert {k: Decimal(v.data["amount"]) for k, v in sandviken.items()} == {
        "Lokala handlingsplaner": Decimal(120_000), "Kunskapsstöd i socialtjänsten": Decimal(60_000),
        "totalt": Decimal(180_000)}
    assert sandviken["Kunskapsstöd i socialtjänsten"].sentence.startswith("Kunskapsstöd: Sandviken 120 000,00 kr")
    assert "note" not in sandviken["totalt"].data  # its columns are rows of their own
    group = next(i for i in items if i.kind == "allocation" and i.data["recipient"] == "kommunerna-21")
    assert Decimal(group.data["amount"]) == 600_000 and group.data["split_key"]["kind"] == "population"
    assert group.data["note"] == "Varje del fördelas efter kommunens andel av länets befolkning."


# A national circular's per-region table in tkr, numbers without units (thousands groups and columns are
# separated by the same single space once the PDF text is extracted): each row is read the one way its
# amount columns add up.
TKR = """Fördelning till regionerna 2026

Tabell 1. Fördelning per region 2026, tkr
Region Invånare Andel, % Traumavård, tkr Barnhälsa, tkr Summa, tkr
Region Uppsala 404 589 3,84 15 736 6 909 22 645
Region Gotland 61 189 0,58 2 380 1 045 3 425
Region Skåne 1 421 781 13,49 55 299 24 278 79 577

Utbetalning
SKR betalar ut medlen i april 2026.
"""


def test_a_unit_less_tkr_table_is_read_the_one_way_its_columns_add_up():
    from engine.knowledge import load_knowledge
    from engine.library.document import LibraryDocument, content_hash, split_sections

    doc = LibraryDocument(id="dok-00000000af", title="Fördelning till regionerna 2026", publisher="SKR",
                          sha256=content_hash(TKR), sections=split_sections(DocumentText(pages=[TKR])))
    items = drafts.draft(doc, load_knowledge())
    names = {i.data["id"]: i.data["name"] for i in items if i.kind == "post"}
    got = {(i.data["recipient"], names.get(i.data.get("post"), "totalt")): Decimal(i.data["amount"])
           for i in items if i.kind == "allocation"}
    assert got == {
        ("region-03", "Traumavård"): 15_736_000, ("region-03", "Barnhälsa"): 6_909_000, ("region-03", "totalt"): 22_645_000,
        ("region-09", "Traumavård"): 2_380_000, ("region-09", "Barnhälsa"): 1_045_000, ("region-09", "totalt"): 3_425_000,
        ("region-12", "Traumavård"): 55_299_000, ("region-12", "Barnhälsa"): 24_278_000,
        ("region-12", "totalt"): 79_577_000}
    row = next(i for i in items if i.kind == "allocation" and i.data["recipient"] == "region-09" and i.data.get("post")
               and names[i.data["post"]] == "Barnhälsa")
    assert row.sentence == "Barnhälsa, tkr: Region Gotland 61 189 0,58 2 380 1 045 3 425"


def test_a_unit_less_row_is_kept_only_when_exactly_one_reading_adds_up():
    from engine.library.drafts import _read_bare, _Table

    tab = _Table(header=["Kommun A, tkr B, tkr Summa, tkr"], bare=[
        ("X 1 000 1 000 2 000", None, ["1", "000", "1", "000", "2", "000"]),  # 1 000 | 1 000 | 2 000 only
        ("Y 5 5 5", None, ["5", "5", "5"]),  # adds up in no reading
        ("Z 1 1 1 1 2 2", None, ["1", "1", "1", "1", "2", "2"])])  # too many numbers for the columns
    _read_bare(tab)
    assert [(r[0], r[2]) for r in tab.rows] == [
        ("X 1 000 1 000 2 000", [Decimal(1_000_000), Decimal(1_000_000), Decimal(2_000_000)])]
