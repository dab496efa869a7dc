"""Rules, conditions and purposes: the best-matching facts of the knowledge base, key value first."""
from __future__ import annotations

import functools
import re

from engine import lexicon
from engine.answer import Answer
from engine.answers.common import agreement_years, uniq_sources
from engine.knowledge import KnowledgeBase
from engine.knowledge_cache import prebuilt
from engine.models import Fact
from engine.text import fold, words
from engine.understanding import Query

MIN_SCORE = 1.5  # a fact scoring below this never answers


class Weights:
    """The scoring weights of `evidence` and `score`, named and documented in one place."""

    #: a topic trigger of the question that is this fact's topic (per trigger score, see understanding._topics)
    TOPIC = 3.0
    #: a question word that is one of the fact's own words (title, topic, keywords, value)
    WORD = 1.0
    #: a question word whose first five letters start one of the fact's words (inflections)
    WORD_PREFIX = 0.6
    #: a question word whose first six letters occur in the fact's body text
    BODY_PREFIX = 0.25
    #: invoice facts when the question names neither the invoice nor the actor it is about
    NOT_ABOUT_INVOICE = 1.5
    #: the question's subject (invoice / requisition / report) is this fact's subject
    SAME_SUBJECT = 1.5
    #: the question names another subject than this fact's
    OTHER_SUBJECT = 3.0
    #: the question names a subject; this fact has none
    NO_SUBJECT = 1.0
    #: the fact's own year (or its agreement's) is asked about
    OWN_YEAR = 1.5
    #: the fact's text merely mentions an asked year
    MENTIONED_YEAR = 0.5
    #: the fact is about other years only
    OTHER_YEAR = 2.5
    #: the fact names a recipient of the question
    NAMES_RECIPIENT = 0.75
    #: the fact is about another county than the one asked about
    OTHER_COUNTY = 1.5
    #: a "who signed …?" question and a fact about who signed a document: the words describing the document
    #: ("Storsthlms PM om fakturering") must not hand the answer to the document's subject (the invoice)
    SIGNATORY = 3.0
    #: keep facts scoring at least this share of the best one
    KEEP_SHARE = 0.8
    #: a further topic the question names is added when its best fact scores this share of the best
    EXTRA_TOPIC_SHARE = 0.45

#: "undertecknat", "skrev under", "signed": who signed a document
_SIGN_STEMS = ("underteckn", "skrev under", "skrivit under", "signer", "signed", "signator")

def _asks_signatory(q: Query) -> bool:
    """"Vem har undertecknat …?", "Who signed …?". Asked for every fact scored: read once per question text."""
    return _signatory_asked(q.text)


@functools.lru_cache(maxsize=512)
def _signatory_asked(text: str) -> bool:
    q = Query(raw=text, text=text)
    return q.has_stem(*_SIGN_STEMS) and (q.asks_who or q.has("vilka", "which"))


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
    return set(_subjects_of(q.text))


@functools.lru_cache(maxsize=512)
def _subjects_of(text: str) -> frozenset[str]:
    q = Query(raw=text, text=text)
    found = {subj for subj, stems in SUBJECTS.items() if q.has_stem(*stems)}
    if "ekonomisk_redovisning_formular" in found and not re.search(r"(?<!ekonomisk )(?<!ekonomiska )redovis", q.text):
        found.discard("redovisning_krav")  # "den ekonomiska redovisningen" is the financial report only
    return frozenset(found)


def _fact_words(f: Fact) -> set[str]:
    text = " ".join([f.title, f.topic.replace("_", " "), " ".join(f.keywords), f.value or ""])
    return {w for w in words(text) if len(w) >= 3}


_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")


def _fact_years(kb: KnowledgeBase, f: Fact) -> set[int]:
    """The years a fact is about: its own, its agreement's, and any year its text names
    ("Vad krävs för att få medel 2021?" is answered by a 2020 fact about 2021)."""
    years = {f.year} if f.year else set(agreement_years(kb, f.agreement) if f.agreement else [])
    return years | {int(y) for y in _YEAR.findall(f.title + " " + f.text + " " + " ".join(f.items))}


