"""The fact index (engine/answers/facts.py, issue #13): evidence from the term index equals evidence
computed fact by fact, and the facts ranking skips can never reach the thresholds it skips them for."""
import dataclasses

import pytest

from benchmarks.bench_questions import questions
from engine.answers import facts
from engine.knowledge import load_knowledge
from engine.qa import Engine

QUESTIONS = questions()[::3]


@pytest.fixture(scope="module")
def engine():
    return Engine(load_knowledge())


def _reference_evidence(kb, f, q, ignore_stems=()):
    """evidence() as it was written before the index: fact by fact, word by word."""
    n = facts.index(kb).norm[f.id]
    s = facts.Weights.TOPIC * q.topics.get(f.topic, 0.0)
    for w in facts._question_words(q.text, tuple(r.id for r in q.recipients), ignore_stems, id(kb)):
        if w in n.words:
            s += facts.Weights.WORD
        elif len(w) >= 5 and w[:5] in n.prefix5:
            s += facts.Weights.WORD_PREFIX
        elif len(w) >= 6 and w[:6] in n.body_prefix6:
            s += facts.Weights.BODY_PREFIX
    return s


def test_evidence_from_the_index_is_evidence_fact_by_fact(engine):
    kb = engine.kb
    stems = Engine._deadline_stems
    for question in QUESTIONS:
        q = engine.parse(question)
        for f in kb.facts:
            assert facts.evidence(kb, f, q) == _reference_evidence(kb, f, q), (question, f.id)
            assert facts.evidence(kb, f, q, ignore_stems=stems) == _reference_evidence(kb, f, q, stems)
        assert facts.best_evidence(kb, q) == max(_reference_evidence(kb, f, q) for f in kb.facts)


def test_the_bound_bounds_every_fact_without_evidence(engine):
    kb = engine.kb
    idx = facts.index(kb)
    for question in QUESTIONS:
        q = engine.parse(question)
        with_evidence = facts._evidences(kb, q, ())
        mentioned = facts._mentioned_subjects(q)
        asked = {r.county_code for r in q.recipients if r.county_code}
        for (subj, years, own, owners), members in idx.groups.items():
            bound = facts._bound(subj, years, own, owners, q, mentioned, asked)
            for i in members:
                f = kb.facts[i]
                if f.id not in with_evidence:
                    assert facts.score(kb, f, q) <= bound + 1e-9, (question, f.id)


def _answer_over_all_facts(kb, q, only_topics=None):
    """facts.answer's choice when every fact is ranked (what the contenders must reproduce)."""
    pool = [f for f in kb.facts if only_topics is None or f.topic in only_topics]
    ranked = sorted(((facts.score(kb, f, q), f) for f in pool), key=lambda sf: -sf[0])
    best_score, best = ranked[0]
    if best_score < facts.MIN_SCORE or facts.evidence(kb, best, q) < 1.0:
        return None
    kept = [f for sc, f in ranked if sc >= max(facts.MIN_SCORE, facts.Weights.KEEP_SHARE * best_score)][:4]
    # then, like facts.answer, a question about one county keeps that county's rules only, each sentence once
    said: set[str] = set()
    return [f.id for f in facts._asked_counties_only(kb, q, kept, ranked)
            if not (f.text.casefold() in said or said.add(f.text.casefold()))]


def test_ranking_the_contenders_is_ranking_every_fact(engine):
    kb = engine.kb
    big = dataclasses.replace(kb, facts=[dataclasses.replace(f, id=f"{f.id}--x{i}") if i else f
                                         for i in range(3) for f in kb.facts])
    for base in (kb, big):
        for question in QUESTIONS:
            q = engine.parse(question)
            expected = _answer_over_all_facts(base, q)
            got = facts.answer(base, q)
            if facts._clarifying_choice(base, q) is not None:
                continue
            assert (got is None) == (expected is None), question
            if got is not None:
                assert [f["fact"] for f in got.facts][:len(expected)] == expected, question
            contenders = {f.id for f in facts.index(base).contenders(base, q, facts.DOCUMENTED_SCORE)}
            assert all(f.id in contenders for f in base.facts
                       if facts.score(base, f, q) >= facts.DOCUMENTED_SCORE), question
