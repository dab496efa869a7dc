"""Population tables: loading config/data, the registry's choice of table, bad data."""
from __future__ import annotations

import datetime as dt
import shutil

import pytest

from engine.population import (
    AGE_0_25,
    DATA_DIR,
    POPULATION,
    PopulationDataError,
    PopulationRegistry,
    load_registry,
    load_table,
)
from tests.allocation_support import synthetic_table

DEC31 = dt.date(2019, 12, 31)


def test_config_table_loads_with_codes_as_text():
    reg = load_registry()
    t, exact = reg.table_for(DEC31)
    assert exact and t.date == DEC31
    assert len(t.municipalities) == 290 and len(t.counties) == 21
    assert t.total() == 10_327_589 and t.total(AGE_0_25) == 3_128_624
    assert t.municipality("0114").name == "Upplands Väsby"  # leading zero kept
    assert t.county("01").name == "Stockholms län"
    dalarna = t.county("20")
    assert (dalarna.population, dalarna.population_age_0_25) == (287_966, 82_257)
    assert [a.code for a in t.municipalities_in_county("20")][:2] == ["2021", "2023"]
    assert t.provenance == "config/data/population_municipalities_2019-12-31.csv"


def test_table_for_prefers_the_key_date_else_the_nearest():
    reg = load_registry()
    reg.add(synthetic_table())  # 2019-11-01
    t, exact = reg.table_for(dt.date(2019, 11, 1))
    assert exact and t.source == "Syntetisk nyckelbefolkning" and t.total() == 10_319_473
    t, exact = reg.table_for(dt.date(2018, 11, 1))
    assert not exact and t.date == dt.date(2019, 11, 1)
    t, exact = reg.table_for(None, fallback=dt.date(2021, 1, 1))
    assert not exact and t.date == DEC31


def test_synthetic_table_keeps_given_national_total_and_sums_counties():
    t = synthetic_table()
    assert t.total(POPULATION) == 10_319_473
    assert t.county("20").population == 6792 + 59382 + 52505 + 26921 + 20414
    with pytest.raises(PopulationDataError, match="0–25"):
        t.total(AGE_0_25)


def test_empty_registry_says_so():
    with pytest.raises(PopulationDataError, match="Ingen befolkningstabell"):
        PopulationRegistry().table_for(DEC31)


def test_bad_rows_and_inconsistent_county_file_are_refused(tmp_path):
    src = DATA_DIR
    bad = tmp_path / "population_municipalities_2020-11-01.csv"
    bad.write_text("municipality_code,municipality_name_short,county_code,population,population_age_0_25\n"
                   "114,Upplands Väsby,01,46786,14841\n", encoding="utf-8")
    with pytest.raises(PopulationDataError, match="kommunkod"):
        load_table(bad)
    bad.write_text("municipality_code,municipality_name_short,county_code,population,population_age_0_25\n"
                   "0114,Upplands Väsby,01,många,14841\n", encoding="utf-8")
    with pytest.raises(PopulationDataError, match="inte ett heltal"):
        load_table(bad)
    for name in ("population_municipalities_2019-12-31.csv", "population_counties_2019-12-31.csv"):
        shutil.copy(src / name, tmp_path / name)
    counties = tmp_path / "population_counties_2019-12-31.csv"
    counties.write_text(counties.read_text(encoding="utf-8").replace("287966", "287967"), encoding="utf-8")
    with pytest.raises(PopulationDataError, match="länet 20 stämmer inte"):
        load_table(tmp_path / "population_municipalities_2019-12-31.csv")
    with pytest.raises(PopulationDataError, match="filnamnet"):
        load_table(counties)
