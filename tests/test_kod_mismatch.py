"""A wrong Kod never silently moves a row: Mora's code typed on Rättvik's row is reported by `check`
(exit 1, both A1 references) and no status answer uses either Rättvik's or Mora's row for that post
until it is fixed — the answers say why."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from config.settings import Settings
from engine.knowledge import load_knowledge
from engine.qa import Engine
from engine.store import RowKey
from sheets.factory import open_store

ROOT = Path(__file__).resolve().parents[1]
RATTVIK, MORA = "kommun-2031", "kommun-2062"
POST = "ok2020-kommun-handlingsplaner"


@pytest.fixture(scope="module")
def sheet(tmp_path_factory):
    path = tmp_path_factory.mktemp("kod") / "stimulans.xlsx"
    kb = load_knowledge()
    store = open_store(Settings(STIMULANS_WORKBOOK=path), kb=kb)
    snap = store.snapshot()
    rattvik = snap.status_for(RowKey(recipient_id=RATTVIK, agreement="ok2020", post=POST))
    assert rattvik is not None and snap.status_for(RowKey(recipient_id=MORA, agreement="ok2020", post=POST))
    grid = store.backend.read_tabs(["Rekvisitioner"])["Rekvisitioner"]
    kod, mottagare = grid[0].index("Kod") + 1, grid[0].index("Mottagare") + 1
    store.backend.write_cells("Rekvisitioner", [(rattvik.row, kod, "2062")])  # a person types Mora's code
    store.invalidate()
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return path, store, kb, f"{letters[mottagare - 1]}{rattvik.row}", f"{letters[kod - 1]}{rattvik.row}"


def test_check_reports_the_mismatch_with_both_a1_references(sheet):
    path, _, _, a1_name, a1_code = sheet
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STIMULANS_", "SLACK_", "GOOGLE_"))}
    proc = subprocess.run([sys.executable, "-m", "bot", "check"], env={**env, "STIMULANS_WORKBOOK": str(path)},
                          cwd=path.parent, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    line = next(x for x in proc.stdout.splitlines() if "Kod" in x and "Mora" in x)
    assert a1_name in line and a1_code in line and "Rättvik" in line


@pytest.mark.parametrize("question", ["status Mora", "status Rättvik", "vem har inte rekvirerat än?",
                                      "status Dalarna", "vilka har inte fakturerat?"])
def test_no_status_answer_uses_either_row_and_it_says_so(sheet, question):
    _, store, kb, _, a1_code = sheet
    answer = Engine(kb, store_factory=lambda: store).ask(question)
    used = {(f["recipient"], f["post"]) for f in answer.facts if isinstance(f, dict) and "recipient" in f}
    assert (RATTVIK, POST) not in used and (MORA, POST) not in used
    assert a1_code in answer.text and "Mottagare och Kod" in answer.text, answer.text


def test_the_rows_come_back_when_the_code_is_fixed(tmp_path):
    store = open_store(Settings(STIMULANS_WORKBOOK=tmp_path / "s.xlsx"), kb=load_knowledge())
    row = store.snapshot().status_for(RowKey(recipient_id=RATTVIK, agreement="ok2020", post=POST)).row
    grid = store.backend.read_tabs(["Rekvisitioner"])["Rekvisitioner"]
    kod = grid[0].index("Kod") + 1
    store.backend.write_cells("Rekvisitioner", [(row, kod, "2062")])
    assert store.refresh().status_for(RowKey(recipient_id=MORA, agreement="ok2020", post=POST)) is None
    store.backend.write_cells("Rekvisitioner", [(row, kod, "2031")])
    snap = store.refresh()
    assert snap.status_for(RowKey(recipient_id=MORA, agreement="ok2020", post=POST)) is not None
    assert snap.status_for(RowKey(recipient_id=RATTVIK, agreement="ok2020", post=POST)).row == row
    assert not [p for p in snap.problems if p.recipients]
