"""Never answer a different question: what the documents lack is said first, the nearest facts after,
labelled as such; comparisons say which is larger and by how much.

Read by engine/qa.py: `unknown_terms` before the ordinary answer kinds, `compare` for "får X mer än
Y?", `year_guard` after any answer whose facts belong to other years than the ones asked about.
"""
from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

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


def _terms(q: Query) -> str:
    return ", ".join(f"”{t}”" for t in q.unmatched)


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
    return near.model_copy(update={"text": f"{lead} Närmast i dokumenten:\n{near.text}", "confident": False})


def _posts_instead(kb: KnowledgeBase, q: Query, lead: str) -> Answer:
    """Which posts the documents state amounts for (for the recipient / year asked), without figures."""
    ids = {r.id for r in q.recipients}
    allocs = [a for a in kb.allocations if (not ids or a.recipient in ids) and (not q.years or a.year in q.years)
              and a.post]
    names = sorted({kb.posts[a.post].short for a in allocs if a.post in kb.posts})
    if not names:
        names = sorted({p.short for p in kb.posts.values() if not q.years or p.year in q.years})
    who = " och ".join(r.name for r in q.recipients) or "stimulansmedlen"
    when = f" {years_text(q.years)}" if q.years else ""
    text = f"{lead} Dokumenten anger inget belopp för det."
    if names:
        text += f" Närmast i dokumenten: belopp för {who}{when} finns för posterna " + ", ".join(names) + "."
    sources = uniq_sources([a.source for a in allocs][:3])
    return Answer(text=text, intent="not_in_documents", sources=sources, confident=False)


def compare(parts: list[tuple[str, Decimal]], detail: Answer, *, yes_no: bool, verb: str = "får mer") -> Answer:
    """"Får Mora mer än Leksand?": the larger first, the difference in kronor and percent, then the figures.
    A yes/no question about the first named gets "Ja"/"Nej" first."""
    (a_name, a), (b_name, b) = parts[0], parts[1]
    if a == b:
        head = f"Lika mycket: {a_name} och {b_name} har båda {format_kr(a)}."
    else:
        big_name, big, small_name, small = (a_name, a, b_name, b) if a > b else (b_name, b, a_name, a)
        diff = big - small
        pct = f" ({format_number(diff / small * 100, 1)} % mer)" if small else ""
        answer_word = ("Ja, " if a > b else "Nej, ") if yes_no else ""
        head = (f"{answer_word}{big_name} {verb}: {format_kr(big)} mot {format_kr(small)} för {small_name}, "
                f"skillnad {format_kr(diff)}{pct}.")
    return detail.model_copy(update={"text": head + "\n" + detail.text, "intent": "comparison"})


def used_years(kb: KnowledgeBase, answer: Answer) -> set[int]:
    """The years of the knowledge items an answer used (allocations, posts, deadlines, facts)."""
    allocs = {a.id: a for a in kb.allocations}
    deadlines = {d.id: d for d in kb.deadlines}
    facts = {f.id: f for f in kb.facts}
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
            from engine.answers.facts import index

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
    return answer.model_copy(update={"text": lead + "\n" + answer.text, "confident": False})


def level_of(kind: RecipientKind) -> str:
    return {RecipientKind.kommun: "kommun", RecipientKind.region: "region", RecipientKind.lan: "län"}.get(kind, "")


_RULE_INTENTS = {"deadline", "invoice_rule", "rule", "requisition_form", "requirements"}


def _used_items(kb: KnowledgeBase, answer: Answer) -> tuple[list, list]:
    deadlines = {d.id: d for d in kb.deadlines}
    facts_by_id = {f.id: f for f in kb.facts}
    ds = [deadlines[f["deadline"]] for f in answer.facts if f.get("deadline") in deadlines]
    fs = [facts_by_id[f["fact"]] for f in answer.facts if f.get("fact") in facts_by_id]
    return ds, fs


def scope_guard(kb: KnowledgeBase, q: Query, answer: Answer) -> Answer:
    """A rule or deadline the documents state for one county (or one post) given to a question about
    another ("Ska Mora fakturera Storsthlm?", "… för suicidpreventionsmedlen?") says so first."""
    if answer.intent not in _RULE_INTENTS or NOT_IN_DOCS in answer.text or "framgår inte" in answer.text:
        return answer
    from engine.answers.facts import owner_counties
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
            owners |= set(owner_counties(kb, f)) or _document_county(kb, f.source.doc)
        if owners and not owners & {r.county_code for r in asked}:
            where = " och ".join(sorted(kb.recipients[f"lan-{c}"].name for c in owners if f"lan-{c}" in kb.recipients))
            who = " och ".join(r.name for r in asked)
            lead = f"Det dokumenten säger om detta gäller {where}; att det gäller {who} framgår inte av dokumenten."
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
    return answer.model_copy(update={"text": f"{lead} Närmast i dokumenten:\n{answer.text}", "confident": False})


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
