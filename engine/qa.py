"""The question-answering engine: Query → Answer, the figure or date first, then the source.

One parse into a typed Query (engine/understanding.py; a follow-up inherits from the conversation's
previous question, a question asking two things is split into parts), then the rule table
(engine/rules.py) picks the answer kind; answers are built in engine/answers/. After that, in order:
the documents' own discrepancies about what the answer used, the quantity guard, the year guard and the
scope guard (engine/answers/trust.py: a figure of another quantity, other years, another county or post
said first), the "Jag antog" line,
and English rendering for English questions.
"""
from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal

from engine import lexicon, rules
from engine.answer import Answer
from engine.answers import amounts, english, facts, figures, overview, status, trust
from engine.authz import match_contacts
from engine.conversation import ConversationContext, InProcessContext
from engine.knowledge import KnowledgeBase
from engine.knowledge_cache import prebuilt
from engine.library import passages
from engine.models import Recipient, RecipientKind
from engine.recipients import RecipientIndex
from engine.sheet.knowledge import with_sheet
from engine.store import Store, StoreError
from engine.understanding import Query, QuestionParser, unique_recipients

log = logging.getLogger(__name__)


class Engine:
    def __init__(self, kb: KnowledgeBase, store: Store | None = None,
                 store_factory: Callable[[], Store] | None = None,
                 context: ConversationContext | None = None,
                 sheet_exists: Callable[[], bool] | None = None):
        self.base_kb = kb  # the documents; `kb` adds the shared sheet's layer (engine/sheet/knowledge.py)
        self.context: ConversationContext = context if context is not None else InProcessContext()
        self._store = store
        self._store_factory = store_factory
        #: False when the front knows there is no shared sheet yet (no local workbook): the sheet layer is
        #: then empty without opening the store (issue #13: `stimulans ask` on a fresh machine)
        self._sheet_exists = sheet_exists
        self.recipients = prebuilt(kb, "recipients") or RecipientIndex(kb.recipients)
        self._base_parser = QuestionParser(kb, self.recipients)
        self._sheet_parser: tuple[KnowledgeBase, QuestionParser] | None = None
        self._pinned = threading.local()  # one knowledge base for the whole of one question

    # -- knowledge: the documents plus the shared sheet ----------------------------------------
    @property
    def kb(self) -> KnowledgeBase:
        return self._knowledge()[0]

    @property
    def parser(self) -> QuestionParser:
        return self._knowledge()[1]

    def _knowledge(self) -> tuple[KnowledgeBase, QuestionParser]:
        pinned = getattr(self._pinned, "kb", None)
        if pinned is not None:
            return pinned
        merged = with_sheet(self.base_kb, self._sheet_snapshot())
        if merged is self.base_kb:
            return self.base_kb, self._base_parser
        cached = self._sheet_parser
        if cached is None or cached[0] is not merged:  # the sheet's posts join the gazetteer
            cached = self._sheet_parser = (merged, QuestionParser(merged, self.recipients))
        return cached

    def _sheet_snapshot(self):
        """The store's snapshot for the sheet layer; None when there is no sheet (yet) or it cannot be read."""
        if self._store is None and (self._store_factory is None or
                                    (self._sheet_exists is not None and not self._sheet_exists())):
            return None
        try:
            store = self.store
            read = getattr(store, "sheet_snapshot", None) or store.snapshot
            return read()
        except Exception as exc:  # noqa: BLE001 - the documents still answer without the sheet
            log.info("shared sheet not used for this answer: %s", exc)
            return None

    @property
    def store(self) -> Store | None:
        """The store, opened on first use (questions about amounts and rules never need it)."""
        if self._store is None and self._store_factory is not None:
            self._store = self._store_factory()
        return self._store

    # -- public API used by every front ------------------------------------------------------
    def ask(self, question: str, *, user_id: str | None = None, conversation: str | None = None) -> Answer:
        """Answer one question. `conversation` names a thread / DM / chat session: a follow-up
        ("och Rättvik?") then inherits what it leaves out from the previous question there."""
        question = (question or "").strip()
        if len(question) > 2000:
            return overview.help_answer(self.kb, "Frågan är för lång (över 2 000 tecken); ställ en fråga i taget.")
        self._pinned.kb = None
        self._pinned.kb = self._knowledge()
        try:
            return self._ask(question, user_id, conversation)
        except Exception:  # noqa: BLE001 - a question must never crash a front (parsing included)
            log.exception("failed to answer %r", question)
            return overview.help_answer(
                self.kb, "Något gick fel när jag skulle svara på frågan; försök formulera den på ett annat sätt.")
        finally:
            self._pinned.kb = None

    def _ask(self, question: str, user_id: str | None, conversation: str | None) -> Answer:
        previous = self._previous(conversation)
        whole = self.parser.parse(question)
        parts = split_parts(question) if not whole.unmatched else [question]
        q = self.parser.parse_in_context(parts[0], previous, parsed=whole if parts[0] == question else None)
        q.asker_id = user_id
        answer = self._answer(q, question)
        for part in parts[1:]:  # "Hur mycket får Falun 2020 och när ska slutredovisningen lämnas?"
            q = self.parser.parse_in_context(part, q.to_state())
            more = self._answer(replace(q, assumed=[]), part)
            if more.intent == "help" or more.text in answer.text:
                continue
            answer = replace(
                answer, text=answer.text + "\n\n" + more.text, facts=answer.facts + more.facts,
                sources=answer.sources + [s for s in more.sources if s not in answer.sources],
                confident=answer.confident and more.confident)
        if conversation and answer.intent not in ("help", "error"):
            try:
                self.context.put(conversation, q.to_state())
            except Exception:  # noqa: BLE001 - a lost context only costs the next follow-up
                log.warning("could not store the conversation context", exc_info=True)
        return answer

    def asker(self, user_id: str | None) -> list[Recipient]:
        """The municipality/region the asker is the contact of (tab Kontakter), if the sheet says so."""
        if not user_id or self.store is None:
            return []
        try:
            contacts = self.store.snapshot().contacts
        except Exception:  # noqa: BLE001 - without the sheet the question is answered for everyone
            log.warning("could not read Kontakter for the asker", exc_info=True)
            return []
        found = [self.kb.recipients[c.recipient_id] for c in match_contacts(contacts, slack_id=user_id)
                 if c.recipient_id in self.kb.recipients]
        return [r for r in unique_recipients(found) if r.kind in (RecipientKind.kommun, RecipientKind.region)]

    def _previous(self, conversation: str | None) -> dict | None:
        if not conversation:
            return None
        try:
            return self.context.get(conversation)
        except Exception:  # noqa: BLE001 - without context the question is answered on its own
            log.warning("could not read the conversation context", exc_info=True)
            return None

    def _answer(self, q: Query, question: str) -> Answer:
        try:
            answer = self._with_discrepancies(figures.verify_prefix(q, passages.consider(self.kb, q, self.dispatch(q))))
            answer = trust.other_quantity(self.kb, q, answer)
            answer = trust.year_guard(self.kb, q, answer)
            answer = trust.scope_guard(self.kb, q, answer)
            answer = _with_assumptions(answer, q)
            return english.translate(answer) if q.language == "en" else answer
        except StoreError as exc:  # the sheet could not be read: say so plainly
            log.warning("store error while answering %r: %s", question, exc)
            return Answer(text=f"Statusen i arket kan inte visas just nu: {exc}", intent="status")
        except Exception:  # noqa: BLE001 - a question must never crash a front
            log.exception("failed to answer %r", question)
            return overview.help_answer(
                self.kb, "Något gick fel när jag skulle svara på frågan; försök formulera den på ett annat sätt."
            )

    def parse(self, question: str) -> Query:
        return self.parser.parse(question)

    def help(self) -> Answer:
        return overview.help_answer(self.kb)

    def status_answer(self, query: str | None = None) -> Answer:
        q = self.parser.parse(query or "")
        return status.status_answer(self.kb, self.store, q, explicit=True)

    # -- dispatch ------------------------------------------------------------------------------
    def dispatch(self, q: Query) -> Answer:
        """The answer kind the rule table (engine/rules.py) picks for this query."""
        return rules.dispatch(self, q)

    _LEAD_AMOUNT = re.compile(r"^(?:Ja|Nej)?[^\d]{0,3}(\d{1,3}(?: \d{3})*(?:,\d+)?) kr")

    def compare(self, q: Query) -> Answer | None:
        """"Får Mora mer än Leksand 2020?", "regionerna eller kommunerna?", "2019 eller 2021?": the same
        amount question asked for each of two things, then which is larger and by how much."""
        receivers = [r for r in q.recipients if r.kind.value not in ("aktor", "myndighet")]
        variants: list[tuple[str, Query]] = []
        if len(receivers) < 2 and q.follow_up and q.recent_recipients and not (q.posts or q.years[1:]):
            receivers = unique_recipients([*receivers, *q.recent_recipients])[:2]
        by_phrase: dict[frozenset[str], tuple[str, Query]] = {}
        for ph in sorted(q.post_phrases, key=lambda ph: q.text.find(ph)):
            posts, _ = self.parser._posts(f" {ph} ")
            key = frozenset(p.short for p in posts)
            if posts and key not in by_phrase:
                named = [p for p in posts if not q.years or p.year in q.years] or posts  # the year's own post
                by_phrase[key] = (named[0].short, replace(q, posts=posts, post_phrases=[ph]))
        # "prestationsmålet för vuxna": two names of overlapping posts (in the years asked) are one thing;
        # "stärkt samverkan/samsjuklighet än suicidprevention": names of one post are one side of the comparison
        own = {k: frozenset(p.short for p in v[1].posts if not q.years or p.year in q.years) for k, v in by_phrase.items()}
        groups: list[tuple[set[str], frozenset[str]]] = []  # (posts named, the first name's key), in the question's order
        for key in by_phrase:
            joined = [g for g in groups if g[0] & own[key]]
            merged = set(own[key]).union(*(g[0] for g in joined))
            first = joined[0][1] if joined else key
            groups = [g for g in groups if g not in joined] + [(merged, first)]
        if 2 <= len(groups) < len(by_phrase):
            by_phrase = {g[1]: by_phrase[g[1]] for g in groups}
        elif len(groups) < len(by_phrase):  # every name names the same posts
            common = set.intersection(*({p.id for p in v[1].posts} for v in by_phrase.values()))
            if common:  # the posts both names name ("Vuxna: inventering"), compared over the years asked
                q = replace(q, posts=[p for p in q.posts if p.id in common])
            by_phrase = {}
        if len(receivers) >= 2:
            variants = [(r.short, replace(q, recipients=[r])) for r in receivers[:2]]
        elif len(by_phrase) >= 2:
            variants = list(by_phrase.values())[:2]
        elif len([lv for lv in q.levels if lv in ("kommun", "region")]) >= 2:
            variants = [(amounts._LEVEL_LABEL[lv], replace(q, levels=[lv])) for lv in ("region", "kommun")]
        elif len(q.years) >= 2:
            variants = [(str(y), replace(q, years=[y])) for y in sorted(q.years, key=lambda y: q.text.find(str(y)))[:2]]
        if len(variants) < 2:
            return None
        parts: list[tuple[str, Decimal]] = []
        answers: list[Answer] = []
        for name, sub in variants:
            ans = amounts.answer(self.kb, sub)
            m = self._LEAD_AMOUNT.match(ans.text) if ans is not None else None
            if ans is None or m is None or "framgår inte" in ans.text.split("\n")[0]:
                return None
            parts.append((name, Decimal(m.group(1).replace(" ", "").replace(",", "."))))
            answers.append(ans)
        detail = Answer(text="\n".join(a.text for a in answers), intent="amount",
                        facts=[f for a in answers for f in a.facts],
                        sources=[s for a in answers for s in a.sources])
        yes_no = q.text.startswith(lexicon.COMPARE_YES_NO_STARTS)
        verb = "får mer" if len(receivers) >= 2 or q.levels else "är större"
        return trust.compare(parts, detail, yes_no=yes_no, verb=verb,
                             difference_first=not yes_no and q.has(*lexicon.DIFFERENCE_WORDS))

    def asks_deadline(self, q: Query) -> bool:
        """A deadline kind is named and the question asks when — unless it really asks about a rule
        ("när betalar Storsthlm ut efter att vi fakturerat?") or a form field ("ska faxnummer stå i
        rekvisitionen?"), which the facts answer better."""
        if not q.deadline_kinds:
            return False
        other_topics = [t for t in q.topics if t not in lexicon.DEADLINE_TOPICS]
        if q.has(*lexicon.STRICT_DATE_WORDS):
            return True  # "sista dag faktura och dnr?": the deadline, plus the rule (see _plus_rules)
        if q.wants_date:
            return not other_topics
        if q.wants_amount or q.topics:
            return False
        return facts.best_evidence(self.kb, q, ignore_stems=self._deadline_stems) < 1.0

    _deadline_stems = tuple(s for stems in lexicon.DEADLINE_STEMS.values() for s in stems)

    def names_a_receiver(self, q: Query) -> bool:
        """"Falun 2020", "Orsa kommun handlingsplaner", "Vad får Vansbro?": a receiver named with no rule,
        deadline or date asked about is a question about its amount."""
        if q.topics or q.wants_date or q.deadline_kinds or q.wants_usage or q.wants_reason or q.asks_who:
            return False
        if q.has("antal", "hur manga", "how many") and not q.has("kronor", "kr"):
            return False  # a count ("antal personer"), not an amount
        if (q.has(*lexicon.WHICH_WORDS) or q.text.startswith(lexicon.YES_NO_STARTS)) and \
                facts.best_evidence(self.kb, q) >= (1.0 if q.posts else 2.0):
            return False  # "Vilken modell nämns i Stockholms stads plan?", "Ska kommunerna få lika mycket?"
        receivers = [r for r in q.recipients if r.kind.value not in ("aktor", "myndighet")]
        return (bool(receivers) or (q.gets and bool(q.posts)) or bool(q.levels and q.years)
                or bool(q.posts and q.years))  # "ungdomsmottagning 2019", "bup 2019"

    def plus_rules(self, answer: Answer, q: Query) -> Answer:
        """"sista dag faktura och dnr?": a deadline plus the rule facts the question also names."""
        asked = {t for t in q.topics if t.startswith("faktura_") and t != "faktura_sista_dag"}
        if "faktura" in q.deadline_kinds and "diarienummer" in q.topics:
            asked.add("faktura_dnr")
        if not asked:
            return answer
        extra = facts.answer(self.kb, q, only_topics=asked)
        if extra is None:
            return answer
        return replace(
            answer, text=answer.text + "\n" + extra.text, facts=answer.facts + extra.facts,
            sources=answer.sources + [s for s in extra.sources if s not in answer.sources])

    _FACT_ID_KEYS = ("id", "post", "deadline", "fact", "agreement")

    def _with_discrepancies(self, answer: Answer) -> Answer:
        """Where the documents disagree with themselves about something an answer used, say so."""
        if answer.intent in ("discrepancies", "help"):
            return answer
        used = {str(f[k]) for f in answer.facts for k in self._FACT_ID_KEYS if f.get(k)}
        notes = [d for d in self.kb.discrepancies if used & set(d.about)]
        if not notes:
            return answer
        text = answer.text + "".join(
            f"\nObs ({'dokumenten och delade arket skiljer sig' if any(s.tab for s in d.sources) else 'avvikelse i dokumenten'}"
            f"): {d.text}" for d in notes)
        sources = list(answer.sources) + [s for d in notes for s in d.sources if s not in answer.sources]
        return replace(answer, text=text, sources=sources)


