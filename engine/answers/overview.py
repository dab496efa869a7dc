"""Help (what can be asked, with examples) and the documents' own inconsistencies."""
from __future__ import annotations

from engine.answer import Answer
from engine.answers.common import covered_years, uniq_sources, years_text
from engine.knowledge import KnowledgeBase

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


def help_answer(kb: KnowledgeBase, preface: str | None = None) -> Answer:
    lines = []
    if preface:
        lines.append(preface)
    lines.append(
        "Jag svarar på frågor om stimulansmedlen för psykisk hälsa (ÖK psykisk hälsa) utifrån dokumenten "
        f"för {years_text(covered_years(kb))}: belopp per kommun, region, län och post, deadlines "
        "(rekvisition, faktura, redovisning, återbetalning), fakturaregler, rekvisitionens innehåll, "
        "fördelningsnycklar, grundkrav och prestationsmål, samt rekvisitionsstatus i det delade arket."
    )
    lines.append("Exempel:")
    lines += [f"• {e}" for e in EXAMPLES]
    return Answer(text="\n".join(lines), intent="help")


def discrepancies_answer(kb: KnowledgeBase) -> Answer:
    if not kb.discrepancies:
        return Answer(text="Inga kända avvikelser i dokumenten.", intent="discrepancies")
    lines = [f"{len(kb.discrepancies)} kända avvikelser i dokumenten (redovisas, inte tillrättalagda):"]
    lines += [f"• {d.text}" for d in kb.discrepancies]
    return Answer(text="\n".join(lines), intent="discrepancies",
                  facts=[{"discrepancy": d.id} for d in kb.discrepancies],
                  sources=uniq_sources([s for d in kb.discrepancies for s in d.sources]))


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
