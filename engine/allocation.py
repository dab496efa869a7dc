"""The allocation calculator: split a post's pot among recipients by its distribution key.

Exact arithmetic (fractions.Fraction for the shares, Decimal kronor for the results, never float).
Two rounding modes, and every result says which one it used:

- `Rounding.ORE_HALF_UP` ("öre, avrundat uppåt vid hälften"): each part is rounded to öre on its
  own, as the documents do (Dalarna 2020). The parts may then differ from the pot by a few öre.
- `Rounding.LARGEST_REMAINDER` ("största rest"): parts are cut to öre and the öre left over go to
  the largest remainders, so the parts sum to the pot exactly.

A rounded-krona total per recipient (half up, the documents' "Avrundat belopp") is
`round_kr(sum of its öre parts)`: see `recipient_totals`.

`Plan` (what to split: pot, key kind, level, fixed amounts) is independent of the knowledge base;
`plan_for_post` and `county_pot_plan` build one from the knowledge base's posts and allocations.
"""
from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from engine.formatting import round_kr
from engine.models import KeyKind, Level
from engine.population import AGE_0_25, MEASURE_LABELS, POPULATION, PopulationRegistry, PopulationTable

ORE = Fraction(1, 100)


class Rounding(StrEnum):
    ORE_HALF_UP = "öre, avrundat uppåt vid hälften"
    LARGEST_REMAINDER = "största rest (delarna summerar exakt till potten)"


class AllocationError(ValueError):
    """The key cannot be applied (missing amount, unsupported key, unknown area): Swedish message."""


#: Key kinds the calculator can apply.
COMPUTABLE_KINDS = {KeyKind.population, KeyKind.fixed_plus_population, KeyKind.fixed_per_county,
                    KeyKind.population_0_25}


class Unit(StrEnum):
    kommun = "kommun"  # municipalities
    lan = "lan"  # counties (also used for regions: one region per county)


@dataclass(frozen=True)
class Plan:
    """What to split: a pot by a key over municipalities or counties (optionally of one county only)."""

    pot: Decimal
    kind: KeyKind
    unit: Unit
    description: str = ""
    per_county: Decimal | None = None
    metro_per_county: Decimal | None = None
    metro_counties: frozenset[str] = frozenset()
    county: str | None = None  # a county pot: split only among this county's municipalities
    key_date: dt.date | None = None  # the population date the key states

    @property
    def measure(self) -> str:
        return AGE_0_25 if self.kind == KeyKind.population_0_25 else POPULATION


@dataclass(frozen=True)
class Part:
    code: str  # municipality code or county code
    name: str
    county_code: str
    weight: int | None  # the population (or 0–25 count) used; None for a pure fixed amount
    weight_total: int | None
    fixed: Decimal  # the fixed part (fixed per county), 0 otherwise
    exact: Fraction  # the exact amount in kronor
    amount: Decimal  # in öre, per the result's rounding mode

    @property
    def share(self) -> Fraction | None:
        if self.weight is None or not self.weight_total:
            return None
        return Fraction(self.weight, self.weight_total)

    @property
    def rounded_kr(self) -> Decimal:
        return round_kr(self.amount)


@dataclass(frozen=True)
class AllocationResult:
    plan: Plan
    rounding: Rounding
    table: PopulationTable | None  # None for a pure fixed key
    table_exact: bool  # the table has the date the key states
    parts: list[Part] = field(default_factory=list)

    @property
    def measure_label(self) -> str:
        return MEASURE_LABELS[self.plan.measure]

    def total(self) -> Decimal:
        return sum((p.amount for p in self.parts), Decimal("0.00"))

    def difference(self) -> Decimal:
        """Sum of the parts minus the pot (öre rounding; 0 in largest-remainder mode)."""
        return self.total() - self.plan.pot

    def part(self, code: str) -> Part | None:
        return next((p for p in self.parts if p.code == code), None)

    def for_county(self, county_code: str) -> list[Part]:
        return [p for p in self.parts if p.county_code == county_code]


# ---------------------------------------------------------------------------------------------
# rounding


