"""Computed amounts ("beräknat") for the question engine when the documents publish no figure.

    est = estimate(kb, "kommun-2584", 2021)          # Kiruna 2021: its share of the municipal posts
    est = estimate(kb, "region-12", 2021, "ok2021-lan-suicidprevention")  # Skåne county's share
    if est: print("\n".join(est.text_lines()))

Rules (see docs/allocation.md):
- Only posts whose national amount AND a computable key are stated in the knowledge base are
  estimated; a published county pot for a county's municipalities (e.g. "kommunerna-01",
  10 570 973 kr, split "enligt befolkningsmängd") is split among that county's municipalities.
- A post for which the knowledge base publishes the recipient's amount is never estimated.
- Every figure is labelled "beräknat", carries its inputs (pot, key, population and its date, the
  share) and a one-line caveat, and cites the post's source plus the SCB population table
  (as a data source, `Source(doc="SCB folkmängd <date>", section="config/data/<file>")`).
- A county-level post (länsgemensamma medel) asked for a region or a municipality gives the county's
  share and says that it is paid to the actor the county names, not to the region/municipality.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from engine.allocation import (
    AllocationError,
    AllocationResult,
    Part,
    Plan,
    allocate,
    county_pot_plan,
    county_pots,
    plan_for_post,
)
from engine.formatting import (
    format_date,
    format_kr,
    format_kr_with_mkr,
    format_number,
    format_percent,
    round_kr,
)
from engine.models import KeyKind, Level, Source
from engine.population import PopulationRegistry, PopulationTable, default_registry
from engine.text import fold

LABEL = "beräknat"


def table_source(table: PopulationTable) -> Source:
    """The population table as a data source, clearly apart from the seed documents."""
    return Source(doc=table.source, section=table.provenance)


def _dec(x: Fraction) -> Decimal:
    return Decimal(x.numerator) / Decimal(x.denominator)


@dataclass(frozen=True)
class EstimateLine:
    post_id: str
    post_name: str
    level: str
    unit_code: str  # municipality or county code the figure is for
    unit_name: str  # "Kiruna", "Skåne län", "Region Skåne"
    amount: Decimal  # öre, half up
    pot: Decimal
    pot_text: str  # "200 000 000 kr (200 Mkr)" or "10 570 973 kr till kommunerna i Stockholms län"
    key_kind: str
    key_description: str
    weight: int | None  # population (or 0–25 count) of the unit
    weight_total: int | None
    weight_scope: str  # "i riket" / "i länet"
    measure_label: str  # "folkmängd" / "antal 0–25 år"
    table_date: dt.date | None
    table_source: str | None
    table_exact: bool
    key_date: dt.date | None
    share: Fraction | None
    fixed: Decimal
    rest: Decimal | None  # the part of the pot split by population (fixed_plus_population)
    note: str | None
    sources: list[Source]

    @property
    def share_percent(self) -> str | None:
        return None if self.share is None else format_percent(_dec(self.share), 3)

    def inputs_text(self) -> str:
        key = self.key_description.rstrip(". ")
        if self.key_kind == KeyKind.fixed_per_county:
            return f"fast belopp per län av {self.pot_text} ({key})"
        base = format_kr_with_mkr(self.rest) if self.rest is not None else self.pot_text
        what = f"{self.share_percent} av {base}"
        if self.fixed:
            what = f"{format_kr(self.fixed)} fast + {what} (pott {self.pot_text})"
        date = format_date(self.table_date) if self.table_date else "okänt datum"
        if self.weight is None:
            return f"{what}; nyckel: {key}"
        return (f"{what}; nyckel: {key}; {self.unit_name} {format_number(self.weight)} av "
                f"{format_number(self.weight_total)} {self.weight_scope} ({self.measure_label} {date})")

    def as_fact(self) -> dict[str, str | None]:
        return {
            "type": "estimate", "post": self.post_id, "unit": self.unit_code, "amount": str(self.amount),
            "pot": str(self.pot), "key": self.key_kind, "population": None if self.weight is None else str(self.weight),
            "population_total": None if self.weight_total is None else str(self.weight_total),
            "population_date": self.table_date.isoformat() if self.table_date else None,
            "share": None if self.share is None else str(_dec(self.share)), "label": LABEL,
        }


@dataclass(frozen=True)
class EstimateResult:
    recipient_id: str
    recipient_name: str
    year: int
    lines: list[EstimateLine]
    caveat: str
    sources: list[Source]
    skipped: list[str] = field(default_factory=list)  # posts not estimated, with the reason (Swedish)
    label: str = LABEL
    estimate: bool = True

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0.00"))

    @property
    def total_rounded(self) -> Decimal:
        return round_kr(self.total)

    def facts(self) -> list[dict[str, str | None]]:
        return [line.as_fact() for line in self.lines]

    def text_lines(self) -> list[str]:
        """Swedish lines, figure first, each figure marked "beräknat"."""
        out: list[str] = []
        units = {line.unit_name for line in self.lines}
        who = self.recipient_name if units == {self.recipient_name} else " / ".join(sorted(units))
        if len(self.lines) == 1 and self.lines[0].key_kind == KeyKind.fixed_per_county:
            # a fixed amount per county: the document's rule gives it exactly, but not per county by name
            line = self.lines[0]
            out.append(f"{who} {self.year}, {line.post_name}: {format_kr(line.amount)} enligt fördelningsnyckeln "
                       f"({LABEL} ur nyckeln; dokumenten anger inte beloppet per län)")
        elif len(self.lines) == 1:
            line = self.lines[0]
            out.append(f"{who} {self.year}, {line.post_name}: cirka {format_kr(round_kr(line.amount))} "
                       f"({LABEL}, inte ett publicerat belopp)")
        else:
            out.append(f"{who} {self.year}: cirka {format_kr(self.total_rounded)} totalt "
                       f"({LABEL}, inte ett publicerat belopp)")
        for line in self.lines:
            out.append(f"• {line.post_name}: {format_kr(line.amount, ore=True)} ({LABEL}) = {line.inputs_text()}")
        for note in dict.fromkeys(line.note for line in self.lines if line.note):
            out.append(note)
        for s in self.skipped:
            out.append(f"Ej beräknat: {s}")
        out.append(self.caveat)
        return out


def _caveat(lines: list[EstimateLine]) -> str:
    head = "Beräknat av Stimulans, inte ett publicerat belopp: "
    if lines and all(line.key_kind == KeyKind.fixed_per_county for line in lines):
        return head + "beloppet följer direkt av nyckelns fasta belopp per län."
    if lines and all(line.table_exact for line in lines if line.table_date):
        return head + "det officiella beloppet kan skilja på enstaka öre beroende på avrundning."
    key_dates = {line.key_date for line in lines if line.table_date}
    table_dates = sorted({line.table_date for line in lines if line.table_date})
    if len(key_dates) == 1 and None not in key_dates:
        basis = f"befolkningen {format_date(next(iter(key_dates)))}"  # type: ignore[arg-type]
    elif None in key_dates and len(key_dates) == 1:
        basis = "befolkningen vid ett datum som dokumenten inte anger"
    else:
        basis = "befolkningen vid ett annat datum"
    tables = " och ".join(format_date(d) for d in table_dates) or "ett annat datum"
    return (head + f"det officiella beloppet kan skilja något eftersom fördelningen bygger på {basis} "
            f"och tabellen här gäller {tables}.")


def _post_levels(kind: str) -> set[Level]:
    return {"kommun": {Level.kommun}, "region": {Level.region}, "lan": {Level.lan},
            "aktor": {Level.lan}}.get(kind, set())


def _published(kb, recipient_id: str, post_id: str) -> bool:
    return any(a.recipient == recipient_id and a.post == post_id for a in kb.allocations)


_COUNTY_KEY = re.compile(r"\blanets (?:befolkning|invanare)|\b(?:befolkningen|invanarna|invanare) (?:i|inom) lanet\b")


def _stated_in_document(kb, recipient_id: str, post) -> bool:
    """Does the document that states the post also state a total for this recipient and year (a table
    row over its posts)? Then the document's own figure answers, never an estimate from the post's national amount."""
    if any(a.post == post.id for a in kb.allocations):
        return False  # the post has rows of its own: a missing one is a gap, not hidden in a total
    return any(a.recipient == recipient_id and a.year == post.year and a.source.doc == post.source.doc
               and a.post is None for a in kb.allocations)


def county_scoped(kb, post) -> bool:
    """Is the post a pot of one county, not a national post: its document's table lists the recipients
    of one county only, or its key shares it by the county's population ("andel av länets befolkning")?
    A national population share would be the wrong key for it."""
    if post.key is not None and _COUNTY_KEY.search(fold(post.key.description or "")):
        return True
    return pot_county(kb, post) is not None


def pot_county(kb, post) -> str | None:
    """The county whose pot the post is, when its document's rows are that county's recipients only and
    add up to at least the post's amount (a national post quoted in a county memo is far more)."""
    if post.amount is None:
        return None
    counties, rows = set(), Decimal(0)
    for a in kb.allocations:
        if a.source.doc == post.source.doc and a.year == post.year:
            r = kb.recipients.get(a.recipient)
            counties.add(r.county_code if r is not None else None)
            rows += a.amount if a.post is None else 0
    # a national post quoted in a county's memo is far more than that county's rows add up to
    if len(counties) == 1 and None not in counties and post.amount <= rows:
        return next(iter(counties))
    return None


