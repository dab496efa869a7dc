"""Help (what can be asked, with examples) and the documents' own inconsistencies."""
from __future__ import annotations

import re

from engine import lexicon
from engine.answer import Answer
from engine.answers.common import covered_years, uniq_sources, years_text
from engine.knowledge import KnowledgeBase
from engine.text import fold, words

EXAMPLES = [
    "Hur mycket får Falun 2020?",
    "Vad får Vansbro för kunskapsbaserad vård 2020?",
    "Sista dag att fakturera Storsthlm?",
    "Ska vi lägga på moms på fakturan?",
    "När ska oanvända medel från 2020 betalas tillbaka?",
    "Hur fördelas brukarmedverkan mellan länen 2021?",
    "Vad ska rekvisitionen innehålla?",
    "Vilka grundkrav gällde 2013?",
    "status Falun  ·  vilka har inte fakturerat?",
]
#: the same examples for an English reader (engine/answers/english.py shows these instead; each is answered)
EXAMPLES_EN = [
    "How much does Falun get in 2020?",
    "What does Vansbro get for kunskapsbaserad vård in 2020?",
    "Last day to invoice Storsthlm?",
    "Should we add VAT to the invoice?",
    "When must unused funds from 2020 be repaid?",
    "How is brukarmedverkan split between the counties in 2021?",
    "What must the requisition contain?",
    "Which basic requirements applied in 2013?",
    "status Falun  ·  who has not invoiced?",
]
HELP = ("Jag svarar på frågor om stimulansmedlen för psykisk hälsa (ÖK psykisk hälsa) utifrån dokumenten för {years}: "
        "belopp per kommun, region, län och post, deadlines (rekvisition, faktura, redovisning, återbetalning), "
        "fakturaregler, rekvisitionens innehåll, fördelningsnycklar, grundkrav och prestationsmål, samt "
        "rekvisitionsstatus i det delade arket.")
HELP_EN = ("I answer questions about the state stimulus funds for mental health (ÖK psykisk hälsa) from the documents "
           "for {years}: amounts per municipality, region, county and post, deadlines (requisition, invoice, report, "
           "repayment), invoicing rules, what a requisition must contain, distribution keys, basic requirements and "
           "performance targets, and requisition status in the shared sheet.")


def help_answer(kb: KnowledgeBase, preface: str | None = None) -> Answer:
    lines = []
    if preface:
        lines.append(preface)
    lines.append(HELP.format(years=years_text(covered_years(kb))))
    lines.append("Exempel:")
    lines += [f"• {e}" for e in EXAMPLES]
    return Answer(text="\n".join(lines), intent="help")


def discrepancies_answer(kb: KnowledgeBase, q=None) -> Answer:
    """The documents' own inconsistencies; those the question is about first (or only)."""
    if not kb.discrepancies:
        return Answer(text="Inga kända avvikelser i dokumenten.", intent="discrepancies")
    chosen = list(kb.discrepancies)
    if q is not None:
        qwords = {w for w in words(q.text) if len(w) >= 4 and w not in lexicon.STOPWORDS}
        numbers = set(re.findall(r"\d[\d ]{2,}\d", q.text))

        def relevance(d) -> int:
            body = fold(d.text)
            return sum(1 for w in qwords if w in body) + 3 * sum(1 for n in numbers if n.replace(" ", "") in
                                                                 body.replace(" ", ""))

        scored = sorted(((relevance(d), d) for d in kb.discrepancies), key=lambda x: -x[0])
        if scored[0][0] >= 3:
            chosen = [d for r, d in scored if r >= max(3, scored[0][0] // 2)]
    if len(chosen) < len(kb.discrepancies):
        lines = [f"Obs (avvikelse i dokumenten): {d.text}" for d in chosen]
    else:
        lines = [f"{len(chosen)} kända avvikelser i dokumenten (redovisas, inte tillrättalagda):"]
        lines += [f"• {d.text}" for d in chosen]
    return Answer(text="\n".join(lines), intent="discrepancies",
                  facts=[{"discrepancy": d.id} for d in chosen],
                  sources=uniq_sources([s for d in chosen for s in d.sources]))


def metropolitan_answer(kb: KnowledgeBase) -> Answer:
    """The three metropolitan counties (storstadslän), from the register."""
    metros = kb.metropolitan_counties()
    names = [c.name for c in metros]
    listed = ", ".join(names[:-1]) + " och " + names[-1] if len(names) > 1 else "".join(names)
    keys = [p for p in kb.posts.values() if p.key and p.key.metro_per_county is not None]
    lines = [f"{listed} är de tre storstadslänen (storstadsregionerna) i registret över län."]
    sources = []
    for p in sorted(keys, key=lambda p: -p.year):
        lines.append(f"• {p.year}: {p.short} – {p.key.description}")
        sources.append(p.key.source)
    return Answer(text="\n".join(lines), intent="distribution_key",
                  facts=[{"recipient": c.id} for c in metros], sources=uniq_sources(sources))


def agreement_dates_answer(kb: KnowledgeBase, q) -> Answer | None:
    """When an agreement was entered into / decided, and by whom."""
    from engine.answers.common import matches_year
    from engine.formatting import format_date

    agreements = [a for a in kb.agreements.values() if a.decided and matches_year(kb, a.id, q.years)]
    if not agreements:
        return None
    agreements.sort(key=lambda a: a.decided, reverse=True)
    lines = []
    for a in agreements:
        by = f" ({a.decided_by})" if a.decided_by else ""
        lines.append(f"{format_date(a.decided)}: {a.name}{by}.")
    return Answer(text="\n".join(lines), intent="agreement",
                  facts=[{"agreement": a.id, "decided": a.decided.isoformat()} for a in agreements],
                  sources=uniq_sources([a.source for a in agreements]))
