"""Agreement-level drafting (issue #11): the agreement's total and the shares it states, posts per recipient,
deadlines with who and to whom — each item carrying its exact source sentence — answered by the engine once
accepted, on a text worded unlike the seeds (a new year's agreement)."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest

from engine.knowledge import SEEDS_DIR, load_knowledge
from engine.knowledge_layers import Layer, open_library
from engine.library import drafts
from engine.library.document import DocumentText
from engine.models import KnowledgeFile, validate
from engine.qa import Engine

TITLE = "Överenskommelse om stöd till psykisk hälsa 2027"
TEXT = """Bakgrund
Parterna har den 3 december 2026 beslutat om överenskommelsen. Mora kommun uppfyllde kraven för 2026 och beviljades 1 234 567 kr i statsbidrag för år 2027.

Ekonomisk ram
Överenskommelsen omfattar för 2027 totalt 1 000 000 000 kronor varav 960 000 000 kronor ska fördelas till kommuner och regioner för fortsatt utvecklingsarbete. Resterande 40 000 000 kronor tilldelas SKR för samordning och administration.
Medlen fördelas enligt följande:
 300 Mkr fördelas till regionerna och 200 Mkr till kommunerna för arbete utifrån lokala handlingsplaner.
 260 Mkr tillförs regionerna för tidiga insatser till barn och unga i behov av stöd
 200 Mkr tillförs kommuner och regioner på länsnivå för att stärka det suicidpreventiva arbetet på regional nivå.
 24 Mkr tilldelas regionerna för att stärka brukarmedverkan.
Stimulansmedlen fördelas utifrån en fördelningsnyckel baserad på befolkningsunderlaget den 1 november 2026.
Fördelning per nivå, Mnkr:
Medel till regioner
Handlingsplaner 300
Barn och unga 260
Summa regioner 560
Medel till kommuner
Handlingsplaner 200
Summa kommuner 200

# Brukarmedverkan
För att stärka brukarmedverkan erhåller regionerna 24 000 000 kronor. Medel för brukarmedverkan fördelas med 1 000 000 kronor per region förutom de tre storstadsregionerna som får vardera 2 000 000 kronor.

Utbetalning
Medlen betalas ut efter rekvisition ställd till Kammarkollegiet. Rekvirering av medlen ska ske senast den 15 oktober 2027.

