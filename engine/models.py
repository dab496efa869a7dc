"""Domain models of the knowledge base: frozen stdlib dataclasses, validated by pydantic when read.

Every fact carries a `source` (document stem in shared/seeds + section). Amounts are Decimal
kronor (exact öre), never float. IDs are unique across the whole knowledge base.

Why dataclasses and not pydantic models: answering a question needs only these values, and importing
pydantic and building its models was most of `stimulans ask`'s cold start (issue #13). Input from files
(YAML, drafts, the library's JSON) is still validated strictly by pydantic through `validate()`, which
imports it only then: unknown keys are rejected, types coerced and checked, amounts refused as floats.
Code that builds a model directly passes values of the declared types.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, TypeVar

_M = TypeVar("_M")
_ADAPTERS: dict[Any, Any] = {}

_STRICT = {"extra": "forbid"}  # as `__pydantic_config__`: pydantic rejects unknown keys


class Frozen:
    """Base of the models: equal, hashed and shown by their fields, and no field can be set again.

    The same as `dataclass(frozen=True)`, written once here instead of generated (compiled) for every
    class: that generation was a tenth of `stimulans ask`'s start (issue #13)."""

    __slots__ = ()

    def _values(self) -> tuple[Any, ...]:
        d = self.__dict__
        return tuple(d[name] for name in self.__dataclass_fields__)  # type: ignore[attr-defined]

    def __setattr__(self, name: str, value: Any) -> None:
        if name in self.__dict__:
            raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")
        object.__setattr__(self, name, value)  # the generated __init__, once per field

    def __delattr__(self, name: str) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={value!r}" for name, value in zip(self.__dataclass_fields__, self._values(),
                                                                     strict=True))
        return f"{type(self).__name__}({fields})"


def model(cls: type[_M]) -> type[_M]:
    """A model class: a keyword-only dataclass on `Frozen` (only its `__init__` is generated)."""
    if not issubclass(cls, Frozen):
        raise TypeError(f"{cls.__name__} must derive from engine.models.Frozen")
    return dataclasses.dataclass(kw_only=True, eq=False, repr=False)(cls)


def validate(cls: type[_M], data: Any) -> _M:
    """`data` (a mapping read from a file) as `cls`, checked by pydantic; raises pydantic.ValidationError."""
    adapter = _ADAPTERS.get(cls)
    if adapter is None:
        from pydantic import TypeAdapter

        adapter = _ADAPTERS[cls] = TypeAdapter(cls)
    return adapter.validate_python(data)


def as_dict(obj: Any, *, exclude_none: bool = False) -> dict[str, Any]:
    """The model's fields as plain data, recursively (what `model_dump()` gave)."""
    out = dataclasses.asdict(obj)
    return {k: v for k, v in out.items() if v is not None} if exclude_none else out


class _Money:
    """Marker read by pydantic only: a non-negative amount in kronor with at most öre precision, written
    as a string or an integer in the files ("7649410.97"); a float is refused (öre precision)."""

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        from pydantic_core import core_schema

        def no_float(v: object) -> object:
            if isinstance(v, float):
                raise ValueError("amounts must be written as strings or integers (no floats): e.g. '7649410.97'")
            return v

        return core_schema.no_info_before_validator_function(
            no_float, core_schema.decimal_schema(ge=0, max_digits=15, decimal_places=2))


NonNegMoney = Annotated[Decimal, _Money]


@model
class Source(Frozen):
    """Where an item comes from: a document and section (with its readable title), or a sheet row."""

    __pydantic_config__ = _STRICT
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

    def __post_init__(self) -> None:
        """A seed's readable title (and address) when the source names only its stem."""
        if not self.title and isinstance(self.doc, str):
            from engine.library.catalog import SEEDS

            meta = SEEDS.get(self.doc)
            if meta is not None:
                object.__setattr__(self, "title", meta.title)
                if meta.url and not self.url:
                    object.__setattr__(self, "url", meta.url)

    def cite(self, *, english: bool = False) -> str:
        """"Region Dalarna – förslag på användning av medlen 2020, avsnitt 1. Belopp, s. 2"; a sheet row:
        "delade arket, Tilldelning rad 14 (Källa: Region Dalarnas beslut 2024)". In English the words around
        the names ("section", "p.", "row", "the shared sheet"); titles and headings stay as the document has them."""
        if self.tab:
            if english:
                row = f"{self.tab} row {self.row}" if self.row else self.section
                doc = "the shared sheet" if self.doc == "delade arket" else self.doc
                return f"{doc}, {row}" + (f" (Source: {self.note})" if self.note else "")
            return f"{self.doc}, {self.section}" + (f" (Källa: {self.note})" if self.note else "")
        if not self.title:  # not a document: a named source ("SCB folkmängd …")
            return f"{self.doc} ({self.section})" if self.section else self.doc
        parts = [self.title]
        if self.section:
            parts.append(f"{'section' if english else 'avsnitt'} {self.section}")
        if self.page:
            parts.append(f"{'p.' if english else 's.'} {self.page}")
        return ", ".join(parts)


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


@model
class DistributionKey(Frozen):
    """How a post is split among recipients, as the document words it."""

    __pydantic_config__ = _STRICT
    kind: KeyKind
    description: str  # Swedish text, as the document says it
    population_date: dt.date | None = None  # e.g. 2018-11-01
    per_county: NonNegMoney | None = None  # fixed amount per county
    metro_per_county: NonNegMoney | None = None  # amount for each of the three metropolitan counties
    source: Source


