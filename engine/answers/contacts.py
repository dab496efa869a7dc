"""Who to contact about what: a document that names one person or office per subject ("Frågor om rekvisition,
utbetalning och återbetalning besvaras av …") answers "vem kontaktar jag om utbetalning?" with that one, its
e-mail first, cited. Drafted by engine/library/drafts.py `_draft_contacts` as facts of topic "kontakt" titled
"Kontakt: <who>, <e-mail>" with the text "<who>, <e-mail>: svarar på frågor om <subject>."."""
from __future__ import annotations

import re

from engine import lexicon
from engine.answer import Answer
from engine.answers.common import uniq_sources
from engine.knowledge import KnowledgeBase
from engine.models import Fact
from engine.text import fold, words
from engine.understanding import Query

_TEXT = re.compile(r"^(?P<who>[^:]+?), (?:e-post )?(?P<email>[\w.+-]+@[\w.-]+\w)[,:]? svarar på frågor om (?P<about>.+)\.$")
#: words of asking for a contact, not of the subject asked about
_CONTACT_WORDS = ("kontakt", "fraga", "fragor", "mejl", "mail", "e-post", "epost", "svarar", "vem")


def _about(f: Fact) -> re.Match[str] | None:
    return _TEXT.match(f.text) if f.topic == "kontakt" else None


def answer(kb: KnowledgeBase, q: Query) -> Answer | None:
    """The contacts whose subject shares the most of the question's words, when one subject does and the
    question asks for a contact at all; None otherwise (the facts answer it)."""
    if "kontakt" not in q.topics:
        return None
    stems = {w[:6] for w in words(q.text) if len(w) >= 5 and w not in lexicon.STOPWORDS
             and not w.startswith(_CONTACT_WORDS)}
    scored = []
    for f in kb.facts:
        m = _about(f)
        if m is None:
            continue
        about = fold(m.group("about"))
        scored.append((sum(1 for s in stems if re.search(r"(?<![a-z])" + re.escape(s), about)), f, m))
    if not scored:
        return None
    best = max(s for s, _, _ in scored)
    top = [(f, m) for s, f, m in scored if s == best]
    if best < 1 or len(top) == len(scored) > 1:
        return None  # no subject asked about that one contact answers
    lines = [f"{m.group('who')}, {m.group('email')}: svarar på frågor om {m.group('about')}." for f, m in top[:3]]
    return Answer(text="\n".join(lines), intent="rule",
                  facts=[{"fact": f.id, "topic": f.topic, "value": f.value} for f, _ in top[:3]],
                  sources=uniq_sources([f.source for f, _ in top[:3]]))
