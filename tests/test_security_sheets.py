"""Security and robustness of the stores: nothing typed becomes a formula (workbook, Google, CSV),
garbage typed into any cell never crashes a reader, a deleted tab is a problem not an outage,
writes are conflict-checked on every field and only ever name known rows."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import multiprocessing as mp
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from engine.parsing import ParseError, parse_amount
from engine.store import (
    ConflictError,
    Feedback,
    ReminderRecord,
    RowKey,
    SheetAllocation,
    StatusUpdate,
    StoreError,
)
from sheets.tabular import TabularStore
from sheets.workbook import WorkbookBackend
from tests.sheets_support import (
    BORLANGE,
    FIXED_NOW,
    HANDLINGSPLANER,
    KUNSKAPSBASERAD,
    RATTVIK,
    sample_kb,
)

FORMULAS = ["=1+1", "+SUM(A1)", "-2+3", "@cmd", '=IMPORTXML("http://evil.example/x","//a")', "\t=1",
            "=HYPERLINK(\"http://evil.example\",\"klicka\")", "\r=2"]


def _store(path: Path) -> TabularStore:
    return TabularStore(WorkbookBackend(path), kb=sample_kb(), auto_init=True, now=lambda: FIXED_NOW)


def _key(recipient: str = RATTVIK, post: str = HANDLINGSPLANER) -> RowKey:
    return RowKey(recipient_id=recipient, agreement="ok2020", post=post)


def _formula_cells(path: Path) -> list[str]:
    """Every cell stored as a formula, read two ways: openpyxl's data_type and the raw sheet XML (<f>)."""
    found = [f"{ws.title}!{c.coordinate}" for ws in load_workbook(path).worksheets
             for row in ws.iter_rows() for c in row if c.data_type == "f"]
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/") and re.search(rb"<(?:\w+:)?f[ >]", z.read(name)):
                found.append(name)
    return found


def _history(path: Path, tab: str) -> list[list]:
    """A history tab's rows (header first): Logg/Påminnelser/Återkoppling live in the journal."""
    from sheets.workbook import WorkbookBackend

    return [tuple(r) for r in WorkbookBackend(path).read_tabs([tab])[tab] or []]


def _all_text(path: Path) -> str:
    return "\n".join(str(c.value) for ws in load_workbook(path).worksheets for row in ws.iter_rows()
                     for c in row if c.value is not None)


# ------------------------------------------------------------------ formula injection: workbook


def test_no_write_path_stores_a_formula_in_the_workbook(tmp_path):
    path = tmp_path / "wb.xlsx"
    store = _store(path)
    for i, f in enumerate(FORMULAS):  # status update: text fields, and the actor in Uppdaterad av / Logg
        key = _key(RATTVIK if i % 2 else BORLANGE, HANDLINGSPLANER if i % 3 else KUNSKAPSBASERAD)
        store.update_status(StatusUpdate(key=key, changes={"Faktura/referens": f, "Planerad användning": f + " x",
                                                           "Kontaktperson": f}, actor=f))
    # a second change of the same row puts the formula-like OLD values into Logg
    store.update_status(StatusUpdate(key=_key(RATTVIK, HANDLINGSPLANER), changes={"Faktura/referens": "=0"},
                                     actor="@a"))
    store.append_feedback(Feedback(who="=cmd|' /C calc'!A0", question="=1+1", answer="+SUM(A1:A9)", vote="up"))
    rec = ReminderRecord(reminder_id="=r1", deadline_id="+d", offset_days=3, channel="@chan", owner="-o")
    assert store.claim_reminder(rec)
    store.complete_reminder("=r1", "=1600000000.0001")
    store.write_allocations([SheetAllocation(recipient_id="kommun-0162", recipient_name="=Danderyd", code="0162",
                                             county="-01", agreement="ok2020", year=2020, post=KUNSKAPSBASERAD,
                                             amount=Decimal(5), kind="beräknad", source="=IMPORTXML(1)")],
                            actor="+cli")
    assert _formula_cells(path) == []
    # and the text is all still there, unchanged, after a reload and a further save cycle
    store.update_status(StatusUpdate(key=_key(BORLANGE, HANDLINGSPLANER), changes={"Status": "klart"}, actor="x"))
    assert _formula_cells(path) == []
    # the history tabs (Logg, Påminnelser, Återkoppling) live in the journal; its .xlsx export is checked too
    history = store.backend.export_history(tmp_path / "historik.xlsx") and tmp_path / "historik.xlsx"
    assert _formula_cells(history) == []
    text = _all_text(path) + "\n" + _all_text(history)
    for f in ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "=IMPORTXML(1)", "=cmd|' /C calc'!A0", "=r1", "=0"]:
        assert f in text
    snap = store.refresh()
    assert snap.status_for(_key(RATTVIK, HANDLINGSPLANER)).reference == "=0"


