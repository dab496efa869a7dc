"""Synthetic knowledge base and population tables for the allocation tests (figures from the seeds)."""
from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

from engine.knowledge import DATA_DIR, KnowledgeBase, generate_recipients
from engine.models import (
    Agreement,
    Allocation,
    DistributionKey,
    KeyKind,
    Level,
    Post,
    Recipient,
    RecipientKind,
    Source,
)
from engine.population import PopulationTable

D = Decimal
S002 = Source(doc="002_74a662b3024a3357", section="1. Belopp")
S004 = Source(doc="004_8ae5d07353da7d80", section="Den ekonomiska omfattningen och fördelningen av stimulansmedel")
S000 = Source(doc="000_d71a0ad9cf9b4dba", section="Fördelning av stimulansmedel till kommunerna")

#: seed 002, "Medel till kommunerna": (code, name, handlingsplaner, kunskapsbaserad, avrundat)
DALARNA_2020 = [
    ("2021", "Vansbro", "131634.63", "65817.31", "197452"),
    ("2023", "Malung-Sälen", "195494.48", "97747.24", "293242"),
    ("2026", "Gagnef", "199835.79", "99917.89", "299754"),
    ("2029", "Leksand", "306566.04", "153283.02", "459849"),
    ("2031", "Rättvik", "212491.47", "106245.74", "318737"),
    ("2034", "Orsa", "134115.38", "67057.69", "201173"),
    ("2039", "Älvdalen", "136227.89", "68113.94", "204342"),
    ("2061", "Smedjebacken", "210979.77", "105489.88", "316470"),
    ("2062", "Mora", "395640.36", "197820.18", "593461"),
    ("2080", "Falun", "1150872.72", "575436.36", "1726309"),
    ("2081", "Borlänge", "1017590.72", "508795.36", "1526386"),
    ("2082", "Säter", "215359.83", "107679.92", "323040"),
    ("2083", "Hedemora", "299802.13", "149901.07", "449703"),
    ("2084", "Avesta", "449344.65", "224672.33", "674017"),
    ("2085", "Ludvika", "521751.45", "260875.72", "782627"),
]
#: seed 002, "Länsgemensamma medel" for Dalarna
DALARNA_LAN_2020 = {"sammanhallen": D("7649410.97"), "brukarmedverkan": D("1000000.00"),
                    "suicidprevention": D("5577707.31"), "ungdomsmottagningar": D("3945120.95"),
                    "avrundat": D("18172239")}

#: the issue's synthetic key population
SYNTHETIC_MUNIS = [("2021", "Vansbro", 6792), ("2080", "Falun", 59382), ("2081", "Borlänge", 52505),
                   ("2085", "Ludvika", 26921), ("2062", "Mora", 20414)]
SYNTHETIC_NATIONAL = 10_319_473


def synthetic_table() -> PopulationTable:
    return PopulationTable.build(
        dt.date(2019, 11, 1), [(c, n, "20", p, None) for c, n, p in SYNTHETIC_MUNIS],
        national_total=SYNTHETIC_NATIONAL, source="Syntetisk nyckelbefolkning")


def _key(kind: KeyKind, desc: str, src: Source, **kw) -> DistributionKey:
    return DistributionKey(kind=kind, description=desc, source=src, **kw)


def posts_2021() -> list[Post]:
    pop = "Medlen fördelas efter befolkningsmängd."
    out = []
    for pid, short, level, amount, key in [
        ("ok2021-region-handlingsplaner", "Handlingsplaner (regioner)", Level.region, 264_000_000,
         _key(KeyKind.population, pop, S004)),
        ("ok2021-region-barn-och-unga", "Barn och unga (regioner)", Level.region, 370_000_000,
         _key(KeyKind.population, pop, S004)),
        ("ok2021-region-kunskapsbaserad", "Kunskapsbaserad vård (regioner)", Level.region, 100_000_000,
         _key(KeyKind.population, pop, S004)),
        ("ok2021-region-traumavard", "Traumavård", Level.region, 50_000_000, _key(KeyKind.population, pop, S004)),
        ("ok2021-kommun-handlingsplaner", "Handlingsplaner (kommuner)", Level.kommun, 200_000_000,
         _key(KeyKind.population, pop, S004)),
        ("ok2021-kommun-kunskapsbaserad", "Kunskapsbaserad vård (kommuner)", Level.kommun, 100_000_000,
         _key(KeyKind.population, pop, S004)),
        ("ok2021-lan-sammanhallen-vard", "Sammanhållen vård", Level.lan, 200_000_000,
         _key(KeyKind.fixed_plus_population, "5 miljoner kronor per län och resten efter befolkningsmängd", S004,
              per_county="5000000")),
        ("ok2021-lan-brukarmedverkan", "Brukarmedverkan", Level.lan, 24_000_000,
         _key(KeyKind.fixed_per_county, "1 miljon kronor per län, de tre storstadslänen 2 miljoner kronor", S004,
              per_county="1000000", metro_per_county="2000000")),
        ("ok2021-lan-suicidprevention", "Suicidprevention", Level.lan, 200_000_000,
         _key(KeyKind.population, pop, S004)),
        ("ok2021-lan-ungdomsmottagningar", "Ungdomsmottagningar", Level.lan, 150_000_000,
         _key(KeyKind.population_0_25, "efter andelen barn och unga 0–25 år", S004)),
    ]:
        out.append(Post(id=pid, agreement="ok2021", year=2021, name=short, short=short, level=level,
                        amount=D(amount), key=key, source=S004, synonyms=[pid.split("-", 2)[2]],
                        paid_to="den aktör som regionen och länets kommuner anger" if level == Level.lan else None))
    return out


