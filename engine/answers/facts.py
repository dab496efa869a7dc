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
    "faktura": ("faktur", "storsthlm"),
    "rekvisition_formular": ("rekvis", "rekvir", "ansokan"),
    "ekonomisk_redovisning_formular": ("ekonomisk",),
    "redovisning_krav": ("redovis", "rapport", "aterrapport"),
}


def _subject(topic: str) -> str | None:
    return next((subj for subj in SUBJECTS if topic.startswith(subj)), None)


def _mentioned_subjects(q: Query) -> set[str]:
    return {subj for subj, stems in SUBJECTS.items() if q.has_stem(*stems)}


def _fact_words(f: Fact) -> set[str]:
    text = " ".join([f.title, f.topic.replace("_", " "), " ".join(f.keywords), f.value or ""])
    return {w for w in words(text) if len(w) >= 3}


def score(kb: KnowledgeBase, f: Fact, q: Query) -> float:
    s = 3.0 * q.topics.get(f.topic, 0.0)
    qwords = [w for w in words(q.text) if w not in lexicon.STOPWORDS and len(w) >= 3]
    fw = _fact_words(f)
    body = fold(f.text + " " + " ".join(f.items))
    for w in qwords:
        if w in fw:
            s += 1.0
        elif len(w) >= 5 and any(x.startswith(w[:5]) for x in fw):
            s += 0.6
        elif len(w) >= 6 and re.search(r"(?<![a-z])" + re.escape(w[:6]), body):
            s += 0.25
    mentioned = _mentioned_subjects(q)
    subj = _subject(f.topic)
    if mentioned and subj is not None:
        s += 1.0 if subj in mentioned else -3.0
    fact_years = {f.year} if f.year else set(agreement_years(kb, f.agreement) if f.agreement else [])
    if q.years and fact_years:
        s += 1.5 if fact_years & set(q.years) else -2.5
    for r in q.recipients:
        if fold(r.short) in body or any(fold(a) in body for a in r.aliases):
            s += 0.75
    return s


def answer(kb: KnowledgeBase, q: Query, *, limit: int = 3) -> Answer | None:
    if not kb.facts:
        return None
    ranked = sorted(((score(kb, f, q), f) for f in kb.facts), key=lambda sf: -sf[0])
    best = ranked[0][0]
    if best < MIN_SCORE:
        return None
    chosen = [f for s, f in ranked if s >= max(MIN_SCORE, 0.8 * best)][:limit]
    # facts asked by topic keep their topic's order; the best one leads
    lines = []
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
