"""Passage answers: BM25 (bm25s) with Swedish Snowball stemming (PyStemmer) over every passage of every
library document, and the one decision the engine asks of it — `consider(kb, q, answer)`.

A passage is quoted verbatim (trimmed to the sentences that carry the question's words), says it is a
quotation, and names title + section + page. It is used only when

* the structured engine did not understand the question (its answer is the help text), or said the
  documents do not state it; or
* the best passage comes from a document that has no structured facts yet (just added, drafts not
  accepted) and matches the question better than any other document does; or
* the answer was built from accepted drafts and `support` finds no sentence of the document stating its
  figure about what was asked, or a rule answer from drafts lacks what is asked (docs/documents.md);

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
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from engine.answer import Answer
from engine.models import Source
from engine.text import LazyPattern, fold

if TYPE_CHECKING:
    from engine.library.document import LibraryDocument

#: Share of the question's informative weight a passage must contain (calibrated on the OOD bank).
THRESHOLD = 0.70
#: The bar for a passage of the very document the structured answer came from, when its drafted figure is
#: not confirmed: the question is known to be about that document.
OWN_DOC_THRESHOLD = 0.5
#: A question of two or more informative words must match at least this many of them.
MIN_MATCHED = 2
MAX_QUOTE = 420
#: a sentence of the passage carrying at least this share of its best sentence's question words is quoted
#: with it ("… i enlighet med 2019 utlysning av pilotverksamhet. 2019 års utlysning hade inriktning …")
QUOTE_SHARE = 0.3

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
_WORD = LazyPattern(r"[a-z0-9]+")


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


#: words documents and people use for the same thing, read as one ("dnr" / "diarienumret", "mejl" / "e-post")
_SAME = (("dnr", ("dnr", "diarienum", "diarienr", "arendenum", "arendenr")),
         ("epost", ("epost", "mejl", "mail", "email")))


def _same(word: str) -> str:
    for key, prefixes in _SAME:
        if word.startswith(prefixes):
            return key
    return word


def tokenize(text: str) -> list[str]:
    """Folded, stop-word-free, stemmed tokens; numbers only when they are years."""
    stop = _stopwords()
    toks = [_same(t) for t in _WORD.findall(fold(text).replace("e-post", "epost").replace("-", " "))
            if t not in stop and (not t.isdigit() or re.fullmatch(r"(?:19|20)\d\d", t)) and len(t) > 1]
    return _stem(toks)


# --------------------------------------------------------------------------- passages


@dataclass(frozen=True)
class Passage:
    """A few sentences of one document section: what a quoted answer shows."""

    doc_id: str
    title: str
    section: str
    page: int | None
    url: str | None
    text: str  # verbatim (whitespace collapsed)
    sentences: tuple[str, ...]
    #: the list items after its last sentence when that sentence leads into a list ("… ska innehålla: 1. …")
    more: tuple[str, ...] = ()

    def source(self) -> Source:
        return Source(doc=self.doc_id, section=self.section, title=self.title, page=self.page, url=self.url)


#: a sentence ends at . ! ? after a word or a year, not after a list number ("1. Belopp")
#: nor after a page reference ("(s. 17)")
_SENT_SPLIT = LazyPattern(r"(?:(?<=[^\d\s][.!?])(?<![(\s]s\.)|(?<=\d{4}[.!?]))\s+(?=[\"”(•]?[A-ZÅÄÖ0-9•])")


#: list items ("1. Brukarmedverkan: 2 000 tkr 2. Suicidprevention: …", "• 264 000 000 kronor för …") are units
_LIST_ITEM = LazyPattern(r"\s+(?=(?:\d{1,2}\.|•)\s+[A-ZÅÄÖ0-9])")


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


#: a list item sentence ("4. Region X:s diarienummer …", "b) hur mycket …")
_LIST_ITEM_UNIT = LazyPattern(r"^(?:\d{1,2}\.|[a-h]\))\s+\S")
#: a sentence that leads into a list: it ends in ":" or "ska innehålla", or its first item follows it
_LIST_LEAD = LazyPattern(r"(?::\s*(?:\d{1,2}\.|[a-h]\))?|\b(?:innehålla|innehåller|ange|anges)\b(?:\s+(?:\d{1,2}\.|[a-h]\)).*)?)\s*$|"
                        r"(?::|\binnehålla)\s+(?:1\.|a\))\s", re.I)
MAX_LIST = 900  # characters of a list quoted after the sentence that leads into it


def _list_after(units: list[str], j: int) -> tuple[str, ...]:
    """The list items that follow sentence j when it leads into a list (the sentence splitting cuts a list at
    every item that opens with a capital: "4. Region X:s diarienummer …")."""
    if not _LIST_LEAD.search(units[j]):
        return ()
    items: list[str] = []
    for u in units[j + 1:]:
        if not _LIST_ITEM_UNIT.match(u) or sum(map(len, items)) + len(u) > MAX_LIST:
            break
        items.append(u)
    return tuple(items)


def passages_of(doc: LibraryDocument) -> list[Passage]:
    out: list[Passage] = []
    for sec in doc.sections:
        units = _units(sec.text)
        if len(units) == 1:
            windows = [(0, units)]
        else:  # every two neighbouring sentences (overlapping), so an answer split over two is found
            windows = [(i, units[i:i + 2]) for i in range(len(units) - 1)]
        for i, w in windows:
            out.append(Passage(doc.id, doc.title, sec.heading, sec.page, doc.url, " ".join(w), tuple(w),
                               _list_after(units, i + len(w) - 1)))
    return out


# --------------------------------------------------------------------------- the index


_YEAR_TOKEN = LazyPattern(r"(?:19|20)\d\d")


@dataclass
class Hit:
    """A passage found for a question, with its score and the asked words it lacks."""

    passage: Passage
    score: float
    coverage: float
    matched: int
    informative: int
    terms: frozenset[str] = field(default_factory=frozenset)
    #: the years the question names that this passage (with its heading and title) does not
    missing: frozenset[str] = field(default_factory=frozenset)
    #: the question's distinctive words (the library has them, in at most a quarter of its passages) this one lacks
    lacks: frozenset[str] = field(default_factory=frozenset)


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
            missing = frozenset(t for t in q if t not in have and _YEAR_TOKEN.fullmatch(t))
            lacks = frozenset(t for t in q if t not in have and 0 < self.df.get(t, 0) <= self.n / 4)
            hits.append(Hit(self.passages[int(idx)], float(score), cov, len(matched), len(q), frozenset(matched),
                            missing, lacks))
        return hits

    def best(self, question: str) -> Hit | None:
        """The best passage above the threshold, or None (the honest "not in the documents")."""
        for h in self.search(question):
            if confident(h, question):
                return h
        return None


_ASKS_AMOUNT = LazyPattern(r"\b(hur mycket|hur mkt|hur stor[at]? (?:belopp|summa)|belopp|kronor|kostar|how much|"
                          r"vad far|vad fick)\b")
_ASKS_DATE = LazyPattern(r"\b(nar|vilket datum|sista dag|senast|when|deadline)\b")
_HAS_AMOUNT = LazyPattern(r"\d\s?(?:kr\b|kronor|tkr|mkr|mnkr|miljon|miljard|procent|%)", re.I)
_HAS_DATE = LazyPattern(r"\b(?:\d{1,2} (?:januari|februari|mars|april|maj|juni|juli|augusti|september|oktober|"
                       r"november|december)|\d{4}-\d{2}-\d{2}|kvartal|(?:19|20)\d\d)", re.I)


def confident(h: Hit, question: str = "", threshold: float | None = None) -> bool:
    """Above the threshold, and of the kind asked: an amount question needs a figure in the passage,
    a when-question a date."""
    if h.coverage < (THRESHOLD if threshold is None else threshold) or h.matched < min(MIN_MATCHED, h.informative):
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


_ASKS_SIZE = LazyPattern(r"\b(hur stor|hur stort|hur stora|omfattar|omfattade|how large|how big)\b")
_ASKS_COUNT = LazyPattern(r"\b(hur manga|hur stort antal|how many|antal)\b")
_ASKS_ID = LazyPattern(r"\b(diarienummer|diarienr|dnr|arendenummer|arendenr|referensnummer|case number)\b")
#: "S/20/0002", "S2019/01234/FS", "3.2-55/2013", "20/01596": a case number
_HAS_ID = LazyPattern(r"(?<![\w/])(?:[A-ZÅÄÖ]{1,3}\s?/?)?\d{1,4}(?:[.-]\d+)*/\d{2,}(?:/[\w\d]+)*")
_HAS_NUMBER = LazyPattern(r"\b(?!(?:19|20)\d\d\b)\d+\b")


def asked_kinds(question: str) -> list[re.Pattern]:
    """What the question asks for, as patterns a sentence holding it matches: an identifier ("vilket
    diarienummer"), a number ("hur många"), an amount ("hur mycket"), a date ("när", "senast")."""
    q = fold(question)
    asks = [(_ASKS_ID.search(q), _HAS_ID), (_ASKS_COUNT.search(q), _HAS_NUMBER),
            (_ASKS_AMOUNT.search(q) or _ASKS_SIZE.search(q), _HAS_AMOUNT), (_ASKS_DATE.search(q), _HAS_DATE)]
    return [pattern for asked, pattern in asks if asked]


def asked_kind(question: str) -> re.Pattern | None:
    """The first thing the question asks for (see `asked_kinds`), or None."""
    kinds = asked_kinds(question)
    return kinds[0] if kinds else None


def quote(hit: Hit, question: str) -> str:
    """The passage trimmed to its sentences that carry the question's words (verbatim, in order) — and,
    when the question asks for an amount, a date, a number or an identifier, to one that holds it."""
    sents = hit.passage.sentences
    scored = [(sum(_IDF.get(t, 1.0) for t in set(tokenize(s)) if t in hit.terms), i) for i, s in enumerate(sents)]
    best = max(s for s, _ in scored) if scored else 0
    keep = [i for s, i in scored if s > 0 and s >= best * QUOTE_SHARE] or [0]
    kinds = asked_kinds(question)
    holding = [i for _, i in sorted(scored, reverse=True) if any(k.search(sents[i]) for k in kinds)]
    keep += holding  # the sentences that hold what is asked, beside the one with its words
    text = " ".join(sents[i] for i in range(min(keep), max(keep) + 1))
    if hit.passage.more and max(keep) == len(sents) - 1 and len(sents[-1]) <= MAX_QUOTE:
        # "Rekvisitionen ska innehålla följande uppgifter: 1. …": the list it leads into, whole
        return " ".join([sents[-1] if len(text) > MAX_QUOTE else text, *hit.passage.more])
    if len(text) > MAX_QUOTE:
        i = holding[0] if holding else max(scored)[1]
        text = sents[i]
        if len(text) > MAX_QUOTE:
            text = text[:MAX_QUOTE].rsplit(" ", 1)[0] + " …"
    return text


_IN_DATE = LazyPattern(r"\b\d{1,2}\s+(?:januari|februari|mars|april|maj|juni|juli|augusti|september|oktober|november|"
                      r"december)\s+((?:19|20)\d\d)\b|\b((?:19|20)\d\d)-\d\d-\d\d\b", re.I)


def _gap(hit: Hit, question: str) -> str:
    """The years the question names that this passage does not ("2026"): the quote is then only the nearest
    text, and the answer says so first. For an amount, a year the passage names only inside a date ("folkmängd
    den 1 november 2026") is no year of its money either. (Other words are not checked: a missing verb or a
    synonym is no gap.)"""
    missing = set(hit.missing)
    if _ASKS_AMOUNT.search(fold(question)):
        p = hit.passage
        bare = _IN_DATE.sub(" ", f"{p.title} {p.section} {p.text}")
        missing |= {y for y in _YEAR_TOKEN.findall(question) if not re.search(rf"(?<!\d){y}(?!\d)", bare)}
    if not missing:
        return ""
    words = []
    for w in dict.fromkeys(re.findall(r"\w+", question)):
        toks = tokenize(w)
        if toks and toks[0] in missing:
            words.append(w)
    return " och ".join(words)


def passage_answer(hit: Hit, question: str) -> Answer:
    p = hit.passage
    where = f"avsnitt {p.section}" + (f", s. {p.page}" if p.page else "")
    gap = _gap(hit, question)
    lead = f"Det framgår inte av dokumenten för {gap}. Närmast i dokumenten (ett stycke som inte nämner {gap}):\n" if gap else ""
    text = (f"{lead}Citat ur {p.title} ({where}):\n”{quote(hit, question)}”\n"
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
_SAYS_ABSENT = LazyPattern(r"(framgår inte av dokumenten|finns inte i dokumenten)")
#: answers that state a rule, a requirement or a form's contents in words
_TEXT_INTENTS = ("rule", "requirements", "invoice_rule", "requisition_form", "not_in_documents", "not_found")


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
    # (not when the engine said the year asked is in no document and the passage lacks that year too: the
    # nearest text of another year adds only that year's figures)
    year_absent = bool(_SAYS_ABSENT.search(answer.text.split("\n")[0])) and not answer.sources
    if top is not None and top.passage.doc_id in drafted and hits[0].passage.doc_id == top.passage.doc_id \
            and top.passage.doc_id not in cited and (not_stated or cited) \
            and not (year_absent and _gap(top, text)):
        return passage_answer(top, text)
    # the engine found no figure of its own ("Ett eget belopp för … framgår inte av dokumenten", "Uppgifter
    # för 2013 finns inte i dokumenten") while a document known only from its drafts has a passage that
    # clears the threshold: its words beat the drafts' gaps
    # (only a passage holding every distinctive word asked: the engine's "not stated" stands against a
    # passage about the same recipient but another post)
    if top is not None and top.passage.doc_id in drafted and not top.lacks \
            and _SAYS_ABSENT.search(answer.text.split("\n")[0]) and not (year_absent and _gap(top, text)):
        return passage_answer(top, text)
    # a rule, requirement or form answer that does not hold what is asked (an identifier for "vilket
    # diarienummer", a number for "hur många", an amount, a date) while a passage of a document known only
    # from its drafts (or not yet reviewed) does: the passage is the better answer
    # — or holds it from another document than the one the question matches best
    kind = asked_kind(text)
    if kind is not None and answer.intent in _TEXT_INTENTS and (drafted | without_facts):
        ranked = index_for(docs).search(text, k=40)
        better = _body_first([h for h in ranked if h.passage.doc_id in drafted | without_facts
                              and confident(h, text, OWN_DOC_THRESHOLD) and kind.search(h.passage.text)])
        if better and (not kind.search(answer.text) or (
                not cited & (drafted | without_facts)
                and better[0].coverage > max((h.coverage for h in ranked if h.passage.doc_id in cited), default=0))):
            return passage_answer(better[0], text)
    # a figure or date built from drafts is stated only when a sentence of a cited document states it about
    # what was asked (`support`): drafts are read by machine, and a wrong figure is far worse than none
    if cited & drafted and _headline(answer.text) != (set(), set()):
        why = support(kb, q, answer, docs, drafted)
        if not why or _rows_state(kb, q, answer) or _soft(why) and (
                _own_sentence_holds(answer, text, cited & drafted, index_for(docs), q)
                or _the_one_deadline(kb, q, answer) or _the_agreement_total(kb, q, answer)):
            # a sentence about what was asked, the table rows of the recipient asked, the drafted item's own
            # sentence, the only deadline of the kind asked, or the agreement's stated total states it
            return answer
        if why == _ASKS_TOTAL_ONE_POST and (total := _total_passage(kb, docs, cited & drafted, text)) is not None:
            return passage_answer(total, text)  # the sentence that states the whole agreement's total
        if top is not None and top.passage.doc_id in drafted and (
                asked_kind(text) is None or asked_kind(text).search(top.passage.text)):
            return passage_answer(top, text)
        # the question is about that document (the engine answered from it): its best passage that holds
        # most of the question's words and the kind of thing asked is quoted, at a lower bar
        kind = asked_kind(text)
        own = _body_first([h for h in index_for(docs).search(text, k=40)
                           if h.passage.doc_id in cited & drafted and confident(h, text, OWN_DOC_THRESHOLD)
                           and (kind is None or kind.search(h.passage.text))])
        if own:
            return passage_answer(own[0], text)
        return Answer(text="Det framgår inte säkert av dokumenten; uppgifterna ur "
                           + ", ".join(sorted({s.title or s.doc for s in answer.sources if s.doc in drafted}))
                           + " bekräftar inte just detta.", intent="not_found", sources=[])
    newer = _newer_drafted(kb, q, answer, drafted, cited)
    if newer:
        return _from_newer(docs, text, answer, newer)
    return answer


def _doc_years(kb: Any) -> dict[str, int]:
    """Per source document, the latest year its agreements, posts and allocations are for (a deadline's
    date is not the money's year)."""
    cached = getattr(kb, "_doc_years", None)
    if cached is not None:
        return cached
    years: dict[str, int] = {}
    for a in kb.agreements.values():
        for y in getattr(a, "years", None) or []:
            years[a.source.doc] = max(years.get(a.source.doc, 0), int(y))
    for it in (*kb.posts.values(), *kb.allocations):
        y = getattr(it, "year", None)
        if isinstance(y, int):
            years[it.source.doc] = max(years.get(it.source.doc, 0), y)
    try:
        kb._doc_years = years
    except AttributeError:  # pragma: no cover - a frozen stand-in
        pass
    return years


def _newer_drafted(kb: Any, q: Any, answer: Answer, drafted: set[str], cited: set[str]) -> dict[str, int]:
    """The documents known only from drafts that are newer than every document the answer cites, when the
    question names no year and the answer states a figure or a date from those older documents only: an
    undated question about this year's money is about the newest documents, not the ones of 2019."""
    if not drafted or not cited or cited & drafted or getattr(q, "years", None) \
            or _headline(answer.text) == (set(), set()):
        return {}
    years = _doc_years(kb)
    old = [years.get(d) for d in cited]
    if any(y is None for y in old):
        return {}
    return {d: years[d] for d in drafted if years.get(d, 0) > max(old)}  # type: ignore[type-var]


def _from_newer(docs: list[LibraryDocument], text: str, answer: Answer, newer: dict[str, int]) -> Answer:
    """A newer document that holds what is asked is quoted (a passage with the question's words and the kind
    asked); one that is about the question but does not hold it says so first, the older documents' answer
    after it as the nearest; a question none of the newer documents is about keeps its answer."""
    kind = asked_kind(text)
    hits = [h for h in index_for(docs).search(text, k=40) if h.passage.doc_id in newer]
    holding = _body_first([h for h in hits if confident(h, text) and not h.lacks
                           and (kind is None or kind.search(h.passage.text))])
    if holding:
        return passage_answer(holding[0], text)
    about = [h for h in hits if confident(h, text, OWN_DOC_THRESHOLD)]
    if not about:  # a misspelt word the library never uses ("suicidprevnetion") does not make it off the subject
        index = index_for(docs)
        known = " ".join(w for w in re.findall(r"\w+", text) if all(index.df.get(t) for t in tokenize(w)))
        about = [h for h in index.search(known, k=40) if h.passage.doc_id in newer
                 and confident(h, known, OWN_DOC_THRESHOLD)] if known != text else []
    if not about:
        return answer
    titles = ", ".join(dict.fromkeys(h.passage.title for h in about))
    year = max(newer[h.passage.doc_id] for h in about)
    lead = (f"Not in the documents for {year} ({titles}). Nearest, from older documents:\n"
            if answer.language == "en" else
            f"Det framgår inte av dokumenten för {year} ({titles}). Närmast, ur äldre dokument:\n")
    return replace(answer, text=lead + answer.text)


def _padded(q: Any) -> str:
    """The question's folded text between spaces, for whole-word tests (" mer an " …)."""
    return f" {getattr(q, 'text', '') or fold(getattr(q, 'raw', ''))} "


def _asks_comparison(padded: str) -> bool:
    from engine import lexicon as lx

    return any(f" {w} " in padded for w in lx.COMPARE_WORDS)


def _rows_state(kb: Any, q: Any, answer: Answer) -> bool:
    """Every amount in the answer's first line is stated in the verbatim source text (`Source.quote`: the table
    row with its caption and column heading, or the sentence) of a drafted allocation the answer gives for a
    recipient the question names (or a member of a county or group it names); a sum or difference the line
    labels as computed ("summa", "skillnad") may be one of those amounts' sum or difference."""
    amounts, dates = _headline(answer.text)
    asked = list(getattr(q, "recipients", None) or [])
    from engine import lexicon as lx

    if not asked and hasattr(q, "has") and q.has(*lx.RANK_WORDS):
        # "vilken region får mest?": the ranked recipients are the answer's own, each from its table row
        asked = [kb.recipients[f["recipient"]] for f in answer.facts
                 if isinstance(f, dict) and f.get("recipient") in kb.recipients]
    if dates or not amounts or not asked or getattr(q, "deadline_kinds", None):
        return False  # (a question about a deadline is not answered by a table row)
    if answer.intent != "comparison" and _asks_comparison(_padded(q)):
        return False  # "hur mycket större är …": a comparison, not answered by a row or a sum
    ids = {r.id for r in asked} | {f"lan-{r.county_code}" for r in asked if r.kind.value == "region"}
    counties = {r.county_code for r in asked if r.county_code and r.kind.value in ("lan", "grupp")}
    drafted = set(getattr(kb, "layer_docs", ()) or ())
    mine = [a for a in kb.allocations if a.source.doc in drafted and a.source.quote
            and (a.recipient in ids or getattr(kb.recipients.get(a.recipient), "county_code", None) in counties)]
    used = []
    for f in answer.facts:
        if isinstance(f, dict):
            used += [a for a in mine if a.id == f.get("id") or (f.get("id") is None and a.recipient == f.get(
                "recipient") and str(a.amount) == f.get("amount"))]
    if not used:
        return False
    stated = set().union(*(_values(a.source.quote)[0] for a in used))
    rest = {x for x in amounts - stated if not any(_in_unit(a.source.quote, x) for a in used)}
    if rest and re.search(r"\b(summa|summan|sammanlagt|skillnad)\b", fold(answer.text.split("\n")[0])):
        unique = list({a.id: a for a in used}.values())
        values = [a.amount for a in unique]
        rest -= {sum(values), sum(a.amount for a in unique if a.post)} | {abs(x - y) for x in values for y in values}
    return not rest


def _in_unit(quote: str, amount: Any) -> bool:
    """A table of unit-less numbers whose heading names the unit ("BUP, tkr: Region Stockholm … 95 478 …")
    states 95 478 000 kr."""
    from engine.formatting import format_kr

    for unit, factor in (("tkr", 1000), ("mnkr", 10**6), ("mkr", 10**6)):
        if re.search(rf"\b{unit}\b", quote, re.I) and amount % factor == 0:
            number = format_kr(amount / factor).removesuffix(" kr")
            if re.search(rf"(?<![\d,]){re.escape(number)}(?![\d,])", quote):
                return True
    return False



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


_ASKS_TOTAL = LazyPattern(r"\b(total\w*|tot|omfatt\w*|budget\w*|sammanlagt|hur stor)\b")


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
    """Does the text state the answer's headline figure or date (its first line)?"""
    amounts, dates = _headline(answer_text)
    if not amounts and not dates:
        return True  # a text answer: nothing to check
    p_amounts, p_dates = _values(passage_text)
    return bool(amounts & p_amounts or dates & p_dates)


# --------------------------------------------------------------------------- verifying a drafted answer
#
# A figure or date the structured engine built from drafts is stated only when the document says it *about
# what was asked*: the sentence (or table row) of that document stating the figure must name the question's
# year, recipient, deadline action and the rest of its subject. Drafts are read by machine, and a figure
# from the right document for a neighbouring question is as misleading as a wrong one.

#: share of the question's subject words (IDF-weighted) the figure's sentence, its neighbours, section heading
#: and title must hold: for a figure-first answer, and for a rule quoted in the document's words
VERIFY_SHARE = 0.6
VERIFY_SHARE_QUOTED = 0.4
_YEAR_RE = LazyPattern(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
_UNIT_CACHE: dict[tuple[str, str], list[tuple[str, str, str, frozenset]]] = {}
#: words a compound may end in and still be about its first part ("suicidpreventions|medlen")
_GENERIC_TAILS = ("medl", "medel", "peng", "summ", "belopp", "andel", "del", "post", "insats", "arbet")
#: the question asks for an amount in words the parser leaves to the structured rules (English, "andel")
_AMOUNT_CUE = LazyPattern(r"\b(amount|large|big|budget|money|sek|total|totalt|totalbelopp|sammanlagt|summa|andel|"
                         r"hur stor|how large|how big|mnkr|mkr|tkr|kronor|pengar)\b")
_ASKS = LazyPattern(r"\b(vem|vad|nar|hur|vilken|vilket|vilka|vart|var|varfor|who|whom|what|when|how|where|which|why)\b")


_SPLIT_WORD = LazyPattern(r"(?<=[a-zåäö])- (?=[a-zåäö])")


def doc_units(doc: LibraryDocument) -> list[tuple[str, str, str, frozenset]]:
    """(section heading, sentence or table line, its neighbouring sentences, the amounts and dates it
    states) of a document: the sentences of `_units` (a word split at a line end joined again), and a
    table's own lines (a chunk of rows names many recipients; the row names one)."""
    key = (doc.id, doc.sha256)
    got = _UNIT_CACHE.get(key)
    if got is None:
        got = []
        for sec in doc.sections:
            units = [_SPLIT_WORD.sub("", u) for u in _units(sec.text)]
            for i, u in enumerate(units):
                near = " ".join(units[max(i - 1, 0):i] + units[i + 1:i + 2])
                got.append((sec.heading, u, near, frozenset(set().union(*_values(u)))))
            for line in sec.text.split("\n"):
                line = " ".join(line.split())
                if line and len(_values(line)[0]) >= 2:  # a table row with several amounts
                    got.append((sec.heading, line, "", frozenset(set().union(*_values(line)))))
            got += _unit_rows(sec)
        with _LOCK:
            if len(_UNIT_CACHE) > 256:
                _UNIT_CACHE.clear()
            _UNIT_CACHE[key] = got
    return got


def _unit_rows(sec: Any) -> list[tuple[str, str, str, frozenset]]:
    """The rows of a table whose unit is in its caption ("Tabell 1. … (mnkr)" over "Traumavård 47,5 B"): each
    states its figure in that unit, with its level's group line ("Regionerna: Traumavård 47,5 B (mnkr)")."""
    from engine.library.drafts import _GROUP_LINE, _TABLE_UNIT, _UNIT_ROW, AMOUNT

    out = []
    unit, group = None, ""
    for raw in [*sec.before, sec.heading, *sec.text.split("\n")]:
        line = " ".join(raw.split())
        if not line:
            continue
        um = _TABLE_UNIT.search(line)
        m = _UNIT_ROW.match(line)
        if um and not AMOUNT.search(line) and not m:
            unit, group = um.group(1).lower(), ""
        elif unit and _GROUP_LINE.match(line):
            group = line
        elif unit and m:
            values = _values(f"{m.group('num')} {unit}")
            text = f"{group}: {line} ({unit})" if group else f"{line} ({unit})"
            out.append((sec.heading, text, "", frozenset(set().union(*values))))
    return out


def _first_values(line: str) -> list:
    """The amounts and dates of a line, in the order written."""
    from engine.library.document import find_dates
    from engine.library.drafts import AMOUNT, _amount

    found = [(m.start(), a) for m in AMOUNT.finditer(line) if (a := _amount(m)) is not None]
    found += [(pos, d) for d, pos in find_dates(line)]
    return [v for _, v in sorted(found, key=lambda x: x[0])]


def _stem_match(a: str, b: str) -> bool:
    """The same word, inflected ("faktura"/"fakturan"), a compound of it with a generic tail
    ("suicidpreventionsmedlen") or with a particle before it ("betala"/"utbetalar")."""
    if a == b:
        return True
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) < 5:
        return False
    if long_.startswith(short):
        rest = long_[len(short):].lstrip("s")
        return len(rest) <= 3 or rest.startswith(_GENERIC_TAILS)
    return long_.endswith(short) and long_[:-len(short)] in _PARTICLES


_PARTICLES = {"ut", "in", "av", "till", "ater", "upp", "fram", "om"}
_EMAIL_WORDS = frozenset(("mejl", "mejla", "mejlar", "mail", "mailadress", "mejladress", "epost",
                          "e-post", "email", "e-mail", "e-postadress", "epostadress", "adress"))


def _covered(term: str, have: set[str]) -> bool:
    return term in have or any(_stem_match(term, h) for h in have)


#: a payout verb split by an adverb: "SKR betalar därefter ut medlen"
_PAYOUT_SPLIT = LazyPattern(r"\bbetala[rs]?\s+(?:[a-z]+\s+){1,2}ut\b")


def _kind_words(kinds: list[str]) -> tuple[str, ...]:
    from engine import lexicon

    return tuple(s for k in kinds for s in lexicon.DEADLINE_STEMS.get(k, ()))


def _names(kb: Any, answer: Answer) -> str:
    """The names the knowledge gives the items behind the answer (a post's name and synonyms: a table
    row's column header is far from the row)."""
    out: list[str] = []
    posts = getattr(kb, "posts", {}) or {}
    for f in answer.facts:
        p = posts.get(f.get("post")) if isinstance(f, dict) else None
        if p is not None:
            out += [p.name, p.short, *p.synonyms]
    return " ".join(out)


def _recipient_terms(r: Any) -> set[str]:
    generic = {"kommun", "region", "lan", "stad", "kommunern", "regionern"}
    words = " ".join([r.name, r.short, *getattr(r, "aliases", [])])
    return {t for t in tokenize(words) if t not in generic and not t.isdigit()}


def _vocabulary() -> frozenset[str]:
    """Stems of the words that say how something is asked, not what about ("sista dag", "totalt", "skillnad")."""
    global _VOCAB
    if _VOCAB is None:
        from engine import lexicon as lx

        words = [*lx.AMOUNT_WORDS, *lx.STRICT_DATE_WORDS, *lx.DATE_WORDS, *lx.RANK_WORDS, *lx.WHO_WORDS,
                 *lx.QUESTION_WORDS, *lx.CONSEQUENCE_WORDS, *lx.COMPARE_WORDS, *lx.TOTAL_WORDS, *lx.STOPWORDS,
                 *lx.ENGLISH_COMMON, *lx.SWEDISH_COMMON, *lx.GETS_WORDS, *lx.WHICH_WORDS, *lx.EXCLUDE_WORDS,
                 *lx.DOMAIN_WORDS, *lx.AGREEMENT_WORDS, *lx.WEAK_AMOUNT_STEMS, *lx.AMOUNT_STEMS, *lx.KEY_WORDS,
                 *lx.AGREEMENT_DATE_STEMS, *lx.LEVEL_WORDS["lan"], "outnyttjade", "outnyttjad", "inkommit",
                 "inkomma", "inkommer", "miljoner", "miljonerna", "miljarder",
                 "respektive", "resp", "halla", "tillsammans", "pengar", "pengarna", "medel", "medlen", "kr", "kronor"]
        _VOCAB = frozenset(t for w in words for t in tokenize(w))
    return _VOCAB


_VOCAB: frozenset[str] | None = None


def _figure_first(line: str) -> bool:
    """The line starts with its figure ("1 726 309 kr …", "1 december 2020: …"), not with a list number."""
    from engine.library.document import find_dates
    from engine.library.drafts import AMOUNT

    m = AMOUNT.search(line)
    return (m is not None and m.start() <= 2) or any(pos <= 2 for _, pos in find_dates(line))


def _other_level(text: str, levels: list[str]) -> bool:
    """The sentence names a level (kommunerna, regionerna, länen, SKR), none of those asked."""
    from engine import lexicon as lx

    have = set(tokenize(text))
    named = {lv for lv, ws in lx.LEVEL_WORDS.items() if lv != "kommun_och_region"
             and any(t in have for w in ws for t in tokenize(w))}
    asked = set(levels) | ({"kommun", "region"} if "kommun_och_region" in levels else set())
    return bool(named) and not named & asked


def support(kb: Any, q: Any, answer: Answer, docs: list[LibraryDocument], drafted: set[str]) -> str:
    """'' when a sentence (or table row) of a document behind the answer states its headline figure about
    what the question asks; else why not (for the bench and the tests)."""
    import datetime as dt

    from engine import lexicon as lx

    line = answer.text.split("\n")[0]
    values = _first_values(line)
    if not values:
        return ""
    comparison = answer.intent == "comparison"
    needed = values[:2] if comparison else values[:1]
    text = _padded(q)
    is_date = isinstance(needed[0], dt.date)
    first = _figure_first(line) or comparison
    if not comparison and _asks_comparison(text) and len(set(values)) == 1:
        return "asks for a comparison"
    wants_amount = bool(getattr(q, "wants_amount", False)) or bool(_AMOUNT_CUE.search(text))
    wants_date = bool(getattr(q, "wants_date", False))
    if wants_date and not wants_amount and not any(isinstance(v, dt.date) for v in values):
        return "asks for a date"
    if first and not is_date and _ASKS_COUNT.search(text) and not re.search(r"hur manga (?:kronor|miljoner)", text):
        return "asks for a number, not an amount"
    if first and not is_date and not wants_amount and any(f" {w} " in text for w in lx.KEY_WORDS) \
            and not re.search(r"fordela|fordelning|per |befolkning|andel|invanar", fold(line)):
        return "asks how it is distributed, answered with an amount"
    if first and not comparison and _ASKS.search(text):
        if not is_date and not wants_amount and (wants_date or getattr(q, "asks_who", False)):
            return "asks for something else than an amount"
        if is_date and not wants_date:
            return "asks for something else than a date"
    facts = [f for f in answer.facts if isinstance(f, dict)]
    if first and not is_date and re.search(r" (?:vi|oss|we|our|us) ", text) \
            and not getattr(q, "recipients", None) and not any("recipient" in f for f in facts):
        return "asks for the asker's own amount, answered with an amount for no recipient"
    cited = {s.doc for s in answer.sources}
    units = [(d, *unit) for d in docs if d.id in cited for unit in doc_units(d)]
    recipients = [r for r in getattr(q, "recipients", []) or []
                  if getattr(r.kind, "value", r.kind) in ("kommun", "region", "lan", "grupp", "skr")]
    rec_terms = [ts for ts in (_recipient_terms(r) for r in recipients) if ts]
    kinds = list(getattr(q, "deadline_kinds", []) or [])
    kind_stems = _kind_words(kinds)
    levels = list(getattr(q, "levels", []) or [])
    level_terms = {t for lv in levels for w in lx.LEVEL_WORDS.get(lv, ()) for t in tokenize(w)}
    years = set(_YEAR_RE.findall(fold(getattr(q, "raw", "") or text)))
    names = set(tokenize(_names(kb, answer)))
    asked_posts = getattr(q, "posts", []) or []
    level_words = {t for ws in (*lx.LEVEL_WORDS.values(), lx.AGREEMENT_WORDS) for w in ws for t in tokenize(w)}
    # the phrases that named a post ("kunskapsbaserad"), not a word for a level or the agreement itself
    # ("kommunerna", "överenskommelsen") that a drafted post took as a synonym from its sentence
    phrases = [ts for ph in getattr(q, "post_phrases", []) or [] if (ts := set(tokenize(ph)) - level_words)]
    # "överenskommelsen om psykisk hälsa och suicidprevention": words of the agreement's name name no post
    named = _AGREEMENT_NAMED.search(text)
    if named:
        in_name = set(tokenize(named.group(1)))
        phrases = [ts for ts in phrases if not all(any(n.startswith(t) or t.startswith(n) for n in in_name) for t in ts)]
    facts = [f for f in answer.facts if isinstance(f, dict)]
    posts = getattr(kb, "posts", {}) or {}
    answer_posts = [posts[f["post"]] for f in facts if f.get("post") in posts]
    post_named = any(all(_covered(t, set(tokenize(f"{p.name} {' '.join(p.synonyms)}"))) for t in ts)
                     for ts in phrases for p in answer_posts)
    if post_named:  # the engine read the question's words as this post: the names it knows such posts by count
        names |= set().union(*phrases) | set(tokenize(" ".join(f"{p.name} {' '.join(p.synonyms)}"
                                                               for p in asked_posts)))
    skip = set().union(*rec_terms) if rec_terms else set()
    skip |= set(tokenize(" ".join(getattr(q, "recipient_words", []) or []))) | level_terms | _vocabulary()
    skip |= {t for s in kind_stems if " " in s and s in text for t in tokenize(s)}
    if named:
        skip |= set(tokenize(named.group(1)))
    residual = [t for t in dict.fromkeys(tokenize(text)) if not t.isdigit() and t not in skip and len(t) > 3
                and not t.startswith(tuple(s for s in kind_stems if " " not in s))]  # not "va", "pls", "bra"
    post_answer = bool(facts) and all("post" in f and "recipient" not in f for f in facts)
    if first and not comparison and post_answer and not phrases and not recipients and not residual:
        # "hur stor är överenskommelsen 2021?", "hur mycket får kommunerna 2021?": the whole agreement or
        # level, answered with one post's sentence
        if set(levels) - {"skr"} or any(f" {w} " in text for w in ("overenskommelsen", "overenskommelse", "ok")):
            return _ASKS_TOTAL_ONE_POST
    # "regionerna totalt": a sum over many posts, which one drafted sentence about one post does not state
    total_asked = any(f" {w} " in text for w in lx.TOTAL_WORDS) and set(levels) - {"skr"} and not recipients
    idx = index_for(docs)
    for v in needed:
        ev = [(d, h, u, nb) for d, h, u, nb, stated in units if v in stated]
        if not ev:
            return f"{v} is not stated in the documents"
        reasons = []
        for d, h, u, nb in ev:
            own = set(tokenize(u))
            if "@" in u:  # an e-mail address is what "mejl", "e-postadress" ask for
                own |= set(tokenize(" ".join(_EMAIL_WORDS)))
            ctx = own | set(tokenize(f"{h} {nb} {d.title}")) | names
            if years and not years <= set(_YEAR_RE.findall(fold(f"{u} {h} {d.title}"))) and not comparison:
                reasons.append("year")
            elif not first and _share(residual, ctx, idx) >= VERIFY_SHARE_QUOTED:
                break  # a rule quoted in the document's words: the figure is part of the quote
            elif not first:
                reasons.append("quoted subject")
            elif rec_terms and not is_date and not any(any(_covered(t, own) for t in ts) for ts in rec_terms):
                reasons.append("recipient")
            elif level_terms and not is_date and not recipients and _other_level(f"{h} {u}", levels):
                reasons.append("level")
            elif kinds and is_date and not any(s in fold(u) for s in kind_stems) and not (
                    "utbetalning" in kinds and _PAYOUT_SPLIT.search(fold(u))):  # "SKR betalar därefter ut …"
                reasons.append("action")
            elif total_asked and not re.search(r"\b(totalt|sammanlagt|summa|omfattar|total)\b", fold(u)):
                reasons.append("total")
            elif _share(residual, ctx, idx) < VERIFY_SHARE:
                reasons.append(f"subject {[t for t in residual if not _covered(t, ctx)]}")
            else:
                break
        else:
            return f"{v}: " + ", ".join(dict.fromkeys(reasons))
    return ""


_ASKS_TOTAL_ONE_POST = "asks for a total, answered with one post"


def _total_passage(kb: Any, docs: list[LibraryDocument], doc_ids: set[str], question: str) -> Hit | None:
    """The passage holding the sentence a drafted agreement's total was read from ("Staten avsätter för 2027
    sammanlagt 2 035 miljoner kronor till överenskommelsen"), for a question about the whole agreement."""
    for a in getattr(kb, "agreements", {}).values():
        quote_ = getattr(a.source, "quote", None)
        if a.source.doc not in doc_ids or getattr(a, "total", None) is None or not quote_:
            continue
        for h in index_for(docs).search(quote_, k=20):
            if h.passage.doc_id == a.source.doc and " ".join(quote_.split()) in h.passage.text:
                return h
    return None


#: the agreement named by its subject: "överenskommelsen om psykisk hälsa och suicidprevention (2027)"
_AGREEMENT_NAMED = LazyPattern(r"\boverenskommelsen? (?:om|for) ([a-z ]{4,80}?)(?= (?:19|20)\d\d\b| totalt\b| hur\b| \?|\s*$)")


def _soft(reason: str) -> bool:
    """A refusal by `support` only for the question's subject words (or no sentence found by its figure), which
    the drafted item's own sentence may still settle; not one for the kind of answer, the year, the level, the
    recipient, the action or a total asked — those stand."""
    if reason.endswith("is not stated in the documents"):
        return True
    if ": " not in reason:
        return False
    rest = re.sub(r"(?:quoted subject|subject \[[^\]]*\])", "", reason.split(": ", 1)[1])
    return not rest.replace(",", "").strip()


def _share(terms: list[str], have: set[str], idx: PassageIndex) -> float:
    """The IDF-weighted share of `terms` that `have` covers (1.0 for no terms)."""
    weight = sum(idx.idf(t) for t in terms)
    return sum(idx.idf(t) for t in terms if _covered(t, have)) / weight if weight else 1.0
