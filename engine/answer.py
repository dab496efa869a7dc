"""The Answer value every front renders: Swedish text (figure or date first), facts, sources."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.models import Source, as_dict


@dataclass(kw_only=True)
class Answer:
    """The answer every front renders: the text (figure or date first), what it used and its sources."""

    text: str  # Swedish, figure/date first, formatted with engine.formatting
    intent: str  # amount, deadline, invoice, requisition_form, distribution_key, requirements, status, help, ...
    facts: list[dict[str, Any]] = field(default_factory=list)  # structured facts used (ids, amounts as str)
    sources: list[Source] = field(default_factory=list)
    estimate: bool = False  # True when a figure is computed ("beräknat"), not published
    language: str = "sv"  # "sv" or "en": the language of `text`
    assumed: list[str] = field(default_factory=list)  # what was assumed, not read ("2020", "”satr” = Säter")
    #: False when the engine has no confident answer (help / not understood / not in the documents):
    #: a front or a passage-retrieval fallback (issue #11) may then try something else
    confident: bool = True
    rule: str = ""  # the rule of engine/rules.py that produced it ("amount", "unknown_terms", "none", …)

    def source_line(self) -> str:
        """`Källa: Region Dalarna – förslag på användning av medlen 2020, avsnitt 1. Belopp`; several
        sources joined with ;. An English answer: `Source: …, section 1. Belopp`."""
        english = self.language == "en"
        seen: list[str] = []
        for s in self.sources:
            c = s.cite(english=english)
            if c not in seen:
                seen.append(c)
        return (("Source: " if english else "Källa: ") + "; ".join(seen)) if seen else ""

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "intent": self.intent,
            "facts": self.facts,
            "sources": [as_dict(s) for s in self.sources],
            "estimate": self.estimate,
            "language": self.language,
            "assumed": self.assumed,
            "confident": self.confident,
            "rule": self.rule,
        }