class _Normalised:
    """One fact's text, folded and split once (at first use of a knowledge base), not per question."""

    __slots__ = ("words", "prefix5", "body", "body_prefix6", "full", "actor_text", "years", "own_years")

    def __init__(self, kb: KnowledgeBase, f: Fact):
        self.words = frozenset(_fact_words(f))
        self.prefix5 = frozenset(w[:5] for w in self.words if len(w) >= 5)
        self.body = fold(f.text + " " + " ".join(f.items))
        self.body_prefix6 = frozenset(t[:6] for t in re.findall(r"[a-z]+", self.body) if len(t) >= 6)
        self.full = fold(" ".join([f.title, f.text, *f.items, *f.keywords]))
        self.actor_text = fold(" ".join([f.title, f.text, *f.keywords]))
        self.years = frozenset(_fact_years(kb, f))
        self.own_years = frozenset({f.year} if f.year else agreement_years(kb, f.agreement) if f.agreement else [])


class FactIndex:
    """Facts normalised once and indexed by term (word, 5-letter prefix, body 6-letter prefix, topic), so
    that a question's word evidence touches only the facts that share a term with it (issue #13)."""

    def __init__(self, kb: KnowledgeBase):
        self.norm: dict[str, _Normalised] = {f.id: _Normalised(kb, f) for f in kb.facts}
        self.by_term: dict[str, set[str]] = {}
        for f in kb.facts:
            n = self.norm[f.id]
            for term in [*n.words, *(f"5:{p}" for p in n.prefix5), *(f"6:{p}" for p in n.body_prefix6),
                         f"topic:{f.topic}"]:
                self.by_term.setdefault(term, set()).add(f.id)
        self.facts = {f.id: f for f in kb.facts}
        self.position = {f.id: i for i, f in enumerate(kb.facts)}
        actors = _county_names(kb)
        self.owners = {f.id: _owner_counties(actors, f) for f in kb.facts}
        #: the counties each document's title names (filled on first use by `fact_counties`)
        self.title_owners: dict[str, frozenset[str]] = {}
        #: the facts by what their score depends on besides word evidence (see `contenders`)
        self.groups: dict[tuple, list[int]] = {}
        for i, f in enumerate(kb.facts):
            n = self.norm[f.id]
            key = (_subject(f.topic), n.years, n.own_years, self.owners[f.id])
            self.groups.setdefault(key, []).append(i)

    def contenders(self, kb: KnowledgeBase, q: Query, floor: float) -> list[Fact]:
        """Every fact that can score at least `floor`, in knowledge-base order: the facts with word
        evidence, plus the facts without whose group (subject, years, counties) can still
        reach `floor` on the question's subject, years, recipients and county alone (`_bound`). The
        facts left out all score below `floor`, so rankings above it are the same as over all facts,
        at a cost that grows with the facts that match, not with the knowledge base (issue #13)."""
        picked = {self.position[fid] for fid in _evidences(kb, q, ())}
        mentioned = _mentioned_subjects(q)
        asked = {r.county_code for r in q.recipients if r.county_code}
        for (subj, years, own, owners), members in self.groups.items():
            if _bound(subj, years, own, owners, q, mentioned, asked) >= floor - 1e-9:
                picked.update(members)
        return [kb.facts[i] for i in sorted(picked)]


def _bound(subj: str | None, years: frozenset[int], own: frozenset[int], owners: frozenset[str], q: Query,
           mentioned: set[str], asked: set[str]) -> float:
    """The highest `score` a fact of this group can have when the question's words are no evidence
    for it (no topic, word or prefix in common): `score` without its evidence terms, every recipient
    of the question counted as named. tests/test_fact_index.py checks it bounds `score`."""
    b = 0.0
    if mentioned and subj is not None:
        b += Weights.SAME_SUBJECT if subj in mentioned else -Weights.OTHER_SUBJECT
    elif mentioned:
        b -= Weights.NO_SUBJECT
    if q.years and years:
        b += (Weights.OWN_YEAR if own & set(q.years) else Weights.MENTIONED_YEAR if years & set(q.years)
              else -Weights.OTHER_YEAR)
    b += Weights.NAMES_RECIPIENT * len(q.recipients)
    if _asks_signatory(q):  # any fact may name who signed: counted as if this one does
        b += Weights.SIGNATORY
    if asked and owners and not owners & asked:
        b -= Weights.OTHER_COUNTY
    return b


