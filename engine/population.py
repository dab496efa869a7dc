"""Population tables (folkmängd) that the distribution keys are applied to.

A table holds, for one date, the population and the population aged 0–25 per municipality, per
county and for the whole country. Tables are data: every `population_municipalities_<date>.csv`
in config/data/ is one table (the matching `population_counties_<date>.csv`, when present, is
cross-checked). Codes stay text with leading zeros ("0114", "01").

A key names the date of its population ("1 november 2018"); `PopulationRegistry.table_for(date)`
returns the table of that date when there is one, else the nearest, and says which (exact or not).
"""
from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "config" / "data"
_FILE_RE = re.compile(r"^population_municipalities_(\d{4}-\d{2}-\d{2})\.csv$")

#: Which figure a key uses.
POPULATION = "population"
AGE_0_25 = "population_age_0_25"
MEASURES = (POPULATION, AGE_0_25)
MEASURE_LABELS = {POPULATION: "folkmängd", AGE_0_25: "antal 0–25 år"}


class PopulationDataError(ValueError):
    """A population table is missing, malformed or inconsistent (Swedish message)."""


@dataclass(frozen=True)
class Area:
    code: str  # "2080" or "20"
    name: str
    county_code: str
    population: int
    population_age_0_25: int | None = None

    def value(self, measure: str) -> int:
        v = self.population if measure == POPULATION else self.population_age_0_25
        if v is None:
            raise PopulationDataError(f"{self.name} ({self.code}) saknar uppgift om {MEASURE_LABELS[measure]}")
        return v


@dataclass(frozen=True)
class PopulationTable:
    date: dt.date
    source: str  # "SCB folkmängd 2019-12-31"
    provenance: str  # file path or "syntetisk"
    municipalities: dict[str, Area]
    counties: dict[str, Area]
    national: dict[str, int] = field(default_factory=dict)  # measure -> total for Sweden

    @property
    def label(self) -> str:
        return self.source

    def total(self, measure: str = POPULATION) -> int:
        if measure in self.national:
            return self.national[measure]
        return sum(a.value(measure) for a in self.counties.values())

    def municipality(self, code: str) -> Area | None:
        return self.municipalities.get(code)

    def county(self, code: str) -> Area | None:
        return self.counties.get(code)

    def municipalities_in_county(self, county_code: str) -> list[Area]:
        return sorted((a for a in self.municipalities.values() if a.county_code == county_code),
                      key=lambda a: a.code)

    @classmethod
    def build(
        cls,
        date: dt.date,
        municipalities: list[tuple[str, str, str, int, int | None]],
        *,
        source: str | None = None,
        provenance: str = "syntetisk",
        counties: list[tuple[str, str, int, int | None]] | None = None,
        national_total: int | None = None,
        national_age_0_25: int | None = None,
    ) -> PopulationTable:
        """A table from rows (code, name, county_code, population, age_0_25); counties default to the
        sums of their municipalities, the national totals to the sum of the counties."""
        munis = {c: Area(c, n, cc, p, y) for c, n, cc, p, y in municipalities}
        if counties is not None:
            cnty = {c: Area(c, n, c, p, y) for c, n, p, y in counties}
        else:
            cnty = {}
            for cc in sorted({a.county_code for a in munis.values()}):
                members = [a for a in munis.values() if a.county_code == cc]
                ages = [a.population_age_0_25 for a in members]
                cnty[cc] = Area(cc, f"län {cc}", cc, sum(a.population for a in members),
                                None if None in ages else sum(ages))  # type: ignore[arg-type]
        national: dict[str, int] = {}
        if national_total is not None:
            national[POPULATION] = national_total
        if national_age_0_25 is not None:
            national[AGE_0_25] = national_age_0_25
        return cls(date=date, source=source or f"Syntetisk folkmängd {date.isoformat()}",
                   provenance=provenance, municipalities=munis, counties=cnty, national=national)


def _int(value: str, where: str) -> int:
    try:
        return int(value.replace(" ", ""))
    except (AttributeError, ValueError):
        raise PopulationDataError(f"{where}: ”{value}” är inte ett heltal") from None