def _line(kb, result: AllocationResult, part: Part, *, post, unit_name: str, pot_text: str, scope: str,
          note: str | None, sources: list[Source]) -> EstimateLine:
    plan = result.plan
    rest = None
    if plan.kind == KeyKind.fixed_plus_population and plan.per_county is not None and result.table:
        rest = plan.pot - plan.per_county * len(result.table.counties)
    src = list(sources)
    if result.table is not None and plan.kind != KeyKind.fixed_per_county:
        src.append(table_source(result.table))
    uses_table = plan.kind != KeyKind.fixed_per_county
    return EstimateLine(
        post_id=post.id, post_name=post.short, level=str(post.level), unit_code=part.code, unit_name=unit_name,
        amount=part.amount, pot=plan.pot, pot_text=pot_text, key_kind=str(plan.kind),
        key_description=plan.description, weight=part.weight, weight_total=part.weight_total,
        weight_scope=scope, measure_label=result.measure_label,
        table_date=result.table.date if (result.table and uses_table) else None,
        table_source=result.table.source if (result.table and uses_table) else None,
        table_exact=result.table_exact, key_date=plan.key_date, share=part.share, fixed=part.fixed,
        rest=rest, note=note, sources=src,
    )


def estimate(kb, recipient_id: str, year: int, post_id: str | None = None, *,
             registry: PopulationRegistry | None = None) -> EstimateResult | None:
    """Computed amounts for a recipient and year (optionally one post); None when nothing can be
    computed from amounts and keys the knowledge base states. With the default population registry the
    result is remembered per knowledge base (it allocates the post over every municipality: ~10 ms)."""
    if registry is not None:
        return _estimate(kb, recipient_id, year, post_id, registry=registry)
    key = (id(kb), recipient_id, year, post_id)
    hit = _ESTIMATES.get(key)
    if hit is not None and hit[0] is kb:
        return hit[1]
    result = _estimate(kb, recipient_id, year, post_id, registry=None)
    if len(_ESTIMATES) >= 2048:
        _ESTIMATES.clear()
    _ESTIMATES[key] = (kb, result)
    return result


