"""Domain models of the knowledge base (pydantic v2, strict: unknown keys are rejected).

Every fact carries a `source` (document stem in shared/seeds + section). Amounts are Decimal
kronor (exact öre), never float. IDs are unique across the whole knowledge base.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(Strict):
    doc: str  # file stem in shared/seeds ("002_74a662b3024a3357"), a library document id ("dok-…"), or
    #: "delade arket" for a row of the shared sheet
    section: str  # heading, page or table the fact is read from ("Tilldelning rad 14" for a sheet row)
    title: str | None = None  # the document's readable title (filled in for the seeds from their stem)
    page: int | None = None  # page number (1-based) when the document has pages
    url: str | None = None  # where the document can be read
    tab: str | None = None  # a row of the shared sheet: its tab and row number, and its Källa cell
    row: int | None = None
    note: str | None = None
    quote: str | None = None  # a drafted fact: the exact sentence of the document it was read from

    @model_validator(mode="before")
    @classmethod
    def _seed_title(cls, data: object) -> object:
        if isinstance(data, dict) and not data.get("title") and isinstance(data.get("doc"), str):
            from engine.library.catalog import SEEDS

            meta = SEEDS.get(data["doc"])
            if meta is not None:
                data = {**data, "title": meta.title}
                if meta.url and not data.get("url"):
                    data["url"] = meta.url
        return data

    def cite(self) -> str:
        """"Region Dalarna – förslag på användning av medlen 2020, avsnitt 1. Belopp, s. 2"; a sheet row:
        "delade arket, Tilldelning rad 14 (Källa: Region Dalarnas beslut 2024)"."""
        if self.tab:
            return f"{self.doc}, {self.section}" + (f" (Källa: {self.note})" if self.note else "")
        if not self.title:  # not a document: a named source ("SCB folkmängd …")
            return f"{self.doc} ({self.section})" if self.section else self.doc
        parts = [self.title]
        if self.section:
            parts.append(f"avsnitt {self.section}")
        if self.page:
            parts.append(f"s. {self.page}")
        return ", ".join(parts)


def _money(v: object) -> object:
    """Amounts come from YAML as strings ("7649410.97") or ints; floats are refused (öre precision)."""
    if isinstance(v, float):
        raise ValueError("amounts must be written as strings or integers (no floats): e.g. '7649410.97'")
    return v


NonNegMoney = Annotated[Decimal, Field(ge=0, max_digits=15, decimal_places=2)]


class Level(StrEnum):
    """Who receives a post."""

    region = "region"  # the 21 regions (landsting)
    kommun = "kommun"  # the 290 municipalities
    lan = "lan"  # county-shared (länsgemensamma), paid to an actor the county names
    kommun_och_region = "kommun_och_region"
    skr = "skr"  # SKR / SKL itself


class KeyKind(StrEnum):
    population = "population"  # share of population at a date
    fixed_plus_population = "fixed_plus_population"  # fixed amount per county + rest by population
    fixed_per_county = "fixed_per_county"  # fixed per county, other amount for the metropolitan counties
    population_0_25 = "population_0_25"  # share of children and young people aged 0–25
    performance = "performance"  # paid to those meeting requirements (2012–2013 PRIO)
    fixed = "fixed"  # a fixed sum to one recipient (e.g. SKR)
    unstated = "unstated"  # the documents do not state a key


class DistributionKey(Strict):
    kind: KeyKind
    description: str  # Swedish text, as the document says it
    population_date: dt.date | None = None  # e.g. 2018-11-01
    per_county: NonNegMoney | None = None  # fixed amount per county
    metro_per_county: NonNegMoney | None = None  # amount for each of the three metropolitan counties
    source: Source

    _m1 = field_validator("per_county", "metro_per_county", mode="before")(_money)


class LevelTotal(Strict):
    """A sum the document itself states for a group of recipients ("Summa landsting 1 160")."""

    levels: list[Level]  # the levels the stated sum covers
    label: str  # as the document says it ("Summa landsting")
    amount: NonNegMoney
    source: Source

    _m = field_validator("amount", mode="before")(_money)


class Agreement(Strict):
    id: str
    name: str
    short: str  # e.g. "ÖK psykisk hälsa 2019"
    years: list[int]
    decided: dt.date | None = None
    decided_by: str | None = None
    parties: list[str]
    total: NonNegMoney | None = None  # total for `total_year`
    total_year: int | None = None
    case_number: str | None = None
    summary: str | None = None
    level_totals: list[LevelTotal] = []
    source: Source

    _m = field_validator("total", mode="before")(_money)


class Post(Strict):
    id: str
    agreement: str  # Agreement.id
    year: int
    name: str  # Swedish name as in the document
    short: str  # short Swedish label
    synonyms: list[str] = []  # words people use for it ("kunskapsbaserad", "suicid", "BUP", ...)
    level: Level
    amount: NonNegMoney | None = None  # national amount of the post; None if not stated
    key: DistributionKey | None = None
    paid_to: str | None = None  # who receives, e.g. "den aktör som regionen och länets kommuner anger"
    purpose: str | None = None
    source: Source

    _m = field_validator("amount", mode="before")(_money)


class Allocation(Strict):
    """A published amount for one recipient (optionally one post) in one table of a document."""

    id: str
    table: str  # groups rows of one published table, e.g. "dalarna-2020-kommuner"
    agreement: str
    year: int
    recipient: str  # Recipient.id
    post: str | None = None  # Post.id; None = the recipient's total over the table's posts
    amount: NonNegMoney
    rounded: bool = False  # True when the document rounds to whole kronor
    note: str | None = None
    #: set when this amount is a pot the document says is split further among the recipient group's
    #: members (e.g. 10 570 973 kr to the municipalities of Stockholm county "enligt befolkningsmängd")
    split_key: DistributionKey | None = None
    source: Source

    _m = field_validator("amount", mode="before")(_money)


class DeadlineKind(StrEnum):
    rekvisition = "rekvisition"  # requisition to Kammarkollegiet
    faktura = "faktura"  # invoice (e.g. to Storsthlm)
    aterbetalning = "aterbetalning"  # repay unused funds
    redovisning = "redovisning"  # report on the use of funds
    ekonomisk_redovisning = "ekonomisk_redovisning"
    slutrapport = "slutrapport"
    fragematerial = "fragematerial"  # questionnaire made available
    verksamhetsrapport = "verksamhetsrapport"
    avsta = "avsta"  # declining the funds
    annat = "annat"  # another deadline typed in the sheet's Frister tab


class Deadline(Strict):
    id: str
    agreement: str
    kind: DeadlineKind
    date: dt.date | None = None  # None when the document says e.g. "så snart som möjligt"
    who: str  # who acts
    action: str  # what (Swedish, infinitive phrase: "rekvirera medlen")
    to: str | None = None  # to whom
    consequence: str | None = None
    applies_to: list[str] = []  # recipient ids or levels ("kommun", "region", "lan:01", "skr")
    source: Source

    def task(self) -> str:
        """"skicka faktura … till Storsthlm": the action and, unless the action already names them, to whom."""
        from engine.text import fold

        action = self.action.strip().rstrip(".")
        if self.to and fold(self.to) not in fold(action):
            return f"{action} till {self.to}"
        return action


class Fact(Strict):
    """A rule, condition, purpose, form field list, address... anything answered by text."""

    id: str
    topic: str  # e.g. "faktura_moms", "faktura_referens", "grundkrav", "rekvisition_formular"
    agreement: str | None = None
    year: int | None = None
    title: str  # short Swedish heading
    text: str  # Swedish answer sentence, the key value first
    items: list[str] = []
    value: str | None = None  # the key value (an address, a dnr) when there is one
    keywords: list[str] = []  # extra words that point to this fact
    source: Source


class Discrepancy(Strict):
    id: str
    text: str  # what disagrees with what, in Swedish
    #: ids of the posts, allocations, deadlines or facts it concerns: answers using them mention it
    about: list[str] = []
    sources: list[Source]


class RecipientKind(StrEnum):
    kommun = "kommun"
    region = "region"
    lan = "lan"
    aktor = "aktor"  # a county actor such as Storsthlm
    skr = "skr"
    myndighet = "myndighet"
    grupp = "grupp"  # a group such as "Kommunerna i Stockholms län" (a county pot)


class Recipient(Strict):
    id: str  # "kommun-0180", "region-20", "lan-20", "storsthlm", "skr"
    kind: RecipientKind
    name: str  # official form ("Stockholms stad", "Region Dalarna", "Dalarnas län")
    short: str  # what people call it ("Stockholm", "Dalarna")
    code: str | None = None  # municipality code (4 digits) or county code (2 digits), as text
    county_code: str | None = None
    aliases: list[str] = []
    metropolitan: bool = False  # one of the three storstadslän (counties only)


class KnowledgeFile(Strict):
    """One YAML file under config/knowledge/ (one per source document or register)."""

    doc: str | None = None
    title: str | None = None
    agreements: list[Agreement] = []
    posts: list[Post] = []
    allocations: list[Allocation] = []
    deadlines: list[Deadline] = []
    facts: list[Fact] = []
    discrepancies: list[Discrepancy] = []
    recipients: list[Recipient] = []
