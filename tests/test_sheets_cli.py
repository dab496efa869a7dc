"""`stimulans init-sheet`, `check`, `update` and `status` on a local workbook."""
from __future__ import annotations

import pytest

import bot.runtime
from bot.cli import main
from sheets.tabular import TabularStore
from sheets.workbook import WorkbookBackend
from tests.sheets_support import FIXED_NOW, Clock, sample_kb


@pytest.fixture
def store(tmp_path, monkeypatch):
    s = TabularStore(WorkbookBackend(tmp_path / "wb.xlsx"), kb=sample_kb(), auto_init=True, clock=Clock(),
                     now=lambda: FIXED_NOW)
    monkeypatch.setattr(bot.runtime, "get_store", lambda settings=None: s)
    return s


def test_init_sheet_then_nothing_to_do(store, capsys):
    assert main(["init-sheet"]) == 0
    first = capsys.readouterr().out
    assert "Rekvisitioner: 56 rader tillagda" in first and "fliken skapad" in first
    assert main(["init-sheet"]) == 0
    assert "Inget att ändra" in capsys.readouterr().out


def test_check_exits_non_zero_and_lists_problems(store, capsys):
    assert main(["check"]) == 0
    assert "Inga problem" in capsys.readouterr().out
    row = store.snapshot().statuses[0].row
    with store.backend.transaction():
        store.backend._wb["Rekvisitioner"][f"G{row}"].value = "väldigt mycket"  # noqa: SLF001
        store.backend._mark_dirty()  # noqa: SLF001
    assert main(["check"]) == 1
    out = capsys.readouterr().out
    assert f"Rekvisitioner!G{row}: ”väldigt mycket”" in out


def test_update_from_the_command_line(store, capsys):
    assert main(["update", "rattvik", "status", "klart", "--post", "handlingsplaner", "--som", "anna"]) == 0
    out = capsys.readouterr().out
    assert "Rättviks kommun" in out and "”Ej rekvirerad” → ”Rekvirerad”" in out and "anna" in out
    assert main(["update", "Rättvik", "belopp", "726", "309", "kr", "--post", "kunskapsbaserad"]) == 0
    assert "726 309 kr" in capsys.readouterr().out


def test_update_needs_a_post_when_there_are_several_rows(store, capsys):
    assert main(["update", "Rättvik", "status", "klart"]) == 2
    assert "flera rader" in capsys.readouterr().err


def test_update_refuses_bad_values_and_unknown_recipients(store, capsys):
    assert main(["update", "Rättvik", "status", "kanske", "--post", "handlingsplaner"]) == 2
    assert "okänd status" in capsys.readouterr().err
    assert main(["update", "Atlantis", "status", "klart"]) == 2
    assert "Känner inte igen" in capsys.readouterr().err


def test_status_table(store, capsys):
    main(["update", "Rättvik", "status", "klart", "--post", "handlingsplaner"])
    capsys.readouterr()
    assert main(["status", "rattvik"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Rättviks kommun: 2 rader")
    assert "Rekvirerad" in out and "Ej rekvirerad" in out
    assert main(["status", "Dalarnas län"]) == 0
    assert "30 rader" in capsys.readouterr().out
