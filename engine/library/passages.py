"""Passage answers: BM25 (bm25s) with Swedish Snowball stemming (PyStemmer) over every passage of every
library document, and the one decision the engine asks of it — `consider(kb, q, answer)`.

A passage is quoted verbatim (trimmed to the sentences that carry the question's words), says it is a
quotation, and names title + section + page. It is used only when

* the structured engine did not understand the question (its answer is the help text), or said the
  documents do not state it; or
* the best passage comes from a document that has no structured facts yet (just added, drafts not
  accepted) and matches the question better than any other document does;

and only when the passage clears the calibrated threshold: the share of the question's informative
words (weighted by how rare they are in the library; a word the library never uses weighs the most)
that the passage contains. Out-of-domain questions (salaries, weather, other grants) fail it; the
bank in tests/questions/ood.yaml is the calibration set (see docs/documents.md for the figures).

bm25s and PyStemmer are imported lazily (only when a passage is needed).
"""
from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from engine.answer import Answer
from engine.models import Source
from engine.text import fold

if TYPE_CHECKING:
    from engine.library.document import LibraryDocument

#: Share of the question's informative weight a passage must contain (calibrated on the OOD bank).
THRESHOLD = 0.70
#: A question of two or more informative words must match at least this many of them.
MIN_MATCHED = 2
MAX_QUOTE = 420

_QUESTION_WORDS = {
    "hur", "mycket", "mkt", "vad", "vilken", "vilket", "vilka", "nar", "var", "vem", "vems", "varfor",
    "ska", "skall", "far", "fa", "fick", "finns", "kan", "galler", "enligt", "dokument", "dokumentet",
    "dokumenten", "stimulans", "hej", "tack", "snalla", "undrar", "vet", "veta", "beskriv", "berätta",
    "beratta", "sager", "star", "stod", "ge", "gav", "ges", "fragan", "fraga", "svar", "nagon", "nagot",
    "egentligen", "ungefar", "totalt", "summa", "belopp", "kronor", "kr", "tkr", "mkr", "bli", "blir",
    "how", "much", "what", "when", "who", "which", "does", "do", "the", "is", "are", "of", "in", "for",
    "get", "gets", "to", "a", "an", "och", "eller", "per", "ar", "aret", "ars", "min", "mitt", "vara",
    "vi", "ni", "jag", "du", "man", "oss", "er", "sin", "sitt", "sina", "dom", "de", "den", "det",
    "gar", "ga", "gick", "gatt", "stor", "stora", "storre", "hela", "alla", "all", "ut", "sa", "nu",
    "many", "money", "there", "this", "that", "with", "from", "by", "on", "at", "be", "have", "has",
}
_WORD = re.compile(r"[a-z0-9]+")


def _stopwords() -> frozenset[str]:
    global _STOP
    if _STOP is None:
        from bm25s.stopwords import STOPWORDS_SWEDISH

        _STOP = frozenset({fold(w) for w in STOPWORDS_SWEDISH} | _QUESTION_WORDS)
    return _STOP


_STOP: frozenset[str] | None = None
_STEMMER: Any = None
_LOCK = threading.Lock()


def _stem(tokens: list[str]) -> list[str]:
    global _STEMMER
    if _STEMMER is None:
        import Stemmer

        _STEMMER = Stemmer.Stemmer("swedish")
    return _STEMMER.stemWords(tokens)


def tokenize(text: str) -> list[str]:
    """Folded, stop-word-free, stemmed tokens; numbers only when they are years."""
    stop = _stopwords()
    toks = [t for t in _WORD.findall(fold(text).replace("-", " "))
            if t not in stop and (not t.isdigit() or re.fullmatch(r"(?:19|20)\d\d", t)) and len(t) > 1]
    return _stem(toks)


# --------------------------------------------------------------------------- passages


