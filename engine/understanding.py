"""Question understanding: free Swedish (casual, typos, no diacritics) or simple English → Query.

Everything named (recipients, posts, years) is looked up in the knowledge base; the words
that signal what is asked live in engine/lexicon.py.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field, replace

from engine import english_words, lexicon
from engine.knowledge import KnowledgeBase
from engine.knowledge_cache import prebuilt
from engine.models import Post, Recipient, RecipientKind, as_dict
from engine.recipients import RecipientIndex
from engine.text import fold

_YEAR = re.compile(r"(?<![\d/])(19[89]\d|20[0-4]\d)(?![\d/])")  # not "20/2020" (a document number)
#: post synonyms too general to name a post on their own
_GENERIC = {"stimulansmedel", "medel", "unga", "koer", "vard", "stimulansmedlen", "insatser", "psykisk halsa"}


#: "när betalar Region Norrbotten ut medlen", "when does SKR pay the money out": a payout, its actor between
_PAYOUT_SPLIT = re.compile(r"(?<![a-z])(?:betala[rs]?|pay|pays)(?: [a-z0-9:]+){1,4} (?:ut|out)(?![a-z])")


@dataclass
class Query:
    """One question as understood: its words, years, recipients, posts and what is asked (parsed once)."""

    raw: str
    text: str  # folded, English phrases rewritten, padded with spaces: " hur mycket far falun 2020 "
    years: list[int] = field(default_factory=list)
    recipients: list[Recipient] = field(default_factory=list)
    posts: list[Post] = field(default_factory=list)  # every post a word names (all years)
    post_phrases: list[str] = field(default_factory=list)
    levels: list[str] = field(default_factory=list)
    deadline_kinds: list[str] = field(default_factory=list)
    topics: dict[str, float] = field(default_factory=dict)
    language: str = "sv"  # "sv" or "en": the language the answer is written in
    follow_up: bool = False  # read as a follow-up of the conversation's previous question
    #: content words that fill no slot and occur nowhere in the knowledge ("e-halsa", "kurator")
    unmatched: list[str] = field(default_factory=list)
    recipient_words: list[str] = field(default_factory=list)  # the words that named a recipient ("leksnad")
    #: words naming a thing that fills no slot, known to the documents or not ("missbruksvard")
    unnamed: list[str] = field(default_factory=list)  # after "för"/"till"/"mot": what money would be for
    things: list[str] = field(default_factory=list)  # anywhere ("organisationsnummer", "kommundirektor")
    #: every word of three letters or more that names a thing and fills no slot ("tåg", "skatt", "besök"):
    #: what the question is about when it is not a recipient, post, year or question word
    content: list[str] = field(default_factory=list)
    asker_id: str | None = None  # the Slack user asking (their own recipient comes from Kontakter)
    #: recipients of this conversation's recent questions, latest first (for "vem får mest av dem?")
    recent_recipients: list[Recipient] = field(default_factory=list)
    #: years of this conversation's recent questions, latest first (for "hur stor är skillnaden?")
    recent_years: list[int] = field(default_factory=list)
    #: what the engine assumed rather than read in the question ("2020 (från föregående fråga)")
    assumed: list[str] = field(default_factory=list)

    def to_state(self) -> dict:
        """The JSON-serialisable part a follow-up inherits (see engine/conversation.py)."""
        return {"raw": self.raw, "text": self.text, "years": list(self.years),
                "recipients": [r.id for r in self.recipients], "posts": [p.id for p in self.posts],
                "post_phrases": list(self.post_phrases), "levels": list(self.levels),
                "deadline_kinds": list(self.deadline_kinds), "topics": dict(self.topics),
                "language": self.language,
                "recent_recipients": list(dict.fromkeys(
                    [r.id for r in self.recipients] + [r.id for r in self.recent_recipients]))[:4],
                "recent_years": list(dict.fromkeys([*self.years, *self.recent_years]))[:4]}

    def has(self, *phrases: str) -> bool:
        """Any phrase present as whole word(s); a phrase ending in '*'... is matched as a prefix."""
        return any(_contains(self.text, p) for p in phrases)

    def has_stem(self, *stems: str) -> bool:
        return any(re.search(r"(?<![a-z0-9])" + re.escape(s), self.text) for s in stems)

    @property
    def wants_usage(self) -> bool:
        """"Vad får medlen användas till?" — what the money may be used for, not how much."""
        return self.has_stem(*lexicon.USAGE_STEMS) or (self.has_stem("anvand") and self.has("till"))

    @property
    def wants_reason(self) -> bool:
        return self.has(*lexicon.WHY_WORDS)

    @property
    def asks_who(self) -> bool:
        """"Vem rekvirerade …?", "vilka ska …": a person or body, not an amount."""
        return self.has(*lexicon.WHO_WORDS)

    @property
    def wants_amount(self) -> bool:
        if self.wants_usage or self.asks_who:
            return self.has(*lexicon.STRONG_AMOUNT_WORDS)
        # "(200 Mkr)" states an amount, it does not ask for one; "hur stor andel" asks for a share
        text = re.sub(r"\d[\d ,.]* ?(?:mnkr|mkr|tkr|msek|kr|kronor)", " ", self.text).replace("hur stor andel", " ")
        if any(f" {w} " in text for w in lexicon.AMOUNT_WORDS) or self.has_stem(*lexicon.AMOUNT_STEMS):
            return True
        return not self.topics and self.has_stem(*lexicon.WEAK_AMOUNT_STEMS)

    @property
    def wants_agreement_date(self) -> bool:
        """"När ingicks/beslutades/antogs överenskommelsen 2012?"."""
        return self.has_stem(*lexicon.AGREEMENT_DATE_STEMS) and (self.wants_date or self.has("vilket datum"))

    @property
    def wants_post_recipient(self) -> bool:
        """"Vem tar emot medlen för suicidprevention 2021?"."""
        return self.has(*lexicon.POST_RECIPIENT_WORDS)

    @property
    def wants_date(self) -> bool:
        if not self.has(*lexicon.DATE_WORDS):
            return False
        if self.has(*(w for w in lexicon.DATE_WORDS if w != "nar")):
            return True
        # "Vad intygar man när man skriver under?": "när" inside a question asked with another question
        # word is a conjunction ("when one signs"); "…, till vem och när?" still asks when
        first = self.text.split()[0] if self.text.strip() else ""
        if first == "nar" or first not in lexicon.QUESTION_WORDS:
            return True
        return bool(re.search(r" (?:och|samt|and|eller|or|men|but) nar ", self.text))

    @property
    def wants_key(self) -> bool:
        return self.has(*lexicon.KEY_WORDS) or self.has_stem("fordel", "befolkning") or self.asks_which_receivers

    @property
    def asks_which_receivers(self) -> bool:
        """"Hur många län får 2 miljoner i brukarmedverkan?", "Which counties get more?": which or how many
        receivers of a level a post's money goes to, which the post's distribution key says."""
        return bool(self.posts) and bool(re.search(
            r" (?:hur manga|vilka|which|how many) (?:av )?(?:the )?(?:lan|lanen|regioner|regionerna|landsting|landstingen|"
            r"kommuner|kommunerna|counties|regionerna|kommunerna)(?= )", self.text))

    @property
    def wants_status(self) -> bool:
        if self.has(*lexicon.STATUS_WORDS):
            return True
        if not self.has(*lexicon.STATUS_DONE_WORDS):
            return False
        # "vilka har fakturerat?", "Har Falun rekvirerat?" — but not "när får vi pengarna efter att vi har fakturerat?"
        return self.has(*lexicon.STATUS_WHO_WORDS) or (self.text.startswith(" har ") and bool(self.recipients))

    @property
    def wants_help(self) -> bool:
        return self.has(*lexicon.HELP_WORDS) or not self.text.strip()

    @property
    def wants_discrepancies(self) -> bool:
        return self.has_stem(*lexicon.DISCREPANCY_WORDS)

    @property
    def gets(self) -> bool:
        return self.has(*lexicon.GETS_WORDS)


def asks_for_recipients(q: Query) -> bool:
    """"vem har inte rekvirerat än?", "vilka har fakturerat?": the answer is a set of recipients, so a
    follow-up must not narrow it to the recipient of the previous question."""
    return q.wants_status and (q.asks_who or q.has(*lexicon.WHICH_WORDS))


def unique_recipients(recipients: list[Recipient]) -> list[Recipient]:
    """The recipients in order, each once."""
    seen: set[str] = set()
    return [r for r in recipients if not (r.id in seen or seen.add(r.id))]


def _inflected(text: str, r: Recipient) -> bool:
    """"stockholms", "dalarnas": a name in the genitive, not a misspelling worth a "Jag antog" line."""
    names = {fold(n) for n in (r.short, r.name, *r.aliases)}
    return text in names or text.rstrip("s") in names or any(n.startswith(text) for n in names)


def _post_label(posts: list[Post], years: list[int]) -> str:
    """The name of the post(s) a follow-up inherited, for the "Jag antog" line."""
    chosen = [p for p in posts if p.year in years] or posts
    return ", ".join(dict.fromkeys(p.short for p in chosen[:3]))


def detect_language(question: str) -> str | None:
    """"en" when the question's function words are English, "sv" when Swedish, None when it has
    neither (a bare "Mora 2020?"; a follow-up then keeps the conversation's language)."""
    ws = re.findall(r"[a-z]+", fold(question))
    en = sum(1 for w in ws if w in lexicon.ENGLISH_MARKERS)
    sv = sum(1 for w in ws if w in lexicon.SWEDISH_MARKERS)
    if en > sv:
        return "en"
    if sv:
        return "sv"
    return None


def _contains(text: str, phrase: str) -> bool:
    return f" {phrase} " in text


def translate_phrases(question: str) -> str:
    """English and casual phrases rewritten to Swedish in the original text, keeping its capitals
    (recipient lookup uses them to tell "Vara kommun" from "vara")."""
    out = question
    caseless = _caseless(out)
    for eng, sv in _PHRASES_LONGEST_FIRST:
        if eng.lower() not in caseless:
            continue  # cannot match: no need to compile or run its pattern
        changed = _phrase_pattern(eng).sub(sv, out)
        if changed != out:
            out, caseless = changed, _caseless(changed)
    return out


# lexicon.PHRASES longest first (sorted once, not once per question; issue #13)
_PHRASES_LONGEST_FIRST = sorted(lexicon.PHRASES.items(), key=lambda kv: -len(kv[0]))
#: the non-ASCII characters a case-insensitive pattern matches to an ASCII letter, besides what
#: str.lower() already maps there (K, the Kelvin sign): İ and ı match "i", ſ matches "s"
_CASELESS_EXTRA = str.maketrans({"İ": "i", "ı": "i", "ſ": "s"})


def _caseless(text: str) -> str:
    """`text` such that an ASCII phrase matching it case-insensitively (re.I) is a substring of it."""
    return text.translate(_CASELESS_EXTRA).lower()


@functools.cache
def _phrase_pattern(eng: str) -> re.Pattern[str]:
    """One English/casual phrase as a whole word, any case; compiled when first needed."""
    return re.compile(r"(?i)(?<![\w])" + re.escape(eng) + r"(?![\w])")


def normalise(question: str) -> str:
    text = fold(question)
    text = re.sub(r"[?!.,;:()\"'”“’]+(?=\s|$)", " ", text)
    text = re.sub(r"(?<=[a-z])- ", " ", text)  # "barn- och ungdomspsykiatrin"
    text = re.sub(r"[()\[\]]", " ", text)  # "(BUP)"
    text = re.sub(r"(?<=[a-z])/(?=[a-z])", " ", text)  # "landstingen/regionerna" (not "717/771", "S/20/0002")
    text = re.sub(r"\s+", " ", text).strip()
    padded = f" {text} "
    for eng, sv in _PHRASES_LONGEST_FIRST:
        padded = padded.replace(f" {eng} ", f" {sv} ")
    return padded


class Vocabulary:
    """Every word the knowledge base uses (facts, posts, recipients, agreements, deadlines, notes —
    whatever layer they came from) plus the question words of engine/lexicon.py. A content word of a
    question that is not here names something the documents do not have ("e-hälsa", "kurator")."""

    #: words shorter than this are never reported as unknown
    MIN_LENGTH = 5
    #: a word whose first PREFIX letters start a known word is an inflection of it ("ungdomsmottagningarna")
    PREFIX = 6
    #: rapidfuzz ratio at which a word is a typo of a known word ("kammarkolegiet")
    TYPO_RATIO = 88

    def __init__(self, kb: KnowledgeBase):
        found: set[str] = set()
        _collect_words([as_dict(item) for item in [*kb.facts, *kb.posts.values(), *kb.recipients.values(),
                                                       *kb.agreements.values(), *kb.deadlines, *kb.allocations,
                                                       *kb.discrepancies]], found)
        for name in dir(lexicon):
            value = getattr(lexicon, name)
            if name.isupper() and isinstance(value, (tuple, set, frozenset, dict)):
                _collect_words(value, found)
        common = {fold(w) for w in lexicon.ENGLISH_COMMON | lexicon.SWEDISH_COMMON | lexicon.DOMAIN_WORDS}
        question: set[str] = set(common)
        for name in dir(lexicon):
            value = getattr(lexicon, name)
            if name == "PHRASES":
                # the phrases are rewritten before parsing, so only their Swedish side is ever read:
                # "tax" of "value added tax" asks nothing when it stands alone ("What tax do people pay?")
                value = list(value.values())
            if name.isupper() and isinstance(value, (tuple, set, frozenset, dict, list)):
                _collect_words(value, question)
        #: the words questions use to ask (not to name a thing): lexicon and everyday words
        self.question_words = frozenset(question)
        self._question_prefixes = frozenset(w[:5] for w in question if len(w) >= 5)
        found |= common
        self.words = frozenset(found)
        self._prefixes = frozenset(w[:n] for w in found for n in range(4, self.PREFIX + 1) if len(w) >= n)
        self._by_initial: dict[str, list[str]] = {}
        for w in found:
            if len(w) >= 6:
                self._by_initial.setdefault(w[:1], []).append(w)

    def known(self, word: str, *, english: bool = False) -> bool:
        """In the knowledge or the lexicon (or an inflection or typo of such a word); in an English
        question also an ordinary English word that names no thing, or an inflection of a known word."""
        if word in self.words or len(word) < self.MIN_LENGTH or any(ch.isdigit() for ch in word):
            return True
        if word[: self.PREFIX] in self._prefixes:
            return True
        if english and (english_words.names_no_thing(word)
                        or any(lemma in self.words for lemma in english_words.lemmas(word))):
            return True
        if not english and self._same_stem(word):
            return True
        parts = [p for p in re.split(r"[-/]", word) if p]
        if len(parts) > 1 and all(len(p) >= 2 for p in parts) and any(
                len(p) >= self.MIN_LENGTH and p in self.words for p in parts):  # "sthlm-pm" is two words;
            # "e-hälsa", "sl-kort" are one
            return all(self.known(p, english=english) for p in parts)
        if len(word) >= 7:
            from rapidfuzz import fuzz, process  # typo matching: imported when a long unknown word needs it

            hit = process.extractOne(word, self._by_initial.get(word[:1], []), scorer=fuzz.ratio,
                                     score_cutoff=self.TYPO_RATIO)
            return hit is not None
        return False


    #: a Swedish word whose Snowball stem is at least this long and is the stem of a known word is an
    #: inflection of it ("totaler" of "total", "delades" of "delas"); shorter stems ("ram", "del", "aldr" of "äldre" and "föräldrar") are too
    #: ambiguous to count
    MIN_STEM = 5

    def _same_stem(self, word: str) -> bool:
        """A Swedish inflection of a known word by the Snowball stemmer (PyStemmer, already used for the
        passage index); the stems of the known words are made once, on the first word that needs them."""
        stems = self.__dict__.get("_stems")
        if stems is None:
            import Stemmer  # lazily: only a question with an otherwise unknown word needs it

            stemmer = Stemmer.Stemmer("swedish")
            self.__dict__["_stemmer"] = stemmer
            stems = self.__dict__["_stems"] = frozenset(
                st for st in stemmer.stemWords(sorted(w for w in self.words if len(w) >= self.MIN_STEM))
                if len(st) >= self.MIN_STEM)
        stem = self.__dict__["_stemmer"].stemWord(word)
        return len(stem) >= self.MIN_STEM and stem in stems


def _is_question_word(vocab: Vocabulary, word: str, *, english: bool = False) -> bool:
    """A lexicon/everyday word, or an inflection of one (at most INFLECTION letters added); in an
    English question also an ordinary English word that names no thing ("supposed", "coherent")."""
    if word in vocab.question_words:
        return True
    if any(word[:n] in vocab.question_words for n in range(max(4, len(word) - INFLECTION), len(word))):
        return True
    return english and (english_words.names_no_thing(word)
                        or any(lemma in vocab.question_words for lemma in english_words.lemmas(word)))


#: letters an inflection may add to a question word ("tilldelats" from "tilldela")
INFLECTION = 4


def _collect_words(value: object, out: set[str]) -> None:
    """Every word of every string inside `value` (folded once, as one text)."""
    strings: list[str] = []
    _collect_strings(value, strings)
    text = fold("\n".join(strings))
    out.update(re.findall(r"[a-z0-9]+(?:-[a-z0-9]+)*", text))
    out.update(re.findall(r"[a-z0-9]+", text))


def _collect_strings(value: object, out: list[str]) -> None:
    if isinstance(value, str):
        out.append(value)
    elif isinstance(value, dict):
        for k, v in value.items():
            _collect_strings(k, out)
            _collect_strings(v, out)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for v in value:
            _collect_strings(v, out)


class QuestionParser:
    #: a question without "och"/"and" first longer than this is never read as a follow-up
    FOLLOW_UP_MAX_WORDS = 8

    def __init__(self, kb: KnowledgeBase, recipients: RecipientIndex):
        self.kb = kb
        self.recipients = recipients
        self.vocabulary = prebuilt(kb, "vocabulary") or Vocabulary(kb)
        self._post_phrases: list[tuple[str, Post]] = []
        for post in kb.posts.values():
            for term in {post.short, *post.synonyms}:
                ft = " ".join(fold(term).replace("-", " ").split())
                # a synonym that is also a recipient's name ("SKR", "SKL") names the recipient, not a post
                if ft and ft not in _GENERIC and len(ft) >= 2 and not recipients.resolve_exact(ft):
                    self._post_phrases.append((ft, post))
        self._post_phrases.sort(key=lambda tp: -len(tp[0]))
        #: one-word phrases a question word may name inflected or misspelt (see `_posts`)
        self._loose_phrases = list(dict.fromkeys(ph for ph, _ in self._post_phrases if " " not in ph and len(ph) >= 6))
        self._loose_hits: dict[str, frozenset[str]] = {}  # word -> the loose phrases it names

    def parse(self, question: str) -> Query:
        text = normalise(question)
        q = Query(raw=question, text=text, language=detect_language(question) or "sv")
        excluded = {int(m.group(1)) for m in re.finditer(
            r"(?:" + "|".join(sorted(lexicon.EXCLUDE_WORDS)) + r") (\d{4})", text)}  # "utan 2019 års rest"
        q.years = sorted({int(y) for y in _YEAR.findall(text)} - excluded, reverse=True)
        q.posts, q.post_phrases = self._posts(text)
        kept = re.sub(r"(?<![a-z])(?:" + "|".join(sorted(lexicon.EXCLUDE_WORDS)) + r") [a-z]+", " ", text)
        q.levels = [lvl for lvl, words in lexicon.LEVEL_WORDS.items() if any(_contains(kept, w) for w in words)]
        one = re.search(r"\b(?:vilken|which) (region|kommun|municipality)\b", text)
        if one and not q.levels and q.has(*lexicon.RANK_WORDS):  # "vilken region får minst?": a whole level ranked
            q.levels = ["region" if one.group(1) == "region" else "kommun"]
        q.posts = self._narrowed(q.posts, q.post_phrases, q.years, q.levels)
        q.recipients = self._recipients(question, self._preferred_kind(q) or self._year_kind(q.years),
                                        q.assumed, q.recipient_words)
        for word, county in self._county_compounds(text):
            # "dalakommunerna", "stockholmskommuner": the county's municipalities
            if county not in q.recipients:
                q.recipients.append(county)
            q.recipient_words.append(word)
            if "kommun" not in q.levels:
                q.levels.append("kommun")
        q.deadline_kinds = [
            kind for kind, stems in lexicon.DEADLINE_STEMS.items()
            if any(re.search(r"(?<![a-z0-9])" + re.escape(s), text) for s in stems)
        ]
        if "utbetalning" not in q.deadline_kinds and _PAYOUT_SPLIT.search(text):
            q.deadline_kinds.append("utbetalning")  # "när betalar Region X ut medlen": the verb split around its actor
        if "utbetalning" in q.deadline_kinds and not q.wants_date:
            q.deadline_kinds.remove("utbetalning")  # "till vem betalas medlen ut?" asks who receives, not when
        # "ekonomisk redovisning" is not also a plain "redovisning"
        if "ekonomisk_redovisning" in q.deadline_kinds and "redovisning" in q.deadline_kinds:
            if not re.search(r"(?<!ekonomisk )(?<!ekonomiska )redovis", text):
                q.deadline_kinds.remove("redovisning")
        if "verksamhetsrapport" in q.deadline_kinds and "slutrapport" in q.deadline_kinds:
            q.deadline_kinds.remove("slutrapport")  # "slutlig verksamhetsrapport"
        if "slutrapport" in q.deadline_kinds and "redovisning" in q.deadline_kinds:
            if not re.search(r"(?<![a-z])redovis", text):
                q.deadline_kinds.remove("redovisning")
        q.topics = self._topics(text)
        if q.recipient_words:
            # a receiver where the asker would say "vi": "Vad ska Södertälje fakturera?" as "vad ska vi fakturera?"
            as_we = re.sub(r"(?<= )(?:" + "|".join(map(re.escape, sorted(set(q.recipient_words), key=len,
                                                                               reverse=True))) + r")(?: (?:kommun|region))?(?= )",
                           "vi", text)
            for topic, score in self._topics(as_we).items():
                q.topics.setdefault(topic, score)
        # a pronoun between a verb and its particle: "när betalar de ut?" as "när betalar ut"
        bare = re.sub(r"(?<= )(?:de|dom|ni|vi|man|den|det|they|we|you|it)(?= (?:ut|in|tillbaka|igen|upp|av|out|back) )",
                      " ", text)
        if bare != text:
            for topic, score in self._topics(re.sub(r"\s+", " ", bare)).items():
                q.topics.setdefault(topic, score)
        q.unmatched = self._unmatched(q)
        q.unnamed = self._unnamed(q)
        return q

    #: "dalakommun", "stockholmskommunerna": a county's name (or its first letters, at least this many) + "kommun"
    COUNTY_PREFIX = 4

    def _county_compounds(self, text: str) -> list[tuple[str, Recipient]]:
        """Words made of a county's name and "kommun(er/erna)" ("dalakommunerna", "skånekommuner",
        "stockholmskommunerna"), each with its county. The name part must start the county's short name
        (the colloquial "dala" of "Dalarna"), be one county's only, and be at least COUNTY_PREFIX letters."""
        out = []
        for m in re.finditer(r"(?<![a-z])([a-z]+?)s?kommun(?:er|erna|ernas)?(?![a-z])", text):
            word, stem = m.group(0), m.group(1)
            if len(stem) < self.COUNTY_PREFIX:
                continue
            counties = [r for r in self.kb.recipients.values() if r.kind == RecipientKind.lan
                        and any(fold(n).startswith(stem) or fold(n) == f"{stem}s" for n in (r.short, r.name))]
            if len(counties) == 1:
                out.append((word, counties[0]))
        return out

    def _unnamed(self, q: Query) -> list[str]:
        """Words naming a thing that is neither a slot (recipient, post, year, level) nor a question
        word: in an amount question, the thing the money would be for ("missbruksvård")."""
        named = {w for r in q.recipients for n in (r.name, r.short, *r.aliases) for w in fold(n).split()}
        named |= set(q.recipient_words) | {w for ph in q.post_phrases for w in ph.split()}
        out = []
        en = q.language == "en"
        toks = q.text.split()
        for i, w in enumerate(toks):
            if not re.fullmatch(r"[a-z][a-z-]*", w):
                continue
            if len(w) >= 3 and w not in named and w not in lexicon.STOPWORDS and w not in q.content \
                    and not _is_question_word(self.vocabulary, w, english=en) \
                    and not ("-" in w and _is_question_word(self.vocabulary, w.split("-")[0], english=en)):
                q.content.append(w)
            if len(w) < 4 or w in named or w in lexicon.STOPWORDS or _is_question_word(self.vocabulary, w, english=en):
                continue
            if "-" in w and _is_question_word(self.vocabulary, w.split("-")[0], english=en):
                continue  # "prio-medlen"
            if w not in q.things:
                q.things.append(w)
            # only the thing the money is for: "för missbruksvård", "till elevhälsan", "for e-health"
            before = toks[max(0, i - 3):i]
            if not any(b in lexicon.PURPOSE_WORDS for b in before):
                continue
            if any(w.startswith(ph.split()[0][:6]) for ph in q.post_phrases if len(ph) >= 6):
                continue
            if self.recipients.resolve(w) is not None:
                continue
            out.append(w)
        return out

    def _unmatched(self, q: Query) -> list[str]:
        """Content words of the question that neither fill a slot nor occur in the knowledge."""
        named = {w for r in q.recipients for n in (r.name, r.short, *r.aliases) for w in fold(n).split()}
        named |= set(q.recipient_words)
        named |= {w for ph in q.post_phrases for w in ph.split()}
        out = []
        en = q.language == "en"
        for w in re.findall(r"[a-z0-9]+(?:-[a-z0-9]+)*", q.text):
            if w in named or w in lexicon.STOPWORDS or self.vocabulary.known(w, english=en):
                continue
            if self.recipients.resolve(w) is not None:
                continue  # a place name ("Falun") the recipient finder read in context
            if w not in out:
                out.append(w)
        return out

    # ------------------------------------------------------------------------------------------
    @staticmethod
    def _preferred_kind(q: Query) -> RecipientKind | None:
        """A name shared by a municipality, a county and a region ("Stockholm", "Gotland") means the
        county when the question is about county-shared posts, the region for region posts."""
        posts = [p for p in q.posts if not q.years or p.year in q.years]
        levels = set(q.levels) | {p.level.value for p in posts}
        for level, kind in (("lan", RecipientKind.lan), ("region", RecipientKind.region), ("kommun", RecipientKind.kommun)):
            if levels == {level}:
                return kind
        return None

    def _year_kind(self, years: list[int]) -> RecipientKind | None:
        """"Jönköping 2026" when the documents give 2026 amounts to regions only: the region, not the municipality."""
        if not years:
            return None
        cache = self.__dict__.setdefault("_year_kinds", {})
        key = tuple(sorted(years))
        if key not in cache:
            kinds = {getattr(self.kb.recipients.get(a.recipient), "kind", None) for a in self.kb.allocations
                     if a.year in years}
            kinds.discard(None)
            cache[key] = next(iter(kinds)) if len(kinds) == 1 else None
        return cache[key]

    def _recipients(self, question: str, prefer: RecipientKind | None,
                    assumed: list[str] | None = None, named: list[str] | None = None) -> list[Recipient]:
        text = re.sub(r"(?<!\w)\d{1,3}(?!\w)", " ", translate_phrases(question))  # "Dalarnas 15 kommuner"
        tokens = [fold(t) for t in re.findall(r"[^\W_]+(?:[-/][^\W_]+)*", text)]
        found = [m for m in self.recipients.find(text, prefer=prefer)
                 if not (m.start > 0 and tokens[m.start - 1] in lexicon.EXCLUDE_WORDS)]  # "exkl SKR"
        out: list[Recipient] = []
        for m in found:
            if named is not None:
                named.extend(fold(m.text).replace("-", " ").split())
            if m.recipient not in out:
                out.append(m.recipient)
                if assumed is not None and m.by_code:
                    assumed.append(f"kommunkod {m.text} = {m.recipient.name}")  # "kommun 2583": say which one
                elif assumed is not None and m.score < 100 and not _inflected(fold(m.text), m.recipient):
                    assumed.append(f"”{m.text}” = {m.recipient.name}")
        return out

    # -- follow-ups ----------------------------------------------------------------------------
    def from_state(self, state: dict) -> Query:
        """A Query rebuilt from `Query.to_state()` (names no longer in the knowledge are dropped)."""
        return Query(
            raw=str(state.get("raw", "")), text=str(state.get("text", " ")),
            years=[int(y) for y in state.get("years", [])],
            recipients=[self.kb.recipients[r] for r in state.get("recipients", []) if r in self.kb.recipients],
            posts=[self.kb.posts[p] for p in state.get("posts", []) if p in self.kb.posts],
            post_phrases=[str(p) for p in state.get("post_phrases", [])],
            levels=[str(lv) for lv in state.get("levels", [])],
            deadline_kinds=[str(k) for k in state.get("deadline_kinds", [])],
            topics={str(k): float(v) for k, v in dict(state.get("topics", {})).items()},
            language=str(state.get("language", "sv")),
            recent_recipients=[self.kb.recipients[r] for r in state.get("recent_recipients", [])
                               if r in self.kb.recipients],
            recent_years=[int(y) for y in state.get("recent_years", [])])

    def parse_in_context(self, question: str, previous: dict | None, *, parsed: Query | None = None) -> Query:
        """Parse a question; a follow-up ("och Rättvik?", "när då?", "and Falun?") inherits what it
        does not say itself from the previous question of the same conversation, and says so in
        `assumed`. `parsed`: this question's `parse(question)`, when the caller already has it."""
        q = parsed if parsed is not None else self.parse(question)
        if not previous:
            return q
        prev = self.from_state(previous)
        words_ = q.text.split()
        marker = next((m for m in lexicon.FOLLOW_UP_STARTS if q.text.startswith(f" {m} ")), None)
        comparing = q.has(*lexicon.COMPARE_WORDS, "mer", "more", "mest", "most") and len(q.recipients) < 2
        if marker is None and (len(words_) > self.FOLLOW_UP_MAX_WORDS or q.wants_help):
            return q
        rest = q.text[len(marker) + 1:] if marker else q.text
        content = [w for w in rest.split() if w not in lexicon.STOPWORDS and w not in lexicon.FOLLOW_UP_FILLERS]
        total = q.has(*lexicon.TOTAL_WORDS)
        national = q.has(*lexicon.NATIONAL_WORDS)
        has_slot = bool(q.recipients or q.posts or q.years or q.levels or q.unmatched or total or national)
        intent_free = not (q.wants_amount or q.wants_date or q.deadline_kinds or q.wants_key
                           or q.wants_status or q.asks_who or q.wants_usage or q.wants_reason
                           or q.has(*lexicon.WHICH_WORDS) or q.has(*lexicon.COMPARE_WORDS)
                           or any(t not in lexicon.SLOT_TOPICS for t in q.topics))
        language = detect_language(question) or prev.language
        if marker is None and not has_slot and intent_free and "?" not in question \
                and not q.has(*lexicon.QUESTION_WORDS):
            return q  # "hej", "tack": nothing asked, so nothing to inherit
        own_question = marker is None and len(words_) > 3 and q.has(*lexicon.QUESTION_WORDS)
        if has_slot and intent_free and len(content) <= 4 and not own_question:
            return self._replace_slots(prev, q, language, total=total, national=national)
        if marker is None and has_slot and len(words_) > 3 and not comparing:
            return q  # a new question of its own ("Vad får Mora 2020?")
        return self._inherit_slots(prev, q, language)

    def _replace_slots(self, prev: Query, q: Query, language: str, *, total: bool = False,
                       national: bool = False) -> Query:
        """"och Rättvik?" after "hur mycket får Mora 2020?": the previous question with Rättvik;
        "och totalt?" drops the post, "och hela landet?" the recipient, "och för e-hälsa?" asks
        about something the documents lack."""
        text = prev.text
        assumed: list[str] = list(q.assumed)
        recipients, years, posts, phrases, levels = prev.recipients, prev.years, prev.posts, prev.post_phrases, prev.levels
        if (total or q.unmatched) and not q.posts:
            for ph in prev.post_phrases:
                text = text.replace(f" {ph} ", " ")
            text = text.rstrip() + (" totalt " if total else " " + " ".join(q.unmatched) + " ")
            posts, phrases = [], []
            prev = replace(prev, posts=[], post_phrases=[])
        if national and not q.recipients:
            for r in prev.recipients:
                for name in sorted({fold(r.name), fold(r.short)}, key=len, reverse=True):
                    text = text.replace(f" {name} ", " ")
            text = text.rstrip() + " hela landet totalt "
            recipients, levels = [], []
            prev = replace(prev, recipients=[], levels=[])
        if q.recipients and prev.recipients and q.has(*lexicon.ADD_WORDS):
            # "och om vi lägger till Ludvika?" after "Falun + Borlänge totalt?": the previous receivers and this one
            recipients = unique_recipients([*prev.recipients, *q.recipients])
            text = text.rstrip() + " " + " ".join(fold(r.short) for r in q.recipients if r not in prev.recipients) + " "
            assumed.append(", ".join(r.name for r in prev.recipients))
        elif q.recipients:
            for r in prev.recipients:
                for name in sorted({fold(r.name), fold(r.short)}, key=len, reverse=True):
                    text = text.replace(f" {name} ", " ")
            text = text.rstrip() + " " + " ".join(fold(r.short) for r in q.recipients) + " "
            recipients = q.recipients
            if prev.levels and not q.levels:
                levels = []
        elif prev.recipients:
            assumed.append(", ".join(r.name for r in prev.recipients))
        if q.years:
            for y in prev.years:
                text = text.replace(f" {y} ", " ")
            text = text.rstrip() + " " + " ".join(map(str, q.years)) + " "
            years = q.years
        elif prev.years:
            assumed.append(", ".join(map(str, prev.years)))
        if q.posts:
            for ph in prev.post_phrases:
                text = text.replace(f" {ph} ", " ")
            text = text.rstrip() + " " + " ".join(q.post_phrases) + " "
            posts, phrases = q.posts, q.post_phrases
        elif prev.posts:
            assumed.append(_post_label(prev.posts, years))
        if q.levels:
            levels = q.levels
        posts = self._narrowed(posts, phrases, years, levels)  # "och 2013?" after "prestationsmålet för vuxna 2012"
        return Query(raw=q.raw, text=text, years=years, recipients=recipients, posts=posts, post_phrases=phrases,
                     levels=levels, deadline_kinds=prev.deadline_kinds, topics=prev.topics, language=language,
                     assumed=assumed, follow_up=True, unmatched=list(q.unmatched),
                     recent_recipients=prev.recent_recipients, recent_years=prev.recent_years)

    def _inherit_slots(self, prev: Query, q: Query, language: str) -> Query:
        """"när då?", "hur fördelas det?", "vem skickar vi till?": this question's intent about the
        previous question's recipient, year, post and deadline."""
        assumed: list[str] = list(q.assumed)
        extra: list[str] = []
        out = Query(raw=q.raw, text=q.text, years=q.years, recipients=q.recipients, posts=q.posts,
                    post_phrases=q.post_phrases, levels=q.levels, deadline_kinds=q.deadline_kinds,
                    topics=q.topics, language=language, assumed=assumed, follow_up=True,
                    unmatched=list(q.unmatched), recent_recipients=prev.recent_recipients,
                    recent_years=prev.recent_years)
        comparing = q.has(*lexicon.COMPARE_WORDS, "mer", "more", "mest", "most")
        if comparing and len(q.recipients) < 2 and prev.recent_recipients:
            # "hur mycket mer får Leksand?" after Mora then Leksand: the two recipients just discussed
            pair = unique_recipients([*q.recipients, *prev.recent_recipients])[:2]
            if len(pair) == 2:
                out.recipients = pair
                assumed.append(" och ".join(r.name for r in pair if r not in q.recipients))
        elif not q.recipients and prev.recipients and not asks_for_recipients(q) \
                and not q.has(*lexicon.NATIONAL_WORDS) \
                and not re.search(r" (?:till|hos|to) (?:den |det |de |the )?[a-z]{4,}", q.text):
            # "och i hela landet det året?" drops the receiver; so does a receiver of its own in words
            # ("och till myndigheten?" after "… inne hos SKL?")
            out.recipients = prev.recipients
            assumed.append(", ".join(r.name for r in prev.recipients))
        years = list(dict.fromkeys([*q.years, *prev.recent_years]))[:2]
        if comparing and len(out.recipients) < 2 and len(q.years) < 2 and len(years) == 2:
            # "hur stor är skillnaden?" after 2021 then 2019: the two years just discussed
            out.years = years
            extra += [str(y) for y in years if y not in q.years]
            assumed.append(" och ".join(str(y) for y in years if y not in q.years))
        elif not q.years and prev.years:
            out.years = prev.years
            extra += [str(y) for y in prev.years]
            assumed.append(", ".join(map(str, prev.years)))
        # "och totalt?" after Mora's post is Mora's total; "hur mycket är det totalt?" after a post's key
        # (no receiver, no level) is that post's total
        totals_over_posts = q.has(*lexicon.TOTAL_WORDS) and bool(q.recipients or prev.recipients or q.levels
                                                                  or prev.levels)
        if not q.posts and prev.posts and not q.unmatched and not totals_over_posts:
            out.posts = self._narrowed(prev.posts, prev.post_phrases, out.years, out.levels or prev.levels)
            out.post_phrases = prev.post_phrases
            extra += prev.post_phrases
            assumed.append(_post_label(prev.posts, out.years))
        if not q.levels and prev.levels and not q.recipients:
            out.levels = prev.levels
        if not q.deadline_kinds and prev.deadline_kinds and (
                not q.topics or q.asks_who or q.wants_date or q.wants_post_recipient):
            out.deadline_kinds = prev.deadline_kinds
            stems = tuple(s for k in prev.deadline_kinds for s in lexicon.DEADLINE_STEMS[k])
            extra += [w for w in prev.text.split() if w.startswith(stems)]
        if not out.topics and prev.topics and not (q.wants_amount or q.wants_date or q.wants_key):
            out.topics = prev.topics
        if (prev.wants_date and out.deadline_kinds and not q.wants_date
                and not (q.wants_amount or q.wants_key or q.asks_who or q.wants_usage or q.wants_reason)):
            # "och till myndigheten?" after "när ska redovisningen vara inne hos SKL?": when, too
            extra.append("nar")
        if extra:
            out.text = out.text.rstrip() + " " + " ".join(extra) + " "
        inherited = (out.recipients != q.recipients or out.years != q.years or out.posts != q.posts
                     or out.deadline_kinds != q.deadline_kinds or out.levels != q.levels)
        out.follow_up = inherited
        return out

    def _narrowed(self, posts: list[Post], phrases: list[str], years: list[int], levels: list[str]) -> list[Post]:
        """"prestationsmålet för vuxna": two names whose posts (in the years asked) overlap name the posts
        they share; disjoint names ("handlingsplaner och brukarmedverkan") are two posts. A level asked
        that none of the shared posts has keeps them all (a synonym list may lack one of the names)."""
        if len(phrases) < 2:
            return posts
        sets = []
        for ph in phrases:
            found, _ = self._posts(f" {ph} ")
            found += [p for p in posts if ph in fold(p.name)]  # a name the synonym list lacks
            ids = {p.id for p in found if not years or p.year in years}
            if ids:
                sets.append(ids)
        if len(sets) < 2:
            return posts
        common = set.intersection(*sets)
        if not common or common == set.union(*sets):
            return posts
        asked = {lv for lv in levels if lv in ("kommun", "region", "lan", "skr")}
        if asked and not any(p.level.value in asked or (p.level.value == "kommun_och_region" and asked & {"kommun", "region"})
                             for p in posts if p.id in common):
            return posts
        return [p for p in posts if p.id in common or (years and p.year not in years)]

    def _posts(self, text: str) -> tuple[list[Post], list[str]]:
        posts: list[Post] = []
        phrases: list[str] = []
        loose: set[str] | None = None
        for phrase, post in self._post_phrases:
            hit = _contains(text, phrase)
            if not hit and " " not in phrase and len(phrase) >= 6:
                # inflected forms ("ungdomsmottagningarna") and small typos
                if loose is None:
                    loose = set().union(*(self._loose_hits_of(w) for w in set(text.split())))
                hit = phrase in loose
            if not hit and " " in phrase:
                hit = phrase in text
            if hit:
                if post not in posts:
                    posts.append(post)
                if phrase not in phrases:
                    phrases.append(phrase)
        for w in text.split():
            # "bup-köerna": a compound whose parts each name the same post names that post
            parts = [p for p in w.split("-") if len(p) >= 3]
            if "-" not in w or len(parts) < 2 or w in phrases:
                continue
            owners = [{post.id for phrase, post in self._post_phrases
                       if p == phrase or (len(phrase) >= 6 and p.startswith(phrase))} for p in parts]
            common = set.intersection(*owners)
            for _phrase, post in self._post_phrases:
                if post.id in common and post not in posts:
                    posts.append(post)
            if common:
                phrases.append(w)
        return posts, phrases

    def _loose_hits_of(self, word: str) -> frozenset[str]:
        """The one-word post phrases this word starts with or is a small typo of (remembered per word)."""
        hits = self._loose_hits.get(word)
        if hits is None:
            hits = frozenset(ph for ph in self._loose_phrases if word.startswith(ph))
            if len(word) >= 7:
                from rapidfuzz import fuzz, process

                hits |= {ph for ph, _, _ in process.extract(word, self._loose_phrases, scorer=fuzz.ratio,
                                                             score_cutoff=88, limit=None)}
            if len(self._loose_hits) >= 20_000:
                self._loose_hits.clear()
            self._loose_hits[word] = hits
        return hits

    @staticmethod
    def _topics(text: str) -> dict[str, float]:
        """Topic scores from trigger phrases; a trigger inside a longer one that matched ("prestationsmål"
        in "hur många prestationsmål", "papper" in "pappersfaktura") counts only as the longer one."""
        hits: list[tuple[str, str, int, int]] = []
        for topic, triggers in lexicon.TOPIC_TRIGGERS.items():
            for t in triggers:
                # the trigger's first word is in any text it matches: most patterns are never compiled
                if t.split(" ", 1)[0] in text and (m := _trigger_pattern(t).search(text)):
                    hits.append((topic, t, m.start(), m.end()))
        scores: dict[str, float] = {}
        for topic, t, start, end in hits:
            inside_longer = any(o_start <= start and end <= o_end
                                and ((o_end - o_start) > (end - start) or len(o_t) > len(t))
                                for _, o_t, o_start, o_end in hits)
            if not inside_longer:
                scores[topic] = scores.get(topic, 0.0) + 1.0 + len(t) / 20
        return scores


@functools.cache
def _trigger_pattern(trigger: str) -> re.Pattern[str]:
    """Words of five letters or more match inflected forms ("ekonomiska redovisningen" for "ekonomisk
    redovisning"); shorter words must match whole ("over" is not "overenskommelse")."""
    parts = [re.escape(w) + (r"[a-z]*" if len(w) >= 5 else "") for w in trigger.split()]
    return re.compile(r"(?<![a-z0-9])" + " ".join(parts) + r"(?![a-z0-9])")

