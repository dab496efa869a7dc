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
    from openpyxl import load_workbook

    logg = list(load_workbook(path)["Logg"].iter_rows(values_only=True))
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