@dataclass(frozen=True)
class Passage:
    doc_id: str
    title: str
    section: str
    page: int | None
    url: str | None
    text: str  # verbatim (whitespace collapsed)
    sentences: tuple[str, ...]

    def source(self) -> Source:
        return Source(doc=self.doc_id, section=self.section, title=self.title, page=self.page, url=self.url)


#: a sentence ends at . ! ? after a word or a year, not after a list number ("1. Belopp")
_SENT_SPLIT = re.compile(r"(?:(?<=[^\d\s][.!?])|(?<=\d{4}[.!?]))\s+(?=[\"”(•]?[A-ZÅÄÖ0-9•])")


#: list items ("1. Brukarmedverkan: 2 000 tkr 2. Suicidprevention: …", "• 264 000 000 kronor för …") are units
_LIST_ITEM = re.compile(r"\s+(?=(?:\d{1,2}\.|•)\s+[A-ZÅÄÖ0-9])")


def _units(section_text: str) -> list[str]:
    """Sentences; a long run without full stops (a table) is cut at its line breaks."""
    joined = re.sub(r"\n\s*\n+", "\n", section_text.strip())
    out: list[str] = []
    for sent in (x for part in _SENT_SPLIT.split(joined) for x in _LIST_ITEM.split(part)):
        if len(sent) <= 350:
            s = " ".join(sent.split())
            if s:
                out.append(s)
            continue
        chunk: list[str] = []
        for line in sent.split("\n"):
            chunk.append(line.strip())
            if sum(len(c) for c in chunk) > 250:
                out.append(" ".join(" ".join(chunk).split()))
                chunk = []
        if chunk and " ".join(chunk).strip():
            out.append(" ".join(" ".join(chunk).split()))
    return out


def passages_of(doc: LibraryDocument) -> list[Passage]:
    out: list[Passage] = []
    for sec in doc.sections:
        units = _units(sec.text)
        if len(units) == 1:
            windows = [units]
        else:  # every two neighbouring sentences (overlapping), so an answer split over two is found
            windows = [units[i:i + 2] for i in range(len(units) - 1)]
        for w in windows:
            out.append(Passage(doc.id, doc.title, sec.heading, sec.page, doc.url, " ".join(w), tuple(w)))
    return out


# --------------------------------------------------------------------------- the index


@dataclass
class Hit:
    passage: Passage
    score: float
    coverage: float
    matched: int
    informative: int
    terms: frozenset[str] = field(default_factory=frozenset)


class PassageIndex:
    def __init__(self, docs: list[LibraryDocument]):
        import logging

        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)
        self.passages = [p for d in docs for p in passages_of(d)]
        # the document's title and the section heading are part of every passage (a year, a name)
        self._tokens = [tokenize(f"{p.title} {p.section} {p.text}") for p in self.passages]
        self._sets = [frozenset(t) for t in self._tokens]
        self.df: dict[str, int] = {}
        for s in self._sets:
            for t in s:
                self.df[t] = self.df.get(t, 0) + 1
        self.n = max(len(self.passages), 1)
        self._bm25 = bm25s.BM25()
        if self.passages:
            self._bm25.index(self._tokens, show_progress=False)

    def idf(self, term: str) -> float:
        df = self.df.get(term, 0)
        return math.log((self.n - df + 0.5) / (df + 0.5) + 1.0)

    def search(self, question: str, k: int = 8) -> list[Hit]:
        q = list(dict.fromkeys(tokenize(question)))
        _IDF.clear()
        _IDF.update({t: self.idf(t) for t in q})
        if not q or not self.passages:
            return []
        k = min(k, len(self.passages))
        with _LOCK:  # bm25s retrieval is not documented as thread-safe
            ids, scores = self._bm25.retrieve([q], k=k, show_progress=False)
        total = sum(self.idf(t) for t in q)
        hits = []
        for idx, score in zip(ids[0], scores[0], strict=False):
            if score <= 0:
                continue
            have = self._sets[int(idx)]
            matched = [t for t in q if t in have]
            cov = sum(self.idf(t) for t in matched) / total if total else 0.0
            hits.append(Hit(self.passages[int(idx)], float(score), cov, len(matched), len(q), frozenset(matched)))
        return hits

    def best(self, question: str) -> Hit | None:
        """The best passage above the threshold, or None (the honest "not in the documents")."""
        for h in self.search(question):
            if confident(h, question):
                return h
        return None


