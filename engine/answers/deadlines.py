"""Deadline questions: the date first, then who acts, what, to whom, the consequence, the source."""
from __future__ import annotations

import re

from engine import lexicon, scope
from engine.answer import Answer
from engine.answers.common import WEEKDAYS_OFF, date_with_note, matches_year, uniq_sources
from engine.formatting import format_date
from engine.knowledge import KnowledgeBase
from engine.models import Deadline
from engine.text import fold, words
from engine.understanding import Query


def candidates(kb: KnowledgeBase, q: Query) -> list[Deadline]:
    kinds = set(q.deadline_kinds)
    found = [d for d in kb.deadlines if d.kind.value in kinds]
    if q.years:
        by_agreement = [d for d in found if matches_year(kb, d.agreement, q.years)]
        by_date = [d for d in found if d.date and d.date.year in q.years]
        found = by_agreement or by_date
    return found


#: relevance of a deadline whose applies_to covers the recipient asked about (or the asker's own)
APPLIES_TO_ASKED = 2.0


def _relevance(kb: KnowledgeBase, d: Deadline, q: Query) -> float:
    """How well a deadline's actor/recipient matches the question ("till SKL", "Storsthlm", "myndigheten").
    Words that only name the kind of deadline ("rekvisition", "redovisning") do not count."""
    text = fold(" ".join(filter(None, [d.who, d.to or "", " ".join(d.applies_to)])))
    kind_stems = [s for stems in lexicon.DEADLINE_STEMS.values() for s in stems]
    qwords = {w for w in words(q.text) if len(w) >= 3 and w not in lexicon.STOPWORDS
              and not any(w.startswith(s) for s in kind_stems)}
    score = sum(1.0 for w in qwords if re.search(r"(?<![a-z0-9])" + re.escape(w[:6]), text))
    for r in q.recipients:
        for name in (r.short, r.name, *r.aliases):
            if fold(name) and fold(name) in text:
                score += 2
                break
        if d.applies_to and r.kind.value in ("kommun", "region") and scope.applies(kb, d.applies_to, r):
            score += APPLIES_TO_ASKED  # the deadline is this recipient's own ("whose deadline")
    return score


def answer(kb: KnowledgeBase, q: Query) -> Answer | None:
    found = candidates(kb, q)
    if not found and q.years and q.wants_date and not q.asks_who:
        return _year_not_covered(kb, q)
    if not found:
        return None
    scored = sorted(found, key=lambda d: (-_relevance(kb, d, q), -(d.date.toordinal() if d.date else 0)))
    best = _relevance(kb, scored[0], q)
    # keep the equally relevant ones (e.g. the same deadline in several years), latest first
    top = [d for d in scored if _relevance(kb, d, q) >= best]
    top.sort(key=lambda d: -(d.date.toordinal() if d.date else 0))
    others = [d for d in scored if d not in top][:3] if len(top) == 1 else []
    lines = [_line(kb, d) for d in top]
    if others:
        lines.append("Andra deadlines av samma slag: " + "; ".join(
            f"{date_with_note(d.date) if d.date else 'utan datum'} ({d.who}: {d.action})" for d in others))
    if q.has(*lexicon.CONSEQUENCE_WORDS) and not any(d.consequence for d in top):
        lines.append("Dokumentet anger inte vad som händer om fristen missas.")
    facts = [{"deadline": d.id, "date": d.date.isoformat() if d.date else None, "kind": d.kind.value} for d in top]
    return Answer(text="\n".join(lines), intent="deadline", facts=facts,
                  sources=uniq_sources([d.source for d in top]))


def _line(kb: KnowledgeBase, d: Deadline) -> str:
    agreement = kb.agreements.get(d.agreement)
    ag = f" ({agreement.short})" if agreement else ""
    when = format_date(d.date) if d.date else "Så snart som möjligt"
    text = f"{when}: {d.who} ska {d.task()}{ag}."
    if d.date and d.date.weekday() >= 5:
        text += f" Obs: {format_date(d.date)} är {WEEKDAYS_OFF[d.date.weekday()]}."
    if d.consequence:
        text += f" {d.consequence}"
    return text


def _year_not_covered(kb: KnowledgeBase, q: Query) -> Answer | None:
    """"När ska vi rekvirera 2023?": no such deadline for that year; say so, then the nearest years'."""
    kinds = set(q.deadline_kinds)
    nearest = sorted((d for d in kb.deadlines if d.kind.value in kinds and d.date),
                     key=lambda d: (min(abs(d.date.year - y) for y in q.years), -d.date.toordinal()))[:2]
    if not nearest:
        return None
    years = " och ".join(str(y) for y in sorted(q.years))
    lines = [f"En frist för {years} framgår inte av dokumenten. Närmast i dokumenten:"]
    lines += [_line(kb, d) for d in nearest]
    return Answer(text="\n".join(lines), intent="deadline", confident=False,
                  facts=[{"deadline": d.id, "date": d.date.isoformat() if d.date else None, "kind": d.kind.value}
                         for d in nearest],
                  sources=uniq_sources([d.source for d in nearest]))