Krav på redovisning
1. Kommunerna och regionerna ska redovisa insatserna i en egen rapport.
2. Slutredovisning 30 april 2028.
3. Redovisningarna ska ha inkommit till SKR senast den 31 januari 2028 och till den myndighet som följer upp överenskommelsen den 15 februari 2028.
"""


@pytest.fixture(scope="module")
def drafted(tmp_path_factory):
    lib = open_library(tmp_path_factory.mktemp("agree") / "data", SEEDS_DIR if SEEDS_DIR.is_dir() else None)
    doc = lib.add(DocumentText(pages=[TEXT]), filename="ok2027.txt", title=TITLE)
    return lib, doc, drafts.draft(doc, load_knowledge())


@pytest.fixture(scope="module")
def engine(drafted):
    lib, doc, items = drafted
    kf = validate(KnowledgeFile, drafts.build_file(doc, items))
    kb = load_knowledge(layers=(Layer("prov", [(f"{doc.id}.yaml", kf)], {doc.id}),))
    kb.library = lib
    return Engine(kb)


def _by_kind(items, kind):
    return [i for i in items if i.kind == kind]


def test_total_and_the_shares_the_document_states(drafted):
    _, _, items = drafted
    ag = _by_kind(items, "agreement")[0].data
    assert Decimal(ag["total"]) == 1_000_000_000 and ag["total_year"] == 2027 and ag["decided"] == "2026-12-03"
    shares = {tuple(t["levels"]): Decimal(t["amount"]) for t in ag["level_totals"]}
    assert shares[("region", "kommun", "lan", "kommun_och_region")] == 960_000_000  # "varav … till kommuner och regioner"
    assert shares[("skr",)] == 40_000_000  # "Resterande … tilldelas SKR"
    assert shares[("region",)] == 560_000_000  # "Summa regioner 560" in a table headed "Mnkr"
    assert shares[("kommun",)] == 200_000_000
    table = next(t for t in ag["level_totals"] if t["levels"] == ["region"])
    assert table["source"]["quote"] == "Summa regioner 560 Mnkr"


def test_posts_per_recipient_with_the_level_the_verb_names(drafted):
    _, _, items = drafted
    posts = {(i.data["level"], Decimal(i.data["amount"])): i for i in _by_kind(items, "post")}
    # "300 Mkr fördelas till regionerna och 200 Mkr till kommunerna för …": one post each
    assert ("region", 300_000_000) in posts and ("kommun", 200_000_000) in posts
    # a list item without a full stop does not swallow the next one
    assert ("region", 260_000_000) in posts
    # "på länsnivå" is the county level; "på regional nivå" does not make it a region's post
    assert ("lan", 200_000_000) in posts
    # the shares are not posts, and a post never exceeds half the agreement
    assert all(a < 500_000_000 for _, a in posts)
    assert posts[("region", 260_000_000)].data["key"]["population_date"] == "2026-11-01"  # the key after the list
    # the body restates a post and says how it is split: that key, not the list's general one
    user = posts[("region", 24_000_000)].data["key"]
    assert (user["kind"], user["per_county"], user["metro_per_county"]) == ("fixed_per_county", "1000000", "2000000")
    for p in posts.values():  # each carries its exact source sentence
        assert p.data["source"]["quote"] == p.sentence and p.sentence in " ".join(TEXT.split())


def test_deadlines_with_who_and_to_whom_from_the_neighbouring_sentence(drafted):
    _, _, items = drafted
    dls = {i.data["kind"]: i.data for i in _by_kind(items, "deadline")}
    assert dls["rekvisition"]["date"] == "2027-10-15" and dls["rekvisition"]["to"] == "Kammarkollegiet"
    assert "ställd till Kammarkollegiet" in dls["rekvisition"]["source"]["quote"]
    # "2. Slutredovisning 30 april 2028." under the list item that says who reports
    assert dls["slutrapport"]["date"] == "2028-04-30" and dls["slutrapport"]["who"] == "Kommunerna och regionerna"
    # one sentence, two dates, each with its own recipient
    reports = {i.data["date"]: i.data.get("to") for i in _by_kind(items, "deadline") if i.data["kind"] == "redovisning"}
    assert reports == {"2028-01-31": "SKR", "2028-02-15": "den myndighet som följer upp överenskommelsen"}


@pytest.mark.parametrize("question, expected", [
    ("Hur mycket pengar omfattar överenskommelsen för 2027?", "1 000 000 000 kr"),
    ("hur mkt till kommuner och regioner 2027 (exkl skr)", "960 000 000 kr"),
    ("Hur mycket får regionerna sammanlagt 2027?", "560 000 000 kr"),
    ("rekv 2027?", "15 oktober 2027"),
    ("Till vem ställs rekvisitionen 2027 och när?", "Kammarkollegiet"),
    ("När ska slutredovisningen för 2027 lämnas?", "30 april 2028"),
    ("What is the requisition deadline for the 2027 funds?", "15 October 2027"),  # the one requisition deadline
    ("total budget ök 2027?", "1 000 000 000 kr"),  # the agreement's total, its own sentence states it
    ("Hur mycket fick Mora 2027?", "1 234 567 kr"),  # a recipient's grant stated in prose
])
def test_accepted_drafts_are_answered_with_the_documents_figure(engine, question, expected):
    answer = engine.ask(question)
    assert expected in answer.text, answer.text
    assert any(s.title == TITLE for s in answer.sources)


@pytest.mark.parametrize("question", ["Hur mycket får Rättvik 2027?", "Vilket belopp ska vi rekvirera 2027?",
                                      "Vad kostar en kurator 2027?"])
def test_no_figure_of_this_document_for_what_it_does_not_state(engine, question):
    head = engine.ask(question).text.split("\n")[0]
    assert not re.search(r"\d kr\b|\b(?:15 oktober|30 april) 20\d\d", head), head