_ASKS_AMOUNT = re.compile(r"\b(hur mycket|hur mkt|hur stor[at]? (?:belopp|summa)|belopp|kronor|kostar|how much)\b")
_ASKS_DATE = re.compile(r"\b(nar|vilket datum|sista dag|senast|when|deadline)\b")
_HAS_AMOUNT = re.compile(r"\d\s?(?:kr\b|kronor|tkr|mkr|mnkr|miljon|miljard|procent|%)", re.I)
_HAS_DATE = re.compile(r"\b(?:\d{1,2} (?:januari|februari|mars|april|maj|juni|juli|augusti|september|oktober|"
                       r"november|december)|\d{4}-\d{2}-\d{2}|kvartal|(?:19|20)\d\d)", re.I)


def confident(h: Hit, question: str = "") -> bool:
    """Above the threshold, and of the kind asked: an amount question needs a figure in the passage,
    a when-question a date."""
    if h.coverage < THRESHOLD or h.matched < min(MIN_MATCHED, h.informative):
        return False
    q = fold(question)
    if _ASKS_AMOUNT.search(q) and not _HAS_AMOUNT.search(h.passage.text):
        return False
    if _ASKS_DATE.search(q) and not _HAS_DATE.search(h.passage.text):
        return False
    return True


_INDEX_CACHE: dict[tuple, PassageIndex] = {}
_IDF: dict[str, float] = {}  # the last question's term weights (for trimming its quote)


def index_for(docs: list[LibraryDocument]) -> PassageIndex:
    key = tuple((d.id, d.sha256) for d in docs)
    with _LOCK:
        idx = _INDEX_CACHE.get(key)
    if idx is None:
        idx = PassageIndex(docs)
        with _LOCK:
            _INDEX_CACHE.clear()
            _INDEX_CACHE[key] = idx
    return idx


# --------------------------------------------------------------------------- quoting


def quote(hit: Hit, question: str) -> str:
    """The passage trimmed to its sentences that carry the question's words (verbatim, in order)."""
    sents = hit.passage.sentences
    scored = [(sum(_IDF.get(t, 1.0) for t in set(tokenize(s)) if t in hit.terms), i) for i, s in enumerate(sents)]
    best = max(s for s, _ in scored) if scored else 0
    keep = [i for s, i in scored if s > 0 and s >= best * 0.99] or [0]
    text = " ".join(sents[i] for i in range(min(keep), max(keep) + 1))
    if len(text) > MAX_QUOTE:
        i = max(scored)[1]
        text = sents[i]
        if len(text) > MAX_QUOTE:
            text = text[:MAX_QUOTE].rsplit(" ", 1)[0] + " …"
    return text


def passage_answer(hit: Hit, question: str) -> Answer:
    p = hit.passage
    where = f"avsnitt {p.section}" + (f", s. {p.page}" if p.page else "")
    text = (f"Citat ur {p.title} ({where}):\n”{quote(hit, question)}”\n"
            "(Ordagrant ur dokumentet; inga strukturerade uppgifter om detta ännu.)")
    return Answer(text=text, intent="passage",
                  facts=[{"passage": p.doc_id, "section": p.section, "page": p.page,
                          "coverage": round(hit.coverage, 3), "score": round(hit.score, 3)}],
                  sources=[p.source()])


# --------------------------------------------------------------------------- the engine's hook

_NOT_STATED = ("Dokumenten anger inte", "Dokumenten anger inget", "Det står inte i dokumenten", "Dokumenten säger inte",
               "Det finns inga uppgifter")