def round_half_up_ore(x: Fraction) -> Decimal:
    """Exact amount → öre, half up (amounts are non-negative): floor(x·100 + ½) in integers."""
    n, d = x.numerator, x.denominator
    return Decimal((200 * n + d) // (2 * d)).scaleb(-2)


def _largest_remainder(exacts: list[Fraction], pot: Fraction) -> list[Decimal]:
    floors = [math.floor(x * 100) for x in exacts]
    left = int(pot * 100) - sum(floors)
    if left < 0 or left > len(exacts):
        raise AllocationError("delarna går inte att avrunda till potten (potten har bråkdelar av öre?)")
    order = sorted(range(len(exacts)), key=lambda i: (-(exacts[i] * 100 - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return [Decimal(f).scaleb(-2) for f in floors]


# ---------------------------------------------------------------------------------------------
# the calculator


def allocate(plan: Plan, registry: PopulationRegistry | None = None, *, table: PopulationTable | None = None,
             rounding: Rounding = Rounding.ORE_HALF_UP, fallback_date: dt.date | None = None) -> AllocationResult:
    """Split `plan.pot` by its key. Uses `table` if given, else the registry's table for the key date
    (or nearest to `fallback_date` when the key names none)."""
    if plan.kind not in COMPUTABLE_KINDS:
        raise AllocationError(f"nyckeln ”{plan.kind}” går inte att räkna ut ur befolkningen")
    exact = True
    if table is None:
        if registry is None:
            from engine.population import default_registry

            registry = default_registry()
        table, exact = registry.table_for(plan.key_date, fallback=fallback_date)
    elif plan.key_date is not None:
        exact = table.date == plan.key_date
    pot = Fraction(plan.pot)
    measure = plan.measure

    if plan.county is not None:
        areas = table.municipalities_in_county(plan.county)
        if not areas:
            raise AllocationError(f"befolkningstabellen har inga kommuner i län {plan.county}")
        total = sum(a.value(measure) for a in areas)
    elif plan.unit == Unit.kommun:
        areas = sorted(table.municipalities.values(), key=lambda a: a.code)
        total = table.total(measure)
    else:
        areas = sorted(table.counties.values(), key=lambda a: a.code)
        total = table.total(measure)
    if total <= 0:
        raise AllocationError("befolkningen i tabellen är noll")

    fixed: dict[str, Fraction] = {a.code: Fraction(0) for a in areas}
    rest = pot
    use_weights = True
    if plan.kind in (KeyKind.fixed_plus_population, KeyKind.fixed_per_county):
        if plan.unit != Unit.lan or plan.county is not None:
            raise AllocationError("ett fast belopp per län kan bara fördelas mellan län")
        if plan.per_county is None:
            raise AllocationError("nyckeln saknar beloppet per län")
        n_counties = len(table.counties)
        for a in areas:
            amt = plan.per_county
            if plan.kind == KeyKind.fixed_per_county and plan.metro_per_county is not None \
                    and a.code in plan.metro_counties:
                amt = plan.metro_per_county
            fixed[a.code] = Fraction(amt)
        if plan.kind == KeyKind.fixed_plus_population:
            rest = pot - Fraction(plan.per_county) * n_counties
            if rest < 0:
                raise AllocationError("de fasta beloppen per län är större än potten")
        else:
            use_weights = False

    exacts: list[Fraction] = []
    for a in areas:
        x = fixed[a.code]
        if use_weights:
            # rest·w/total as one Fraction (one normalisation instead of three: the same value)
            share = Fraction(rest.numerator * a.value(measure), rest.denominator * total)
            x = x + share if x else share
        exacts.append(x)
    if rounding == Rounding.LARGEST_REMAINDER and (plan.county is not None or len(areas) == len(
            table.municipalities if plan.unit == Unit.kommun else table.counties)) \
            and sum(exacts) == pot:
        amounts = _largest_remainder(exacts, pot)
    else:
        amounts = [round_half_up_ore(x) for x in exacts]
        if rounding == Rounding.LARGEST_REMAINDER:
            rounding = Rounding.ORE_HALF_UP  # parts do not make up the pot: nothing to balance
    fixed_kr: dict[Fraction, Decimal] = {}  # most parts share one fixed amount (often 0)
    for f in fixed.values():
        if f not in fixed_kr:
            fixed_kr[f] = Decimal(f.numerator) / Decimal(f.denominator)
    parts = [
        Part(code=a.code, name=a.name, county_code=a.county_code,
             weight=a.value(measure) if use_weights else None, weight_total=total if use_weights else None,
             fixed=fixed_kr[fixed[a.code]], exact=x, amount=amt)
        for a, x, amt in zip(areas, exacts, amounts, strict=True)
    ]
    return AllocationResult(plan=plan, rounding=rounding, table=table, table_exact=exact, parts=parts)


def recipient_totals(results: Iterable[AllocationResult]) -> dict[str, tuple[Decimal, Decimal]]:
    """code -> (sum of the öre parts, rounded to whole kronor half up), like "Avrundat belopp"."""
    sums: dict[str, Decimal] = {}
    for r in results:
        for p in r.parts:
            sums[p.code] = sums.get(p.code, Decimal("0.00")) + p.amount
    return {c: (s, round_kr(s)) for c, s in sums.items()}


# ---------------------------------------------------------------------------------------------
# the knowledge base side


def metro_counties(kb) -> frozenset[str]:
    """County codes of the metropolitan counties, from the recipient register's `metropolitan` flag."""
    codes: set[str] = set()
    for r in kb.recipients.values():
        if getattr(r, "metropolitan", False):
            code = r.county_code or r.code
            if code:
                codes.add(code)
    return frozenset(codes)


def unit_for_level(level: Level) -> Unit | None:
    if level == Level.kommun:
        return Unit.kommun
    if level in (Level.region, Level.lan):
        return Unit.lan
    return None


def plan_for_post(kb, post, *, pot: Decimal | None = None) -> Plan:
    """A Plan from a knowledge-base post. Raises AllocationError when the documents do not state the
    post's amount (unless `pot` is given, e.g. a derived pot in verify) or a computable key."""
    key = post.key
    if key is None or key.kind not in COMPUTABLE_KINDS:
        if post.amount is None and pot is None:
            raise AllocationError(f"{post.short}: dokumenten anger varken postens nationella belopp eller dess fördelningsnyckel")
        raise AllocationError(f"{post.short}: dokumenten anger ingen fördelningsnyckel som går att räkna med")
    unit = unit_for_level(post.level)
    if unit is None:
        raise AllocationError(f"{post.short}: posten går inte till kommuner, regioner eller län")
    amount = pot if pot is not None else post.amount
    if amount is None:
        raise AllocationError(f"{post.short}: dokumenten anger inte postens belopp")
    return Plan(pot=amount, kind=key.kind, unit=unit, description=key.description,
                per_county=key.per_county, metro_per_county=key.metro_per_county,
                metro_counties=metro_counties(kb), key_date=key.population_date)


@dataclass(frozen=True)
class CountyPot:
    """A published pot for the municipalities of one county, split among them by population, e.g.
    "Kommunerna i Stockholms län": 10 570 973 kr ("Kommunernas medel fördelas enligt befolkningsmängd")."""

    allocation: object  # engine.models.Allocation
    post_id: str
    county_code: str
    name: str


def _pot_post(kb, allocation) -> str | None:
    if allocation.post is not None:
        return allocation.post
    siblings = {a.post for a in kb.allocations
                if a.table == allocation.table and a.recipient == allocation.recipient and a.post}
    return siblings.pop() if len(siblings) == 1 else None


def county_pot(kb, allocation) -> CountyPot | None:
    """The allocation as a county pot: its recipient is a group ("grupp") of a county's municipalities and
    the knowledge base gives the key it is split by (`split_key`, population). The post is the row's, or
    the one post of the group's other rows in the same table."""
    r = kb.recipients.get(allocation.recipient)
    if r is None or str(r.kind) != "grupp" or not r.county_code:
        return None
    if allocation.split_key is None or allocation.split_key.kind != KeyKind.population:
        return None
    post_id = _pot_post(kb, allocation)
    if post_id is None or post_id not in kb.posts:
        return None
    return CountyPot(allocation=allocation, post_id=post_id, county_code=r.county_code, name=r.name)


def is_county_pot(kb, allocation) -> bool:
    return county_pot(kb, allocation) is not None


def county_pot_plan(kb, pot: CountyPot) -> Plan:
    return Plan(pot=pot.allocation.amount, kind=KeyKind.population, unit=Unit.kommun,
                description=pot.allocation.split_key.description, county=pot.county_code)


def county_pots(kb, year: int | None = None, county_code: str | None = None) -> list[CountyPot]:
    out = []
    for a in kb.allocations:
        if year is not None and a.year != year:
            continue
        pot = county_pot(kb, a)
        if pot is not None and (county_code is None or pot.county_code == county_code):
            out.append(pot)
    return out
