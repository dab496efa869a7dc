"""Rules, conditions and purposes: the best-matching facts of the knowledge base, key value first."""
from __future__ import annotations

import re

from engine import lexicon
from engine.answer import Answer
from engine.answers.common import agreement_years, uniq_sources
from engine.knowledge import KnowledgeBase
from engine.models import Fact
from engine.text import fold, words
from engine.understanding import Query

MIN_SCORE = 1.5

#: what a fact is about (its topic prefix) and the stems that name that subject in a question.
#: A question naming one subject (e.g. the requisition) should not get another's rules (the invoice).
SUBJECTS: dict[str, tuple[str, ...]] = {
    "faktura": ("faktur",),
    "rekvisition_formular": ("rekvis", "rekvir", "ansokan"),
    "ekonomisk_redovisning_formular": ("ekonomisk",),
    "redovisning_krav": ("redovis", "rapport", "aterrapport"),
}


def _subject(topic: str) -> str | None:
    return next((subj for subj in SUBJECTS if topic.startswith(subj)), None)


def _mentioned_subjects(q: Query) -> set[str]:
    found = {subj for subj, stems in SUBJECTS.items() if q.has_stem(*stems)}
    if "ekonomisk_redovisning_formular" in found and not re.search(r"(?<!ekonomisk )(?<!ekonomiska )redovis", q.text):
        found.discard("redovisning_krav")  # "den ekonomiska redovisningen" is the financial report only
    return found


def _fact_words(f: Fact) -> set[str]:
    text = " ".join([f.title, f.topic.replace("_", " "), " ".join(f.keywords), f.value or ""])
    return {w for w in words(text) if len(w) >= 3}


_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")


def _fact_years(kb: KnowledgeBase, f: Fact) -> set[int]:
    """The years a fact is about: its own, its agreement's, and any year its text names
    ("Vad krävs för att få medel 2021?" is answered by a 2020 fact about 2021)."""
    years = {f.year} if f.year else set(agreement_years(kb, f.agreement) if f.agreement else [])
    return years | {int(y) for y in _YEAR.findall(f.title + " " + f.text + " " + " ".join(f.items))}


def documented_about_recipient(kb: KnowledgeBase, q: Query) -> bool:
    """Is the best fact for this question about a recipient it names ("Region Dalarna har rekvirerat …")?"""
    if not q.recipients or not kb.facts:
        return False
    best_score, best = max(((score(kb, f, q), f) for f in kb.facts), key=lambda sf: sf[0])
    body = fold(best.text)
    named = any(fold(r.short) in body for r in q.recipients)
    return named and best_score >= 2.5 and evidence(kb, best, q) >= 1.5


def best_evidence(kb: KnowledgeBase, q: Query, *, ignore_stems: tuple[str, ...] = ()) -> float:
    """The strongest word evidence for any fact, not counting words that start with `ignore_stems`."""
    return max((evidence(kb, f, q, ignore_stems=ignore_stems) for f in kb.facts), default=0.0)


def evidence(kb: KnowledgeBase, f: Fact, q: Query, *, ignore_stems: tuple[str, ...] = ()) -> float:
    """How much the question's words point at this fact (topic triggers, keywords, body words)."""
    s = 3.0 * q.topics.get(f.topic, 0.0)
    qwords = [w for w in words(q.text) if w not in lexicon.STOPWORDS and len(w) >= 3 and not _YEAR.fullmatch(w)
              and not any(w.startswith(st) for st in ignore_stems)
              and not any(w == fold(n) for r in q.recipients for n in (r.short, r.name))]
    fw = _fact_words(f)
    body = fold(f.text + " " + " ".join(f.items))
    for w in qwords:
        if w in fw:
            s += 1.0
        elif len(w) >= 5 and any(x.startswith(w[:5]) for x in fw):
            s += 0.6
        elif len(w) >= 6 and re.search(r"(?<![a-z])" + re.escape(w[:6]), body):
            s += 0.25
    return s