@model
class LevelTotal(Frozen):
    """A sum the document itself states for a group of recipients ("Summa landsting 1 160")."""
    __pydantic_config__ = _STRICT

    levels: list[Level]  # the levels the stated sum covers
    label: str  # as the document says it ("Summa landsting")
    amount: NonNegMoney
    source: Source


@model
class Agreement(Frozen):
    """An agreement (överenskommelse) between the state and SKR: its years, parties and total."""

    __pydantic_config__ = _STRICT
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
    level_totals: list[LevelTotal] = dataclasses.field(default_factory=list)
    source: Source


@model
class Post(Frozen):
    """One budget line of an agreement: its national amount, level, key and who receives it."""

    __pydantic_config__ = _STRICT
    id: str
    agreement: str  # Agreement.id
    year: int
    name: str  # Swedish name as in the document
    short: str  # short Swedish label
    #: words people use for it ("kunskapsbaserad", "suicid", "BUP", ...)
    synonyms: list[str] = dataclasses.field(default_factory=list)
    level: Level
    amount: NonNegMoney | None = None  # national amount of the post; None if not stated
    key: DistributionKey | None = None
    paid_to: str | None = None  # who receives, e.g. "den aktör som regionen och länets kommuner anger"
    purpose: str | None = None
    source: Source


@model
class Allocation(Frozen):
    """A published amount for one recipient (optionally one post) in one table of a document."""
    __pydantic_config__ = _STRICT

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
    utbetalning = "utbetalning"  # paying the funds out (the payer's deadline: "Region X betalar ut … senast …")
    anmalan = "anmalan"  # naming who receives the funds ("anmäla mottagare … senast …")
    grundkrav = "grundkrav"  # reporting that the basic requirements are met
    annat = "annat"  # another deadline typed in the sheet's Frister tab


@model
class Deadline(Frozen):
    """Who must do what, to whom, by when (a requisition, an invoice, a report, a repayment)."""

    __pydantic_config__ = _STRICT
    id: str
    agreement: str
    kind: DeadlineKind
    date: dt.date | None = None  # None when the document says e.g. "så snart som möjligt"
    who: str  # who acts
    action: str  # what (Swedish, infinitive phrase: "rekvirera medlen")
    to: str | None = None  # to whom
    consequence: str | None = None
    #: recipient ids or levels ("kommun", "region", "lan:01", "skr")
    applies_to: list[str] = dataclasses.field(default_factory=list)
    source: Source

    def task(self) -> str:
        """"skicka faktura … till Storsthlm": the action and, unless the action already names them, to whom."""
        from engine.text import fold

        action = self.action.strip().rstrip(".")
        if self.to and fold(self.to) not in fold(action):
            return f"{action} till {self.to}"
        return action


@model
class Fact(Frozen):
    """A rule, condition, purpose, form field list, address... anything answered by text."""
    __pydantic_config__ = _STRICT

    id: str
    topic: str  # e.g. "faktura_moms", "faktura_referens", "grundkrav", "rekvisition_formular"
    agreement: str | None = None
    year: int | None = None
    title: str  # short Swedish heading
    text: str  # Swedish answer sentence, the key value first
    items: list[str] = dataclasses.field(default_factory=list)
    value: str | None = None  # the key value (an address, a dnr) when there is one
    keywords: list[str] = dataclasses.field(default_factory=list)  # extra words that point to this fact
    source: Source


@model
class Discrepancy(Frozen):
    """Two sources that disagree; answers using the items it is about mention it."""

    __pydantic_config__ = _STRICT
    id: str
    text: str  # what disagrees with what, in Swedish
    #: ids of the posts, allocations, deadlines or facts it concerns: answers using them mention it
    about: list[str] = dataclasses.field(default_factory=list)
    sources: list[Source]


class RecipientKind(StrEnum):
    kommun = "kommun"
    region = "region"
    lan = "lan"
    aktor = "aktor"  # a county actor such as Storsthlm
    skr = "skr"
    myndighet = "myndighet"
    grupp = "grupp"  # a group such as "Kommunerna i Stockholms län" (a county pot)


@model
class Recipient(Frozen):
    """A municipality, region, county, actor or group that receives money."""

    __pydantic_config__ = _STRICT
    id: str  # "kommun-0180", "region-20", "lan-20", "storsthlm", "skr"
    kind: RecipientKind
    name: str  # official form ("Stockholms stad", "Region Dalarna", "Dalarnas län")
    short: str  # what people call it ("Stockholm", "Dalarna")
    code: str | None = None  # municipality code (4 digits) or county code (2 digits), as text
    county_code: str | None = None
    aliases: list[str] = dataclasses.field(default_factory=list)
    metropolitan: bool = False  # one of the three storstadslän (counties only)


@model
class KnowledgeFile(Frozen):
    """One YAML file under config/knowledge/ (one per source document or register)."""
    __pydantic_config__ = _STRICT

    doc: str | None = None
    title: str | None = None
    agreements: list[Agreement] = dataclasses.field(default_factory=list)
    posts: list[Post] = dataclasses.field(default_factory=list)
    allocations: list[Allocation] = dataclasses.field(default_factory=list)
    deadlines: list[Deadline] = dataclasses.field(default_factory=list)
    facts: list[Fact] = dataclasses.field(default_factory=list)
    discrepancies: list[Discrepancy] = dataclasses.field(default_factory=list)
    recipients: list[Recipient] = dataclasses.field(default_factory=list)
