"""Identifiers a document states (a case number, a bank giro): the value first, whose it is, the source.

Drafted from an added document (engine/library/drafts.py `_draft_identifiers`), or curated, as facts of topic
"diarienummer" / "bankgiro" whose `value` is the identifier. A question for one ("bankgiro för återbetalning
till region norrbotten?") is answered with the fact whose words best match the question's — and only when
every organisation the question names is the fact's own, so another body's number is never given."""
from __future__ import annotations

import re

from engine import lexicon
from engine.answer import Answer
from engine.answers.common import uniq_sources
from engine.knowledge import KnowledgeBase
from engine.models import Fact
from engine.text import fold, words
from engine.understanding import Query

#: identifier kind -> the words that ask for it
ASKED: dict[str, tuple[str, ...]] = {
    "diarienummer": ("diarienummer", "diarienumret", "diarienr", "dnr", "arendenummer", "arendenumret",
                     "case number", "file number"),
    "bankgiro": ("bankgiro", "bankgironummer", "bankgirot", "plusgiro", "plusgirot", "plusgironummer"),
}
#: words that only ask (not what the identifier is of)
_ASKING = {"vilket", "vilken", "vad", "har", "for", "till", "pa", "what", "which", "the", "ska", "anges", "nummer",
           "numret", "of", "is"}
#: what an invoice, requisition or other form must state: "dnr på fakturan" asks a rule, not whose number it is
_FORM_WORDS = ("faktur", "rekvisition", "handlingar", "ansokan", "invoice", "anges", "framga", "sta pa", "markas")


def asked_kind(q: Query) -> str | None:
    return next((kind for kind, ws in ASKED.items() if q.has(*ws)), None)


def _organisations(q: Query) -> list[str]:
    """The organisations the question names, folded ("kammarkollegiet", "skr", "region norrbotten" → "norrbotten")."""
    found = [fold(w) for w in re.findall(r"(?<![\wåäöÅÄÖ])([A-ZÅÄÖ][\wåäöé-]{2,})", q.raw)[1:]]
    found += [w for w in words(q.text) if w in ("kammarkollegiet", "kammarkollegiets", "skr", "skl", "skrs",
                                                 "socialstyrelsen", "regeringskansliet", "regeringskansliets")]
    return [re.sub(r"(?:s|:s)$", "", w) for w in found if len(w) >= 3]


def answer(kb: KnowledgeBase, q: Query) -> Answer | None:
    kind = asked_kind(q)
    if kind is None or any(s in q.text for s in _FORM_WORDS):
        return None
    candidates = [f for f in kb.facts if f.topic == kind and f.value
                  and not (q.years and f.year and f.year not in q.years)]
    if not candidates:
        return None
    stems = {w[:5] for w in words(q.text) if len(w) >= 4 and w not in lexicon.STOPWORDS and w not in _ASKING
             and not any(w.startswith(a[:5]) for a in ASKED[kind])}
    orgs = _organisations(q)

    def text_of(f: Fact) -> str:
        return fold(" ".join([f.title, f.text, *f.keywords]))

    def score(f: Fact) -> float:
        t = text_of(f)
        return sum(1.0 for s in stems if re.search(r"(?<![a-z])" + re.escape(s), t))

    own = [f for f in candidates if all(o[:6] in text_of(f) for o in orgs)]
    if not own:
        return None
    best = max(score(f) for f in own)
    if best < 1:
        # the question says what it is of ("dnr för överenskommelsen 2021") and none of these is that; or it
        # says nothing ("vad är dnr?"): the facts offer the choice
        return None
    top = [f for f in own if score(f) >= best][:3]
    lines = [f"{f.value}: {f.text.split(' ”', 1)[0].removeprefix(f.value + ' är ').rstrip('.')}." for f in top]
    if len(top) == 1 and " ”" in top[0].text:
        lines.append("”" + top[0].text.split(" ”", 1)[1])  # the sentence it stands in: what it is for
    return Answer(text="\n".join(lines), intent="identifier",
                  facts=[{"fact": f.id, "value": f.value} for f in top], sources=uniq_sources([f.source for f in top]))