def score(kb: KnowledgeBase, f: Fact, q: Query) -> float:
    s = evidence(kb, f, q)
    mentioned = _mentioned_subjects(q)
    subj = _subject(f.topic)
    if subj == "faktura" and "faktura" not in mentioned and not _names_actor_of(q, f):
        s -= 1.5 * q.topics.get(f.topic, 0.0)  # "vart skickar man frågor?" is not about the invoice
    if mentioned and subj is not None:
        s += 1.5 if subj in mentioned else -3.0
    elif mentioned:
        s -= 1.0  # the question is about the invoice / the requisition / a report; this fact is not
    fact_years = _fact_years(kb, f)
    if q.years and fact_years:
        own = {f.year} if f.year else set(agreement_years(kb, f.agreement) if f.agreement else [])
        # the fact's own year counts more than a year its text merely mentions
        s += 1.5 if own & set(q.years) else 0.5 if fact_years & set(q.years) else -2.5
    body = fold(" ".join([f.title, f.text, *f.items, *f.keywords]))
    for r in q.recipients:
        if fold(r.short) in body or any(fold(a) in body for a in r.aliases):
            s += 0.75
    # a fact about another county than the one asked about ("Dalarna" when the question is about Storsthlm)
    asked = {r.county_code for r in q.recipients if r.county_code}
    owners = owner_counties(kb, f)
    if asked and owners and not owners & asked:
        s -= 1.5
    return s


def _names_actor_of(q: Query, f: Fact) -> bool:
    """Does the question name the actor this fact is about ("dnr storsthlm")?"""
    body = fold(" ".join([f.title, f.text, *f.keywords]))
    return any(r.kind.value == "aktor" and fold(r.short) in body for r in q.recipients)


def owner_counties(kb: KnowledgeBase, f: Fact) -> frozenset[str]:
    """The counties a fact's text names (by county name or a county actor such as Storsthlm), cached."""
    key = (id(kb), f.id)
    if key not in _OWNERS:
        body = fold(f.title + " " + f.text)
        found = {r.county_code for r in kb.recipients.values()
                 if r.county_code and r.kind.value in ("lan", "aktor")
                 and re.search(r"(?<![a-z])" + re.escape(fold(r.short)) + r"(?![a-z])", body)}
        _OWNERS[key] = frozenset(found)
    return _OWNERS[key]


_OWNERS: dict[tuple[int, str], frozenset[str]] = {}


def answer(kb: KnowledgeBase, q: Query, *, limit: int = 4, only_topics: set[str] | None = None) -> Answer | None:
    """The best facts; a question naming several rules ("vad ska stå och vart skickar vi den?") gets
    the best fact of each rule it names."""
    pool = [f for f in kb.facts if only_topics is None or f.topic in only_topics]
    if not pool:
        return None
    ranked = sorted(((score(kb, f, q), f) for f in pool), key=lambda sf: -sf[0])
    best_score, best = ranked[0]
    if best_score < MIN_SCORE or evidence(kb, best, q) < 1.0:
        return None  # a year alone, or the subject alone, is no evidence for a rule
    chosen = [f for sc, f in ranked if sc >= max(MIN_SCORE, 0.8 * best_score)][:limit]
    for topic in sorted(q.topics, key=lambda t: -q.topics[t]):
        if len(chosen) >= limit:
            break
        if any(f.topic == topic for f in chosen):
            continue
        cand = next(((sc, f) for sc, f in ranked if f.topic == topic), None)
        subject = _subject(topic)
        if subject is not None and subject not in _mentioned_subjects(q):
            continue  # "dnr" alone is not a question about the invoice's dnr
        if cand and cand[0] >= max(MIN_SCORE, 0.45 * best_score) and q.topics[topic] >= 1.0:
            chosen.append(cand[1])
    lines = []
    numbered = re.search(r"(?:punkt|nummer|del) (\d+)", q.text)
    first = chosen[0]
    if numbered and 0 < int(numbered.group(1)) <= len(first.items):
        # "vad ska stå som punkt 3?": that item first
        lines.append(f"Punkt {numbered.group(1)}: {first.items[int(numbered.group(1)) - 1]}")
    for f in chosen:
        lines.append(f.text)
        lines += [f"• {item}" for item in f.items]
    return Answer(text="\n".join(lines), intent=_intent(chosen[0]),
                  facts=[{"fact": f.id, "topic": f.topic, "value": f.value} for f in chosen],
                  sources=uniq_sources([f.source for f in chosen]))


def _intent(f: Fact) -> str:
    if f.topic.startswith("faktura"):
        return "invoice_rule"
    if f.topic.endswith("formular"):
        return "requisition_form"
    if f.topic in ("grundkrav", "prestationsmal", "anvandning", "malgrupp", "tillganglighet", "redovisning_krav"):
        return "requirements"
    return "rule"
