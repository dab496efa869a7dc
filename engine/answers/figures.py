"""Figures written in the question: "vad är 4 141 043 kr i PM:et?" (what is this amount?) and
"vi trodde Mora fick 600 000 kr, stämmer det?" (check a figure against the published one)."""
from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal

from engine import lexicon
from engine.answer import Answer
from engine.answers.common import uniq_sources
from engine.formatting import format_kr
from engine.knowledge import KnowledgeBase
from engine.parsing import ParseError, parse_amount
from engine.understanding import Query

_FIGURE = re.compile(r"\d{1,3}(?:[ \u00a0]\d{3})+(?:,\d{1,2})?(?: ?(?:kr|kronor|tkr|mkr|mnkr))?"
                     r"|\d+(?:,\d+)? ?(?:tkr|mkr|mnkr|miljoner)")


def stated_amounts(question: str) -> list[Decimal]:
    """Amounts written the Swedish way in the question ("4 141 043 kr", "26 800 tkr", "1,7 mnkr")."""
    out = []
    for m in _FIGURE.finditer(question):
        try:
            out.append(parse_amount(m.group(0)))
        except ParseError:
            continue
    return [a for a in out if a >= 1000]


def what_is(kb: KnowledgeBase, q: Query) -> Answer | None:
    """The published items whose amount is the figure the question quotes."""
    if not q.has(*lexicon.WHAT_IS_WORDS):
        return None
    amounts = stated_amounts(q.raw)
    if not amounts:
        return None
    lines, facts, sources = [], [], []
    for amount in amounts:
        for a in kb.allocations:
            if a.amount == amount:
                who = kb.recipients[a.recipient].name
                post = kb.posts[a.post].short if a.post else "totalt"
                note = f" ({a.note.rstrip('.')})" if a.note else ""
                lines.append(f"{format_kr(a.amount)}: {who}, {post} {a.year}{note}.")
                facts.append({"id": a.id, "amount": str(a.amount)})
                sources.append(a.source)
        for p in kb.posts.values():
            if p.amount == amount:
                lines.append(f"{format_kr(p.amount)}: {p.name} ({p.year}).")
                facts.append({"post": p.id, "amount": str(p.amount)})
                sources.append(p.source)
    if not lines:
        return None
    return Answer(text="\n".join(lines), intent="amount", facts=facts, sources=uniq_sources(sources))


def verify_prefix(q: Query, answer: Answer) -> Answer:
    """"…600 000 kr, stämmer det?": say yes or no before the published figure."""
    if answer.intent != "amount" or answer.estimate or not q.has(*lexicon.VERIFY_WORDS):
        return answer
    stated = stated_amounts(q.raw)
    published = [Decimal(f["amount"]) for f in answer.facts if f.get("amount")]
    if not stated or not published:
        return answer
    claim = stated[0]
    shown = stated_amounts(answer.text)
    lead = shown[0] if shown else published[0]  # the figure the answer leads with
    rounded_match = any(claim in (p, p.quantize(Decimal("1"))) for p in published + shown[:1])
    prefix = (f"Ja, {format_kr(claim)} stämmer med dokumenten." if rounded_match
              else f"Nej, inte {format_kr(claim)}: enligt dokumenten är beloppet {format_kr(lead)}.")
    return replace(answer, text=prefix + "\n" + answer.text)
