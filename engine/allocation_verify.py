"""`stimulans verify`: recompute every published allocation from its post's key.

For each published row of the knowledge base (an Allocation with a post):
1. the recipient must be the unit the key splits between (municipality for a municipal post, the
   region for a region post, the county's actor for a county post); other rows (e.g. Region
   Stockholm's half of the county's money) are "ej kontrollerbar";
2. the pot is the post's stated amount; when the documents do not state it, the pot is derived
   ("härlett") from the published rows of that post (sum of the rows / sum of their population
   shares, rounded to whole million kronor) and the output says so;
3. the row is recomputed with the population table nearest to the key's date; the difference in
   kronor and percent must be within TOLERANCE (0.5 %: the shares move by a few tenths of a percent
   between the key date and the table's date, see docs/allocation.md);
4. the rows of one document that use the same population measure are back-solved: the national key
   population N for which every row is an exact öre-rounding of pot × p / N with a whole number p.
   When such an N explains most rows, a row it does not explain is flagged "oförklarad" (a typo in
   the knowledge base or in the document): a 1 kr change is caught although it is far inside 0.5 %;
5. fixed amounts (fixed per county) must match exactly; a rounded total ("Avrundat belopp") must be
   the rounded sum of the same recipient's parts in the same table.
"""
from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from engine.allocation import (
    COMPUTABLE_KINDS,
    AllocationError,
    Plan,
    Unit,
    allocate,
    is_county_pot,
    plan_for_post,
)
from engine.formatting import format_kr, format_number, format_percent, round_kr
from engine.models import KeyKind, Level
from engine.population import POPULATION, PopulationRegistry, PopulationTable, default_registry

TOLERANCE = Decimal("0.005")  # 0.5 %
SEARCH_WINDOW = Decimal("0.03")  # back-solve N within ±3 % of the table's national total

OK, EXACT, DEVIATION, UNEXPLAINED, UNCHECKED = "ok", "exakt", "avvikelse", "oförklarad", "ej kontrollerbar"
FAILED = {DEVIATION, UNEXPLAINED}


@dataclass
class RowCheck:
    allocation_id: str
    table: str
    recipient: str
    post: str | None
    published: Decimal
    computed: Decimal | None = None
    status: str = UNCHECKED
    notes: list[str] = field(default_factory=list)
    # for the back-solve
    unit_code: str | None = None
    measure: str | None = None
    eff_pot: Decimal | None = None  # the part of the pot split by population
    eff_amount: Decimal | None = None  # the published amount minus its fixed part
    group: tuple | None = None
    implied_weight: int | None = None

    @property
    def diff_kr(self) -> Decimal | None:
        return None if self.computed is None else self.published - self.computed

    @property
    def diff_ratio(self) -> Decimal | None:
        if self.computed is None or self.computed == 0:
            return None
        return (self.published - self.computed) / self.computed

    @property
    def failed(self) -> bool:
        return self.status in FAILED

    def line(self) -> str:
        what = f"{self.recipient}" + (f" · {self.post}" if self.post else " · totalt")
        s = f"{self.status.upper():<17} {what}: publicerat {format_kr(self.published)}"
        notes = list(self.notes)
        if self.implied_weight is not None:  # explained to the öre by the back-solved key population
            exact = next((n for n in notes if n.startswith("exakt med ")), None)
            if exact is not None:
                notes.remove(exact)
                s += ", " + exact.replace("exakt med ", "exakt med nyckelbefolkningen ", 1)
        if self.computed is not None:
            d = self.diff_kr or Decimal(0)
            sign = "+" if d > 0 else ""
            label = "med befolkningstabellen" if self.implied_weight is not None else "beräknat"
            s += f"; {label} {format_kr(self.computed, ore=True)}, skillnad {sign}{format_kr(d, ore=True)}"
            if self.diff_ratio is not None:
                s += f" ({sign}{format_percent(self.diff_ratio, 3)})"
        if notes:
            s += "; " + "; ".join(notes)
        return s


@dataclass
class Solve:
    group: tuple  # (doc, year, measure, key date)
    rows: int
    national: int | None  # the implied national key population
    explained: int
    table_total: int

    def line(self) -> str:
        doc, year, measure, _ = self.group
        what = "folkmängd" if measure == POPULATION else "antal 0–25 år"
        if self.national is None:
            return (f"Nyckelbefolkning ({doc}, {year}, {what}): ingen gemensam exakt lösning för {self.rows} rader "
                    f"(jämförs med tabellen, tolerans {format_percent(TOLERANCE, 1)})")
        return (f"Nyckelbefolkning ({doc}, {year}, {what}): riket {format_number(self.national)} förklarar "
                f"{self.explained} av {self.rows} rader exakt på öret (tabellen: {format_number(self.table_total)})")


