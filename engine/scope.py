"""Who a deadline applies to: the one reading of Deadline.applies_to markers (docs/knowledge.md).

Used by reminder planning (who is still open) and by the App Home (which deadlines a contact sees).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


def kb_items(kb: Any, name: str) -> list:
    """A knowledge-base collection as a list (a KnowledgeBase or, in tests, a plain dict)."""
    value = kb.get(name) if isinstance(kb, dict) else getattr(kb, name, None)
    if isinstance(value, dict):
        return list(value.values())
    return list(value or [])


def by_id(kb: Any, name: str) -> dict[str, Any]:
    return {item.id: item for item in kb_items(kb, name)}


_LEVELS = {"kommun": {"kommun"}, "region": {"region"}, "lan": {"lan"}, "skr": {"skr"},
           "kommun_och_region": {"kommun", "region"}}


@dataclass(frozen=True)
class Scope:
    """Who a deadline applies to, from its applies_to markers (docs/knowledge.md)."""

    everyone: bool  # no markers: every row of the agreement in the sheet
    kinds: frozenset[str] = frozenset()  # level markers: rows of recipients of these kinds
    named: frozenset[str] = frozenset()  # recipient ids named one by one: no row → still open
    unknown: tuple[str, ...] = ()  # markers naming nobody in the knowledge base

    def covers(self, recipient_id: str, kind: str) -> bool:
        return self.everyone or recipient_id in self.named or kind in self.kinds


def expand_applies_to(kb: Any, markers: Iterable[str]) -> Scope:
    """Level markers ("kommun", "region", "lan", "skr", "kommun_och_region") select the sheet's rows of
    recipients of that kind, nationwide; they never list recipients without a row. A recipient id
    ("kommun-0180"), "lan:CC" (the county actor lan-CC) and "lan:CC:kommun" / "lan:CC:region" (the
    municipalities / the region of county CC) name recipients one by one: one without a row is open."""
    markers = [m.strip() for m in markers if m and m.strip()]
    if not markers:
        return Scope(everyone=True)
    recipients = by_id(kb, "recipients")
    kinds: set[str] = set()
    named: set[str] = set()
    unknown: list[str] = []
    for marker in markers:
        parts = marker.split(":")
        if marker in _LEVELS:
            kinds |= _LEVELS[marker]
            continue
        if marker in recipients:
            hit = {marker}
        elif parts[0] == "lan" and len(parts) == 2:
            hit = {f"lan-{parts[1]}"} & set(recipients)
        elif parts[0] == "lan" and len(parts) == 3:
            hit = {r.id for r in recipients.values() if r.county_code == parts[1] and str(r.kind) == parts[2]}
        else:
            hit = set()
        if hit:
            named |= hit
        else:
            unknown.append(marker)
    return Scope(False, frozenset(kinds), frozenset(named), tuple(unknown))


def applies(kb: Any, markers: Iterable[str], recipient: Any | None) -> bool:
    """Does a deadline with these markers concern this recipient? (No recipient: yes.)"""
    if recipient is None:
        return True
    return expand_applies_to(kb, markers).covers(recipient.id, str(recipient.kind))