def test_cli_update_writes_text_not_a_formula(tmp_path, monkeypatch, capsys):
    from bot.cli import main
    from bot.runtime import get_store
    from config.settings import get_settings

    path = tmp_path / "wb.xlsx"
    monkeypatch.setenv("STIMULANS_WORKBOOK", str(path))
    get_settings.cache_clear()
    get_store.cache_clear()
    try:
        assert main(["update", "Rättvik", "referens", "=IMPORTXML(\"http://x\")", "--post", "handlingsplaner",
                     "--som", "=evil()"]) == 0
    finally:
        get_settings.cache_clear()
        get_store.cache_clear()
    assert _formula_cells(path) == []
    assert '=IMPORTXML("http://x")' in _all_text(path)


def test_control_characters_and_huge_text_do_not_break_the_workbook(tmp_path):
    path = tmp_path / "wb.xlsx"
    store = _store(path)
    # openpyxl refuses these characters outright; they used to crash the write with IllegalCharacterError
    store.update_status(StatusUpdate(key=_key(), changes={"Faktura/referens": "F\x01-12\x07"}, actor="a\x02b"))
    store.append_feedback(Feedback(who="u", question="q\x00\x1b", answer="a" * 40_000, vote="down"))
    assert store.refresh().status_for(_key()).reference == "F-12"
    store.backend.export_history(tmp_path / "historik.xlsx")  # Återkoppling lives in the journal; its export
    feedback = load_workbook(tmp_path / "historik.xlsx")["Återkoppling"]
    answer = [r for r in feedback.iter_rows(values_only=True)][-1][3]
    assert len(answer) == 32_767 and answer.endswith("…")  # Excel's cell limit, marked as cut
    assert _formula_cells(path) == [] and _formula_cells(tmp_path / "historik.xlsx") == []


# ------------------------------------------------------------------ formula injection: Google (RAW)


def test_every_google_write_is_raw_so_nothing_becomes_a_formula():
    from tests.fake_sheets_api import FakeSheetsAPI, Formula
    from tests.sheets_support import Clock, GoogleHarness

    with FakeSheetsAPI() as api:
        g = GoogleHarness(api, Clock(), [])
        store = g.store
        store.update_status(StatusUpdate(key=_key(), changes={"Faktura/referens": "=1+1", "Kontaktperson": "+SUM(A1)",
                                                               "Planerad användning": "@cmd"}, actor="-2+3"))
        store.update_status(StatusUpdate(key=_key(), changes={"Faktura/referens": "=IMPORTXML(a)"}, actor="=x"))
        store.append_feedback(Feedback(who="=w", question="=q", answer="+a", vote="up"))
        assert store.claim_reminder(ReminderRecord(reminder_id="=r", deadline_id="=d", offset_days=1, channel="=c"))
        store.complete_reminder("=r", "=ts")
        store.write_allocations([SheetAllocation(recipient_id="kommun-0162", recipient_name="=D", code="0162",
                                                 county="=01", agreement="ok2020", year=2020, post=KUNSKAPSBASERAD,
                                                 amount=Decimal(5), kind="beräknad", source="=S")], actor="=a")
        ss = api.spreadsheets[g.SHEET]
        cells = [v for sheet in ss.sheets for row in sheet.grid for v in row]
        assert not [v for v in cells if isinstance(v, Formula)]
        strings = {v for v in cells if isinstance(v, str)}
        assert {"=1+1", "+SUM(A1)", "@cmd", "-2+3", "=IMPORTXML(a)", "=w", "=q", "+a", "=r", "=ts", "=S"} <= strings
        assert not [c for c in api.calls if "USER_ENTERED" in c]


def test_google_sheets_code_never_asks_for_user_entered_input():
    source = (Path(__file__).resolve().parents[1] / "sheets" / "google.py").read_text()
    assert "USER_ENTERED" not in source
    assert source.count('"valueInputOption": "RAW"') == 4  # cells, appends, headers, lease repair: every values write


# ------------------------------------------------------------------ CSV export