#: the "no confident answer" outcome: nothing in the knowledge answers the question as understood
NOT_UNDERSTOOD = ("Jag hittar inget säkert svar: det du frågar efter framgår inte av dokumenten, eller så förstod jag "
                  "inte frågan.")

_PART_SPLIT = re.compile(r"(?i)(?:\?\s+|,?\s+(?:och|samt|and)\s+(?=(?:när|nar|hur|vad|vem|vart|var|vilken|vilket|vilka|"
                         r"when|what|how|who|where|which)\b))")


def split_parts(question: str) -> list[str]:
    """A question asking two things ("hur mycket … och när …?") split into its parts; one part otherwise."""
    parts = [p.strip(" ,;") for p in _PART_SPLIT.split(question) if p and p.strip(" ,;?")]
    return parts if len(parts) > 1 and all(len(p.split()) >= 2 for p in parts) else [question]


def _with_assumptions(answer: Answer, q: Query) -> Answer:
    """"What I understood": one line naming what was assumed rather than read in the question."""
    assumed = list(dict.fromkeys([*q.assumed, *answer.assumed]))
    if not assumed or answer.intent == "help":
        return answer
    what = "; ".join(assumed)
    origin = " (från föregående fråga)" if q.follow_up else ""
    return replace(answer, text=answer.text + f"\nJag antog: {what}{origin}.", assumed=assumed)
