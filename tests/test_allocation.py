"""The calculator: keys, rounding modes, county pots; figures checked against the seeds."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest

from engine.allocation import (
    AllocationError,
    Plan,
    Rounding,
    Unit,
    allocate,
    county_pot_plan,
    county_pots,
    metro_counties,
    plan_for_post,
    recipient_totals,
)
from engine.models import KeyKind
from engine.population import load_registry
from tests.allocation_support import DALARNA_2020, DALARNA_LAN_2020, synthetic_kb, synthetic_table

D = Decimal
MKR = D(1_000_000)


@pytest.fixture(scope="module")
def registry():
    return load_registry()


@pytest.mark.parametrize("pot, column", [(200 * MKR, 2), (100 * MKR, 3)])
def test_synthetic_key_population_reproduces_dalarna_2020_to_the_ore(pot, column):
    res = allocate(Plan(pot=pot, kind=KeyKind.population, unit=Unit.kommun), table=synthetic_table())
    assert res.rounding == Rounding.ORE_HALF_UP
    published = {row[0]: D(row[column]) for row in DALARNA_2020}
    assert len(res.parts) == 5
    for part in res.parts:
        assert part.amount == published[part.code], part.name
    assert res.part("2080").amount == (D("1150872.72") if column == 2 else D("575436.36"))


def test_rounded_total_per_recipient_matches_avrundat_belopp():
    t = synthetic_table()
    results = [allocate(Plan(pot=p, kind=KeyKind.population, unit=Unit.kommun), table=t)
               for p in (200 * MKR, 100 * MKR)]
    totals = recipient_totals(results)
    published = {row[0]: D(row[4]) for row in DALARNA_2020}
    for code, (_sum, rounded) in totals.items():
        assert rounded == published[code]
    assert totals["2080"] == (D("1726309.08"), D("1726309"))


@pytest.mark.parametrize("plan, published", [
    (Plan(pot=200 * MKR, kind=KeyKind.fixed_plus_population, unit=Unit.lan, per_county=5 * MKR),
     DALARNA_LAN_2020["sammanhallen"]),
    (Plan(pot=200 * MKR, kind=KeyKind.population, unit=Unit.lan), DALARNA_LAN_2020["suicidprevention"]),
    (Plan(pot=150 * MKR, kind=KeyKind.population_0_25, unit=Unit.lan), DALARNA_LAN_2020["ungdomsmottagningar"]),
])
def test_dalarna_county_amounts_within_0_2_percent_with_the_2019_12_31_table(registry, plan, published):
    res = allocate(plan, registry)
    assert res.table.date == dt.date(2019, 12, 31)
    got = res.part("20").amount
    assert abs(got - published) / published < D("0.002")
    assert got != published  # the table is not the key's: an estimate, not a reproduction


def test_fixed_plus_population_splits_5_mkr_each_and_95_mkr_by_population(registry):
    res = allocate(Plan(pot=200 * MKR, kind=KeyKind.fixed_plus_population, unit=Unit.lan, per_county=5 * MKR),
                   registry)
    dal = res.part("20")
    assert dal.fixed == 5 * MKR and dal.exact == 5_000_000 + 95_000_000 * Fraction(287_966, 10_327_589)
    assert dal.amount == D("7648901.89")


def test_brukarmedverkan_2021_uses_the_registers_metropolitan_counties(registry):
    kb = synthetic_kb()
    post = kb.posts["ok2021-lan-brukarmedverkan"]
    res = allocate(plan_for_post(kb, post), registry)
    amounts = {p.code: p.amount for p in res.parts}
    assert len(amounts) == 21
    assert sorted(c for c, a in amounts.items() if a == 2 * MKR) == ["01", "12", "14"]
    assert sum(1 for a in amounts.values() if a == MKR) == 18
    assert res.total() == D("24000000.00") == post.amount
    # the calculator follows the register, not names: flag another county and the split follows
    other = synthetic_kb(metro=("01", "12", "20"))
    assert metro_counties(other) == {"01", "12", "20"}
    res2 = allocate(plan_for_post(other, other.posts["ok2021-lan-brukarmedverkan"]), registry)
    assert res2.part("20").amount == 2 * MKR and res2.part("14").amount == MKR


def test_sammanhallen_vard_2021_largest_remainder_sums_exactly_to_the_pot(registry):
    kb = synthetic_kb()
    plan = plan_for_post(kb, kb.posts["ok2021-lan-sammanhallen-vard"])
    lr = allocate(plan, registry, rounding=Rounding.LARGEST_REMAINDER)
    assert lr.rounding == Rounding.LARGEST_REMAINDER
    assert lr.total() == D("200000000.00") and lr.difference() == 0
    for p in lr.parts:
        assert abs(Fraction(p.amount) - p.exact) < Fraction(1, 100)
    half_up = allocate(plan, registry)
    assert half_up.rounding == Rounding.ORE_HALF_UP
    assert abs(half_up.difference()) <= D("0.21")


def test_county_pot_split_among_the_countys_municipalities(registry):
    kb = synthetic_kb()
    [pot] = county_pots(kb, 2020, "01")
    assert pot.allocation.amount == D("10570973") and pot.post_id == "ok2020-lan-sammanhallen-vard"
    res = allocate(county_pot_plan(kb, pot), registry, rounding=Rounding.LARGEST_REMAINDER)
    assert len(res.parts) == 26 and {p.county_code for p in res.parts} == {"01"}
    assert res.total() == D("10570973.00")
    danderyd = res.part("0162")
    assert danderyd.share == Fraction(32_857, 2_377_081)
    assert abs(danderyd.amount - D("146116.38")) <= D("0.01")


def test_posts_without_amount_or_key_are_refused():
    kb = synthetic_kb()
    with pytest.raises(AllocationError, match="anger inte postens belopp"):
        plan_for_post(kb, kb.posts["ok2020-kommun-handlingsplaner"])
    with pytest.raises(AllocationError, match="varken postens nationella belopp eller dess fördelningsnyckel"):
        plan_for_post(kb, kb.posts["ok2020-lan-suicidprevention"])
    with pytest.raises(AllocationError, match="bara fördelas mellan län"):
        allocate(Plan(pot=MKR, kind=KeyKind.fixed_per_county, unit=Unit.kommun, per_county=MKR),
                 table=synthetic_table())
    with pytest.raises(AllocationError, match="går inte att räkna"):
        allocate(Plan(pot=MKR, kind=KeyKind.performance, unit=Unit.lan), table=synthetic_table())


def test_round_half_up_ore_in_integers_is_floor_of_x_times_100_plus_half():
    from decimal import Decimal as D
    from fractions import Fraction as F

    from engine.allocation import round_half_up_ore

    assert round_half_up_ore(F(1, 200)) == D("0.01") and str(round_half_up_ore(F(0))) == "0.00"
    assert round_half_up_ore(F(1, 201)) == D("0.00") and round_half_up_ore(F(999, 200)) == D("5.00")
    assert round_half_up_ore(F(200_000_000 * 22_867, 10_327_589)) == D("442833.27")
    for n, d in [(12_345_678_901, 997), (5, 1000), (4_999_999, 1_000_000), (3, 7)]:
        x = F(n, d)
        assert round_half_up_ore(x) == D(int(x * 100 + F(1, 2))).scaleb(-2)