def _docs_with_facts(kb: Any) -> set[str]:
    cached = getattr(kb, "_docs_with_facts", None)
    if cached is not None:
        return cached
    docs: set[str] = set()
    for items in (kb.agreements.values(), kb.posts.values(), kb.allocations, kb.deadlines, kb.facts):
        for it in items:
            docs.add(it.source.doc)
    try:
        kb._docs_with_facts = docs
    except AttributeError:  # pragma: no cover - a frozen stand-in
        pass
    return docs


def library_of(kb: Any):
    lib = getattr(kb, "library", None)
    if lib is None:
        from engine.knowledge import SEEDS_DIR
        from engine.library.library import Library

        lib = _DEFAULT_LIBRARY.get("lib")
        if lib is None:
            lib = _DEFAULT_LIBRARY["lib"] = Library(SEEDS_DIR.parent / ".no-library", SEEDS_DIR)
    return lib


_DEFAULT_LIBRARY: dict[str, Any] = {}


def consider(kb: Any, q: Any, answer: Answer) -> Answer:
    """The structured answer, or a quoted passage when the engine had no confident answer (see module doc)."""
    if answer.intent in ("status", "discrepancies") or getattr(q, "wants_status", False):
        return answer
    help_like = answer.intent == "help" and not getattr(q, "wants_help", False)
    not_stated = answer.text.startswith(_NOT_STATED) or (not answer.sources and not help_like)
    try:
        docs = library_of(kb).documents()
    except Exception:  # noqa: BLE001 - a broken library must not break answering
        return answer
    without_facts = {d.id for d in docs} - _docs_with_facts(kb)
    drafted = set(getattr(kb, "layer_docs", ()) or ())  # facts only from accepted drafts
    cited = {s.doc for s in answer.sources}
    if not (help_like or not_stated or without_facts or drafted):
        return answer
    text = getattr(q, "raw", None) or getattr(q, "text", "")
    hits = index_for(docs).search(text)
    good = _body_first([h for h in hits if confident(h, text)])
    top = good[0] if good else None
    if top is not None and help_like:
        return passage_answer(top, text)
    # a question about a document with no structured facts yet: when the engine said the documents do
    # not state it, or when that document matches the question best
    fresh = [h for h in good if h.passage.doc_id in without_facts]
    if fresh and (not_stated or hits[0].passage.doc_id == fresh[0].passage.doc_id):
        return passage_answer(fresh[0], text)
    # a document known only from its drafts matches best, but the answer cites other documents: the
    # drafts did not cover what was asked, so quote the document rather than answer from another one
    if top is not None and top.passage.doc_id in drafted and hits[0].passage.doc_id == top.passage.doc_id \
            and top.passage.doc_id not in cited and (not_stated or cited):
        return passage_answer(top, text)
    # a figure or date built from drafts is stated only when a passage of that document confirms it:
    # drafts are read by machine, and a wrong figure is far worse than none
    if cited & drafted and _headline(answer.text) != (set(), set()):
        if _own_sentence_holds(answer, text, cited & drafted, index_for(docs), q) or _the_one_deadline(kb, q, answer) \
                or _the_agreement_total(kb, q, answer):
            return answer  # the drafted item's own source sentence states the figure and shares a word asked
        own = [h for h in index_for(docs).search(text, k=40) if h.passage.doc_id in cited & drafted][:3]
        if any(_holds(h.passage.text, answer.text) and any(not t.isdigit() for t in h.terms) for h in own):
            return answer  # a passage that shares a word with the question states the figure
        if top is not None and top.passage.doc_id in drafted:
            return passage_answer(top, text)
        return Answer(text="Det framgår inte säkert av dokumenten; uppgifterna ur "
                           + ", ".join(sorted({s.title or s.doc for s in answer.sources if s.doc in drafted}))
                           + " bekräftar inte just detta.", intent="not_found", sources=[])
    return answer


_LEVEL_STEMS = frozenset({"kommun", "region", "landsting", "lan", "skr", "skl", "stat"})


