"""QA's second unseen question bank (tests/questions/unseen2.yaml), scored like tests/test_questions.py.

Written from the seed documents only (independently of extra.yaml/unseen.yaml). Questions the engine
answers wrongly today are strict xfails: the suite stays green, and a fix turns into an XPASS failure
so the entry below can be removed. Each reason says what kind of question it is and what goes wrong.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from engine.knowledge import load_knowledge
from engine.qa import Engine
from tests.test_questions import check

BANK = Path(__file__).resolve().parent / "questions" / "unseen2.yaml"

KNOWN_FAILURES: dict[str, str] = {
    "Hur mycket får Dalarnas kommuner sammanlagt för utvecklingsinsatser utifrån handlingsplaner 2020?":
        "sum of a published column (15 municipalities): says no amount for 'Dalarnas län', cites nothing",
    "Vilken kommun i Dalarna får mest pengar 2020?":
        "superlative over the municipal table: answers the county total 18 172 239 kr instead of Falun",
    "Varför stannade utvecklingsinsatser av i Dalarna under 2019?":
        "'why' question (funds arrived late, June 2019): answered with a computed 2019 estimate for Region Dalarna",
    "ungdomsmottagningar länsgemensamt stockholm 2020?":
        "county-shared post in Stockholm (35 000 tkr): 'stockholm' read as Stockholms stad, answers sammanhållen vård",
    "hur fördelas kommunernas pengar för sammanhållen vård mellan kommunerna i sthlm?":
        "key for Stockholm municipalities 2020 (population, Storsthlm PM): 'sthlm' not resolved, gives 2021/2019 keys",
    "ref nr faktura storsthlm?":
        "abbreviation 'ref nr': treated as an invoice deadline question, 717/771 missing",
    "kan vi fakturera ett högre belopp än vi fått tilldelat?":
        "invoice only the allocated sum: dumps the four invoice items, never says 'den summan ni blivit tilldelad'",
    "när betalar storsthlm ut efter att vi fakturerat":
        "payout timing (when funds arrive from Kammarkollegiet/SKR): 'fakturerat' pulls the 1 Dec invoice deadline",
    "What do we need to write on the invoice to Storsthlm?":
        "English invoice-content question: answered with the deadline, no 717/771/belopp/konto",
    "måste vi skriva på fakturan vad pengarna ska användas till?":
        "invoice item 4 (state planned use): answered with the purpose of the funds instead",
    "vem har skrivit storsthlm-pm:et om sammanhållen vård?":
        "sender of the memo (Åsa Danielsson): answered with the purpose of the funds",
    "vad får kommunerna i sthlms län använda sammanhållen vård-pengarna till?":
        "use of funds (SIP, IT-stöd): 'sthlms län … pengarna' read as an amount question, gives 26 800 000 kr",
    "stimulansmedel till kommunerna 2019?":
        "2019 post 350 Mkr to municipalities: answers Stockholm county 2020 (10 570 973 kr) from the wrong document",
    "SKL:s andel av ök 2019?":
        "SKL's share 40 Mkr: answers the distribution keys; 40 Mkr never stated",
    "Hur mycket gick till kommuner och landsting gemensamt 2019 (brukarmedverkan + samverkan)?":
        "table subtotal 'Summa kommuner och landsting 224': answers only brukarmedverkan 24 Mkr",
    "Hur mycket pengar har staten lagt på överenskommelserna om psykisk hälsa per år 2012–2018?":
        "historical range 850–1 400 Mkr/year (2019 doc §3): answers the 2012 PRIO total from another document",
    "vilket anslag betalas 2019 års medel från?":
        "appropriation (1.8 Bidrag till psykiatri, 8.2 Finansiering): answers the payout timing",
    "ska faxnummer verkligen stå med i rekvisitionen lol":
        "requisition form field (Faxnummer): answered with requisition deadlines",
    "hur mkt till kommuner och regioner 2021 (exkl skr)":
        "1 658 000 000 kr to municipalities+regions: '(exkl skr)' makes it answer SKR's 22 000 000 kr",
    "suicidprevention länen 2021 mnkr":
        "post amount 200 000 000 kr: answers the background paragraph, no figure",
    "nar ska rekv vara inne hos kk for 2021 ars medel":
        "requisition deadline in Slack abbreviations (rekv, kk): 'Jag förstod inte riktigt frågan'",
    "ärendenummer skr meddelande 20/2020":
        "SKR case number 20/01596: first line is Storsthlm's dnr S/20/0002 (wrong document)",
    "hur många personer skulle en stor kommun rapportera in 2012?":
        "2012 performance target detail (300 persons): answers the count of basic requirements instead",
    "dnr på stockholms stads tjänsteutlåtande om prio":
        "document number 3.2-55/2013: answers Storsthlm's invoice dnr S/20/0002 (wrong document)",
    "How much will Gothenburg get in 2021?":
        "not in the documents: ignores Göteborg and answers the national 2021 total 1 680 000 000 kr",
}


def _params():
    items = yaml.safe_load(BANK.read_text(encoding="utf-8"))
    for item in items:
        reason = KNOWN_FAILURES.get(item["q"])
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        yield pytest.param(item, marks=marks, id=item["q"][:60])


@pytest.fixture(scope="module")
def engine():
    return Engine(load_knowledge())


def test_bank_is_well_formed():
    items = yaml.safe_load(BANK.read_text(encoding="utf-8"))
    assert 100 <= len(items) <= 130
    assert len({i["q"] for i in items}) == len(items)
    for item in items:
        assert item["expect"] and all(isinstance(g, list) and g for g in item["expect"]), item["q"]


def test_known_failures_name_real_questions():
    questions = {i["q"] for i in yaml.safe_load(BANK.read_text(encoding="utf-8"))}
    assert not set(KNOWN_FAILURES) - questions


@pytest.mark.parametrize("item", list(_params()))
def test_unseen2_questions(engine, item):
    answer = engine.ask(item["q"]).to_json_dict()
    problems = check(item, answer)
    assert not problems, f"{item['q']!r} → {answer['text'][:300]!r} sources={answer['sources']} {problems}"