def test_csv_export_neutralises_formula_like_cells(tmp_path, monkeypatch):
    from bot.cli.commands import allocation

    assert allocation.csv_cell("=1+1") == "'=1+1"
    for v in ("+SUM(A1)", "-2+3", "@cmd", "\t=1", "\r=1"):
        assert allocation.csv_cell(v) == "'" + v
    assert allocation.csv_cell("Falu kommun") == "Falu kommun" and allocation.csv_cell(5) == 5

    from bot.cli import main

    kb = allocation._load_kb(None)
    post = next(p for p in kb.posts.values() if p.id == "ok2021-lan-suicidprevention")
    monkeypatch.setattr(type(post), "agreement", property(lambda self: "=HYPERLINK(\"http://evil\")"), raising=False)
    out = tmp_path / "f.csv"
    try:
        main(["fördelning", "ok2021-lan-suicidprevention", "2021", "--csv", str(out)])
    finally:
        monkeypatch.undo()
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig")), delimiter=";"))
    assert rows and all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    assert any(cell.startswith("'=HYPERLINK") for cell in rows[1])


def test_csv_to_an_unwritable_place_is_one_clear_line(tmp_path, capsys):
    from bot.cli import main

    assert main(["fördelning", "ok2021-lan-suicidprevention", "2021", "--csv",
                 str(tmp_path / "no" / "such" / "dir" / "f.csv")]) == 2
    err = capsys.readouterr().err
    assert "Kan inte skriva CSV-filen" in err and "Traceback" not in err


# ------------------------------------------------------------------ the one parser: absurd input


@pytest.mark.parametrize("raw", ["1" * 40, "9" * 29 + " kr", "99999999999999999999 mnkr", "1 000 000 000 000 000 kr",
                                 float("inf"), float("nan"), 1e300, -5, -5.0, Decimal("-3"), Decimal("NaN")])
def test_parse_amount_refuses_absurd_values_with_a_message(raw):
    with pytest.raises(ParseError) as e:
        parse_amount(raw)
    assert str(e.value)


def test_parse_amount_still_reads_number_cells():
    assert parse_amount(1726309.0) == Decimal("1726309")
    assert parse_amount(7649410.97) == Decimal("7649410.97")
    assert parse_amount(Decimal("2000000.50")) == Decimal("2000000.50")
    assert parse_amount(999_999_999_999_999) == Decimal("999999999999999")


# ------------------------------------------------------------------ garbage typed into every cell

GARBAGE = [12345, 3.5, dt.datetime(2020, 12, 1, 10, 0), dt.date(2020, 1, 1), dt.time(10, 0), None, "x" * 20_000,
           "=1+1", "+SUM(A1)", "-2+3", "@cmd", True, "1" * 40, -500, 1e300, "²", "\u202e evil", " ", "NaN",
           dt.timedelta(days=2), "=IF(1,\"Rekvirerad\",\"\")", "9" * 30 + " kr"]


def _garble_journal(path: Path, tab: str) -> None:
    from sheets.workbook import WorkbookBackend

    journal = WorkbookBackend(path).journal
    header = journal.header(tab) or []
    cells = [(2 + i, 1, f"rad {i}") for i in range(len(GARBAGE))]
    cells += [(2 + i, col, g) for col in range(2, len(header) + 1) for i, g in enumerate(GARBAGE)]
    journal.write_cells(tab, cells)


def _garble(path: Path) -> None:
    """A careless person: garbage in every non-key column of every tab, a formula, a merged block,
    an extra column, a blank row in the middle."""
    wb = load_workbook(path)
    keys = {"Mottagare", "Överenskommelse", "Post"}
    for tab in ("Rekvisitioner", "Tilldelning", "Kontakter", "Påminnelser"):
        if tab not in wb.sheetnames:  # the history tabs live in the journal beside the workbook
            _garble_journal(path, tab)
            continue
        ws = wb[tab]
        header = [c.value for c in ws[1]]
        if tab in ("Kontakter", "Påminnelser"):
            for i in range(len(GARBAGE)):
                ws.cell(2 + i, 1).value = f"rad {i}"
        for col, h in enumerate(header, 1):
            if h in keys and tab in ("Rekvisitioner", "Tilldelning"):
                continue
            for i, g in enumerate(GARBAGE):
                ws.cell(2 + i, col).value = g
        ws.cell(1, len(header) + 2).value = "Extra kolumn"
        ws.cell(3, len(header) + 2).value = "=A1"
    rek = wb["Rekvisitioner"]
    rek.merge_cells("F30:H31")
    for c in rek[35]:
        c.value = None
    wb["Tilldelning"]["A3"].value = 2031  # a code typed as a number where a name is expected
    wb.save(path)


