"""The rule table: which kind of answer a typed query gets.

One parse (engine/understanding.py) turns a question into a `Query` (slots: recipients, posts,
years, levels, deadline kinds, topics; unmatched terms; language). The rules below are tried in
order; the first whose `when` holds and whose `answer` returns an Answer wins. Every rule carries
example questions — `tests/test_rules.py` checks that each example is answered by its own rule, so
the table documents itself and a change of order that steals another rule's questions fails a test.

Answer modules (engine/answers/*) read only the Query and the knowledge base.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from engine import lexicon, scope
from engine.answer import Answer
from engine.answers import (
    amounts,
    contacts,
    deadlines,
    facts,
    figures,
    identifiers,
    keys,
    overview,
    row_population,
    status,
    trust,
)
from engine.understanding import Query

if TYPE_CHECKING:  # the engine passes itself: rules use its store and its helpers
    from engine.qa import Engine

#: word evidence for one fact (engine/answers/facts.py) at which a question naming no receiver,
#: post or level is a rule/background question even when it also says "hur mycket"
RULE_FACT_EVIDENCE = 3.0


@dataclass(frozen=True)
class Rule:
    """One row of the rule table: when it applies to a question, and the answer it builds."""

    name: str
    when: Callable[[Engine, Query], bool]
    answer: Callable[[Engine, Query], Answer | None]
    examples: tuple[str, ...]
    doc: str = ""


def _receivers(q: Query) -> list:
    return [r for r in q.recipients if r.kind.value not in ("aktor", "myndighet")]


def _asks_amount(e: Engine, q: Query) -> bool:
    return (q.wants_amount or e.names_a_receiver(q)) and not q.deadline_kinds


def _off_subject(e: Engine, q: Query) -> bool:
    """A receiver named in a question about something else ("Vilka tåg går från Mora?", "Vilken skatt
    betalar man i Säter?"): the question's own subject words fill no slot and nothing in it asks for an
    amount, a post, a date, a deadline or a rule the documents hold — the receiver alone is no amount
    question."""
    if not _receivers(q) or not q.content or q.follow_up:
        return False
    return not (q.wants_amount or q.posts or q.levels or q.deadline_kinds or q.topics or q.wants_date
                or q.wants_status or q.wants_key or q.wants_usage or q.wants_reason or q.wants_discrepancies
                or q.wants_agreement_date or q.wants_post_recipient or q.wants_help)


def _off_subject_answer(e: Engine, q: Query) -> Answer | None:
    """"finns inte i dokumenten" first; the nearest the documents hold (which posts have amounts for the
    receiver), without a figure. A question whose words do point at a fact goes on to the facts."""
    if facts.best_evidence(e.kb, q) >= trust.DOMAIN_FACT_EVIDENCE:
        return None
    return trust.off_subject(e.kb, replace(q, unmatched=q.content))


def _compares(q: Query) -> bool:
    """"Får Mora mer än Leksand?", "vem får mest?" — but "mer"/"more" before a post's name is part of
    that name ("for more coherent care", "en mer sammanhållen vård"), not a comparison."""
    text = q.text
    for ph in q.post_phrases:
        for more in ("mer", "more"):
            text = text.replace(f" {more} {ph} ", f" {ph} ")
    q = replace(q, text=text)
    return q.has(*lexicon.COMPARE_WORDS) or q.has(*lexicon.RANK_WORDS, "mer", "more", "mindre", "less")


def _budget_itself(e: Engine, q: Query) -> str | None:
    """"Hur stor är Sveriges statsbudget för 2021?": the budget word is what is asked about (not where the
    money was set aside: "avsattes i statsbudgeten"), and nothing the documents allocate is named — no
    receiver, post, level, agreement or the funds themselves. Returns the budget word."""
    if q.recipients or q.posts or q.levels or q.has(*lexicon.AGREEMENT_WORDS, *lexicon.FUNDS_WORDS):
        return None
    toks = q.text.split()
    hits = [i for i, w in enumerate(toks) if w in lexicon.BUDGET_WORDS]
    if not hits or any(i > 0 and toks[i - 1] in lexicon.BUDGET_CONTAINER_WORDS for i in hits):
        return None
    return toks[hits[0]]


def _status(e: Engine, q: Query) -> Answer:
    ans = status.status_answer(e.kb, e.store, q)
    documented = facts.answer(e.kb, q) if facts.documented_about_recipient(e.kb, q) else None
    if ans.facts and documented is not None:
        # "Vem har rekvirerat … för Dalarnas del?": what the documents say, then the sheet
        return replace(
            documented, text=documented.text + "\n\nI det delade arket:\n" + ans.text,
            facts=documented.facts + ans.facts, sources=documented.sources + ans.sources)
    if ans.facts:
        return ans
    # nothing in the sheet about it: what do the documents say ("Region Dalarna har rekvirerat …")?
    return facts.answer(e.kb, q) or ans


def _rule_question(e: Engine, q: Query) -> bool:
    if q.wants_key and q.wants_date and q.has_stem("befolkning"):
        return False  # "vilket datum för befolkningsmängd används …": the key's date, not what money is used for
    return (not (_receivers(q) or q.posts or q.levels) and not e.asks_deadline(q)
            and bool(q.topics or facts.best_evidence(e.kb, q) >= RULE_FACT_EVIDENCE))


def _deadline(e: Engine, q: Query) -> Answer | None:
    """The deadline, plus the rules the question also names; when the documents have no deadline for the
    year asked, a fact about that very year ("Region Dalarna har rekvirerat … 2020") answers instead."""
    askers = e.asker(q.asker_id) if q.asker_id and not q.recipients else []
    if askers:
        # a municipality's or region's contact: their own deadline first ("whose deadline")
        me = askers[0]
        ans = deadlines.answer(e.kb, replace(q, recipients=[me]))
        if ans is not None:
            used = [d for d in e.kb.deadlines if any(f.get("deadline") == d.id for f in ans.facts)]
            text = ans.text
            if used and not any(d.applies_to and scope.applies(e.kb, d.applies_to, me) for d in used):
                text = (f"En egen frist för {me.name} framgår inte av dokumenten; fristen nedan gäller "
                        f"{used[0].who}:\n{text}")
            ans = replace(ans, text=text, assumed=[*ans.assumed, f"du frågar för {me.name} (Kontakter)"])
    else:
        ans = deadlines.answer(e.kb, q)
    if ans is None:
        return None
    if not ans.confident and q.years and facts.documented_about_recipient(e.kb, q):
        fact = facts.answer(e.kb, q)
        if fact is not None and trust.used_years(e.kb, fact) & set(q.years):
            return fact
    return e.plus_rules(ans, q)


def _greets(q: Query) -> bool:
    words = q.text.split()
    return bool(words) and all(w in lexicon.GREETING_WORDS for w in words)


def _greeting(e: Engine, q: Query) -> Answer:
    thanks = any(w in ("tack", "tackar", "thanks", "thank") for w in q.text.split())
    return overview.help_answer(e.kb, "Varsågod!" if thanks else "Hej!")


RULES: tuple[Rule, ...] = (
    Rule("greeting", lambda e, q: _greets(q), _greeting, ("hej", "tack så mycket!"),
         "a message that only greets or thanks gets a greeting and what the bot can answer, not 'no answer'"),
    Rule("help", lambda e, q: q.wants_help and not (q.recipients or q.posts or q.years or q.deadline_kinds
                                                      or q.topics),
         lambda e, q: overview.help_answer(e.kb), ("hjälp", "vad kan du svara på?")),
    Rule("unknown_purpose",
         lambda e, q: (_asks_amount(e, q) and bool(q.unnamed) and not q.posts and not q.unmatched and not q.topics
                       and facts.best_evidence(e.kb, q) < trust.PURPOSE_FACT_EVIDENCE),
         lambda e, q: trust.unknown_terms(e.kb, replace(q, unmatched=q.unnamed), asks_amount=True, evidence=0.0,
                                          nearest=lambda: None),
         ("Vad får Leksand för missbruksvård 2020?",),
         "an amount for a purpose no post has: say so, give no other post's figure"),
    Rule("row_population", lambda e, q: row_population.asks_population(q),
         lambda e, q: row_population.answer(e.kb, q),
         (), "the population a document's table row states for one named municipality ('28 306 inv.')"),
    Rule("unknown_terms", lambda e, q: bool(q.unmatched),
         lambda e, q: trust.unknown_terms(e.kb, q, asks_amount=_asks_amount(e, q),
                                          evidence=facts.best_evidence(e.kb, replace(q, topics={})),
                                          nearest=lambda: e.dispatch(replace(q, unmatched=[]))),
         ("Hur mycket får regionerna för e-hälsa 2021?", "vad kostar en kurator?", "What is the capital of Norway?"),
         "a word no document has: 'finns inte i dokumenten' first, the nearest facts labelled"),
    Rule("comparison", lambda e, q: _compares(q),
         lambda e, q: e.compare(q),
         ("Får Mora mer än Leksand 2020?", "Får regionerna eller kommunerna mest 2021?",
          "Var överenskommelsen större 2019 eller 2021?")),
    Rule("discrepancies", lambda e, q: q.wants_discrepancies,
         lambda e, q: overview.discrepancies_answer(e.kb, q), ("Finns det avvikelser i dokumenten?",)),
    Rule("metropolitan",
         lambda e, q: (q.has_stem("storstadslan", "storstadsregion") and q.has("vilka", "vilket", "which")
                       and not q.wants_amount),
         lambda e, q: overview.metropolitan_answer(e.kb), ("Vilka är storstadslänen?",)),
    Rule("status", lambda e, q: q.wants_status, _status, ("vilka har inte fakturerat?", "status Falun")),
    Rule("quoted_figure", lambda e, q: True, lambda e, q: figures.what_is(e.kb, q),
         ("vad är 4 141 043 kr i sthlm-pm:et?",), "a figure quoted in the question, explained"),
    Rule("agreement_date", lambda e, q: q.wants_agreement_date,
         lambda e, q: overview.agreement_dates_answer(e.kb, q), ("När ingicks överenskommelsen 2019?",)),
    Rule("identifier", lambda e, q: identifiers.asked_kind(q) is not None, lambda e, q: identifiers.answer(e.kb, q),
         ("Vilket diarienummer har socialförvaltningens tjänsteutlåtande 2012?",),
         "a case number or bank giro an added document states: the value first, only the asked body's own"),
    Rule("contact_by_subject", lambda e, q: "kontakt" in q.topics, lambda e, q: contacts.answer(e.kb, q),
         ("vem svarar på frågor om överenskommelsen 2021?",),
         "a document naming one contact per subject: the one for the subject asked about, e-mail first"),
    Rule("post_recipient", lambda e, q: q.wants_post_recipient and bool(q.posts) and not q.deadline_kinds,
         lambda e, q: keys.recipient_answer(e.kb, q), ("Vem tar emot medlen för suicidprevention 2021?",)),
    Rule("deadline_recipient", lambda e, q: q.wants_post_recipient and bool(q.deadline_kinds),
         lambda e, q: deadlines.answer(e.kb, q), ("till vem ställs rekvisitionen?",)),
    Rule("rule_facts", _rule_question, lambda e, q: facts.answer(e.kb, q),
         ("Ska vi lägga på moms på fakturan?", "Vad ska rekvisitionen innehålla?"),
         "a rule or background question (no receiver, post or level named)"),
    Rule("deadline", lambda e, q: e.asks_deadline(q), lambda e, q: _deadline(e, q),
         ("Sista dag att fakturera Storsthlm?", "När ska vi rekvirera 2023?")),
    Rule("distribution_key", lambda e, q: q.wants_key and not q.wants_amount, lambda e, q: keys.answer(e.kb, q),
         ("Hur fördelas brukarmedverkan mellan länen 2021?",)),
    Rule("off_subject", _off_subject, _off_subject_answer,
         ("Vilken skatt tar Gagnef ut?", "Vem är kommunalråd i Orsa?"),
         "a receiver named in a question about something else: no amount, 'finns inte i dokumenten' first"),
    Rule("budget_itself", lambda e, q: _budget_itself(e, q) is not None,
         lambda e, q: trust.unknown_terms(e.kb, replace(q, unmatched=[_budget_itself(e, q)]), asks_amount=True,
                                          evidence=0.0, nearest=lambda: None),
         ("Hur stor är Sveriges statsbudget för 2021?",),
         "the size of the state budget itself: no document states it, so no agreement total either"),
    Rule("amount", lambda e, q: (q.wants_amount or e.names_a_receiver(q)) and not _off_subject(e, q),
         lambda e, q: amounts.answer(e.kb, q),
         ("Hur mycket får Falun 2020?", "Vad får Vansbro för kunskapsbaserad vård 2020?",
          "How much does Mora get in 2020?")),
    Rule("facts", lambda e, q: True, lambda e, q: facts.answer(e.kb, q),
         ("Vilken åldersgrupp riktar sig SKL:s handlingsplan mot missbruk och beroende till?",)),
    Rule("distribution_key_late", lambda e, q: q.wants_key, lambda e, q: keys.answer(e.kb, q), (),
         "a key question that also asked an amount the amount rule could not give (no bank example yet)"),
    Rule("deadline_rule", lambda e, q: bool(q.deadline_kinds), lambda e, q: deadlines.answer(e.kb, q),
         ("Förfaller rätten till bidrag om vi rekvirerar 2019 års medel efter 1 december?",),
         "a yes/no question about a deadline gets the deadline and its consequence"),
    Rule("amount_late",
         lambda e, q: (bool(q.recipients or q.posts or q.years) and not q.wants_date and not q.things
                       and not _off_subject(e, q)),
         lambda e, q: amounts.answer(e.kb, q), ("2012 totalt?", "ök 2021 tot")),
)


#: (not in engine/lexicon.py: its upper-case tables are question words, and these name things)
#: "Vilket bankgiro har Kammarkollegiet?": an identifier asked for, with the shape its value has in a text; an
#: answer that holds no such value does not answer it (the word may occur, e.g. "Regeringskansliets diarienummer")
_IDENTIFIER_SHAPES: dict[str, tuple[tuple[str, ...], str]] = {
    "diarienummer": (("diarienummer", "diarienumret", "dnr", "arendenummer", "arendenumret", "case number",
                      "file number"), r"\b(?:[A-Za-z]{1,4}\s?)?\d+(?:[./-]\d+)*/\d{2,}\b"),
    "bankgiro": (("bankgiro", "bankgironummer", "bankgirot", "plusgiro", "plusgirot", "kontonummer", "kontonumret",
                  "account number", "iban"), r"\b\d{2,4}-\d{4}\b|\bSE\d{2}[ \d]{20,}"),
    "organisationsnummer": (("organisationsnummer", "organisationsnumret", "orgnr", "org nr"), r"\b\d{6}-\d{4}\b"),
    "telefonnummer": (("telefonnummer", "telefonnumret", "telefonnumret", "phone number", "telephone number"),
                      r"\b0\d{1,3}[- ]\d{2,3}[ \d]{3,}\b"),
}


def _identifier_asked(q: Query) -> tuple[str, str] | None:
    """"Vilket bankgiro har Kammarkollegiet?": (the identifier's word as asked, its value's shape) when the
    question asks which identifier something has."""
    if not q.has("vilket", "vilken", "vad ar", "what", "which", "what is", "whats"):
        return None
    for words, shape in _IDENTIFIER_SHAPES.values():
        for w in words:
            if q.has(w):
                return w, shape
    return None


def _identifier_check(q: Query, ans: Answer) -> Answer:
    """An identifier asked for that the answer holds no value of ("Regeringskansliets diarienummer" is
    mentioned, never given): "finns inte i dokumenten" first, the answer after it as the nearest facts."""
    asked = _identifier_asked(q)
    if asked is None or ans.intent in ("help", "not_in_documents") or re.search(asked[1], ans.text):
        return ans
    lead = f"”{asked[0]}” {trust.NOT_IN_DOCS} för det du frågar om."
    return replace(ans, text=f"{lead} Närmast i dokumenten:\n{ans.text}", confident=False)


#: rules whose answers are passages of facts, which may name an identifier without giving it
_IDENTIFIER_CHECKED = {"rule_facts", "facts"}


def not_understood(e: Engine) -> Answer:
    """The "no confident answer" outcome (Answer.confident is False; intent "help")."""
    from engine.qa import NOT_UNDERSTOOD

    return replace(overview.help_answer(e.kb, NOT_UNDERSTOOD), confident=False, rule="none")


def dispatch(e: Engine, q: Query) -> Answer:
    for rule in RULES:
        if rule.when(e, q):
            ans = rule.answer(e, q)
            if ans is not None:
                if rule.name in _IDENTIFIER_CHECKED:
                    ans = _identifier_check(q, ans)
                return replace(ans, rule=rule.name)
    return not_understood(e)
