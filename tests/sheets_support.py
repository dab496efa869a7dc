"""Shared fixtures for the sheets tests: a small, stable knowledge base built from the real register."""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from engine.knowledge import DATA_DIR, KnowledgeBase, generate_recipients
from engine.models import Agreement, Allocation, Level, Post, Recipient, RecipientKind, Source
from engine.sheet.rows import cell_text

SRC_DAL = Source(doc="002_74a662b3024a3357", section="Tabell kommuner")
SRC_STH = Source(doc="000_d71a0ad9cf9b4dba", section="Länsgemensamma medel")

HANDLINGSPLANER = "ok2020-kommun-handlingsplaner"
KUNSKAPSBASERAD = "ok2020-kommun-kunskapsbaserad"
SAMMANHALLEN = "ok2020-lan-sammanhallen-vard"


@lru_cache(maxsize=1)
def sample_kb() -> KnowledgeBase:
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
                                         amount=Decimal("2000000.50") + i, source=SRC_DAL))
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


# --------------------------------------------------------------------------- harnesses for both stores


class Clock:
    """A monotonic clock the test moves by hand (snapshot TTL)."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


class WorkbookHarness:
    kind = "workbook"

    def __init__(self, path: Path, clock: Clock):
        from sheets.tabular import TabularStore
        from sheets.workbook import WorkbookBackend

        self.path = path
        self.backend = WorkbookBackend(path)
        self.store = TabularStore(self.backend, kb=sample_kb(), auto_init=True, clock=clock, now=lambda: FIXED_NOW)

    def human_set(self, tab: str, a1: str, value: Any) -> None:
        """A person editing the workbook in Excel/LibreOffice (under the same lock a writer takes)."""
        with self.backend.transaction():
            self.backend._wb[tab][a1].value = value  # noqa: SLF001
            self.backend._mark_dirty()  # noqa: SLF001

    def raw(self, tab: str, a1: str) -> Any:
        from openpyxl import load_workbook

        return load_workbook(self.path)[tab][a1].value

    def is_text(self, tab: str, a1: str) -> bool:
        from openpyxl import load_workbook

        return load_workbook(self.path)[tab][a1].data_type == "s"

    def rows(self, tab: str) -> list[list[str]]:
        grid = self.backend.read_tabs([tab])[tab] or []
        return [[cell_text(v) for v in r] for r in grid]

    def reads(self) -> int:
        return self.backend.reads

    def break_source(self) -> None:
        self.path.write_bytes(b"this is not a zip file")


class GoogleHarness:
    kind = "google"
    SHEET = "sheet-abcdefghij-0001"

    def __init__(self, api: Any, clock: Clock, sleeps: list[float]):
        from config.settings import Settings
        from sheets.google import GoogleBackend
        from sheets.tabular import TabularStore
        from tests.fake_sheets_api import service_account_info

        self.api = api
        api.create_spreadsheet(self.SHEET)
        self.settings = Settings(
            STIMULANS_GOOGLE_SHEET=self.SHEET,
            STIMULANS_GOOGLE_CREDENTIALS_JSON=json.dumps(service_account_info(api.token_uri)),
            STIMULANS_SHEETS_API_URL=api.api_url,
        )
        self.backend = GoogleBackend.from_settings(self.settings, sleep=sleeps.append)
        self.store = TabularStore(self.backend, kb=sample_kb(), clock=clock, now=lambda: FIXED_NOW)
        self.store.init_schema()

    def human_set(self, tab: str, a1: str, value: Any) -> None:
        self.api.human_set(self.SHEET, tab, a1, value)

    def raw(self, tab: str, a1: str) -> Any:
        return self.api.cell(self.SHEET, tab, a1)

    def is_text(self, tab: str, a1: str) -> bool:
        return isinstance(self.raw(tab, a1), str)

    def rows(self, tab: str) -> list[list[str]]:
        return [[cell_text(v) for v in r] for r in self.api.grid(self.SHEET, tab)]

    def reads(self) -> int:
        return sum(1 for c in self.api.calls if c.startswith("GET"))

    def break_source(self) -> None:
        self.api.fail(500, times=100)