_FORM_WORDS = frozenset({"medel", "medl", "stimulansmedel", "stimulansmedl"})
_DATE_WORDS = frozenset({"sist", "dag", "datum", "deadlin", "sen", "tid"})
_AMOUNT_WORDS = frozenset({"peng", "sammanlag", "summ", "summan", "totalbelopp", "tabell", "sats", "mnkr", "miljon"})

#: share of the question's informative weight an item's own sentence (with its section and title) must carry
OWN_SENTENCE_SHARE = 0.6


def _own_sentence_holds(answer: Answer, question: str, drafted: set[str], index: PassageIndex, q: Any = None) -> bool:
    """A drafted item carries its exact source sentence (`Source.quote`): its figure stands when that sentence
    states the answer's headline figure or date, shares an informative word with the question, and with its
    section heading and the title carries most of the question's informative weight. A name the question
    gives the item's post ("UM" for the post the engine matched through that synonym) counts as said."""
    asked = {t for t in tokenize(question) if not t.isdigit()}
    amounts, dates = _headline(answer.text)
    folded = fold(question)
    if (_ASKS_AMOUNT.search(folded) and not amounts) or (_ASKS_DATE.search(folded) and not dates):
        return False  # a date for "vilket belopp …", an amount for "när …": not what was asked
    # words that only say what kind of answer is wanted ("sista dag", "pengar", "sammanlagt") are carried by the
    # headline itself
    content = asked - _FORM_WORDS - (_DATE_WORDS if dates else set()) - (_AMOUNT_WORDS if amounts else set())
    for s in answer.sources:
        if s.doc not in drafted or not s.quote or not _holds(s.quote, answer.text):
            continue
        # a title word is in every passage, a level word ("kommunerna") in most figures: evidence only when
        # everything asked is such a word
        title = set(tokenize(s.title or "")) | _LEVEL_STEMS
        said = set(tokenize(s.quote))
        for post in getattr(q, "posts", None) or []:
            if post.source.quote == s.quote and post.source.doc == s.doc:
                names = {fold(n) for n in (post.short, *post.synonyms)}
                said |= {t for ph in getattr(q, "post_phrases", []) if ph in names for t in tokenize(ph)}
        quoted = fold(s.quote)
        if any(isinstance(f, dict) and f.get("level_total") and fold(f["level_total"]) in quoted for f in answer.facts):
            from engine.lexicon import LEVEL_WORDS

            # "gemensamt" named the level whose stated sum this sentence is
            said |= {t for lv in getattr(q, "levels", None) or [] for w in LEVEL_WORDS.get(lv, ()) for t in tokenize(w)}
        for r in getattr(q, "recipients", None) or []:  # "sthlm stad" for the Stockholm the sentence names
            if any(len(n) >= 4 and fold(n) in quoted for n in (r.name, r.short, *r.aliases)):
                said |= set(tokenize(" ".join((r.name, r.short, *r.aliases))))
        shared = {a for a in content if any(_same_word(a, w) for w in said)}
        if not (shared - title or (shared and content <= title)):
            continue
        around = said | set(tokenize(f"{s.title or ''} {s.section}"))
        weight = sum(index.idf(t) for t in content)
        carried = sum(index.idf(t) for t in content if any(_same_word(t, w) for w in around))
        if weight and carried / weight >= OWN_SENTENCE_SHARE:
            return True
    return False


def _the_one_deadline(kb: Any, q: Any, answer: Answer) -> bool:
    """A drafted deadline of exactly the kind the question asks ("requisition deadline" → rekvisition), the only
    one of that kind its document states, whose own sentence states the date answered."""
    asked = set(getattr(q, "deadline_kinds", None) or [])
    dates = _headline(answer.text)[1]
    text = fold(getattr(q, "raw", "") or "")
    words = [t for t in tokenize(text) if not t.isdigit()]
    if _ASKS_AMOUNT.search(text) or not (_ASKS_DATE.search(text) or len(words) <= 2):
        return False  # "vilket belopp ska vi fakturera?", "vart skickar vi fakturan?": not a question of when
    drafted = set(getattr(kb, "layer_docs", ()) or ())
    for f in answer.facts:
        if not isinstance(f, dict) or f.get("kind") not in asked or not f.get("deadline"):
            continue
        same = [d for d in kb.deadlines if d.kind.value == f["kind"] and d.source.doc in drafted
                and any(d.source.doc == s.doc for s in answer.sources)]
        if len(same) == 1 and same[0].id == f["deadline"] and same[0].date in dates and same[0].source.quote \
                and _holds(same[0].source.quote, answer.text):
            return True
    return False


