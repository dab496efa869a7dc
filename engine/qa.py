"""The question-answering engine: Query → Answer, the figure or date first, then the source.

Dispatch (Engine._dispatch), first match wins: help → the documents' discrepancies → the
metropolitan counties → sheet status → when an agreement was decided → who receives a post →
rule/background facts when no receiver is named → deadline → distribution key → amount → facts →
"not understood" help. Each answer is built in engine/answers/; discrepancies the documents record
about anything an answer used are appended to it.
"""
from __future__ import annotations

import logging
from collections.abc import Callable

from engine import lexicon
from engine.answer import Answer
from engine.answers import amounts, deadlines, facts, figures, keys, overview, status
from engine.knowledge import KnowledgeBase
from engine.library import passages
from engine.recipients import RecipientIndex
from engine.store import Store, StoreError
from engine.understanding import Query, QuestionParser

log = logging.getLogger(__name__)


class Engine:
    def __init__(self, kb: KnowledgeBase, store: Store | None = None,
                 store_factory: Callable[[], Store] | None = None):
        self.kb = kb
        self._store = store
        self._store_factory = store_factory
        self.recipients = RecipientIndex(kb.recipients)
        self.parser = QuestionParser(kb, self.recipients)

    @property
    def store(self) -> Store | None:
        """The store, opened on first use (questions about amounts and rules never need it)."""
        if self._store is None and self._store_factory is not None:
            self._store = self._store_factory()
        return self._store

    # -- public API used by every front ------------------------------------------------------
    def ask(self, question: str, *, user_id: str | None = None) -> Answer:
        question = (question or "").strip()
        if len(question) > 2000:
            return overview.help_answer(self.kb, "Frågan är för lång (över 2 000 tecken); ställ en fråga i taget.")
        q = self.parser.parse(question)
        try:
            return self._with_discrepancies(figures.verify_prefix(q, passages.consider(self.kb, q, self._dispatch(q))))
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
    def _dispatch(self, q: Query) -> Answer:
        specific = bool(q.recipients or q.posts or q.years or q.deadline_kinds or q.topics)
        if q.wants_help and not specific:
            return overview.help_answer(self.kb)
        if q.wants_discrepancies:
            return overview.discrepancies_answer(self.kb, q)
        if q.has_stem("storstadslan", "storstadsregion") and q.has("vilka", "vilket", "which") and not q.wants_amount:
            return overview.metropolitan_answer(self.kb)
        if q.wants_status:
            ans = status.status_answer(self.kb, self.store, q)
            documented = facts.answer(self.kb, q) if facts.documented_about_recipient(self.kb, q) else None
            if ans.facts and documented is not None:
                # "Vem har rekvirerat … för Dalarnas del?": what the documents say, then the sheet
                return documented.model_copy(update={
                    "text": documented.text + "\n\nI det delade arket:\n" + ans.text,
                    "facts": documented.facts + ans.facts, "sources": documented.sources + ans.sources})
            if ans.facts:
                return ans
            # nothing in the sheet about it: what do the documents say ("Region Dalarna har rekvirerat …")?
            return facts.answer(self.kb, q) or ans
        quoted = figures.what_is(self.kb, q)  # "vad är 4 141 043 kr i PM:et?"
        if quoted is not None:
            return quoted
        if q.wants_agreement_date:
            ans = overview.agreement_dates_answer(self.kb, q)
            if ans is not None:
                return ans
        if q.wants_post_recipient and q.posts and not q.deadline_kinds:
            ans = keys.recipient_answer(self.kb, q)
            if ans is not None:
                return ans
        if q.wants_post_recipient and q.deadline_kinds:  # "till vem ställs rekvisitionen?"
            ans = deadlines.answer(self.kb, q)
            if ans is not None:
                return ans
        receivers = [r for r in q.recipients if r.kind.value not in ("aktor", "myndighet")]
        asks_deadline = self._asks_deadline(q)
        if (not (receivers or q.posts or q.levels) and not asks_deadline
                and (q.topics or facts.best_evidence(self.kb, q) >= 3.0)):
            # a rule or background question that also says "hur mycket" ("… per år 2012–2018?")
            ans = facts.answer(self.kb, q)
            if ans is not None:
                return ans
        if asks_deadline:
            ans = deadlines.answer(self.kb, q)
            if ans is not None:
                return self._plus_rules(ans, q)
        if q.wants_key and not q.wants_amount:
            ans = keys.answer(self.kb, q)
            if ans is not None:
                return ans
        if q.wants_amount or self._names_a_receiver(q):
            ans = amounts.answer(self.kb, q)
            if ans is not None:
                return ans
        ans = facts.answer(self.kb, q)
        if ans is not None:
            return ans
        if q.wants_key:
            ans = keys.answer(self.kb, q)
            if ans is not None:
                return ans
        if (q.recipients or q.posts or q.years) and not q.wants_date:
            ans = amounts.answer(self.kb, q)
            if ans is not None:
                return ans
        return overview.help_answer(self.kb, "Jag förstod inte riktigt frågan.")

    def _asks_deadline(self, q: Query) -> bool:
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

    def _names_a_receiver(self, q: Query) -> bool:
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

    def _plus_rules(self, answer: Answer, q: Query) -> Answer:
        """"sista dag faktura och dnr?": a deadline plus the rule facts the question also names."""
        asked = {t for t in q.topics if t.startswith("faktura_") and t != "faktura_sista_dag"}
        if "faktura" in q.deadline_kinds and "diarienummer" in q.topics:
            asked.add("faktura_dnr")
        if not asked:
            return answer
        extra = facts.answer(self.kb, q, only_topics=asked)
        if extra is None:
            return answer
        return answer.model_copy(update={
            "text": answer.text + "\n" + extra.text, "facts": answer.facts + extra.facts,
            "sources": answer.sources + [s for s in extra.sources if s not in answer.sources]})

    _FACT_ID_KEYS = ("id", "post", "deadline", "fact", "agreement")

    def _with_discrepancies(self, answer: Answer) -> Answer:
        """Where the documents disagree with themselves about something an answer used, say so."""
        if answer.intent in ("discrepancies", "help"):
            return answer
        used = {str(f[k]) for f in answer.facts for k in self._FACT_ID_KEYS if f.get(k)}
        notes = [d for d in self.kb.discrepancies if used & set(d.about)]
        if not notes:
            return answer
        text = answer.text + "".join(f"\nObs (avvikelse i dokumenten): {d.text}" for d in notes)
        sources = list(answer.sources) + [s for d in notes for s in d.sources if s not in answer.sources]
        return answer.model_copy(update={"text": text, "sources": sources})
