"""Find recipients (municipalities, regions, counties, actors) in free text or a sheet cell.

Built from the knowledge base's register, never from hard-coded names: every name, short name,
alias and code is indexed diacritic-insensitively (`fold`). Small typos are forgiven for longer
names (rapidfuzz). Municipality names that are also everyday words ("Vara", "Mark", "Ånge",
"Åre", "Ale") only count when written with a capital letter, next to "kommun", or listed with another
municipality ("mellan boden och kiruna"). A municipality's four-digit code counts right after
"kommun"/"kommunkod"/"kod"/"municipality" ("kommun 2583"), never when it reads as a year (19xx/20xx).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from engine.models import Recipient, RecipientKind
from engine.text import fold

#: Folded words that are also recipient names; they need a capital letter or "kommun" beside them.
EVERYDAY_WORDS = {"ange", "are", "vara", "mark", "kil", "mala", "boden", "lund", "ale", "eda", "sala", "nora"}

#: words of questions that must never be read as a misspelt place name
COMMON_WORDS = {
    "moms", "mkt", "hela", "vara", "kvar", "inne", "ska", "skall", "kan", "far", "fick", "ange", "hur", "nar",
    "sist", "dag", "datum", "belopp", "totalt", "summa", "post", "poster", "region", "kommun", "lanet", "medel",
    "pengar", "vart", "till", "ifran", "fran", "efter", "innan", "under", "over", "mellan", "och", "eller", "samt",
    "vilka", "vilken", "vilket", "vems", "detta", "dessa", "denna", "deras", "ert", "era", "inte", "aven",
    "bara", "mer", "mest", "minst", "alla", "allt", "nagon", "nagot", "arets", "aret", "ars", "tack", "hej",
    "snabb", "fraga", "fragor", "kontakt", "status", "faktura", "fakturan", "rekv", "redov", "frist", "krav",
}

#: words right before a four-digit number that make it a municipality code ("kommun 2583", "kod 2583")
CODE_WORDS = {"kommun", "kommunen", "kommunkod", "kommunkoden", "kod", "koden", "municipality", "code"}

#: words joining two names of a list or comparison ("mellan boden och kiruna", "boden eller luleå", "boden än kiruna")
LIST_WORDS = {"och", "eller", "samt", "mot", "an", "and", "or", "than", "vs", "versus"}

#: everyday words that are mostly verbs ("vara", "are", "ange"): as names they need "mellan"/"between" before
#: the pair ("skillnad mellan vara och lidköping"), a list alone is not enough ("ska vara och ...")
VERB_WORDS = {"vara", "are", "ange"}

_KIND_WORDS = {
    RecipientKind.kommun: ("kommun", "kommunen", "stad", "staden", "municipality", "city"),
    RecipientKind.region: ("region", "regionen", "landsting", "landstinget", "region's"),
    RecipientKind.lan: ("lan", "lanet", "lans", "county", "lansgemensamma"),
}


@dataclass(frozen=True)
class RecipientMatch:
    """A recipient named in a question, where, and how close the words were to its name."""

    recipient: Recipient
    start: int  # token index in the folded text
    end: int
    score: float  # 100 = exact
    text: str  # the words matched
    by_code: bool = False  # named by its municipality code ("kommun 2583"), worth saying which one it is


def _list_marks(text: str) -> list[bool]:
    """Per token: is the text before it a list mark ("boden, kiruna", "boden + kiruna", "boden/kiruna")?"""
    out, last = [], 0
    for m in re.finditer(r"[^\W_]+(?:[-/][^\W_]+)*", text):
        out.append(bool(re.search(r"[,+&;/]", text[last : m.start()])) and last > 0)
        last = m.end()
    return out


def _tokens_with_case(text: str) -> list[tuple[str, bool]]:
    """Tokens of the original text (folded) with whether the original was capitalised."""
    out = []
    for m in re.finditer(r"[^\W_]+(?:[-/][^\W_]+)*", text):
        word = m.group(0)
        out.append((fold(word), word[:1].isupper()))
    return out


class RecipientIndex:
    def __init__(self, recipients: dict[str, Recipient] | list[Recipient]):
        items = list(recipients.values()) if isinstance(recipients, dict) else list(recipients)
        self.by_id = {r.id: r for r in items}
        self._names: dict[str, list[Recipient]] = {}
        for r in items:
            keys = {r.name, r.short, *r.aliases}
            if r.kind == RecipientKind.kommun:
                keys |= {f"{r.short} kommun", f"{r.short}s kommun"}
            if r.kind == RecipientKind.region:
                keys |= {f"region {r.short}", f"landstinget {r.short}", f"{r.short}s lans landsting"}
            if r.kind == RecipientKind.lan:
                keys |= {f"{r.short}s lan", f"{r.short} lan", f"lanet {r.short}"}
            if r.kind == RecipientKind.grupp and r.county_code:
                county = next((c for c in items if c.kind == RecipientKind.lan and c.code == r.county_code), None)
                if county is not None:
                    c = county.short
                    keys |= {f"kommunerna i {c}", f"kommunerna i {c}s lan", f"kommunerna i {c} lan", f"{c}s kommuner",
                             f"{c}kommunerna", f"{c}skommunerna", f"{c}s lans kommuner", f"kommuner i {c}s lan"}
            for k in keys:
                folded = fold(k)
                for fk in {" ".join(folded.replace("-", " ").split()), " ".join(folded.replace("-", "").split())}:
                    # "malung-salen" is also typed "malung salen" and "malungsalen"
                    if fk:
                        bucket = self._names.setdefault(fk, [])
                        if r not in bucket:
                            bucket.append(r)
            if r.code:
                self._names.setdefault(r.code, []).append(r)
        self._max_words = max((len(k.split()) for k in self._names), default=1)
        self._single = [k for k in self._names if " " not in k and not k.isdigit()]
        #: the single-word names by first letter, in `_single` order (a typo keeps its first letter)
        self._single_by_initial: dict[str, list[str]] = {}
        for k in self._single:
            self._single_by_initial.setdefault(k[:1], []).append(k)
        self._fuzzy_names = [name for name in self._names if not name.isdigit()]
        # typo lookups depend only on the word (and the index), so they are remembered (issue #13)
        self._fuzzy_cache: dict[str, tuple[list[Recipient] | None, float]] = {}
        self._resolve_cache: dict[str, list[Recipient] | None] = {}

    # -- lookups -------------------------------------------------------------------------------
    def get(self, recipient_id: str) -> Recipient | None:
        return self.by_id.get(recipient_id)

    def resolve_exact(self, text: str) -> bool:
        """Is this (folded) phrase exactly a recipient's name, short name or alias?"""
        return " ".join(fold(str(text)).replace("-", " ").split()) in self._names

    def resolve(self, text: str, *, prefer: RecipientKind | None = None) -> Recipient | None:
        """Resolve a whole cell/field (a name, code or alias, small typos allowed) to one recipient."""
        key = " ".join(fold(str(text)).replace("-", " ").split())
        if not key:
            return None
        if key in self._names:
            return self._pick(self._names[key], prefer, key)
        if key.isdigit():
            padded4, padded2 = key.zfill(4), key.zfill(2)
            for k in (padded4, padded2):
                if k in self._names:
                    return self._pick(self._names[k], prefer, key)
            return None
        if key in self._resolve_cache:
            best = self._resolve_cache[key]
        else:
            best = self._fuzzy_whole(key)
            _remember(self._resolve_cache, key, best)
        return self._pick(best, prefer, key) if best is not None else None

    def _fuzzy_whole(self, key: str) -> list[Recipient] | None:
        """The recipients of the name closest to `key` (small typos), or None."""
        from rapidfuzz import fuzz, process  # only for a name that is not known as written (#13)

        hit = process.extractOne(key, self._fuzzy_names, scorer=fuzz.ratio,
                                 score_cutoff=88 if len(key) < 8 else 85)
        return self._names[hit[0]] if hit is not None else None

    def find(self, text: str, *, prefer: RecipientKind | None = None) -> list[RecipientMatch]:
        """All recipients named in a sentence, longest match first, no overlapping spans. `prefer`
        breaks ties between same-named recipients when the words around a name do not."""
        toks = _tokens_with_case(text)
        folded = [t.replace("-", " ") for t, _ in toks]
        matches: list[RecipientMatch] = []
        used: set[int] = set()
        #: lower-case everyday words that are names ("boden"): kept only when listed with another municipality
        pending: list[RecipientMatch] = []
        for n in range(min(self._max_words, 6), 0, -1):
            for i in range(0, len(toks) - n + 1):
                span = set(range(i, i + n))
                if span & used:
                    continue
                phrase = " ".join(folded[i : i + n])
                if phrase.isdigit():
                    # numbers in a sentence are years or amounts, not codes ("2021" is Vansbro's code) unless
                    # the words before make one a municipality code ("kommun 2583")
                    rec = self._code_after_word(folded, i) if n == 1 else None
                    if rec is not None:
                        matches.append(RecipientMatch(rec, i, i + 1, 100.0, phrase, by_code=True))
                        used |= span
                    continue
                recs = self._names.get(phrase)
                score = 100.0
                if recs is None and n == 1 and len(phrase) >= 4 and not phrase.isdigit():
                    recs, score = self._fuzzy_single(phrase)
                if not recs:
                    continue
                context = folded[max(0, i - 2) : i] + folded[i + n : i + n + 2]
                rec = self._pick(recs, self._kind_from_context(context) or prefer, phrase)
                match = RecipientMatch(rec, i, i + n, score, phrase)
                if n == 1 and phrase in EVERYDAY_WORDS:
                    capital = toks[i][1] and i > 0
                    near_kommun = any(
                        folded[j] in ("kommun", "kommunen") for j in (i - 1, i + 1) if 0 <= j < len(toks)
                    )
                    if not (capital or near_kommun):
                        pending.append(match)
                        continue
                matches.append(match)
                used |= span
        matches += self._listed(pending, matches, folded, used, _list_marks(text))
        return sorted(matches, key=lambda m: m.start)

    def _code_after_word(self, folded: list[str], i: int) -> Recipient | None:
        """The municipality whose four-digit code `folded[i]` is, when the word before makes it a code."""
        code = folded[i]
        if len(code) != 4 or code[:2] in ("19", "20") or i == 0 or folded[i - 1] not in CODE_WORDS:
            return None
        recs = [r for r in self._names.get(code, ()) if r.kind == RecipientKind.kommun and r.code == code]
        return recs[0] if len(recs) == 1 else None

    @staticmethod
    def _listed(pending: list[RecipientMatch], matches: list[RecipientMatch], folded: list[str],
                used: set[int], marks: list[bool]) -> list[RecipientMatch]:
        """The lower-case everyday-word names ("boden") joined by "och"/"eller"/... to another municipality
        named in the same sentence ("mellan boden och kiruna", "boden och luleå tillsammans"); a chain
        ("ale, boden och kiruna") is followed one link at a time."""
        partners = [m for m in matches if m.recipient.kind == RecipientKind.kommun]
        accepted: list[RecipientMatch] = []
        waiting = [m for m in pending if not (set(range(m.start, m.end)) & used)]
        grew = True
        while grew and waiting:
            grew = False
            for cand in list(waiting):
                if cand.recipient.kind != RecipientKind.kommun:
                    continue
                for other in partners:
                    first, second = (cand, other) if cand.end <= other.start else (other, cand)
                    gap = folded[first.end : second.start]
                    joined = len(gap) == 1 and gap[0] in LIST_WORDS or not gap and marks[second.start]
                    if cand.text in VERB_WORDS:
                        joined = joined and first.start > 0 and folded[first.start - 1] in ("mellan", "between")
                    if joined:
                        accepted.append(cand)
                        partners.append(cand)
                        waiting.remove(cand)
                        used |= set(range(cand.start, cand.end))
                        grew = True
                        break
        return accepted

    # -- helpers -------------------------------------------------------------------------------
    def _fuzzy_single(self, word: str) -> tuple[list[Recipient] | None, float]:
        if word in COMMON_WORDS:
            return None, 0.0
        cached = self._fuzzy_cache.get(word)
        if cached is None:
            cached = self._fuzzy_single_uncached(word)
            _remember(self._fuzzy_cache, word, cached)
        return cached

    def _fuzzy_single_uncached(self, word: str) -> tuple[list[Recipient] | None, float]:
        cutoff = 85 if len(word) >= 5 else 88  # "satr" → Säter, but short words need a closer match
        # fuzz.ratio is 200·LCS/(len a + len b), and the letters two words share bound their LCS: a name that
        # cannot reach the cutoff is not scored (most words of a question are no name at all), and rapidfuzz
        # is imported only when one can (issue #13)
        names = [name for name in self._single_by_initial.get(word[:1], ())
                 if abs(len(name) - len(word)) <= 2
                 and 200 * _shared_letters(word, name) >= cutoff * (len(word) + len(name))]
        if not names:
            return None, 0.0
        from rapidfuzz import fuzz

        best, best_score = None, 0.0
        for name in names:
            score = fuzz.ratio(word, name)
            if score > best_score:
                best, best_score = name, score
        if best is not None and best_score >= cutoff and best not in EVERYDAY_WORDS:
            return self._names[best], best_score
        return None, 0.0

    @staticmethod
    def _kind_from_context(context: list[str]) -> RecipientKind | None:
        for kind, words in _KIND_WORDS.items():
            if any(c in words for c in context):
                return kind
        return None

    @staticmethod
    def _pick(recs: list[Recipient], prefer: RecipientKind | None, phrase: str) -> Recipient:
        if len(recs) == 1:
            return recs[0]
        if prefer is not None:
            for r in recs:
                if r.kind == prefer:
                    return r
        # an exact official name wins ("Region Dalarna" → the region), then municipality, county, region
        for r in recs:
            if fold(r.name) == phrase:
                return r
        order = [RecipientKind.kommun, RecipientKind.lan, RecipientKind.region, RecipientKind.aktor,
                 RecipientKind.grupp, RecipientKind.skr, RecipientKind.myndighet]
        return sorted(recs, key=lambda r: order.index(r.kind) if r.kind in order else 99)[0]


#: entries a lookup cache keeps before it starts over (questions bring an unbounded stream of words)
CACHE_SIZE = 20_000


def _remember(cache: dict, key, value) -> None:
    if len(cache) >= CACHE_SIZE:
        cache.clear()
    cache[key] = value


def _shared_letters(a: str, b: str) -> int:
    """How many letters two words have in common, counted with repeats: an upper bound of their LCS."""
    return sum(min(a.count(c), b.count(c)) for c in set(a))
