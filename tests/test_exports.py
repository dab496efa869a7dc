"""`stimulans export …` (issue #14): the .xlsx is read back with openpyxl (number formats, frozen pane,
filter, widths), the CSV with the `;` dialect and utf-8-sig."""
from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

import bot.runtime
from bot.cli import main
from bot.cli.commands.exports import frister_tab
from engine.knowledge import load_knowledge
from engine.store import StatusUpdate, Tab
from sheets.backend import AMOUNT_FORMAT, DATE_FORMAT
from sheets.tabular import TabularStore
from sheets.workbook import WorkbookBackend

EVIL = '=HYPERLINK("http://evil.example","klicka")'


@pytest.fixture(scope="module")
def kb():
    return load_knowledge()


@pytest.fixture(scope="module")
def seeded(tmp_path_factory, kb):
    """A workbook store on the real knowledge base with one filled row (Danderyd) and one formula-looking cell."""
    path = tmp_path_factory.mktemp("exp") / "wb.xlsx"
    store = TabularStore(WorkbookBackend(path), kb=kb)
    store.init_schema()
    row = next(s for s in store.snapshot().statuses if s.key.recipient_id == "kommun-0162")
    store.update_status(StatusUpdate(key=row.key, actor="test", changes={
        "Status": "Fakturerad", "Belopp (kr)": "146 116,38", "Datum": "2020-11-20", "Planerad användning": EVIL}))
    store.refresh()
    return store


@pytest.fixture
def store(seeded, monkeypatch):
    monkeypatch.setattr(bot.runtime, "get_store", lambda settings=None: seeded)
    return seeded


def _danderyd(ws):
    headers = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == "Danderyds kommun" and row[headers.index("Status")].value == "Fakturerad":
            return headers, row
    raise AssertionError("Danderyd not exported")


def test_status_xlsx_has_real_formats(tmp_path, store, capsys):
    out = tmp_path / "s.xlsx"
    assert main(["export", "status", "--xlsx", str(out)]) == 0
    assert "rader till" in capsys.readouterr().out
    ws = load_workbook(out)["Status"]
    headers, row = _danderyd(ws)
    amount, date = row[headers.index("Belopp (kr)")], row[headers.index("Datum")]
    assert amount.value == pytest.approx(146116.38) and amount.number_format == AMOUNT_FORMAT
    assert amount.data_type == "n"
    assert isinstance(date.value, dt.datetime) and date.value.date() == dt.date(2020, 11, 20)
    assert date.number_format == DATE_FORMAT and date.is_date
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:M{ws.max_row}"
    assert ws[1][0].font.bold
    widths = {c: ws.column_dimensions[c].width for c in "ABCGH"}
    assert all(w and w >= 8 for w in widths.values()) and widths["A"] > widths["H"] - 1
    # the formula-looking cell is text, not a formula
    use = row[headers.index("Planerad användning")]
    assert use.value == EVIL and use.data_type == "s" and use.quotePrefix
    assert ws.max_row == len(store.snapshot().statuses) + 1


def test_default_csv_is_the_swedish_excel_dialect(tmp_path, store):
    out = tmp_path / "s.csv"
    assert main(["export", "status", "--csv", str(out)]) == 0
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    header = rows[0]
    assert header[:3] == ["Mottagare", "Kod", "Län"] and len(header) == 13
    danderyd = next(r for r in rows if r[0] == "Danderyds kommun" and r[5] == "Fakturerad")
    assert danderyd[6] == "146116,38" and danderyd[7] == "2020-11-20"
    assert danderyd[9] == "'" + EVIL  # neutralised by the one csv_cell
    assert all(not c.startswith(("=", "+", "-", "@")) for r in rows for c in r)
    assert "Stockholms län" in danderyd  # å/ä/ö survive
    assert all(len(r) == 13 for r in rows)


def test_standard_dialect_for_machines(store, capsys):
    assert main(["export", "status", "--län", "Stockholm", "--csv-dialekt", "standard"]) == 0
    out = capsys.readouterr().out
    assert not out.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows and {r["Län"] for r in rows} == {"Stockholms län"}
    danderyd = next(r for r in rows if r["Mottagare"] == "Danderyds kommun" and r["Status"] == "Fakturerad")
    assert Decimal(danderyd["Belopp (kr)"]) == Decimal("146116.38")


def test_tilldelning_xlsx_and_county_filter(tmp_path, store):
    out = tmp_path / "t.xlsx"
    assert main(["export", "tilldelning", "--län", "20", "--xlsx", str(out)]) == 0
    ws = load_workbook(out)["Tilldelning"]
    headers = [c.value for c in ws[1]]
    rows = list(ws.iter_rows(min_row=2))
    assert rows and {r[headers.index("Län")].value for r in rows} == {"Dalarnas län"}
    rattvik = [r for r in rows if r[0].value == "Rättviks kommun"]
    amounts = {r[headers.index("Belopp (kr)")].value for r in rattvik}
    assert 318737 in amounts and all(r[headers.index("Belopp (kr)")].number_format == AMOUNT_FORMAT for r in rattvik)
    assert all("Region Dalarna – förslag på användning av medlen 2020" in r[headers.index("Källa")].value for r in rattvik)
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref.startswith("A1:I")


@pytest.mark.skipif(frister_tab(Tab) is not None, reason="the Frister tab exists: exported from the sheet")
def test_frister_without_the_tab_is_skipped_with_a_clear_message(store, capsys):
    assert main(["export", "frister", "--xlsx", "x.xlsx"]) == 2
    err = capsys.readouterr().err
    assert "frister hoppas över" in err and "Traceback" not in err


def test_unwritable_xlsx_is_one_line(tmp_path, store, capsys):
    assert main(["export", "status", "--xlsx", str(tmp_path / "no" / "dir" / "s.xlsx")]) == 2
    assert "Kan inte skriva Excel-filen" in capsys.readouterr().err


def test_unknown_dialect_is_refused(store, capsys):
    with pytest.raises(SystemExit):
        main(["export", "status", "--csv-dialekt", "klingon"])
    assert "okänd CSV-dialekt" in capsys.readouterr().err


def test_a_sheet_tab_becomes_a_typed_table(tmp_path):
    """The Frister export path: a tab's grid with typed columns; what does not parse stays text."""
    from engine.exports import table_from_grid
    from sheets.exports import write_xlsx

    grid = [["Deadline", "Datum", "Belopp (kr)", "Län"],
            ["Faktura Storsthlm", "2020-12-01", "1 726 309 kr", "Stockholms län"],
            ["Återbetalning", dt.datetime(2021, 3, 31), "okänt", "Dalarnas län"],
            ["", "", "", ""],
            ["=cmd|' /C calc'!A0", "1 december 2020", 7649410.97, ""]]
    table = table_from_grid("Frister", grid, {"Datum": "date", "Belopp (kr)": "amount"})
    assert [r[1] for r in table.rows] == [dt.date(2020, 12, 1), dt.date(2021, 3, 31), dt.date(2020, 12, 1)]
    assert table.rows[0][2] == Decimal("1726309") and table.rows[1][2] == "okänt"
    out = tmp_path / "f.xlsx"
    write_xlsx([table], out)
    ws = load_workbook(out)["Frister"]
    assert ws["B2"].is_date and ws["C2"].number_format == AMOUNT_FORMAT and ws["C3"].data_type == "s"
    assert ws["A4"].data_type == "s" and ws["A4"].quotePrefix and ws.auto_filter.ref == "A1:D4"