_ASKS_TOTAL = re.compile(r"\b(total\w*|tot|omfatt\w*|budget\w*|sammanlagt|hur stor)\b")


def _the_agreement_total(kb: Any, q: Any, answer: Answer) -> bool:
    """A drafted agreement's total, for a question of the total that names no post, level or recipient, when the
    agreement's own sentence states it ("Överenskommelsen omfattar för 2021 totalt 1 680 000 000 kronor")."""
    text = fold(getattr(q, "raw", "") or "")
    if not _ASKS_TOTAL.search(text) or _ASKS_DATE.search(text) or getattr(q, "posts", None) \
            or getattr(q, "levels", None) or getattr(q, "recipients", None):
        return False
    totals = [f for f in answer.facts if isinstance(f, dict) and f.get("agreement") and f.get("total")]
    drafted = set(getattr(kb, "layer_docs", ()) or ())
    if len(totals) != 1:
        return False
    a = kb.agreements.get(totals[0]["agreement"])
    return bool(a is not None and a.source.doc in drafted and a.source.quote and _holds(a.source.quote, answer.text))


def _same_word(a: str, b: str) -> bool:
    """Stems of one word: equal, an abbreviation ("rekv" – "rekvirering"), an inflection or derivation
    ("aterbetal" – "aterbetalning", "rekvirer" – "rekvisition"), a compound's head ("betal" – "aterbetal") — not a
    compound's first part ("utveckling" – "utvecklingsinsats")."""
    short, long_ = sorted((a, b), key=len)
    if a == b:
        return True
    if long_.startswith(short):
        return len(short) >= 4 and (len(short) <= 5 or len(long_) - len(short) <= 4)
    if len(short) >= 5 and long_.endswith(short):
        return True  # the compound's head: "betal" – "aterbetal"
    n = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), len(short))
    return n >= 0.8 * len(short) or (len(short) <= 10 and n >= 5 and n >= 0.6 * len(short))  # "rekvirer" – "rekvisition", "rekvistion" – "rekvisition"


def _body_first(hits: list[Hit]) -> list[Hit]:
    """Among confident passages, those whose own sentences (not only their heading or the title) carry
    the question's words come first."""
    def body(h: Hit) -> float:
        own, title = set(tokenize(h.passage.text)), set(tokenize(h.passage.title))
        terms = [t for t in h.terms if t not in title] or list(h.terms)  # the title's words are in every passage
        weight = sum(_IDF.get(t, 1.0) for t in terms)
        return sum(_IDF.get(t, 1.0) for t in terms if t in own) / weight if weight else 0.0

    return sorted(hits, key=lambda h: -body(h))  # stable: BM25 order within equal shares


def _headline(answer_text: str) -> tuple[set, set]:
    return _values(answer_text.split("\n")[0])


def _values(text: str) -> tuple[set, set]:
    from engine.library.document import find_dates
    from engine.library.drafts import AMOUNT, _amount

    amounts = {a for a in (_amount(m) for m in AMOUNT.finditer(text)) if a is not None}
    return amounts, {d for d, _ in find_dates(text)}


def _holds(passage_text: str, answer_text: str) -> bool:
    """Does the passage state the answer's headline figure or date (its first line)?"""
    amounts, dates = _headline(answer_text)
    if not amounts and not dates:
        return True  # a text answer: nothing to check
    p_amounts, p_dates = _values(passage_text)
    return bool(amounts & p_amounts or dates & p_dates)
