"""A county's own memo, drafted and accepted (issue #11): its table's cells answer per post, its pots are
never estimated from a national population share, and its invoice rules answer questions about that
county instead of another county's (older) rules. The memo below is fictional test data."""
from __future__ import annotations

from pathlib import Path

import pytest

from engine.estimates import county_scoped, estimate, pot_county
from engine.knowledge_layers import load_live, open_library
from engine.library import drafts
from engine.library.document import DocumentText
from engine.qa import Engine

MEMO = """PM
Region Jämtland Härjedalen, Hälsa och välfärd
Ärendenummer: RJH2027/0042

Stimulansmedel till länets kommuner 2027

Totalt fördelas 600 000,00 kronor till tre kommuner i länet. Beloppet består av två delar:

- Lokala handlingsplaner: 400 000,00 kronor
- Kunskapsstöd i socialtjänsten: 200 000,00 kronor

Varje del fördelas efter kommunens andel av länets befolkning.

Fördelning per kommun

Kommun        Handlingsplaner   Kunskapsstöd      Totalt
              lokalt            socialtjänst
Berg          100 000,00 kr     50 000,00 kr    150 000,00 kr
Krokom        120 000,00 kr     60 000,00 kr    180 000,00 kr
Östersund     180 000,00 kr     90 000,00 kr    270 000,00 kr
Summa         400 000,00 kr    200 000,00 kr    600 000,00 kr

Fakturering

Kommunen fakturerar Region Jämtland Härjedalen senast den 1 oktober 2027.

På fakturan ska följande framgå:

  a) ärendenummer RJH2027/0042
  b) referens 4400-PSYK
  c) kommunens bankgiro för utbetalningen

Medlen är ett bidrag. Fakturan ska därför ställas ut utan mervärdesskatt.
"""
TITLE = "Region Jämtland Härjedalen – stimulansmedel till länets kommuner 2027"
BERG, KROKOM, KIRUNA = "kommun-2326", "kommun-2309", "kommun-2584"


@pytest.fixture(scope="module")
def engine(tmp_path_factory) -> Engine:
    data: Path = tmp_path_factory.mktemp("county-memo") / "data"
    lib = open_library(data, None)
    doc = lib.add(DocumentText(pages=[MEMO]), filename="pm.txt", title=TITLE, publisher="Region Jämtland Härjedalen")
    drafts.draft_and_store(lib, doc)
    drafts.decide(lib, doc, accept="all")
    return Engine(load_live(data, None))


def _post(kb, word: str):
    return next(p for p in kb.posts.values() if p.year == 2027 and word in p.name.lower() and p.amount is not None)


def test_a_county_memos_pot_is_never_estimated_from_a_national_share(engine):
    kb = engine.kb
    post = _post(kb, "handlingsplaner")
    assert county_scoped(kb, post) and pot_county(kb, post) == "23"
    for who in (BERG, KIRUNA):  # in the county (the memo states its row) and outside it
        assert estimate(kb, who, 2027, post.id) is None
        assert estimate(kb, who, 2027) is None


def test_the_table_cell_under_the_post_answers_not_an_estimate(engine):
    answer = engine.ask("berg lokala handlingsplaner 2027")
    lead = answer.text.splitlines()[0]
    assert lead.startswith("100 000 kr") and "beräknat" not in answer.text and not answer.estimate
    answer = engine.ask("Hur mycket får Krokom för kunskapsstöd i socialtjänsten 2027?")
    assert answer.text.startswith("60 000 kr") and "beräknat" not in answer.text


def test_another_countys_municipality_gets_neither_an_estimate_nor_this_countys_pot(engine):
    answer = engine.ask("Hur mycket får Kiruna för lokala handlingsplaner 2027?")
    assert "beräknat" not in answer.text and "400 000" not in answer.text


def test_the_countys_own_invoice_rules_answer_not_another_countys(engine):
    answer = engine.ask("vad ska stå på fakturan till region jämtland härjedalen")
    assert "RJH2027/0042" in answer.text and "4400-PSYK" in answer.text
    assert "S/20/0002" not in answer.text and "framgår inte" not in answer.text
    answer = engine.ask("ska vi lägga på moms på fakturan till region jämtland härjedalen?")
    assert "mervärdesskatt" in answer.text and "Storsthlm" not in answer.text and "framgår inte" not in answer.text
    assert {s.doc for s in answer.sources} == {s.doc for s in answer.sources if s.doc.startswith("dok-")}


def test_a_question_about_another_county_does_not_get_these_rules(engine):
    answer = engine.ask("ska Mora lägga på moms på fakturan till Storsthlm 2020?")
    assert "RJH2027" not in answer.text
    answer = engine.ask("vad ska stå på fakturan till storsthlm 2020")
    assert "RJH2027/0042" not in answer.text
