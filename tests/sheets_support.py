"""Shared fixtures for the sheets tests: a small, stable knowledge base built from the real register."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import lru_cache

from engine.knowledge import DATA_DIR, KnowledgeBase, generate_recipients
from engine.models import Agreement, Allocation, Level, Post, Recipient, RecipientKind, Source

SRC_DAL = Source(doc="002_74a662b3024a3357", section="Tabell kommuner")
SRC_STH = Source(doc="000_d71a0ad9cf9b4dba", section="Länsgemensamma medel")

HANDLINGSPLANER = "ok2020-kommun-handlingsplaner"
KUNSKAPSBASERAD = "ok2020-kommun-kunskapsbaserad"
SAMMANHALLEN = "ok2020-lan-sammanhallen-vard"


@lru_cache(maxsize=1)
def test_kb() -> KnowledgeBase:
    recipients = generate_recipients(DATA_DIR)
    recipients["kommunerna-01"] = Recipient(id="kommunerna-01", kind=RecipientKind.grupp,
                                            name="Kommunerna i Stockholms län", short="Stockholms läns kommuner",
                                            county_code="01")
    kb = KnowledgeBase(recipients=recipients)
    kb.agreements["ok2020"] = Agreement(id="ok2020", name="Psykisk hälsa 2020", short="ÖK psykisk hälsa 2020",
                                        years=[2020], parties=["Staten", "SKR"], source=SRC_DAL)
    for pid, short, level in [(HANDLINGSPLANER, "Handlingsplaner", Level.kommun),
                              (KUNSKAPSBASERAD, "Kunskapsbaserad psykiatri", Level.kommun),
                              (SAMMANHALLEN, "Sammanhållen vård", Level.lan)]:
        kb.posts[pid] = Post(id=pid, agreement="ok2020", year=2020, name=short, short=short, level=level,
                             synonyms=[short.split()[0].lower()], source=SRC_DAL)
    dalarna = [r for r in recipients.values() if r.kind == RecipientKind.kommun and r.county_code == "20"]
    for i, r in enumerate(sorted(dalarna, key=lambda r: r.code)):
        kb.allocations.append(Allocation(id=f"a-{r.code}-h", table="dalarna-2020-kommuner", agreement="ok2020",
                                         year=2020, recipient=r.id, post=HANDLINGSPLANER,
                                         amount=Decimal("100000.50") + i, source=SRC_DAL))
        kb.allocations.append(Allocation(id=f"a-{r.code}-k", table="dalarna-2020-kommuner", agreement="ok2020",
                                         year=2020, recipient=r.id, post=KUNSKAPSBASERAD,
                                         amount=Decimal(1_000_000 + i), source=SRC_DAL))
    kb.allocations.append(Allocation(id="a-sthlm-pot", table="storsthlm", agreement="ok2020", year=2020,
                                     recipient="kommunerna-01", post=SAMMANHALLEN, amount=Decimal(10570973),
                                     source=SRC_STH))
    return kb


RATTVIK = "kommun-2031"
BORLANGE = "kommun-2081"
DANDERYD = "kommun-0162"
UPPLANDS_VASBY = "kommun-0114"
FIXED_NOW = dt.datetime(2020, 11, 20, 9, 30, tzinfo=dt.UTC)
