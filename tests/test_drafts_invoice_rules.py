"""Drafted rules of an invoicing memo (issue #11): a sentence that names several parts of an invoice in a
numbered list is the invoice's content list and the rule of each part it names (the text, the case number,
the reference); a sentence naming two invoice rules is a rule of each; unused funds worded "inte har
utnyttjat"; no sentence break after a page reference. On a memo worded unlike the seeds."""
from __future__ import annotations

import pytest

from engine.knowledge import SEEDS_DIR, load_knowledge
from engine.knowledge_layers import open_library
from engine.library import drafts
from engine.library.document import DocumentText
from engine.library.passages import _units

TITLE = "Kommunförbundet Norrfjäll – fakturering av regionala stimulansmedel 2027"
TEXT = """Fakturering
Kommunerna kan ta del av medlen genom att fakturera förbundet.
Uppge ”Stimulansmedel 2027 psykisk hälsa, regional pott”, dnr KF/27/0113, samt: 1. märk fakturan med referens 42/17 2. belopp 3. kommunens bankgiro för utbetalning
Då detta är ett statligt bidrag ska ingen moms läggas på och ni fakturerar endast den summan ni blivit tilldelad.

Oanvända medel
Av överenskommelsen framgår: ”Medel som kommunerna inte har utnyttjat ska återbetalas till Kammarkollegiet senast den 31 mars 2028” (s. 9). Detta gäller alla kommuner.
"""


@pytest.fixture(scope="module")
def rules(tmp_path_factory):
    lib = open_library(tmp_path_factory.mktemp("inv") / "data", SEEDS_DIR if SEEDS_DIR.is_dir() else None)
    doc = lib.add(DocumentText(pages=[TEXT]), filename="norrfjall2027.txt", title=TITLE)
    items = [i for i in drafts.draft(doc, load_knowledge()) if i.kind == "fact"]
    by_topic: dict[str, list[str]] = {}
    for i in items:
        by_topic.setdefault(i.data["topic"], []).append(i.data["text"])
    return by_topic


def test_a_numbered_invoice_list_is_the_content_list_and_each_parts_rule(rules):
    for topic in ("faktura_innehall", "faktura_dnr", "faktura_referens"):
        assert any("KF/27/0113" in t and "42/17" in t and "bankgiro" in t for t in rules.get(topic, [])), topic


def test_a_sentence_naming_two_invoice_rules_is_a_rule_of_each(rules):
    for topic in ("faktura_moms", "faktura_belopp"):
        assert any("blivit tilldelad" in t for t in rules.get(topic, [])), topic


def test_unused_funds_worded_inte_har_utnyttjat(rules):
    assert any("31 mars 2028" in t for t in rules.get("oanvanda_medel", []))


def test_no_sentence_break_after_a_page_reference():
    units = _units("”Medel ska återbetalas senast den 31 mars 2028” (s. 9). Detta gäller alla kommuner.")
    assert units == ["”Medel ska återbetalas senast den 31 mars 2028” (s. 9).", "Detta gäller alla kommuner."]