@dataclass
class VerifyReport:
    table: PopulationTable
    checks: list[RowCheck]
    solves: list[Solve]
    derived: list[str]
    tolerance: Decimal = TOLERANCE

    @property
    def ok(self) -> bool:
        return not any(c.failed for c in self.checks)

    def counts(self) -> Counter:
        return Counter(c.status for c in self.checks)

    def lines(self) -> list[str]:
        out = [f"Kontroll av publicerade belopp mot fördelningsnycklarna (tolerans {format_percent(self.tolerance, 1)}, "
               f"befolkning: {self.table.source}, {self.table.provenance})"]
        out += [f"Härlett: {d}" for d in self.derived]
        out += [s.line() for s in self.solves]
        by_table: dict[str, list[RowCheck]] = defaultdict(list)
        for c in self.checks:
            by_table[c.table].append(c)
        for table, checks in by_table.items():
            out.append(f"Tabell {table}:")
            out += ["  " + c.line() for c in checks]
        n = self.counts()
        out.append(f"Resultat: {len(self.checks)} rader, {n[EXACT]} exakta, {n[OK]} inom toleransen, "
                   f"{n[DEVIATION]} avvikelser, {n[UNEXPLAINED]} oförklarade, {n[UNCHECKED]} ej kontrollerbara: "
                   + ("OK" if self.ok else "FEL"))
        return out


# ------------------------------------------------------------------------------------------------


def _name(kb, rid: str) -> str:
    r = kb.recipients.get(rid)
    return r.short if r is not None and str(r.kind) == "kommun" else (r.name if r else rid)


def _unit_code(kb, allocation, post) -> str | None:
    r = kb.recipients.get(allocation.recipient)
    if r is None:
        return None
    kind = str(r.kind)
    if post.level == Level.kommun and kind == "kommun":
        return r.code
    if post.level == Level.region and kind == "region":
        return r.county_code or r.code
    if post.level == Level.lan and kind in ("lan", "aktor") and r.county_code:
        return r.county_code
    return None


@dataclass(frozen=True)
class _Key:
    kind: KeyKind
    key_date: dt.date | None
    description: str
    hypothesis: bool  # the documents state no key: the population key is tried ("härledd nyckel")


def _key_for(post) -> _Key | None:
    key = post.key
    if key is not None and key.kind in COMPUTABLE_KINDS:
        return _Key(key.kind, key.population_date, key.description, False)
    if (key is None or key.kind == KeyKind.unstated) and post.level in (Level.kommun, Level.region):
        return _Key(KeyKind.population, None, "befolkningsmängd (härledd nyckel: dokumenten anger ingen)", True)
    return None


def _derive_pots(kb, table: PopulationTable, rows: list[tuple]) -> tuple[dict[str, Decimal], list[str]]:
    """Pots the documents do not state, from the published rows: Σ amounts / Σ shares, whole Mkr."""
    by_post: dict[str, list[tuple]] = defaultdict(list)
    for a, post, code in rows:
        key = _key_for(post)
        if post.amount is None and key is not None and key.kind in (KeyKind.population, KeyKind.population_0_25):
            by_post[post.id].append((a, post, code))
    pots: dict[str, Decimal] = {}
    notes: list[str] = []
    for pid, items in by_post.items():
        post = items[0][1]
        if len(items) < 2:
            notes.append(f"{post.short} ({post.year}): potten anges inte i dokumenten och en enda rad räcker "
                         "inte för att härleda den; raden kontrolleras inte")
            continue
        probe = Plan(pot=Decimal(1_000_000), kind=_key_for(post).kind,
                     unit=Unit.kommun if post.level == Level.kommun else Unit.lan)
        res = allocate(probe, table=table)
        share_sum = sum((res.part(code).share for _, _, code in items if res.part(code)), Fraction(0))
        if share_sum == 0:
            continue
        raw_f = Fraction(sum((a.amount for a, _, _ in items), Decimal(0))) / share_sum
        raw = Decimal(raw_f.numerator) / Decimal(raw_f.denominator)
        pot = (raw / Decimal(1_000_000)).quantize(Decimal(1)) * Decimal(1_000_000)
        pots[pid] = pot
        notes.append(f"{post.short} ({post.year}, {pid}): potten anges inte i dokumenten; de {len(items)} publicerade "
                     f"raderna motsvarar {format_kr(round_kr(raw))} med tabellen, dvs. {format_kr(pot)} "
                     "(härledd pott, används bara för kontrollen)")
    return pots, notes