_INDEXES: dict[int, tuple[KnowledgeBase, FactIndex]] = {}


def index(kb: KnowledgeBase) -> FactIndex:
    entry = _INDEXES.get(id(kb))
    if entry is None or entry[0] is not kb:
        entry = (kb, prebuilt(kb, "facts") or FactIndex(kb))
        _INDEXES[id(kb)] = entry
    return entry[1]


def documented_about_recipient(kb: KnowledgeBase, q: Query) -> bool:
    """Is the best fact for this question about a recipient it names ("Region Dalarna har rekvirerat …")?"""
    if not q.recipients or not kb.facts:
        return False
    pool = index(kb).contenders(kb, q, DOCUMENTED_SCORE)  # a fact below that cannot decide
    if not pool:
        return False
    best_score, best = max(((score(kb, f, q), f) for f in pool), key=lambda sf: sf[0])
    body = fold(best.text)
    named = any(fold(r.short) in body for r in q.recipients)
    return named and best_score >= DOCUMENTED_SCORE and evidence(kb, best, q) >= 1.5


#: the score of the best fact at which it documents a recipient the question names
DOCUMENTED_SCORE = 2.5


def best_evidence(kb: KnowledgeBase, q: Query, *, ignore_stems: tuple[str, ...] = ()) -> float:
    """The strongest word evidence for any fact, not counting words that start with `ignore_stems`."""
    return max(_evidences(kb, q, ignore_stems).values(), default=0.0)


@functools.lru_cache(maxsize=512)
def _question_words(text: str, recipient_ids: tuple[str, ...], ignore_stems: tuple[str, ...], kb_id: int) -> tuple[str, ...]:
    """The question's content words for evidence (once per question, not once per fact)."""
    kb = _INDEXES[kb_id][0]
    names = {fold(n) for rid in recipient_ids for n in (kb.recipients[rid].short, kb.recipients[rid].name)}
    return tuple(w for w in words(text) if w not in lexicon.STOPWORDS and len(w) >= 3 and not _YEAR.fullmatch(w)
                 and not any(w.startswith(st) for st in ignore_stems) and w not in names)


def evidence(kb: KnowledgeBase, f: Fact, q: Query, *, ignore_stems: tuple[str, ...] = ()) -> float:
    """How much the question's words point at this fact (topic triggers, keywords, body words):
    per question word, WORD when it is one of the fact's words, else WORD_PREFIX when its first five
    letters start one, else BODY_PREFIX when its first six letters occur in the fact's body."""
    return _evidences(kb, q, ignore_stems).get(f.id, 0.0)


def _evidences(kb: KnowledgeBase, q: Query, ignore_stems: tuple[str, ...]) -> dict[str, float]:
    """`evidence` of every fact that has any, by fact id (a fact not listed has none)."""
    index(kb)
    return _evidence_map(id(kb), q.text, tuple(q.topics.items()), tuple(r.id for r in q.recipients), ignore_stems)


@functools.lru_cache(maxsize=256)
def _evidence_map(kb_id: int, text: str, topics: tuple[tuple[str, float], ...], recipient_ids: tuple[str, ...],
                  ignore_stems: tuple[str, ...]) -> dict[str, float]:
    """Computed from the term index (what each question word touches), once per question: the cost grows
    with the facts that share a term with the question, not with the knowledge base (issue #13). Each
    fact's terms are added in the question's word order, so the sums are `evidence`'s own."""
    idx = _INDEXES[kb_id][1]
    out: dict[str, float] = {}
    for topic, value in topics:
        for fid in idx.by_term.get(f"topic:{topic}", ()):
            out[fid] = Weights.TOPIC * value
    empty: set[str] = set()
    for w in _question_words(text, recipient_ids, ignore_stems, kb_id):
        whole = idx.by_term.get(w, empty)
        prefix = idx.by_term.get(f"5:{w[:5]}", empty) if len(w) >= 5 else empty
        body = idx.by_term.get(f"6:{w[:6]}", empty) if len(w) >= 6 else empty
        for fid in whole:
            out[fid] = out.get(fid, 0.0) + Weights.WORD
        for fid in prefix - whole:
            out[fid] = out.get(fid, 0.0) + Weights.WORD_PREFIX
        for fid in body - whole - prefix:
            out[fid] = out.get(fid, 0.0) + Weights.BODY_PREFIX
    return out


