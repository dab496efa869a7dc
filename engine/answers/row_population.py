"""The population a document's table uses for one named municipality ("What population figure is used for
Boden?"): read from the verbatim row an amount of that municipality was drafted from, when the row gives
the count marked as inhabitants ("2582 Boden 28 306 inv. 475 353 kr", "… 28 306 invånare …").
Nothing is computed: a row without a count, or rows that disagree, give no answer (the next rule answers)."""
from __future__ import annotations

import re
from decimal import Decimal

from engine.answer import Answer
from engine.formatting import format_number
from engine.knowledge import KnowledgeBase
from engine.models import RecipientKind
from engine.text import fold
from engine.understanding import Query

#: folded stems of the words asking for a population ("folkmängd", "befolkning", "invånare", "population")
ASK_STEMS = ("folkmangd", "befolkning", "invanar", "population", "inhabitant", "resident")

#: the count in a row: "28 306 inv.", "28 306 invånare" (folded)
_COUNT = re.compile(r"(?<![\d,.])(\d{1,3}(?: \d{3})*|\d+) (?:inv\b|invanare\b)")


def asks_population(q: Query) -> bool:
    """A question about the population of one named municipality, not about an amount."""
    return (not q.wants_amount and not q.deadline_kinds
            and any(w.startswith(ASK_STEMS) for w in q.text.split())
            and len([r for r in q.recipients if r.kind == RecipientKind.kommun]) == 1)


def answer(kb: KnowledgeBase, q: Query) -> Answer | None:
    municipality = next(r for r in q.recipients if r.kind == RecipientKind.kommun)
    names = {fold(n) for n in (municipality.short, municipality.name, *municipality.aliases)}
    found: dict[Decimal, list] = {}
    for a in kb.allocations:
        if a.recipient != municipality.id or (q.years and a.year not in q.years) or not a.source.quote:
            continue
        row = fold(a.source.quote).rpartition(":")[2]  # the row, without a table heading put before it
        if not any(n in row for n in names):
            continue
        m = _COUNT.search(row)
        if m:
            found.setdefault(Decimal(m.group(1).replace(" ", "")), []).append(a)
    if len(found) != 1:
        return None  # no row with a count, or rows that disagree: not stated plainly
    count, allocations = next(iter(found.items()))
    first = allocations[0]
    years = sorted({a.year for a in allocations})
    year_text = " och ".join(map(str, years))
    title = first.source.title or first.source.doc
    text = (f"{format_number(count)} invånare: folkmängden som fördelningen {year_text} använder för "
            f"{municipality.name} ({title}).\n"
            f"Ur tabellen: ”{first.source.quote}”")
    sources = list({(s.doc, s.section): s for s in (a.source for a in allocations)}.values())
    return Answer(text=text, intent="population", sources=sources,
                  facts=[{"recipient": municipality.id, "population": str(count), "allocations": [a.id for a in allocations]}])