def test_garbage_in_every_column_is_reported_and_the_rest_serves(tmp_path):
    path = tmp_path / "wb.xlsx"
    store = _store(path)
    store.snapshot()
    _garble(path)
    snap = store.refresh()
    assert snap.problems, "garbage must be reported"
    assert all(re.fullmatch(r"[A-Z]+\d+", p.a1) and p.tab and p.reason for p in snap.problems)
    assert {p.tab for p in snap.problems} >= {"Rekvisitioner", "Tilldelning", "Kontakter", "Påminnelser"}
    assert any("orimligt stort" in p.reason for p in snap.problems)
    # rows that were not touched still serve
    untouched = [s for s in snap.statuses if s.row > len(GARBAGE) + 1 and s.row != 35]
    assert len(untouched) >= 20
    # a write next to the garbage still works, conflict check included
    row = snap.statuses[-1]
    store.update_status(StatusUpdate(key=row.key, changes={"Status": "rekvirerad"}, actor="t"))
    assert str(store.refresh().status_for(row.key).status) == "rekvirerad"


def test_cli_and_answers_survive_a_garbled_workbook(tmp_path, monkeypatch, capsys):
    from bot.cli import main
    from bot.runtime import get_store
    from config.settings import get_settings

    path = tmp_path / "wb.xlsx"
    monkeypatch.setenv("STIMULANS_WORKBOOK", str(path))
    get_settings.cache_clear()
    get_store.cache_clear()
    try:
        assert main(["init-sheet"]) == 0
        _garble(path)
        get_store.cache_clear()
        assert main(["status"]) == 0
        assert main(["check"]) == 1
        out = capsys.readouterr().out
        assert "Rekvisitioner!G" in out and "orimligt stort" in out
        assert main(["ask", "status"]) == 0
        assert main(["ask", "status Rättvik"]) == 0
    finally:
        get_settings.cache_clear()
        get_store.cache_clear()
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize("tab", ["Påminnelser", "Kontakter", "Tilldelning", "Rekvisitioner"])
def test_a_deleted_tab_is_a_problem_and_the_other_tabs_serve(tmp_path, tab):
    path = tmp_path / "wb.xlsx"
    store = _store(path)
    before = store.snapshot()
    wb = load_workbook(path)
    if tab in wb.sheetnames:
        del wb[tab]
        wb.save(path)
    else:  # a history tab: it lives in the journal beside the workbook
        import sqlite3

        with sqlite3.connect(store.backend.journal.path) as db:
            db.execute("DELETE FROM headers WHERE tab = ?", (tab,))
    snap = store.refresh()
    assert [(p.tab, p.a1) for p in snap.problems] == [(tab, "A1")]
    assert "init-sheet" in snap.problems[0].reason
    if tab != "Rekvisitioner":
        assert len(snap.statuses) == len(before.statuses)
    if tab != "Tilldelning":
        assert len(snap.allocations) == len(before.allocations)
    if tab == "Rekvisitioner":  # writing into a missing tab is refused with the same advice
        with pytest.raises(StoreError, match="init-sheet"):
            store.update_status(StatusUpdate(key=_key(), changes={"Status": "klart"}, actor="t"))


def test_a_mistyped_header_is_a_problem_with_its_a1(tmp_path):
    path = tmp_path / "wb.xlsx"
    store = _store(path)
    store.snapshot()
    wb = load_workbook(path)
    wb["Kontakter"]["A1"].value = "Nman"
    wb.save(path)
    snap = store.refresh()
    assert [(p.tab, p.a1) for p in snap.problems] == [("Kontakter", "A1")]
    assert "Namn" in snap.problems[0].reason and snap.statuses


# ------------------------------------------------------------------ writes: known keys, no lost update


@pytest.mark.parametrize("key,word", [
    (RowKey(recipient_id="=cmd", agreement="ok2020", post=HANDLINGSPLANER), "mottagare"),
    (RowKey(recipient_id=RATTVIK, agreement="ok1999", post=""), "överenskommelse"),
    (RowKey(recipient_id=RATTVIK, agreement="ok2020", post="ok2020-nope"), "post"),
])
def test_update_of_an_unknown_recipient_agreement_or_post_is_refused(tmp_path, key, word):
    path = tmp_path / "wb.xlsx"
    store = _store(path)
    n = len(store.snapshot().statuses)
    logg = len(_history(path, "Logg"))
    with pytest.raises(StoreError, match=f"(?i)okänd {word}"):
        store.update_status(StatusUpdate(key=key, changes={"Status": "klart"}, actor="coordinator"))
    assert len(store.refresh().statuses) == n
    assert len(_history(path, "Logg")) == logg