def score(kb: KnowledgeBase, f: Fact, q: Query) -> float:
    s = evidence(kb, f, q)
    mentioned = _mentioned_subjects(q)
    subj = _subject(f.topic)
    if subj == "faktura" and "faktura" not in mentioned and not _names_actor_of(kb, q, f):
        s -= Weights.NOT_ABOUT_INVOICE * q.topics.get(f.topic, 0.0)  # "vart skickar man frågor?"
    if mentioned and subj is not None:
        s += Weights.SAME_SUBJECT if subj in mentioned else -Weights.OTHER_SUBJECT
    elif mentioned:
        s -= Weights.NO_SUBJECT  # the question is about the invoice / the requisition / a report; this fact is not
    n = index(kb).norm[f.id]
    if _asks_signatory(q) and f.value and any(st in n.full for st in _SIGN_STEMS):
        s += Weights.SIGNATORY  # a fact naming who signed (its value), not a rule about signing
    fact_years = n.years
    if q.years and fact_years:
        own = n.own_years
        # the fact's own year counts more than a year its text merely mentions
        s += (Weights.OWN_YEAR if own & set(q.years) else Weights.MENTIONED_YEAR if fact_years & set(q.years)
              else -Weights.OTHER_YEAR)
    body = n.full
    for r in q.recipients:
        if fold(r.short) in body or any(fold(a) in body for a in r.aliases):
            s += Weights.NAMES_RECIPIENT
    # a fact about another county than the one asked about ("Dalarna" when the question is about Storsthlm)
    asked = {r.county_code for r in q.recipients if r.county_code}
    owners = fact_counties(kb, f)
    if asked and owners and not owners & asked:
        s -= Weights.OTHER_COUNTY
    return s


def _names_actor_of(kb: KnowledgeBase, q: Query, f: Fact) -> bool:
    """Does the question name the actor this fact is about ("dnr storsthlm")?"""
    body = index(kb).norm[f.id].actor_text
    return any(r.kind.value == "aktor" and fold(r.short) in body for r in q.recipients)


def owner_counties(kb: KnowledgeBase, f: Fact) -> frozenset[str]:
    """The counties a fact's text names (by county name or a county actor such as Storsthlm), cached."""
    owners = index(kb).owners.get(f.id)
    return owners if owners is not None else _owner_counties(_county_names(kb), f)


def _county_names(kb: KnowledgeBase) -> list[tuple[str, str, re.Pattern[str]]]:
    """(county code, folded name, the name as a whole word) of every county and county actor."""
    return [(r.county_code, name, re.compile(r"(?<![a-z])" + re.escape(name) + r"(?![a-z])"))
            for r in kb.recipients.values() if r.county_code and r.kind.value in ("lan", "aktor")
            for name in [fold(r.short)]]


def _owner_counties(names: list[tuple[str, str, re.Pattern[str]]], f: Fact) -> frozenset[str]:
    body = fold(f.title + " " + f.text)
    return frozenset(cc for cc, name, whole in names if name in body and whole.search(body))


def fact_counties(kb: KnowledgeBase, f: Fact) -> frozenset[str]:
    """The counties a fact is about: those its text names, else those its document's title names
    ("Region X – stimulansmedel till X:s kommuner": a county memo's rules are that county's)."""
    own = owner_counties(kb, f)
    if own or not f.source.title:
        return own
    cache = index(kb).title_owners
    if f.source.doc not in cache:
        title = fold(f.source.title)
        cache[f.source.doc] = frozenset(
            r.county_code for r in kb.recipients.values()
            if r.county_code and r.kind.value in ("lan", "aktor")
            and re.search(r"(?<![a-z])" + re.escape(fold(r.short)) + r"(?![a-z])", title))
    return cache[f.source.doc]


