"""Local workbook specifics: created on first use, atomic saves, safe across processes, clear errors."""
from __future__ import annotations

import multiprocessing as mp

import pytest

from engine.store import ReminderRecord, RowKey, StatusUpdate, StoreError
from sheets.tabular import TabularStore
from sheets.workbook import WorkbookBackend
from tests.sheets_support import BORLANGE, HANDLINGSPLANER, KUNSKAPSBASERAD, RATTVIK, sample_kb


def _store(path) -> TabularStore:
    return TabularStore(WorkbookBackend(path), kb=sample_kb(), auto_init=True)


def test_created_on_first_use_in_a_new_directory(tmp_path):
    path = tmp_path / "nested" / "dir" / "stimulans.xlsx"
    snap = _store(path).snapshot()
    assert path.exists() and len(snap.statuses) == 56
    assert [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_unreadable_workbook_gives_a_clear_error(tmp_path):
    path = tmp_path / "stimulans.xlsx"
    path.write_text("inte en arbetsbok")
    with pytest.raises(StoreError, match="kan inte läsas.*STIMULANS_WORKBOOK"):
        _store(path).snapshot()


def test_text_cells_are_never_formulas_in_the_file(tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "wb.xlsx"
    store = _store(path)
    key = RowKey(recipient_id=RATTVIK, agreement="ok2020", post=HANDLINGSPLANER)
    store.update_status(StatusUpdate(key=key, changes={"Planerad användning": "=HYPERLINK(\"http://x\")"},
                                     actor="a"))
    row = store.snapshot().status_for(key).row
    cell = load_workbook(path)["Rekvisitioner"][f"J{row}"]
    assert cell.data_type == "s" and cell.value == "=HYPERLINK(\"http://x\")"


def _claim(path_and_owner):
    path, owner = path_and_owner
    rec = ReminderRecord(reminder_id="r-1", deadline_id="d", offset_days=3, channel="#c", owner=owner)
    return _store(path).claim_reminder(rec)


def _update(args):
    path, recipient, post = args
    key = RowKey(recipient_id=recipient, agreement="ok2020", post=post)
    _store(path).update_status(StatusUpdate(key=key, changes={"Status": "rekvirerad"}, actor=recipient))
    return True


def test_two_processes_cannot_both_claim_a_reminder(tmp_path):
    path = tmp_path / "wb.xlsx"
    _store(path).snapshot()
    with mp.get_context("fork").Pool(4) as pool:
        results = pool.map(_claim, [(path, f"w{i}") for i in range(6)])
    assert sorted(results) == [False] * 5 + [True]
    claims = [r for r in _store(path).snapshot().reminders if r.reminder_id == "r-1"]
    assert len(claims) == 1


def test_concurrent_writers_do_not_lose_each_others_rows(tmp_path):
    path = tmp_path / "wb.xlsx"
    _store(path).snapshot()
    jobs = [(path, r, p) for r in (RATTVIK, BORLANGE) for p in (HANDLINGSPLANER, KUNSKAPSBASERAD)]
    with mp.get_context("fork").Pool(4) as pool:
        assert all(pool.map(_update, jobs))
    snap = _store(path).snapshot()
    done = [s for s in snap.statuses if s.updated_by]
    assert len(done) == 4 and all(s.status == "rekvirerad" for s in done)
    logg = WorkbookBackend(path).read_tabs(["Logg"])["Logg"]
    assert sum(1 for r in logg if r[3] == "Status") == 4


def test_seed_from_the_real_knowledge_base(tmp_path):
    from collections import Counter

    from engine.knowledge import load_knowledge

    kb = load_knowledge()
    store = TabularStore(WorkbookBackend(tmp_path / "wb.xlsx"), kb=kb, auto_init=True)
    snap = store.snapshot()
    per_post = Counter(s.key.post for s in snap.statuses)
    assert per_post == {"ok2020-kommun-handlingsplaner": 15, "ok2020-kommun-kunskapsbaserad": 15,
                        "ok2020-lan-sammanhallen-vard": 26}
    stockholm = {s.key.recipient_id for s in snap.statuses if s.key.post == "ok2020-lan-sammanhallen-vard"}
    assert stockholm == {r.id for r in kb.municipalities_in_county("01")}
    assert len(snap.allocations) == len({(a.recipient, a.agreement, a.post or "") for a in kb.allocations})
    assert all(a.kind == "publicerad" and a.source for a in snap.allocations)
    assert snap.problems == []
    assert store.init_schema() == []


# -- the history journal beside the workbook (sheets/journal.py) ---------------------------------------


def test_history_tabs_live_in_the_journal_not_in_the_workbook(tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "wb.xlsx"
    store = _store(path)
    key = RowKey(recipient_id=RATTVIK, agreement="ok2020", post=HANDLINGSPLANER)
    store.update_status(StatusUpdate(key=key, changes={"Status": "rekvirerad"}, actor="anna"))
    assert not {"Logg", "Påminnelser", "Återkoppling"} & set(load_workbook(path).sheetnames)
    assert (tmp_path / "wb.historik.sqlite").exists()
    logg = store.backend.read_tabs(["Logg"])["Logg"]
    assert logg[0][:4] == ["Tid", "Vem", "Mottagare", "Fält"] and logg[-1][1] == "anna" and logg[-1][3] == "Status"


def test_an_update_loads_and_saves_the_workbook_once_whatever_the_log_size(tmp_path):
    path = tmp_path / "wb.xlsx"
    store = _store(path)
    backend = store.backend
    store.snapshot()
    backend.append_rows("Logg", [["2020-01-01", "x", "y", "Status", "a", "b", "c"]] * 5000)
    key = RowKey(recipient_id=RATTVIK, agreement="ok2020", post=HANDLINGSPLANER)
    before = (backend.parses, backend.saves, backend.journal.count("Logg"))
    store.update_status(StatusUpdate(key=key, changes={"Status": "rekvirerad"}, actor="anna"))
    assert backend.parses - before[0] <= 1 and backend.saves - before[1] == 1  # the .xlsx alone, at most once
    assert path.stat().st_size < 50_000  # the 5 000 log rows are not in the .xlsx
    assert backend.journal.count("Logg") == before[2] + 1 > 5000


def test_reminder_claims_never_load_the_workbook(tmp_path):
    path = tmp_path / "wb.xlsx"
    store = _store(path)
    store.snapshot()
    backend = store.backend
    before = (backend.reads, backend.saves)
    recs = [ReminderRecord(reminder_id=f"r-{i}", deadline_id="d", offset_days=3, channel="#c", owner="w")
            for i in range(50)]
    assert store.claim_reminders(recs) == {r.reminder_id for r in recs}
    store.complete_reminders([(r.reminder_id, "1.000001") for r in recs])
    assert (backend.reads, backend.saves) == before  # the .xlsx is not even opened
    assert {r.reminder_id for r in store.refresh().reminders if r.slack_ts} == {r.reminder_id for r in recs}


def test_an_older_workbook_has_its_history_moved_into_the_journal_once(tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "wb.xlsx"
    _store(path).snapshot()
    # an older installation: the history tabs inside the .xlsx, no journal beside it
    journal = tmp_path / "wb.historik.sqlite"
    logg, claims = (WorkbookBackend(path).read_tabs([t])[t] for t in ("Logg", "Påminnelser"))
    wb = load_workbook(path)
    for tab, grid in (("Logg", logg + [["2019-05-01", "bo", "Rättvik", "Status", "", "rekvirerad", "rad 2"]]),
                      ("Påminnelser", claims + [["r-old", "d", 3, "#c", "", "skickad", "w", "", "1.2", "x"]]),
                      ("Återkoppling", [["Tid", "Vem", "Fråga", "Svar", "Röst"]])):
        ws = wb.create_sheet(tab)
        for row in grid:
            ws.append(row)
    wb.save(path)
    for p in tmp_path.glob("wb.historik.sqlite*"):
        p.unlink()
    assert not journal.exists()
    store = _store(path)
    snap = store.snapshot()
    assert [r.reminder_id for r in snap.reminders] == ["r-old"] and snap.reminders[0].slack_ts == "1.2"
    assert store.backend.read_tabs(["Logg"])["Logg"][-1][1] == "bo"
    assert not {"Logg", "Påminnelser", "Återkoppling"} & set(load_workbook(path).sheetnames)
    assert len(snap.statuses) == 56


def test_export_history_writes_the_same_tabs_to_an_xlsx(tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "wb.xlsx"
    store = _store(path)
    store.snapshot()
    store.backend.append_rows("Logg", [["t", "=cmd|' /C calc'!A0", "m", "Status", "", "x", ""]])
    counts = store.backend.export_history(tmp_path / "historik.xlsx")
    assert counts == {"Logg": 2, "Påminnelser": 0, "Återkoppling": 0}  # the seed's row and ours
    wb = load_workbook(tmp_path / "historik.xlsx")
    cell = wb["Logg"]["B3"]
    assert cell.value == "=cmd|' /C calc'!A0" and cell.data_type == "s"


def test_the_file_lock_is_cross_platform():
    import sheets.workbook as workbook

    source = open(workbook.__file__, encoding="utf-8").read()
    assert "fcntl" not in source and "FileLock" in source


def test_cli_export_historik(tmp_path, monkeypatch, capsys):
    from bot.cli import main
    from bot.runtime import get_store
    from config.settings import get_settings

    monkeypatch.setenv("STIMULANS_WORKBOOK", str(tmp_path / "wb.xlsx"))
    get_settings.cache_clear()
    get_store.cache_clear()
    try:
        assert main(["export-historik", str(tmp_path / "h.xlsx")]) == 0
    finally:
        get_settings.cache_clear()
        get_store.cache_clear()
    assert "Logg" in capsys.readouterr().out and (tmp_path / "h.xlsx").exists()


def test_a_hand_edit_is_seen_at_once_despite_the_parsed_workbook_cache(tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "wb.xlsx"
    store = _store(path)
    key = RowKey(recipient_id=RATTVIK, agreement="ok2020", post=HANDLINGSPLANER)
    row = store.snapshot().status_for(key).row
    wb = load_workbook(path)  # a person edits the file in Excel and saves
    wb["Rekvisitioner"][f"J{row}"] = "ändrat för hand"
    wb.save(path)
    assert store.refresh().status_for(key).planned_use == "ändrat för hand"
    store.update_status(StatusUpdate(key=key, changes={"Status": "rekvirerad"}, actor="a"))
    assert load_workbook(path)["Rekvisitioner"][f"J{row}"].value == "ändrat för hand"


def test_a_failed_save_after_the_log_row_is_logged_as_failed(tmp_path, monkeypatch):
    from openpyxl import load_workbook

    path = tmp_path / "wb.xlsx"
    store = _store(path)
    key = RowKey(recipient_id=RATTVIK, agreement="ok2020", post=HANDLINGSPLANER)
    row = store.snapshot().status_for(key).row
    before = load_workbook(path)["Rekvisitioner"][f"F{row}"].value

    def full_disk(wb):
        raise StoreError("Kan inte spara arbetsboken: disken är full")

    monkeypatch.setattr(store.backend, "_save", full_disk)
    with pytest.raises(StoreError, match="Loggen visar försöket"):
        store.update_status(StatusUpdate(key=key, changes={"Status": "rekvirerad"}, actor="anna"))
    monkeypatch.undo()
    logg = store.backend.read_tabs(["Logg"])["Logg"]
    assert logg[-2][1] == "anna" and "MISSLYCKADES" in logg[-1][6] and "disken är full" in logg[-1][6]
    assert load_workbook(path)["Rekvisitioner"][f"F{row}"].value == before  # nothing half-written
    assert str(store.refresh().status_for(key).status) != "rekvirerad"


def _cached_store(path, cache) -> TabularStore:
    return TabularStore(WorkbookBackend(path, cache_dir=cache), kb=sample_kb(), auto_init=True)


def test_a_new_process_reads_the_tabs_of_an_unchanged_file_from_the_cache(tmp_path):
    """The tabs read from one version of the file are kept (keyed by its bytes): the next process reads
    them without parsing the .xlsx; any change to the file (a hand edit, another process's save) is read
    afresh, and a damaged cache file is ignored."""
    from openpyxl import load_workbook

    path, cache = tmp_path / "wb.xlsx", tmp_path / "cache"
    key = RowKey(recipient_id=RATTVIK, agreement="ok2020", post=HANDLINGSPLANER)
    first = _cached_store(path, cache)
    first.update_status(StatusUpdate(key=key, changes={"Status": "rekvirerad"}, actor="a"))
    assert str(first.snapshot().status_for(key).status) == "rekvirerad"
    assert len(list(cache.glob("arbetsbok-*.pickle"))) == 1

    second = _cached_store(path, cache)  # a new process: nothing parsed yet
    snap = second.snapshot()
    assert second.backend.parses == 0 and str(snap.status_for(key).status) == "rekvirerad"
    assert len(snap.statuses) == 56

    wb = load_workbook(path)  # a coordinator edits the file by hand
    ws = wb["Rekvisitioner"]
    header = [c.value for c in ws[1]]
    ws.cell(row=snap.status_for(key).row, column=header.index("Status") + 1, value="fakturerad")
    wb.save(path)
    third = _cached_store(path, cache)
    assert str(third.snapshot().status_for(key).status) == "fakturerad" and third.backend.parses == 1

    for cached in cache.glob("arbetsbok-*.pickle"):
        cached.write_bytes(b"not a pickle")
    fourth = _cached_store(path, cache)
    assert str(fourth.snapshot().status_for(key).status) == "fakturerad" and fourth.backend.parses == 1


def test_without_a_cache_folder_nothing_is_kept(tmp_path):
    store = _store(tmp_path / "wb.xlsx")
    store.snapshot()
    assert not [p for p in tmp_path.rglob("*.pickle")]