def load_table(path: Path) -> PopulationTable:
    """Load `population_municipalities_<date>.csv` (+ the counties file of the same date, if any)."""
    m = _FILE_RE.match(path.name)
    if not m:
        raise PopulationDataError(f"{path.name}: filnamnet ska vara population_municipalities_ÅÅÅÅ-MM-DD.csv")
    date = dt.date.fromisoformat(m.group(1))
    rows: list[tuple[str, str, str, int, int | None]] = []
    with path.open(encoding="utf-8", newline="") as fh:
        for i, r in enumerate(csv.DictReader(fh), start=2):
            where = f"{path.name} rad {i}"
            code, cc = (r.get("municipality_code") or "").strip(), (r.get("county_code") or "").strip()
            if not re.fullmatch(r"\d{4}", code) or not re.fullmatch(r"\d{2}", cc):
                raise PopulationDataError(f"{where}: kommunkod (4 siffror) och länskod (2 siffror) krävs")
            age = (r.get("population_age_0_25") or "").strip()
            rows.append((code, (r.get("municipality_name_short") or code).strip(), cc,
                         _int(r.get("population") or "", where), _int(age, where) if age else None))
    if not rows:
        raise PopulationDataError(f"{path.name}: filen har inga rader")
    source = f"SCB folkmängd {date.isoformat()}"
    provenance = f"config/data/{path.name}"
    table = PopulationTable.build(date, rows, source=source, provenance=provenance)
    county_file = path.with_name(f"population_counties_{date.isoformat()}.csv")
    if county_file.exists():
        table = _with_county_file(table, county_file)
    return table


def _with_county_file(table: PopulationTable, path: Path) -> PopulationTable:
    counties = dict(table.counties)
    national: dict[str, int] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for i, r in enumerate(csv.DictReader(fh), start=2):
            where = f"{path.name} rad {i}"
            cc = (r.get("county_code") or "").strip()
            pop = _int(r.get("population") or "", where)
            age = _int(r.get("population_age_0_25") or "", where)
            if cc == "00":
                national = {POPULATION: pop, AGE_0_25: age}
                continue
            summed = counties.get(cc)
            if summed is None or summed.population != pop or summed.population_age_0_25 != age:
                raise PopulationDataError(
                    f"{where}: länet {cc} stämmer inte med summan av kommunerna i "
                    f"population_municipalities_{table.date.isoformat()}.csv")
            counties[cc] = Area(cc, (r.get("county_name") or cc).strip(), cc, pop, age)
    for measure, value in national.items():
        if value != sum(a.value(measure) for a in counties.values()):
            raise PopulationDataError(f"{path.name}: riket stämmer inte med summan av länen")
    return PopulationTable(table.date, table.source, table.provenance, table.municipalities, counties, national)


@dataclass
class PopulationRegistry:
    tables: list[PopulationTable] = field(default_factory=list)

    def add(self, table: PopulationTable) -> None:
        self.tables = sorted([t for t in self.tables if t.date != table.date] + [table], key=lambda t: t.date)

    def table_for(self, date: dt.date | None, *, fallback: dt.date | None = None) -> tuple[PopulationTable, bool]:
        """The table of `date` (exact=True), else the nearest to `date` (or to `fallback` when the key
        states no date; ties go to the earlier table). Raises when there is no table at all."""
        if not self.tables:
            raise PopulationDataError("Ingen befolkningstabell finns i config/data/")
        if date is not None:
            for t in self.tables:
                if t.date == date:
                    return t, True
        target = date or fallback
        if target is None:
            return self.tables[-1], False
        return min(self.tables, key=lambda t: (abs((t.date - target).days), t.date)), False


def load_registry(directory: Path | None = None) -> PopulationRegistry:
    directory = directory or DATA_DIR
    reg = PopulationRegistry()
    for path in sorted(directory.glob("population_municipalities_*.csv")):
        reg.add(load_table(path))
    if not reg.tables:
        raise PopulationDataError(f"Ingen befolkningstabell (population_municipalities_*.csv) i {directory}")
    return reg


@lru_cache(maxsize=1)
def default_registry() -> PopulationRegistry:
    return load_registry()
