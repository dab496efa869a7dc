"""Follow-ups, English, "what I understood", comparisons and "not in the documents" (issue #10)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from engine.conversation import InProcessContext
from engine.knowledge import load_knowledge
from engine.qa import Engine, split_parts

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def kb():
    return load_knowledge()


@pytest.fixture()
def engine(kb):
    return Engine(kb)


def test_follow_up_switches_the_recipient_and_says_what_it_assumed(engine):
    first = engine.ask("hur mycket får Mora 2020?", conversation="c1")
    assert first.text.startswith("593 461 kr")
    follow = engine.ask("och Rättvik?", conversation="c1")
    assert follow.text.startswith("318 737 kr")
    assert "Jag antog: 2020 (från föregående fråga)." in follow.text
    assert follow.assumed == ["2020"]


def test_follow_ups_are_kept_per_conversation(engine):
    engine.ask("Hur mycket får regionerna för traumavård 2021?", conversation="a")
    engine.ask("hur mkt far ludvika 2020", conversation="b")
    assert "50 000 000 kr" in engine.ask("och 2019?", conversation="a").text
    assert "521 751,45" in engine.ask("hur fördelas det?", conversation="b").text
    # without a conversation a fragment is answered on its own
    assert "318 737" not in engine.ask("och 2019?").text


def test_follow_up_inherits_the_deadline_and_total_drops_the_post(engine):
    engine.ask("Vad får Avesta för kunskapsbaserad vård 2020?", conversation="t")
    assert engine.ask("och totalt?", conversation="t").text.startswith("674 017 kr")
    engine.ask("Sista dag att fakturera Storsthlm?", conversation="d")
    assert engine.ask("när då?", conversation="d").text.startswith("1 december 2020")


def test_follow_up_naming_an_unknown_post_gets_no_figure(engine):
    engine.ask("Hur mycket får Avesta 2020?", conversation="u")
    answer = engine.ask("och för e-hälsa?", conversation="u")
    assert "finns inte i dokumenten" in answer.text and "674 017" not in answer.text


def test_a_question_of_its_own_after_an_amount_is_not_read_as_och_x(engine):
    """"What tax do people pay in Säter?" after "hur mkt far rattvik" asks something new (a question word, more
    than three words): it is not "och Säter?", so Säter's allocation is no answer to it."""
    engine.ask("hur mkt far rattvik", conversation="tax")
    answer = engine.ask("What tax do people pay in Säter?", conversation="tax")
    assert "323 040" not in answer.text, answer.text
    assert "not in the documents" in answer.text.split("\n")[0]
    assert "och Säter?" not in answer.text


def test_context_store_is_bounded_in_size_and_age():
    now = [0.0]
    store = InProcessContext(max_size=2, max_age=60, clock=lambda: now[0])
    store.put("a", {"x": 1})
    store.put("b", {"x": 2})
    store.put("c", {"x": 3})
    assert store.get("a") is None and store.get("c") == {"x": 3} and len(store) == 2
    now[0] = 61
    assert store.get("b") is None
    with pytest.raises(TypeError):
        store.put("d", {"x": object()})  # the state must be JSON, as a shared store keeps it


def test_acceptance_unknown_post_is_said_first(engine):
    answer = engine.ask("Hur mycket får regionerna för e-hälsa 2021?")
    assert answer.text.startswith("”e-halsa” finns inte i dokumenten.")
    assert "784 000 000" not in answer.text and not answer.confident


def test_acceptance_comparison_states_the_larger_and_the_difference(engine):
    answer = engine.ask("Får Mora mer än Leksand 2020?")
    assert answer.text.startswith("Ja, Mora får mer: 593 461 kr mot 459 849 kr för Leksand, skillnad 133 612 kr "
                                  "(29,1 % mer).")


def test_acceptance_english_question_is_answered_in_english(engine):
    answer = engine.ask("How much does Mora get in 2020?")
    assert answer.language == "en"
    assert answer.text.startswith("593 461 SEK (rounded amount): Mora kommun gets 593 461 SEK in 2020")
    assert answer.source_line() == "Source: Region Dalarna – förslag på användning av medlen 2020, section 1. Belopp"
    swedish = engine.ask("Hur mycket får Mora 2020?")
    assert swedish.source_line() == "Källa: Region Dalarna – förslag på användning av medlen 2020, avsnitt 1. Belopp"


