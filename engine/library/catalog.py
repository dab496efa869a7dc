"""The five seed documents' real titles, publishers and dates.

The knowledge base cites the seeds by file stem (`002_74a662b3024a3357`); every citation shown to a
person uses the title from here instead ("Region Dalarna – förslag på användning av medlen 2020").
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class SeedMeta:
    """A seed document as cited: its stem, readable title and address."""

    stem: str
    title: str  # short readable title used in citations
    full_title: str  # as the document itself is headed
    publisher: str
    year: int
    date: dt.date | None = None
    dnr: str | None = None
    url: str | None = None


SEEDS: dict[str, SeedMeta] = {s.stem: s for s in (
    SeedMeta(
        stem="000_d71a0ad9cf9b4dba",
        title="Storsthlm – fakturering av länsgemensamma stimulansmedel för sammanhållen vård 2020",
        full_title="Sammanhållen vård för personer som behöver insatser från både kommuner och regioner, "
                   "länsgemensamma stimulansmedel",
        publisher="Storsthlm", year=2020,
    ),
    SeedMeta(
        stem="001_7b663106171c3736",
        title="Stockholms stad – tjänsteutlåtande om prestationsbaserade medel (PRIO) 2012",
        full_title="Medel för utveckling av insatser till personer med psykisk ohälsa – Plan för "
                   "prestationsbaserade medel 2012",
        publisher="Stockholms stad, socialförvaltningen", year=2013, dnr="3.2-55/2013",
    ),
    SeedMeta(
        stem="002_74a662b3024a3357",
        title="Region Dalarna – förslag på användning av medlen 2020",
        full_title="Förslag på användning av medel som riktas till kommunerna och regionerna gemensamt "
                   "respektive till kommunerna enligt ÖK psykisk hälsa 2020",
        publisher="Region Dalarna", year=2020,
    ),
    SeedMeta(
        stem="003_4537f3e9166044c5",
        title="SKL – överenskommelse om insatser inom området psykisk hälsa 2019",
        full_title="Överenskommelse mellan staten och Sveriges Kommuner och Landsting om insatser inom "
                   "området psykisk hälsa 2019",
        publisher="Sveriges Kommuner och Landsting (SKL)", year=2019, date=dt.date(2019, 6, 19),
    ),
    SeedMeta(
        stem="004_8ae5d07353da7d80",
        title="SKR – meddelande 20/2020 om överenskommelsen psykisk hälsa och suicidprevention 2021–2022",
        full_title="Meddelande från styrelsen – Överenskommelse mellan staten och Sveriges Kommuner och "
                   "Regioner (SKR) inom området psykisk hälsa och suicidprevention 2021–2022",
        publisher="Sveriges Kommuner och Regioner (SKR)", year=2020, date=dt.date(2020, 12, 18),
        dnr="20/01596",
    ),
)}


def seed_title(stem: str) -> str | None:
    meta = SEEDS.get(stem)
    return meta.title if meta else None