def _solve_group(rows: list[RowCheck], table_total: int) -> tuple[int | None, dict[int, int]]:
    """The national total N explaining the most rows exactly; row index -> implied weight at N."""
    lo = math.floor(table_total * (1 - SEARCH_WINDOW))
    hi = math.ceil(table_total * (1 + SEARCH_WINDOW))
    cons = []
    for i, c in enumerate(rows):
        P = int(c.eff_pot * 100)
        A = int(c.eff_amount * 100)
        if A <= 0 or P <= 2 * hi:  # less than 2 öre per person: rounding does not pin anything down
            continue
        cons.append((i, P, A))
    if len(cons) < 2:
        return None, {}
    counter: Counter = Counter()
    for _, P, A in cons:
        p_min = max(1, ((2 * A - 1) * lo) // (2 * P))
        p_max = ((2 * A + 1) * hi) // (2 * P) + 1
        for p in range(p_min, p_max + 1):
            n_from = max(lo, (2 * P * p) // (2 * A + 1) + 1)
            n_to = min(hi, (2 * P * p) // (2 * A - 1))
            for n in range(n_from, n_to + 1):
                counter[n] += 1
    if not counter:
        return None, {}
    best_count = max(counter.values())
    best = min((n for n, k in counter.items() if k == best_count), key=lambda n: (abs(n - table_total), n))
    implied: dict[int, int] = {}
    for i, P, A in cons:
        p = (A * best + P // 2) // P
        for q in (p - 1, p, p + 1):
            if q > 0 and (2 * A - 1) * best <= 2 * P * q < (2 * A + 1) * best:
                implied[i] = q
    return best, implied


def verify(kb, registry: PopulationRegistry | None = None, *, tolerance: Decimal = TOLERANCE) -> VerifyReport:
    registry = registry or default_registry()
    checks: list[RowCheck] = []
    checkable: list[tuple] = []
    base_table = registry.tables[-1]
    allocations = sorted(kb.allocations, key=lambda a: (a.table, a.post is None))
    for a in allocations:
        c = RowCheck(a.id, a.table, _name(kb, a.recipient), None, a.amount)
        checks.append(c)
        if a.post is None:
            continue
        post = kb.posts.get(a.post)
        c.post = post.short if post else a.post
        if post is None:
            c.status, c.notes = UNEXPLAINED, [f"okänd post {a.post}"]
            continue
        if is_county_pot(kb, a):
            c.notes.append("länets pott till kommunerna (fördelas vidare efter befolkning)")
            continue
        if _key_for(post) is None:
            c.notes.append("dokumenten anger ingen nyckel som går att räkna med")
            continue
        code = _unit_code(kb, a, post)
        if code is None:
            c.notes.append("mottagaren är inte den enhet nyckeln fördelar mellan")
            continue
        checkable.append((a, post, code, c))

    tables = {id(t): t for t in registry.tables}
    derived_pots: dict[str, Decimal] = {}
    derived_notes: list[str] = []
    for t in tables.values():
        rows = [(a, p, code) for a, p, code, _ in checkable if registry.table_for(
            _key_for(p).key_date, fallback=dt.date(p.year, 1, 1))[0] is t]
        pots, notes = _derive_pots(kb, t, rows)
        derived_pots.update(pots)
        derived_notes += notes

    for a, post, code, c in checkable:
        pot = post.amount if post.amount is not None else derived_pots.get(post.id)
        if pot is None:
            c.notes.append("potten anges inte i dokumenten")
            continue
        try:
            key = _key_for(post)
            if key.hypothesis:
                unit = Unit.kommun if post.level == Level.kommun else Unit.lan
                plan = Plan(pot=pot, kind=key.kind, unit=unit, description=key.description)
            else:
                plan = plan_for_post(kb, post, pot=pot)
            res = allocate(plan, registry, fallback_date=dt.date(post.year, 1, 1))
        except AllocationError as e:
            c.notes.append(str(e))
            continue
        part = res.part(code)
        if part is None:
            c.notes.append(f"{code} finns inte i {res.table.source if res.table else 'tabellen'}")
            continue
        c.computed = part.amount
        if post.amount is None:
            c.notes.append("härledd pott" + (" och nyckel" if key.hypothesis else ""))
        if plan.kind == KeyKind.fixed_per_county:
            c.status = EXACT if a.amount == part.amount else UNEXPLAINED
            if c.status == UNEXPLAINED:
                c.notes.append("fast belopp per län ska stämma exakt")
            continue
        ratio = c.diff_ratio or Decimal(0)
        c.status = OK if abs(ratio) <= tolerance else DEVIATION
        if c.status == DEVIATION:
            c.notes.append(f"utanför toleransen {format_percent(tolerance, 1)}")
        if a.rounded:
            continue
        c.unit_code = code
        c.measure = plan.measure
        c.eff_pot = plan.pot - (plan.per_county or 0) * len(res.table.counties) \
            if plan.kind == KeyKind.fixed_plus_population else plan.pot
        c.eff_amount = a.amount - part.fixed
        c.group = (a.source.doc, a.year, plan.measure, plan.key_date)

    solves = _back_solve([c for c in checks if c.group is not None], base_table, registry)
    _check_totals(kb, allocations, checks)
    return VerifyReport(table=base_table, checks=checks, solves=solves, derived=derived_notes, tolerance=tolerance)


def _back_solve(rows: list[RowCheck], table: PopulationTable, registry) -> list[Solve]:
    groups: dict[tuple, list[RowCheck]] = defaultdict(list)
    for c in rows:
        groups[c.group].append(c)
    solves: list[Solve] = []
    for group, items in groups.items():
        total = table.total(group[2])
        best, implied = _solve_group(items, total)
        if best is None:
            for c in items:
                if c.eff_pot:
                    w = c.eff_amount * total / c.eff_pot
                    c.notes.append(f"motsvarar {format_number(w, 1)} av {format_number(total)} i tabellen")
            if len(items) > 1:
                solves.append(Solve(group, len(items), None, 0, total))
            continue
        explained = len(implied)
        solves.append(Solve(group, len(items), best, explained, total))
        majority = explained >= 2 and explained * 2 > len(items)
        weights: dict[str, set[int]] = defaultdict(set)
        for i, c in enumerate(items):
            if i in implied:
                c.implied_weight = implied[i]
                weights[c.unit_code].add(implied[i])
                if c.status == OK:
                    c.status = EXACT
                c.notes.append(f"exakt med {format_number(implied[i])} av {format_number(best)}")
            elif majority:
                c.status = UNEXPLAINED
                c.notes.append(f"ingen nyckelbefolkning förklarar beloppet (riket {format_number(best)} "
                               "förklarar de andra raderna)")
        for c in items:
            if c.unit_code and len(weights.get(c.unit_code, ())) > 1:
                c.status = UNEXPLAINED
                c.notes.append("raderna för samma mottagare ger olika befolkning")
        _check_county_sums(items)
    return solves


def _check_county_sums(items: list[RowCheck]) -> None:
    """A county row's implied population must equal the sum of its municipalities' (same document)."""
    munis: dict[str, dict[str, int]] = defaultdict(dict)
    for c in items:
        if c.implied_weight is not None and c.unit_code and len(c.unit_code) == 4:
            munis[c.unit_code[:2]][c.unit_code] = c.implied_weight
    for c in items:
        if c.implied_weight is None or not c.unit_code or len(c.unit_code) != 2 or c.unit_code not in munis:
            continue
        total = sum(munis[c.unit_code].values())
        if total == c.implied_weight:
            c.notes.append(f"= summan av länets {len(munis[c.unit_code])} kommuner i samma dokument")


def _check_totals(kb, allocations, checks: list[RowCheck]) -> None:
    """A rounded total ("Avrundat belopp") must be the rounded sum of the recipient's parts in its table.
    Other rows without a post (e.g. money left from an earlier year) are reported, not judged."""
    parts: dict[tuple[str, str], list[Decimal]] = defaultdict(list)
    for a in allocations:
        if a.post is not None:
            parts[(a.table, a.recipient)].append(a.amount)
    for a, c in zip(allocations, checks, strict=True):
        if a.post is not None:
            continue
        if is_county_pot(kb, a):
            c.notes.append("länets pott till kommunerna (fördelas vidare efter befolkning)")
            continue
        got = parts.get((a.table, a.recipient))
        if not a.rounded or not got:
            c.notes.append("ingen avrundad summa av delbelopp att kontrollera")
            continue
        s = sum(got, Decimal(0))
        c.computed = round_kr(s)
        c.status = EXACT if c.computed == a.amount else UNEXPLAINED
        c.notes.append(f"summan av {len(got)} delbelopp {format_kr(s, ore=True)}, avrundad")
