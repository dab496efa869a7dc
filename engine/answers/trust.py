"""Never answer a different question: what the documents lack is said first, the nearest facts after,
labelled as such; comparisons say which is larger and by how much.

Read by engine/qa.py: `unknown_terms` before the ordinary answer kinds, `compare` for "får X mer än
Y?", `year_guard` after any answer whose facts belong to other years than the ones asked about.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal

from engine import scope
from engine.answer import Answer
from engine.answers.common import agreement_years, uniq_sources, years_text
from engine.formatting import format_kr, format_number
from engine.knowledge import KnowledgeBase
from engine.models import RecipientKind
from engine.understanding import Query

NOT_IN_DOCS = "finns inte i dokumenten"
#: the question words the documents lack before the whole question counts as outside them
OUT_OF_DOMAIN_TERMS = 2
#: word evidence (engine/answers/facts.py) for one fact this strong also makes it a documents question
DOMAIN_FACT_EVIDENCE = 2.0
#: an amount question naming a purpose no post has ("för missbruksvård") still goes to the facts
#: when one fact has this much word evidence ("till ideella organisationer")
PURPOSE_FACT_EVIDENCE = 3.0
#: a topic trigger this strong (engine/understanding.py scores 1 + length/20 per trigger) makes a
#: question with one unknown word still a question about the documents ("kostar" alone does not)
DOMAIN_TOPIC_SCORE = 1.5


def _terms(q: Query, *, as_written: bool = False) -> str:
    return ", ".join(f"”{_as_written(q, t) if as_written else t}”" for t in q.unmatched)


def _as_written(q: Query, term: str) -> str:
    """A folded term as the question wrote it ("tåg" for "tag")."""
    from engine.text import fold

    for word in re.findall(r"[^\W_]+(?:-[^\W_]+)*", q.raw or ""):
        if fold(word) == term:
            return word.lower()
    return term


#: words asking for a quantity of something (a price, a cost, a pay): the fact answering must be about
#: that very thing. Kept here, not in engine/lexicon.py, so they do not join the question vocabulary.
QUANTITY_WORDS = ("kostar", "kosta", "kostnad", "kostnaden", "kostnader", "pris", "priset", "avgift", "avgiften",
                  "tjanar", "lon", "lonen", "medellon", "cost", "costs", "price", "salary")
#: the share of the question's own subject words a figure-leading fact must contain
SUBJECT_COVERAGE = 0.5
#: subject words shorter than this (verbs like "lagt", "gick") do not count for the coverage
SUBJECT_WORD_LENGTH = 5


def _covered(word: str, tokens: set[str]) -> bool:
    """The word, or an inflection of it (at most three letters of ending changed), is among the tokens."""
    stem = word[:max(5, len(word) - 3)]
    return any(t.startswith(stem) or (len(t) >= 5 and word.startswith(t)) for t in tokens)


def other_quantity(kb: KnowledgeBase, q: Query, answer: Answer) -> Answer:
    """A fact that leads with a figure given to a question asking a quantity of something else ("Vad
    kostar ett besök hos psykiatern?" is not "what psychiatric ill-health costs Sweden"), or a post's
    amount given to a question asking the price of something the post does not name ("Vad kostar en
    utbildning för personalen i SIP?"): what is asked is not in the documents; the nearest fact is
    named, without its figure."""
    if not (q.content or q.post_phrases):
        return answer
    if answer.rule in ("rule_facts", "facts"):
        if not (q.wants_amount or q.has(*QUANTITY_WORDS)):
            return answer
    elif answer.rule == "amount":
        if not q.has(*QUANTITY_WORDS):  # "hur mycket får …" is the amount rule's own question
            return answer
    else:
        return answer
    first = answer.text.strip().splitlines()[0] if answer.text.strip() else ""
    if not re.search(r"\d", first[:40]):
        return answer
    from engine.answers.facts import index
    from engine.text import fold

    by_id = index(kb).facts  # built once per knowledge base, not per answer
    lead = next((by_id[f["fact"]] for f in answer.facts if f.get("fact") in by_id), None)
    if lead is not None:
        covering = " ".join([lead.title, lead.text, *lead.items, *lead.keywords, lead.value or ""])
    elif answer.rule == "amount":
        covering = answer.text
    else:
        return answer
    tokens = set(re.findall(r"[a-z0-9]+", fold(covering)))
    subject = [w for w in q.content if len(w) >= SUBJECT_WORD_LENGTH]  # "lagt", "per" say nothing of it
    if lead is not None:  # a post the question names is its subject too ("Vad kostar SIP?")
        subject += [w for ph in q.post_phrases for w in ph.split() if len(w) >= 3 and w not in subject]
    missing = [w for w in subject if not _covered(w, tokens)]
    if not missing or len(missing) <= (1 - SUBJECT_COVERAGE) * len(subject):
        return answer
    terms = ", ".join(f"”{_as_written(q, t)}”" for t in missing)
    text = f"Det du frågar efter om {terms} {NOT_IN_DOCS}; dokumenten anger ingen sådan siffra."
    if lead is not None and lead.title and not re.search(r"\d", lead.title):
        text += f" Närmaste uppgift i dokumenten gäller något annat: {lead.title}."
    elif lead is None and q.posts:
        text += (" Närmaste uppgift i dokumenten: stimulansmedel till "
                 + ", ".join(dict.fromkeys(p.short for p in q.posts[:3])) + " (belopp per år), inget pris.")
    sources = uniq_sources([lead.source]) if lead is not None else list(answer.sources)
    return Answer(text=text, intent="not_in_documents", sources=sources, confident=False, rule=answer.rule)


def unknown_terms(kb: KnowledgeBase, q: Query, *, asks_amount: bool, evidence: float,
                  nearest: Callable[[], Answer | None]) -> Answer | None:
    """The question names something no document has ("e-hälsa", "kurator"). An amount question gets
    no figure for it (only which posts the documents do have); a question with no other subject of
    the documents gets "finns inte i dokumenten"; otherwise the nearest answer follows, labelled."""
    if not q.unmatched:
        return None
    domain = bool(q.posts or q.deadline_kinds or any(v >= DOMAIN_TOPIC_SCORE for v in q.topics.values())
                  or evidence >= DOMAIN_FACT_EVIDENCE)
    lead = f"{_terms(q)} {NOT_IN_DOCS}."
    if asks_amount and not q.posts:
        return _posts_instead(kb, q, lead)
    if len(q.unmatched) >= OUT_OF_DOMAIN_TERMS or not domain:
        return Answer(text=lead + " Jag svarar bara på det som står i dokumenten om stimulansmedlen för psykisk "
                      "hälsa (belopp, frister, faktura- och rekvisitionsregler, fördelning, krav).",
                      intent="not_in_documents", confident=False)
    near = nearest()
    if near is None or near.intent == "help":
        return Answer(text=lead, intent="not_in_documents", confident=False)
    return replace(near, text=f"{lead} Närmast i dokumenten:\n{near.text}", confident=False)


def off_subject(kb: KnowledgeBase, q: Query) -> Answer:
    """A receiver named in a question about something else ("Vilka tåg går från Mora?"): what is asked
    is not in the documents; the nearest the documents hold about the receiver (which posts have
    amounts) follows, labelled, without a figure."""
    return _posts_instead(kb, q, f"{_terms(q, as_written=True)} {NOT_IN_DOCS}.", asked_amount=False)


def _posts_instead(kb: KnowledgeBase, q: Query, lead: str, *, asked_amount: bool = True) -> Answer:
    """Which posts the documents state amounts for (for the recipient / year asked), without figures."""
    ids = {r.id for r in q.recipients}
    allocs = [a for a in kb.allocations if (not ids or a.recipient in ids) and (not q.years or a.year in q.years)
              and a.post]
    names = sorted({kb.posts[a.post].short for a in allocs if a.post in kb.posts})
    if not names:
        names = sorted({p.short for p in kb.posts.values() if not q.years or p.year in q.years})
    who = " och ".join(r.name for r in q.recipients) or "stimulansmedlen"
    when = f" {years_text(q.years)}" if q.years else ""
    text = f"{lead} Dokumenten anger inget belopp för det." if asked_amount else lead
    if names:
        text += f" Närmast i dokumenten: belopp för {who}{when} finns för posterna " + ", ".join(names) + "."
    sources = uniq_sources([a.source for a in allocs][:3])
    return Answer(text=text, intent="not_in_documents", sources=sources, confident=False)


def compare(parts: list[tuple[str, Decimal]], detail: Answer, *, yes_no: bool, verb: str = "får mer",
            difference_first: bool = False) -> Answer:
    """"Får Mora mer än Leksand?": the larger first, the difference in kronor and percent, then the figures.
    A yes/no question about the first named gets "Ja"/"Nej" first; "hur mycket mer/mindre …?" gets the
    difference first."""
    (a_name, a), (b_name, b) = parts[0], parts[1]
    if a == b:
        head = f"Lika mycket: {a_name} och {b_name} har båda {format_kr(a)}."
    elif difference_first:
        big_name, big, small_name, small = (a_name, a, b_name, b) if a > b else (b_name, b, a_name, a)
        diff = big - small
        pct = f" ({format_number(diff / small * 100, 1)} % mer)" if small else ""
        head = (f"Skillnad {format_kr(diff)}{pct}: {big_name} {verb}, {format_kr(big)} mot {format_kr(small)} "
                f"för {small_name}.")
    else:
        big_name, big, small_name, small = (a_name, a, b_name, b) if a > b else (b_name, b, a_name, a)
        diff = big - small
        pct = f" ({format_number(diff / small * 100, 1)} % mer)" if small else ""
        answer_word = ("Ja, " if a > b else "Nej, ") if yes_no else ""
        head = (f"{answer_word}{big_name} {verb}: {format_kr(big)} mot {format_kr(small)} för {small_name}, "
                f"skillnad {format_kr(diff)}{pct}.")
    return replace(detail, text=head + "\n" + detail.text, intent="comparison")


def used_years(kb: KnowledgeBase, answer: Answer) -> set[int]:
    """The years of the knowledge items an answer used (allocations, posts, deadlines, facts)."""
    allocs = {a.id: a for a in kb.allocations}
    deadlines = {d.id: d for d in kb.deadlines}
    from engine.answers.facts import index

    facts = index(kb).facts
    years: set[int] = set()
    for f in answer.facts:
        if f.get("id") in allocs:
            years.add(allocs[f["id"]].year)
        elif f.get("post") in kb.posts and "recipient" not in f:
            years.add(kb.posts[f["post"]].year)
        elif f.get("deadline") in deadlines:
            d = deadlines[f["deadline"]]
            years |= set(agreement_years(kb, d.agreement))
        elif f.get("fact") in facts:
            years |= set(index(kb).norm[f["fact"]].own_years)  # not years its text merely mentions
        elif f.get("year"):
            years.add(int(f["year"]))
    return years


def year_guard(kb: KnowledgeBase, q: Query, answer: Answer) -> Answer:
    """An answer built only from other years than those asked about says so first."""
    if not q.years or answer.intent in ("help", "not_in_documents", "status", "discrepancies"):
        return answer
    if NOT_IN_DOCS in answer.text or "framgår inte av dokumenten" in answer.text:
        return answer
    years = used_years(kb, answer)
    if not years or years & set(q.years):
        return answer
    lead = (f"Uppgifter för {years_text(q.years)} {NOT_IN_DOCS}. Närmast i dokumenten "
            f"({years_text(sorted(years))}):")
    return replace(answer, text=lead + "\n" + answer.text, confident=False)


def level_of(kind: RecipientKind) -> str:
    return {RecipientKind.kommun: "kommun", RecipientKind.region: "region", RecipientKind.lan: "län"}.get(kind, "")


_RULE_INTENTS = {"deadline", "invoice_rule", "rule", "requisition_form", "requirements"}


def _used_items(kb: KnowledgeBase, answer: Answer) -> tuple[list, list]:
    deadlines = {d.id: d for d in kb.deadlines}
    from engine.answers.facts import index

    facts_by_id = index(kb).facts
    ds = [deadlines[f["deadline"]] for f in answer.facts if f.get("deadline") in deadlines]
    fs = [facts_by_id[f["fact"]] for f in answer.facts if f.get("fact") in facts_by_id]
    return ds, fs


def scope_guard(kb: KnowledgeBase, q: Query, answer: Answer) -> Answer:
    """A rule or deadline the documents state for one county (or one post) given to a question about
    another ("Ska Mora fakturera Storsthlm?", "… för suicidpreventionsmedlen?") says so first."""
    if answer.intent not in _RULE_INTENTS or NOT_IN_DOCS in answer.text or "framgår inte" in answer.text:
        return answer
    from engine.answers.facts import fact_counties
    from engine.text import fold

    deadlines, facts = _used_items(kb, answer)
    if not deadlines and not facts:
        return answer
    lead = None
    asked = [r for r in q.recipients if r.kind in (RecipientKind.kommun, RecipientKind.region, RecipientKind.lan,
                                                   RecipientKind.grupp) and r.county_code]
    if asked:
        owners: set[str] = set()
        for d in deadlines:
            owners |= {a.split(":")[1] for a in d.applies_to if a.startswith("lan:") and a.count(":") >= 1}
        for f in facts:
            owners |= set(fact_counties(kb, f)) or _document_county(kb, f.source.doc)
        if owners and not owners & {r.county_code for r in asked}:
            where = " och ".join(sorted(kb.recipients[f"lan-{c}"].name for c in owners if f"lan-{c}" in kb.recipients))
            who = " och ".join(r.name for r in asked)
            lead = f"Det dokumenten säger om detta gäller {where}; att det gäller {who} framgår inte av dokumenten."
    receivers = [r for r in q.recipients if r.kind in (RecipientKind.kommun, RecipientKind.region)]
    if lead is None and receivers and deadlines and all(d.applies_to for d in deadlines) and not any(
            scope.applies(kb, d.applies_to, r) for d in deadlines for r in receivers):
        # "När ska Region Stockholm fakturera Storsthlm?" when only the county's municipalities invoice
        who = " och ".join(r.name for r in receivers)
        lead = f"En egen frist för {who} framgår inte av dokumenten; fristen nedan gäller {deadlines[0].who}."
    asked_posts = [p for p in q.posts if not q.years or p.year in q.years]
    if lead is None and asked_posts:
        body = fold(" ".join([d.action + " " + (d.to or "") for d in deadlines] + [f.text for f in facts]))
        asked_names = {fold(n) for p in asked_posts for n in (p.short, p.name, *p.synonyms)}
        others = sorted({p.short for p in kb.posts.values() if p not in asked_posts and len(p.short) > 6
                         and fold(p.short) in body and fold(p.short) not in asked_names})
        if others and not any(n in body for n in asked_names if len(n) > 3):
            asked_label = ", ".join(dict.fromkeys(p.short for p in asked_posts))
            lead = (f"Att det gäller {asked_label} framgår inte av dokumenten; det dokumenten säger "
                    f"gäller {', '.join(others)}.")
    if lead is None:
        return answer
    return replace(answer, text=f"{lead} Närmast i dokumenten:\n{answer.text}", confident=False)


def _document_county(kb: KnowledgeBase, doc: str) -> set[str]:
    """The one county a document is about (the county its deadlines apply to), if there is exactly one."""
    key = (id(kb), doc)
    if key not in _DOC_COUNTY:
        found: set[str] = set()
        for d in kb.deadlines:
            if d.source.doc == doc:
                found |= {a.split(":")[1] for a in d.applies_to if a.startswith("lan:")}
        _DOC_COUNTY[key] = found if len(found) == 1 else set()
    return set(_DOC_COUNTY[key])


_DOC_COUNTY: dict[tuple[int, str], set[str]] = {}