def posts_2020() -> list[Post]:
    unstated = _key(KeyKind.population, "efter befolkningsmängd (beloppet anges inte)", S002)
    return [
        Post(id="ok2020-kommun-handlingsplaner", agreement="ok2020", year=2020, name="Utvecklingsinsatser utifrån "
             "handlingsplaner", short="Handlingsplaner (kommuner)", level=Level.kommun, amount=None, key=unstated,
             source=S002),
        Post(id="ok2020-kommun-kunskapsbaserad", agreement="ok2020", year=2020, name="Kunskapsbas. HoS/Soc.tjänst",
             short="Kunskapsbaserad vård (kommuner)", level=Level.kommun, amount=None, key=unstated, source=S002),
        Post(id="ok2020-lan-sammanhallen-vard", agreement="ok2020", year=2020, name="Sammanhållen vård",
             short="Sammanhållen vård", level=Level.lan, amount=None,
             key=_key(KeyKind.unstated, "anges inte", S000), source=S000),
        Post(id="ok2020-lan-suicidprevention", agreement="ok2020", year=2020, name="Suicidprevention",
             short="Suicidprevention", level=Level.lan, amount=None,
             key=_key(KeyKind.unstated, "anges inte", S002), source=S002),
    ]


def recipients(metro=("01", "12", "14")) -> dict[str, Recipient]:
    recs = generate_recipients(DATA_DIR)
    for cc in metro:
        recs[f"lan-{cc}"] = dataclasses.replace(recs[f"lan-{cc}"], metropolitan=True)
    recs["kommunerna-01"] = Recipient(id="kommunerna-01", kind=RecipientKind.grupp, name="Kommunerna i Stockholms län",
                                      short="kommunerna i Stockholms län", county_code="01")
    recs["storsthlm"] = Recipient(id="storsthlm", kind=RecipientKind.aktor, name="Storsthlm", short="Storsthlm",
                                  county_code="01")
    return recs


def allocations(changes: dict[str, str] | None = None) -> list[Allocation]:
    """Dalarna 2020 municipal rows, Dalarna county rows, and the Stockholm county pot; `changes` maps an
    allocation id to a new amount (to test verify's error path)."""
    changes = changes or {}
    out: list[Allocation] = []

    def add(aid, table, rid, post, amount, rounded=False, src=S002, note=None, split_key=None):
        out.append(Allocation(id=aid, table=table, agreement="ok2020", year=2020, recipient=rid, post=post,
                              amount=D(changes.get(aid, amount)), rounded=rounded, source=src, note=note,
                              split_key=split_key))

    for code, _, hp, kb, tot in DALARNA_2020:
        add(f"d20-{code}-hp", "dalarna-2020-kommuner", f"kommun-{code}", "ok2020-kommun-handlingsplaner", hp)
        add(f"d20-{code}-kb", "dalarna-2020-kommuner", f"kommun-{code}", "ok2020-kommun-kunskapsbaserad", kb)
        add(f"d20-{code}-tot", "dalarna-2020-kommuner", f"kommun-{code}", None, tot, rounded=True)
    add("d20-lan-sam", "dalarna-2020-lan", "lan-20", "ok2020-lan-sammanhallen-vard", "7649410.97")
    add("d20-lan-sui", "dalarna-2020-lan", "lan-20", "ok2020-lan-suicidprevention", "5577707.31")
    # as the knowledge base has it: 2020 money + 2019 leftovers, the total split "enligt befolkningsmängd"
    add("sthlm20-region", "storsthlm-2020", "region-01", "ok2020-lan-sammanhallen-vard", "13400000", src=S000)
    add("sthlm20-2020", "storsthlm-2020", "kommunerna-01", "ok2020-lan-sammanhallen-vard", "6429930", src=S000)
    add("sthlm20-kvar", "storsthlm-2020", "kommunerna-01", None, "4141043", src=S000, note="kvar från 2019")
    add("sthlm20-pot", "storsthlm-2020", "kommunerna-01", None, "10570973", src=S000,
        note="Totalt 10 570 973 kr fördelas ut till kommunerna, enligt befolkningsmängd.",
        split_key=DistributionKey(kind=KeyKind.population, description="Kommunernas medel fördelas enligt befolkningsmängd",
                                  source=S000))
    return out


def synthetic_kb(changes: dict[str, str] | None = None, metro=("01", "12", "14")) -> KnowledgeBase:
    kb = KnowledgeBase(recipients=recipients(metro))
    for aid, years in (("ok2020", [2020]), ("ok2021", [2021, 2022])):
        kb.agreements[aid] = Agreement(id=aid, name=aid, short=aid, years=years, parties=["staten", "SKR"],
                                       source=S004)
    kb.posts = {p.id: p for p in posts_2020() + posts_2021()}
    kb.allocations = allocations(changes)
    return kb
