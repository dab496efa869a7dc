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

_YEAR = re.compile(r"(?<!\d)(19[89]\d|20[0-4]\d)(?!\d)")
#: post synonyms too general to name a post on their own
_GENERIC = {"stimulansmedel", "medel", "unga", "samverkan", "koer", "vard", "stimulansmedlen", "insatser", "psykisk halsa"}


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
    def wants_amount(self) -> bool:
        if self.has(*lexicon.AMOUNT_WORDS) or self.has_stem(*lexicon.AMOUNT_STEMS):
            return True
        return not self.topics and self.has_stem(*lexicon.WEAK_AMOUNT_STEMS)

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
        return self.has(*lexicon.STATUS_DONE_WORDS) and self.has(*lexicon.STATUS_WHO_WORDS)

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


def normalise(question: str) -> str:
    text = fold(question)
    text = re.sub(r"[?!.,;:()\"'”“’]+(?=\s|$)", " ", text)
    text = re.sub(r"(?<=[a-z])- ", " ", text)  # "barn- och ungdomspsykiatrin"
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
        q.years = sorted({int(y) for y in _YEAR.findall(text)}, reverse=True)
        q.posts, q.post_phrases = self._posts(text)
        q.levels = [lvl for lvl, words in lexicon.LEVEL_WORDS.items() if any(_contains(text, w) for w in words)]
        q.recipients = self._recipients(question, self._preferred_kind(q))
        q.deadline_kinds = [
            kind for kind, stems in lexicon.DEADLINE_STEMS.items()
            if any(re.search(r"(?<![a-z0-9])" + re.escape(s), text) for s in stems)
        ]
        # "ekonomisk redovisning" is not also a plain "redovisning"
        if "ekonomisk_redovisning" in q.deadline_kinds and "redovisning" in q.deadline_kinds:
            if not re.search(r"(?<!ekonomisk )(?<!ekonomiska )redovis", text):
                q.deadline_kinds.remove("redovisning")
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
        levels = set(q.levels) | {p.level.value for p in q.posts}
        for level, kind in (("lan", RecipientKind.lan), ("region", RecipientKind.region), ("kommun", RecipientKind.kommun)):
            if levels == {level}:
                return kind
        return None

    def _recipients(self, question: str, prefer: RecipientKind | None) -> list[Recipient]:
        found = [m.recipient for m in self.recipients.find(question, prefer=prefer)]
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
        scores: dict[str, float] = {}
        for topic, triggers in lexicon.TOPIC_TRIGGERS.items():
            s = 0.0
            for t in triggers:
                if _contains(text, t) or (len(t) >= 5 and re.search(r"(?<![a-z0-9])" + re.escape(t), text)):
                    s += 1.0 + len(t) / 20
            if s:
                scores[topic] = s
        return scores