def _asked_counties_only(kb: KnowledgeBase, q: Query, chosen: list[Fact],
                         ranked: list[tuple[float, Fact]]) -> list[Fact]:
    """A question about one county gets that county's rule of the same topic when the documents have one,
    and then no other county's rules beside it (they are about another county, and often another year)."""
    asked = {r.county_code for r in q.recipients if r.county_code}
    if not asked or not chosen:
        return chosen
    def other(f: Fact) -> bool:
        return bool(fact_counties(kb, f)) and not fact_counties(kb, f) & asked

    if other(chosen[0]):
        topics = {f.topic for f in chosen}
        own = [f for sc, f in ranked if sc >= MIN_SCORE and f.topic in topics and fact_counties(kb, f) & asked]
        if not own:
            return chosen  # nothing of the asked county: the scope guard labels these as another county's
        chosen = own + [f for f in chosen if f not in own]
    if not fact_counties(kb, chosen[0]) & asked:
        return chosen
    return [f for f in chosen if not other(f)]


def answer(kb: KnowledgeBase, q: Query, *, limit: int = 4, only_topics: set[str] | None = None) -> Answer | None:
    """The best facts; a question naming several rules ("vad ska stå och vart skickar vi den?") gets
    the best fact of each rule it names."""
    if not any(only_topics is None or f.topic in only_topics for f in kb.facts):
        return None
    if only_topics is None:
        choice = _clarifying_choice(kb, q)
        if choice is not None:
            return choice
    # only facts that can reach MIN_SCORE can be the answer: ranking those is ranking them all
    pool = [f for f in index(kb).contenders(kb, q, MIN_SCORE) if only_topics is None or f.topic in only_topics]
    if not pool:
        return None
    ranked = sorted(((score(kb, f, q), f) for f in pool), key=lambda sf: -sf[0])
    best_score, best = ranked[0]
    if best_score < MIN_SCORE or evidence(kb, best, q) < 1.0:
        return None  # a year alone, or the subject alone, is no evidence for a rule
    chosen = [f for sc, f in ranked if sc >= max(MIN_SCORE, Weights.KEEP_SHARE * best_score)][:limit]
    for topic in sorted(q.topics, key=lambda t: -q.topics[t]):
        if len(chosen) >= limit:
            break
        if any(f.topic == topic for f in chosen):
            continue
        cand = next(((sc, f) for sc, f in ranked if f.topic == topic), None)
        subject = _subject(topic)
        if subject is not None and subject not in _mentioned_subjects(q):
            continue  # "dnr" alone is not a question about the invoice's dnr
        if cand and cand[0] >= max(MIN_SCORE, Weights.EXTRA_TOPIC_SHARE * best_score) and q.topics[topic] >= 1.0:
            chosen.append(cand[1])
    chosen = _asked_counties_only(kb, q, chosen, ranked)
    said: set[str] = set()  # two facts quoting the same sentence (a rule and a contact drafted from it): once
    chosen = [f for f in chosen if not (fold(f.text) in said or said.add(fold(f.text)))]
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


#: a bare question ("vad är dnr?") of at most this many content words, naming no recipient, year,
#: post or level, whose subject has facts in several documents, gets the choice instead of one of them
CLARIFY_MAX_WORDS = 3


def _clarifying_choice(kb: KnowledgeBase, q: Query) -> Answer | None:
    if q.recipients or q.years or q.posts or q.levels or q.deadline_kinds or not q.topics:
        return None
    content = [w for w in words(q.text) if w not in lexicon.STOPWORDS and len(w) >= 2]
    if len(content) > CLARIFY_MAX_WORDS:
        return None
    best = max(q.topics.values())
    topics = {t for t, v in q.topics.items() if v >= best}
    matching = [f for f in kb.facts if f.topic in topics]
    if len({f.source.doc for f in matching}) < 2:
        return None
    lines = ["Det finns flera sådana i dokumenten – vilken menar du?"]
    for f in sorted(matching, key=lambda f: -(f.year or 0)):
        year = f" ({f.year})" if f.year else ""
        lines.append(f"• {f.title}{year}" + (f": {f.value}" if f.value else ""))
    return Answer(text="\n".join(lines), intent="clarify", confident=False,
                  facts=[{"fact": f.id, "topic": f.topic, "value": f.value} for f in matching],
                  sources=uniq_sources([f.source for f in matching]))


def _intent(f: Fact) -> str:
    if f.topic.startswith("faktura"):
        return "invoice_rule"
    if f.topic.endswith("formular"):
        return "requisition_form"
    if f.topic in ("grundkrav", "prestationsmal", "anvandning", "malgrupp", "tillganglighet", "redovisning_krav"):
        return "requirements"
    return "rule"
