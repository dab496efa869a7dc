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

#: words for the money itself: a year next to one of these is the year of the funds ("2022 års medel",
#: "medel från 2022", "the 2021 funds"), not the year a date falls in
_MONEY = r"(?:medel|medlen|pengar|pengarna|stimulansmedel|stimulansmedlen|bidrag|bidraget|funds|money)"
_FUNDS_YEAR = re.compile(rf"(?<![\d/])(\d{{4}}) (?:ars )?{_MONEY}(?![a-z])|(?<![a-z]){_MONEY} (?:fran|for|from|av) (\d{{4}})(?![\d/])")


#: the kinds of report on the use of the money
_REPORT_KINDS = {"redovisning", "slutrapport", "verksamhetsrapport", "ekonomisk_redovisning"}


def funds_years(q: Query) -> list[int]:
    """The years whose money the question asks about ("oanvända medel från 2022" → 2022)."""
    found = {int(m.group(1) or m.group(2)) for m in _FUNDS_YEAR.finditer(q.text)}
    return [y for y in q.years if y in found]


def money_years(kb: KnowledgeBase, agreement_id: str) -> set[int]:
    """The years whose money an agreement's deadlines concern: the years it states amounts for (its posts,
    its total), else all its years. The 2021–2022 agreement states money for 2021 only, so its repayment
    date (31 mars 2022) is for the 2021 money, not for "2022 års medel"."""
    a = kb.agreements.get(agreement_id)
    if a is None:
        return set()
    stated = {p.year for p in kb.posts.values() if p.agreement == agreement_id}
    if a.total_year:
        stated.add(a.total_year)
    return stated or set(a.years)


#: a narrower kind -> the wider kinds its question also names ("redovisa att grundkraven är uppfyllda" is a
#: report, "anmäla mottagare" names the receiver): when the documents hold the narrower one it answers alone
_NARROWER = {"grundkrav": {"redovisning"}, "anmalan": {"avsta", "rekvisition"}}


def candidates(kb: KnowledgeBase, q: Query) -> list[Deadline]:
    kinds = set(q.deadline_kinds)
    for narrow, wide in _NARROWER.items():
        if narrow in kinds and kinds & wide and any(d.kind.value == narrow for d in kb.deadlines):
            kinds -= wide
    found = [d for d in kb.deadlines if d.kind.value in kinds]
    if q.years:
        funds = funds_years(q)
        if funds:  # the year of the money, not of the date
            own = [d for d in found if money_years(kb, d.agreement) & set(funds)]
            if not own and kinds & _REPORT_KINDS:
                # "rapporten om 2020 års medel": that year's report, whatever the document calls it
                own = [d for d in kb.deadlines if d.kind.value in _REPORT_KINDS
                       and money_years(kb, d.agreement) & set(funds)]
            return own
        by_agreement = [d for d in found if matches_year(kb, d.agreement, q.years)]
        by_date = [d for d in found if d.date and d.date.year in q.years]
        found = by_agreement or by_date
    return found


#: relevance of a deadline whose applies_to covers the recipient asked about (or the asker's own)
APPLIES_TO_ASKED = 2.0


#: a receiver named after "hos"/"till"/"to" ("inne hos SKL") and a deadline whose receiver (`to`) it is,
#: against one where it acts (`who`)
ROLE_MATCH = 1.0


def _named_as_receiver(q: Query, name: str) -> bool:
    return bool(re.search(r"(?<![a-z])(?:hos|till|to|with) " + re.escape(fold(name)) + r"(?![a-z])", q.text))


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
                if _named_as_receiver(q, name):
                    # "vara inne hos SKL", "skicka till Storsthlm": SKL receives; a deadline for SKL's own
                    # report (SKL acts) answers another question
                    score += ROLE_MATCH if fold(name) in fold(d.to or "") else -ROLE_MATCH
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
    top = _own_clause(top, q)
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


#: money qualified as a part of it: "omfördelade medel", "eventuella kvarvarande medel"
_PART_OF_MONEY = re.compile(r"(?<![a-z])(omfordela\w*|eventuell\w*|resterande|kvarvarande|overskjutande)(?![a-z])")


def _own_clause(top: list[Deadline], q: Query) -> list[Deadline]:
    """Two deadlines of one kind in one document ("betalar ut medlen till de kommuner som har rekvirerat i tid
    senast den 29 oktober", "Omfördelade medel betalas ut senast den 30 november"): the one about a part of the
    money (redistributed, remaining) answers only a question that names that part."""
    def part(d: Deadline) -> set[str]:
        said = fold((d.source.quote or "").split("senast")[0])
        return {m[:6] for m in _PART_OF_MONEY.findall(said)} - {w[:6] for w in words(q.text)}

    out = []
    for d in top:
        rivals = [o for o in top if o.agreement == d.agreement and o.kind == d.kind and o.source.doc == d.source.doc]
        if not part(d) or all(part(o) for o in rivals):
            out.append(d)
    return out


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
    if funds_years(q):
        years += " års medel"
    lines = [f"En frist för {years} framgår inte av dokumenten. Närmast i dokumenten:"]
    lines += [_line(kb, d) for d in nearest]
    return Answer(text="\n".join(lines), intent="deadline", confident=False,
                  facts=[{"deadline": d.id, "date": d.date.isoformat() if d.date else None, "kind": d.kind.value}
                         for d in nearest],
                  sources=uniq_sources([d.source for d in nearest]))
