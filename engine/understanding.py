"""Question understanding: free Swedish (casual, typos, no diacritics) or simple English → Query.

Everything named (recipients, posts, years) is looked up in the knowledge base; the words
that signal what is asked live in engine/lexicon.py.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from engine import lexicon
from engine.knowledge import KnowledgeBase
from engine.models import Post, Recipient, RecipientKind
from engine.recipients import RecipientIndex
from engine.text import fold

_YEAR = re.compile(r"(?<![\d/])(19[89]\d|20[0-4]\d)(?![\d/])")  # not "20/2020" (a document number)
#: post synonyms too general to name a post on their own
_GENERIC = {"stimulansmedel", "medel", "unga", "koer", "vard", "stimulansmedlen", "insatser", "psykisk halsa"}


@dataclass
class Query:
    raw: str
    text: str  # folded, English phrases rewritten, padded with spaces: " hur mycket far falun 2020 "
    years: list[int] = field(default_factory=list)
    recipients: list[Recipient] = field(default_factory=list)
    posts: list[Post] = field(default_factory=list)  # every post a word names (all years)
    post_phrases: list[str] = field(default_factory=list)
    levels: list[str] = field(default_factory=list)
    deadline_kinds: list[str] = field(default_factory=list)
    topics: dict[str, float] = field(default_factory=dict)

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
        return self.has(*lexicon.DATE_WORDS)

    @property
    def wants_key(self) -> bool:
        return self.has(*lexicon.KEY_WORDS) or self.has_stem("fordel", "befolkning")

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


def _contains(text: str, phrase: str) -> bool:
    return f" {phrase} " in text


def translate_phrases(question: str) -> str:
    """English and casual phrases rewritten to Swedish in the original text, keeping its capitals
    (recipient lookup uses them to tell "Vara kommun" from "vara")."""
    out = question
    for eng, sv in sorted(lexicon.PHRASES.items(), key=lambda kv: -len(kv[0])):
        out = re.sub(r"(?i)(?<![\w])" + re.escape(eng) + r"(?![\w])", sv, out)
    return out


def normalise(question: str) -> str:
    text = fold(question)
    text = re.sub(r"[?!.,;:()\"'”“’]+(?=\s|$)", " ", text)
    text = re.sub(r"(?<=[a-z])- ", " ", text)  # "barn- och ungdomspsykiatrin"
    text = re.sub(r"[()\[\]]", " ", text)  # "(BUP)"
    text = re.sub(r"(?<=[a-z])/(?=[a-z])", " ", text)  # "landstingen/regionerna" (not "717/771", "S/20/0002")
    text = re.sub(r"\s+", " ", text).strip()
    padded = f" {text} "
    for eng, sv in sorted(lexicon.PHRASES.items(), key=lambda kv: -len(kv[0])):
        padded = padded.replace(f" {eng} ", f" {sv} ")
    return padded


class QuestionParser:
    def __init__(self, kb: KnowledgeBase, recipients: RecipientIndex):
        self.kb = kb
        self.recipients = recipients
        self._post_phrases: list[tuple[str, Post]] = []
        for post in kb.posts.values():
            for term in {post.short, *post.synonyms}:
                ft = " ".join(fold(term).replace("-", " ").split())
                # a synonym that is also a recipient's name ("SKR", "SKL") names the recipient, not a post
                if ft and ft not in _GENERIC and len(ft) >= 2 and not recipients.resolve_exact(ft):
                    self._post_phrases.append((ft, post))
        self._post_phrases.sort(key=lambda tp: -len(tp[0]))

    def parse(self, question: str) -> Query:
        text = normalise(question)
        q = Query(raw=question, text=text)
        excluded = {int(m.group(1)) for m in re.finditer(
            r"(?:" + "|".join(sorted(lexicon.EXCLUDE_WORDS)) + r") (\d{4})", text)}  # "utan 2019 års rest"
        q.years = sorted({int(y) for y in _YEAR.findall(text)} - excluded, reverse=True)
        q.posts, q.post_phrases = self._posts(text)
        kept = re.sub(r"(?<![a-z])(?:" + "|".join(sorted(lexicon.EXCLUDE_WORDS)) + r") [a-z]+", " ", text)
        q.levels = [lvl for lvl, words in lexicon.LEVEL_WORDS.items() if any(_contains(kept, w) for w in words)]
        q.recipients = self._recipients(question, self._preferred_kind(q))
        q.deadline_kinds = [
            kind for kind, stems in lexicon.DEADLINE_STEMS.items()
            if any(re.search(r"(?<![a-z0-9])" + re.escape(s), text) for s in stems)
        ]
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
        return q

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

    def _recipients(self, question: str, prefer: RecipientKind | None) -> list[Recipient]:
        text = re.sub(r"(?<!\w)\d{1,3}(?!\w)", " ", translate_phrases(question))  # "Dalarnas 15 kommuner"
        tokens = [fold(t) for t in re.findall(r"[^\W_]+(?:[-/][^\W_]+)*", text)]
        found = [m.recipient for m in self.recipients.find(text, prefer=prefer)
                 if not (m.start > 0 and tokens[m.start - 1] in lexicon.EXCLUDE_WORDS)]  # "exkl SKR"
        out: list[Recipient] = []
        for r in found:
            if r not in out:
                out.append(r)
        return out

    def _posts(self, text: str) -> tuple[list[Post], list[str]]:
        posts: list[Post] = []
        phrases: list[str] = []
        words = text.split()
        for phrase, post in self._post_phrases:
            hit = _contains(text, phrase)
            if not hit and " " not in phrase and len(phrase) >= 6:
                # inflected forms ("ungdomsmottagningarna") and small typos
                hit = any(w.startswith(phrase) or (len(w) >= 7 and fuzz.ratio(w, phrase) >= 88) for w in words)
            if not hit and " " in phrase:
                hit = phrase in text
            if hit:
                if post not in posts:
                    posts.append(post)
                if phrase not in phrases:
                    phrases.append(phrase)
        return posts, phrases

    @staticmethod
    def _topics(text: str) -> dict[str, float]:
        """Topic scores from trigger phrases; a trigger inside a longer one that matched ("prestationsmål"
        in "hur många prestationsmål", "papper" in "pappersfaktura") counts only as the longer one."""
        hits: list[tuple[str, str, int, int]] = []
        for topic, patterns in _TOPIC_PATTERNS.items():
            for t, pattern in patterns:
                if m := pattern.search(text):
                    hits.append((topic, t, m.start(), m.end()))
        scores: dict[str, float] = {}
        for topic, t, start, end in hits:
            inside_longer = any(o_start <= start and end <= o_end
                                and ((o_end - o_start) > (end - start) or len(o_t) > len(t))
                                for _, o_t, o_start, o_end in hits)
            if not inside_longer:
                scores[topic] = scores.get(topic, 0.0) + 1.0 + len(t) / 20
        return scores


def _trigger_pattern(trigger: str) -> re.Pattern[str]:
    """Words of five letters or more match inflected forms ("ekonomiska redovisningen" for "ekonomisk
    redovisning"); shorter words must match whole ("over" is not "overenskommelse")."""
    parts = [re.escape(w) + (r"[a-z]*" if len(w) >= 5 else "") for w in trigger.split()]
    return re.compile(r"(?<![a-z0-9])" + " ".join(parts) + r"(?![a-z0-9])")


_TOPIC_PATTERNS = {topic: [(t, _trigger_pattern(t)) for t in triggers]
                   for topic, triggers in lexicon.TOPIC_TRIGGERS.items()}
