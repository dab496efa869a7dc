"""Helpers shared by the answer builders: year/agreement filters, labels, source lists."""
from __future__ import annotations

import datetime as dt

from engine.formatting import format_date
from engine.knowledge import KnowledgeBase
from engine.models import Source


def agreement_years(kb: KnowledgeBase, agreement_id: str) -> list[int]:
    a = kb.agreements.get(agreement_id)
    return list(a.years) if a else []


def matches_year(kb: KnowledgeBase, agreement_id: str | None, years: list[int], *, item_year: int | None = None) -> bool:
    if not years:
        return True
    if item_year is not None:
        return item_year in years
    return bool(agreement_id) and any(y in agreement_years(kb, agreement_id) for y in years)


def covered_years(kb: KnowledgeBase) -> list[int]:
    return sorted({y for a in kb.agreements.values() for y in a.years})


def years_text(years: list[int]) -> str:
    ys = [str(y) for y in sorted(years)]
    return ys[0] if len(ys) == 1 else ", ".join(ys[:-1]) + " och " + ys[-1]


def uniq_sources(sources: list[Source]) -> list[Source]:
    out: list[Source] = []
    for s in sources:
        if s not in out:
            out.append(s)
    return out


WEEKDAYS_OFF = {5: "en lördag", 6: "en söndag"}


def date_with_note(d: dt.date) -> str:
    note = WEEKDAYS_OFF.get(d.weekday())
    return f"{format_date(d)} ({note})" if note else format_date(d)