def test_a_change_to_a_field_the_user_did_not_touch_is_a_conflict(tmp_path):
    path = tmp_path / "wb.xlsx"
    store = _store(path)
    seen = store.snapshot().status_for(_key())
    expected = dict(seen.raw)
    other = _store(path)  # another process changes the amount
    other.update_status(StatusUpdate(key=_key(), changes={"Belopp (kr)": "1 000 kr"}, actor="kalle"))
    with pytest.raises(ConflictError) as e:
        store.update_status(StatusUpdate(key=_key(), changes={"Status": "rekvirerad"}, actor="anna",
                                         expected=expected))
    assert "Belopp" in str(e.value) and "1000" in str(e.value)
    row = store.refresh().status_for(_key())
    assert row.amount == Decimal(1000) and str(row.status) == "ej rekvirerad"


def _same_row_update(args):
    path, who, expected = args
    try:
        _store(path).update_status(StatusUpdate(key=_key(), changes={"Faktura/referens": who}, actor=who,
                                                expected=expected))
        return "ok"
    except ConflictError:
        return "conflict"


def test_two_processes_writing_the_same_row_from_the_same_view_one_wins_one_is_told(tmp_path):
    path = tmp_path / "wb.xlsx"
    expected = dict(_store(path).snapshot().status_for(_key()).raw)
    with mp.get_context("fork").Pool(4) as pool:
        results = pool.map(_same_row_update, [(path, f"w{i}", expected) for i in range(4)])
    assert sorted(results) == ["conflict"] * 3 + ["ok"]
    winner = next(f"w{i}" for i, r in enumerate(results) if r == "ok")
    assert _store(path).snapshot().status_for(_key()).reference == winner
    logg = [r for r in _history(path, "Logg")][1:]
    accepted = [r[5] for r in logg if r[3] == "Faktura/referens" and not str(r[6]).startswith("AVVISAD")]
    refused = sorted(r[5] for r in logg if r[3] == "Faktura/referens" and str(r[6]).startswith("AVVISAD"))
    assert accepted == [winner]  # exactly the one write that happened is logged as written ...
    assert refused == sorted(f"w{i}" for i, r in enumerate(results) if r == "conflict")  # ... and each refusal


def test_feedback_text_from_a_button_is_stored_as_text(tmp_path):
    path = tmp_path / "wb.xlsx"
    store = _store(path)
    value = json.dumps({"q": "=HYPERLINK(\"http://x\")", "a": "-1+1"})
    data = json.loads(value)
    store.append_feedback(Feedback(who="u", question=data["q"], answer=data["a"], vote="up"))
    last = [r for r in _history(path, "Återkoppling")][-1]
    assert last[2:4] == ('=HYPERLINK("http://x")', "-1+1")
    assert _formula_cells(path) == []


def test_cli_update_as_a_named_contact_follows_the_same_rule(tmp_path, monkeypatch, capsys):
    from bot.cli import main
    from bot.runtime import get_store
    from config.settings import get_settings

    path = tmp_path / "wb.xlsx"
    monkeypatch.setenv("STIMULANS_WORKBOOK", str(path))
    get_settings.cache_clear()
    get_store.cache_clear()
    try:
        assert main(["init-sheet"]) == 0
        get_store().backend.append_rows("Kontakter", [["Anna", "anna@falun.se", "", "Falu kommun", "2080", "kontakt"]])
        get_store().invalidate()
        capsys.readouterr()
        assert main(["update", "Rättvik", "status", "klart", "--post", "handlingsplaner",
                     "--som", "ANNA@falun.se"]) == 2
        err = capsys.readouterr().err
        assert "Falu" in err and "Rättvik" in err and "Inget skrevs" in err
        assert main(["update", "Falun", "status", "klart", "--post", "handlingsplaner", "--som", "anna@falun.se"]) == 0
        assert main(["update", "Rättvik", "status", "klart", "--post", "handlingsplaner", "--som", "driftansvarig"]) == 0
    finally:
        get_settings.cache_clear()
        get_store.cache_clear()
    logg = [r for r in _history(path, "Logg") if r[3] == "Status"]
    assert [(r[1], r[2]) for r in logg] == [("anna@falun.se", "Falu kommun"), ("driftansvarig", "Rättviks kommun")]
