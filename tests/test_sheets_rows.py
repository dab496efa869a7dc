"""engine/sheet/rows.py: cell values, field names, value validation, parsing tabs without a store."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from engine.parsing import ParseError
from engine.sheet.rows import a1, cell_text, normalize_value, parse_tables, resolve_field, write_value
from engine.store import HEADERS, Tab
from tests.sheets_support import FIXED_NOW, HANDLINGSPLANER, RATTVIK, sample_kb


@pytest.mark.parametrize("value, text", [
    (None, ""), ("0114", "0114"), (1726309, "1726309"), (1726309.0, "1726309"), (7649410.97, "7649410.97"),
    (True, "TRUE"), (dt.datetime(2020, 12, 1), "2020-12-01"), (dt.date(2020, 12, 1), "2020-12-01"),
])
def test_cell_text(value, text):
    assert cell_text(value) == text


def test_a1_references():
    assert (a1(1, 1), a1(7, 26), a1(3, 27), a1(10, 53)) == ("A1", "Z7", "AA3", "BA10")


@pytest.mark.parametrize("typed, header", [("status", "Status"), ("Belopp", "Belopp (kr)"), ("referens", "Faktura/referens"),
                                           ("planerad anvandning", "Planerad användning"), ("kontakt", "Kontaktperson")])
def test_field_names(typed, header):
    assert resolve_field(typed) == header


def test_unknown_field_lists_the_editable_ones():
    with pytest.raises(ParseError, match="du kan ändra: Status, Belopp"):
        resolve_field("färg")


def test_values_are_normalised():
    assert normalize_value("Status", "klart") == "Rekvirerad"
    assert normalize_value("Status", "Fakturerat") == "Fakturerad"
    assert normalize_value("Belopp (kr)", "7 649 410,97 kr") == Decimal("7649410.97")
    assert write_value(Decimal("7649410.97")) == 7649410.97 and write_value(Decimal("1726309")) == 1726309
    assert normalize_value("Datum", "1 december 2020") == "2020-12-01"
    assert normalize_value("Kontaktperson", "  Anna \n Andersson ") == "Anna Andersson"
    with pytest.raises(ParseError):
        normalize_value("Datum", "32/12/2020")


def _grids(rek_rows):
    return {
        str(Tab.rekvisitioner): [HEADERS[Tab.rekvisitioner], *rek_rows],
        str(Tab.tilldelning): [HEADERS[Tab.tilldelning]],
        str(Tab.kontakter): [HEADERS[Tab.kontakter], ["Anna", "anna.se", "", "Rättvik", "", "chef"]],
        str(Tab.paminnelser): [HEADERS[Tab.paminnelser]],
    }


def test_reordered_columns_and_agreement_or_post_names_are_understood():
    header = ["Status", "Post", "Överenskommelse", "Kod", "Mottagare"]
    grids = _grids([])
    grids[str(Tab.rekvisitioner)] = [header, ["ok", "Handlingsplaner", "ÖK psykisk hälsa 2020", "", "rattvik"]]
    snap = parse_tables(grids, sample_kb(), FIXED_NOW)
    (row,) = snap.statuses
    assert (row.key.recipient_id, row.key.agreement, row.key.post) == (RATTVIK, "ok2020", HANDLINGSPLANER)
    assert row.status == "rekvirerad"


def test_contacts_with_bad_cells_are_reported():
    snap = parse_tables(_grids([]), sample_kb(), FIXED_NOW)
    assert {(p.tab, p.a1) for p in snap.problems} == {("Kontakter", "B2"), ("Kontakter", "F2")}
    assert snap.contacts[0].recipient_id == RATTVIK


def test_missing_tab_and_header_become_problems_not_crashes():
    grids = _grids([])
    grids[str(Tab.paminnelser)] = None
    grids[str(Tab.kontakter)] = [["Epost"]]
    snap = parse_tables(grids, sample_kb(), FIXED_NOW)
    reasons = {p.tab: p.reason for p in snap.problems}
    assert "fliken saknas" in reasons["Påminnelser"] and "rubrik saknas: Namn" in reasons["Kontakter"]
