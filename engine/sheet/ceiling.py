"""The ONE rule for the ceiling of an amount typed for a Rekvisitioner row (recipient × agreement × post).

Used by `stimulans check` (engine/sheet/rows.py), `stimulans update` and every store write
(sheets/tabular.py), and the Slack status modal (bot/slack/modal.py). Pass the knowledge base merged with the
sheet (engine.sheet.knowledge.with_sheet) so amounts the sheet's Tilldelning defines count too.

- A row for a post: the largest published (or decided) amount for that recipient and post. Several
  figures for the same pot are alternative statements of it, never parts to add up (the Storsthlm PM
  states both 13 400 000 kr and 6 429 930 kr for the municipalities of Stockholm county).
- A whole-agreement row (post ""): the recipient's largest stated total for the agreement; without a
  stated total, the sum over posts of each post's ceiling.
- Estimated amounts (Typ "beräknad") are no ceiling. Nothing published: no ceiling (None).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from engine.formatting import format_kr


@dataclass(frozen=True)
class Ceiling:
    """The largest amount a recipient may have for a post, and the figure it comes from."""

    amount: Decimal
    source: str  # the citation of the figure it comes from ("002_…, 1. Belopp", "delade arket, Tilldelning rad 14 …")

    def describe(self) -> str:
        """"tilldelningen 412 345,67 kr (delade arket, Tilldelning rad 14 (Källa: …))"."""
        return f"tilldelningen {format_kr(self.amount)} ({self.source})"


def _usable(a: Any) -> bool:
    from engine.sheet.knowledge import KIND_NOTES

    return a.note != KIND_NOTES["beräknad"]


def amount_ceiling(kb: Any, recipient_id: str, agreement: str, post: str) -> Ceiling | None:
    allocations = [a for a in (getattr(kb, "allocations", []) or []) if a.recipient == recipient_id and _usable(a)]
    if post:
        rows = [a for a in allocations if a.post == post]
        if not rows:
            return None
        top = max(rows, key=lambda a: a.amount)
        return Ceiling(top.amount, top.source.cite())
    mine = [a for a in allocations if a.agreement == agreement]
    totals = [a for a in mine if a.post is None]
    if totals:
        top = max(totals, key=lambda a: a.amount)
        return Ceiling(top.amount, top.source.cite())
    per_post: dict[str, Any] = {}
    for a in mine:
        if a.post and (a.post not in per_post or a.amount > per_post[a.post].amount):
            per_post[a.post] = a
    if not per_post:
        return None
    total = sum((a.amount for a in per_post.values()), Decimal(0))
    sources = "; ".join(dict.fromkeys(a.source.cite() for a in per_post.values()))
    return Ceiling(total, f"summan av {len(per_post)} poster: {sources}")