_ESTIMATES: dict[tuple, tuple] = {}


def _allocate(plan: Plan, registry: PopulationRegistry, fallback: dt.date) -> AllocationResult:
    """`allocate(plan, registry, fallback_date=fallback)`, remembered per plan and registry: a post's
    split over every municipality is the same for each recipient asked about (a plan is built from the
    post and the knowledge base only), and costs several ms. The result carries the caller's own plan
    (an equal plan may spell its amounts differently, e.g. Decimal("1E+6")). Errors are not remembered."""
    key = (plan, fallback, id(registry))
    tables = tuple(registry.tables)  # a table added to the registry later forgets what it gave
    hit = _ALLOCATIONS.get(key)
    if hit is not None and hit[0] is registry and len(hit[1]) == len(tables) \
            and all(a is b for a, b in zip(hit[1], tables, strict=True)):
        result = hit[2]
        return result if result.plan is plan else dataclasses.replace(result, plan=plan)
    result = allocate(plan, registry, fallback_date=fallback)
    if len(_ALLOCATIONS) >= 256:
        _ALLOCATIONS.clear()
    _ALLOCATIONS[key] = (registry, tables, result)
    return result


_ALLOCATIONS: dict[tuple, tuple] = {}


def _estimate(kb, recipient_id: str, year: int, post_id: str | None = None, *,
              registry: PopulationRegistry | None = None) -> EstimateResult | None:
    r = kb.recipients.get(recipient_id)
    if r is None:
        return None
    registry = registry or default_registry()
    county = r.county_code or (r.code if str(r.kind) in ("lan", "region") else None)
    kind = str(r.kind)
    lines: list[EstimateLine] = []
    skipped: list[str] = []
    fallback = dt.date(year, 1, 1)

    if post_id is not None:
        post = kb.posts.get(post_id)
        posts = [post] if post is not None and post.year == year else []
    else:
        levels = _post_levels(kind)
        posts = sorted((p for p in kb.posts.values() if p.year == year and p.level in levels), key=lambda p: p.id)

    for post in posts:
        if _published(kb, recipient_id, post.id):
            continue  # a published figure exists: the question engine answers with it
        if _stated_in_document(kb, recipient_id, post):
            skipped.append(f"{post.short} ({year}): dokumentet anger ett eget belopp för {r.short}; "
                           "det gäller, inte en beräkning")
            continue
        if county_scoped(kb, post):
            # a county's own pot: only that county's population split could estimate it (the county-pot
            # path below, for pots stated as split by population); never a national share
            skipped.append(f"{post.short} ({year}): potten gäller ett län och fördelas inom länet; "
                           "en andel av rikets befolkning vore fel nyckel")
            continue
        if kind == "kommun" and post.level == Level.kommun:
            unit, code, scope, note = "kommun", r.code, "i riket", None
        elif post.level == Level.region and kind in ("region", "lan"):
            unit, code, scope, note = "region", county, "i riket", None
        elif post.level == Level.lan and county:
            unit, code, scope = "lan", county, "i riket"
            note = None
            if kind not in ("lan", "aktor"):
                lan = kb.recipients.get(f"lan-{county}")
                lan_name = lan.name if lan else f"län {county}"
                paid = post.paid_to or "den aktör som regionen och länets kommuner anger"
                note = (f"Obs: {post.short} är länsgemensamma medel: beloppet gäller hela {lan_name} och "
                        f"betalas till {paid}, inte till {r.name} själv.")
        else:
            continue
        try:
            plan = plan_for_post(kb, post)
            result = _allocate(plan, registry, fallback)
        except AllocationError as e:
            skipped.append(f"{post.short} ({year}): {e}".replace(f"{post.short}: ", "", 1))
            continue
        part = result.part(code) if code else None
        if part is None:
            continue
        if unit == "kommun":
            unit_name = r.short
        elif unit == "region":
            unit_name = r.name if kind == "region" else f"Region {r.short}"
        else:
            lan = kb.recipients.get(f"lan-{county}")
            unit_name = lan.name if lan else part.name
        sources = [post.source] + ([post.key.source] if post.key and post.key.source != post.source else [])
        lines.append(_line(kb, result, part, post=post, unit_name=unit_name,
                           pot_text=format_kr_with_mkr(plan.pot), scope=scope, note=note, sources=sources))

    if kind == "kommun" and county:
        for pot in county_pots(kb, year, county):
            if post_id is not None and pot.post_id != post_id:
                continue
            post = kb.posts.get(pot.post_id)
            if post is None or _published(kb, recipient_id, pot.post_id):
                continue
            plan: Plan = county_pot_plan(kb, pot)
            result = _allocate(plan, registry, fallback)
            part = result.part(r.code)
            if part is None:
                continue
            lines.append(_line(kb, result, part, post=post, unit_name=r.short,
                               pot_text=f"{format_kr(plan.pot)} ({pot.name})",
                               scope="i länet", note=None, sources=[pot.allocation.source]))
    if not lines:
        return None
    sources: list[Source] = []
    for line in lines:
        for s in line.sources:
            if s not in sources:
                sources.append(s)
    return EstimateResult(recipient_id=recipient_id, recipient_name=r.short if kind == "kommun" else r.name,
                          year=year, lines=lines, caveat=_caveat(lines), sources=sources, skipped=skipped)