def test_english_dates_and_decimals(engine):
    answer = engine.ask("When do we have to repay unused 2020 funds?")
    assert answer.text.startswith("31 March 2021")
    assert "65 817.31 SEK" in engine.ask("Vansbro 2020: how much for knowledge-based care?").text


def test_out_of_domain_question_says_not_in_the_documents(engine):
    assert engine.ask("vad kostar en kurator?").text.startswith("”kurator” finns inte i dokumenten.")
    for q in ("What is the capital of Norway?", "Vad får Leksand för missbruksvård 2020?"):
        answer = engine.ask(q)
        assert "finns inte i dokumenten" in answer.text or "not in the documents" in answer.text, q
        assert answer.intent == "not_in_documents" and not answer.confident
    assert "459 849" not in engine.ask("Vad får Leksand för missbruksvård 2020?").text


def test_year_not_covered_is_said_first(engine):
    answer = engine.ask("När ska vi rekvirera 2023?")
    assert answer.text.startswith("En frist för 2023 framgår inte av dokumenten. Närmast i dokumenten:")
    assert engine.ask("sista dag fakturera storsthlm 2021?").text.startswith("En frist för 2021 framgår inte")


def test_multi_part_question_answers_each_part(engine):
    assert split_parts("Hur mycket får Falun 2020 och när ska slutredovisningen lämnas?") == [
        "Hur mycket får Falun 2020", "när ska slutredovisningen lämnas?"]
    answer = engine.ask("Hur mycket får Falun 2020 och när ska slutredovisningen lämnas?")
    assert answer.text.startswith("1 726 309 kr") and "31 mars 2021" in answer.text


def test_misspelt_name_is_reported_as_understood(engine):
    assert "Jag antog: ”rattvk” = Rättviks kommun." in engine.ask("hur mkt far rattvk 2020").text


def test_chat_follow_up_in_one_terminal_session(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "bot", "chat"], cwd=ROOT, capture_output=True, text=True,
                          input="hur mycket får Mora 2020?\noch Rättvik?\n", timeout=120,
                          env={**__import__("os").environ, "STIMULANS_DATA_DIR": str(tmp_path)})
    chunks = proc.stdout.split("fråga>")
    assert len(chunks) >= 3
    assert "593 461 kr" in chunks[1]
    assert "318 737 kr" in chunks[2] and "Jag antog: 2020" in chunks[2]


def test_a_bare_question_matching_several_documents_gets_a_short_choice(engine):
    answer = engine.ask("vad är dnr?")
    assert answer.text.startswith("Det finns flera sådana i dokumenten – vilken menar du?")
    assert "S/20/0002" in answer.text and "3.2-55/2013" in answer.text
    assert answer.intent == "clarify" and not answer.confident
    # with a subject named, the one answer
    assert engine.ask("dnr på fakturan till storsthlm?").text.startswith("S/20/0002")


def test_a_contacts_deadline_question_leads_with_their_own_deadline(kb):
    from engine.store import Contact

    class Store:
        def snapshot(self):
            class Snap:
                contacts = [Contact(row=2, name="Anna", slack_id="U1", recipient_id="kommun-0180")]
            return Snap()

    engine = Engine(kb, store=Store())
    own = engine.ask("Sista dag att fakturera?", user_id="U1")
    assert own.text.startswith("1 december 2020: kommunerna i Stockholms län ska skicka faktura")
    assert "Jag antog: du frågar för Stockholms stad (Kontakter)." in own.text
    other = engine.ask("När ska vi rekvirera 2021?", user_id="U1")
    assert other.text.startswith("En egen frist för Stockholms stad framgår inte av dokumenten; fristen nedan "
                                 "gäller SKR")
    assert "1 december 2021" in other.text


def test_a_greeting_inherits_nothing_and_states_no_figure(engine):
    engine.ask("sista dag att fakturera storsthlm?", conversation="g")
    engine.ask("och 2021?", conversation="g")
    hello = engine.ask("hej", conversation="g")
    assert not hello.assumed and "kr" not in hello.text.split("\n")[0]
    assert "1 680 000 000" not in hello.text


@pytest.mark.parametrize("question", ["vem har inte rekvirerat än?", "vilka har inte fakturerat?",
                                      "vilka kommuner har rekvirerat?"])
def test_who_has_not_questions_ask_about_everyone_not_the_last_recipient(engine, question):
    engine.ask("hur mycket får Mora 2020?", conversation=f"w:{question}")
    q = engine.parser.parse_in_context(question, engine.context.get(f"w:{question}"))
    assert q.recipients == [] and "Mora kommun" not in q.assumed
