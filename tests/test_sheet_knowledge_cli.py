"""Issue #12 acceptance, end to end: the `stimulans` command on a local workbook in a temp data dir,
rows typed into Tilldelning/Frister the way a coordinator types them (openpyxl = Excel/LibreOffice)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

REPO = Path(__file__).resolve().parent.parent

MORA_ROW = ["Mora kommun", "2062", "Dalarnas län", "ÖK 2024", 2024, "Barn och unga", "412 345,67", "publicerad",
            "Region Dalarnas beslut 2024"]
FRIST_ROW = ["ÖK 2024", "rekvisition", "2024-11-15", "Kommunerna i Dalarnas län", "Region Dalarna",
             "Rekvirera 2024 års medel", "Region Dalarnas beslut 2024"]


class Cli:
    def __init__(self, data: Path):
        self.data = data
        self.workbook = data / "stimulans.xlsx"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "STIMULANS_", "GOOGLE_"))}
        self.env.update(STIMULANS_DATA_DIR=str(data), HOME=str(data))

    def __call__(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "bot", *args], env=self.env, cwd=REPO, capture_output=True,
                              text=True, timeout=120)

    def ok(self, *args: str) -> str:
        proc = self(*args)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    def append(self, tab: str, *rows: list) -> list[int]:
        """Rows typed at the bottom of a tab; returns their row numbers."""
        wb = load_workbook(self.workbook)
        ws = wb[tab]
        out = []
        for row in rows:
            ws.append(row)
            out.append(ws.max_row)
        wb.save(self.workbook)
        return out

    def cell(self, tab: str, a1: str):
        return load_workbook(self.workbook)[tab][a1].value


@pytest.fixture
def cli(tmp_path) -> Cli:
    c = Cli(tmp_path / "data")
    c.data.mkdir()
    c.ok("init-sheet")
    return c


def test_acceptance_allocation_and_deadline_typed_into_the_workbook(cli):
    [row] = cli.append("Tilldelning", MORA_ROW)
    [frow] = cli.append("Frister", FRIST_ROW)
    amount = cli.ok("ask", "hur mycket får Mora 2024?")
    assert amount.startswith("412 345,67 kr: Mora kommun får 412 345,67 kr för Barn och unga 2024 (ÖK 2024).")
    assert f"delade arket, Tilldelning rad {row} (Källa: Region Dalarnas beslut 2024)" in amount
    deadline = cli.ok("ask", "när ska Mora rekvirera 2024?")
    assert deadline.startswith("15 november 2024: Kommunerna i Dalarnas län ska rekvirera 2024 års medel till "
                               "Region Dalarna (ÖK 2024).")
    assert f"delade arket, Frister rad {frow} (Källa: Region Dalarnas beslut 2024)" in deadline
    upcoming = cli.ok("påminnelser", "--today", "2024-11-01")
    assert "fredag 15 november 2024" in upcoming and "Rekvisition, ÖK 2024" in upcoming
    assert "8 november 2024 (7 dagar före)" in upcoming
    before = cli.workbook.read_bytes()
    plan = cli.ok("remind", "--dry-run", "--today", "2024-11-08")
    assert "1 att skicka" in plan and ":7d:" in plan and "7 dagar kvar (fredag 15 november 2024)" in plan
    assert "Mora kommun" in plan  # one of the open municipalities of Dalarna
    assert cli.workbook.read_bytes() == before  # a dry run writes nothing
    assert cli.ok("check").startswith("Inga problem:")


def test_acceptance_bad_rows_are_reported_with_a1_and_ignored_by_answers(cli):
    [bad_amount] = cli.append("Tilldelning", ["Orsa kommun", "2034", "", "ÖK 2024", 2024, "Barn och unga", "abc",
                                              "publicerad", ""])
    [bad_date] = cli.append("Frister", ["ÖK 2024", "rekvisition", "31/13/2024", "Orsa kommun", "", "", ""])
    proc = cli("check")
    assert proc.returncode == 1
    assert f"Tilldelning!G{bad_amount}: ”abc”" in proc.stdout
    assert f"Frister!C{bad_date}: ”31/13/2024”" in proc.stdout
    answer = cli.ok("ask", "hur mycket får Orsa 2024?")
    assert "abc" not in answer and "Tilldelning rad" not in answer
    deadline = cli.ok("ask", "när ska Orsa rekvirera 2024?")
    assert "Frister rad" not in deadline and "31/13" not in deadline


def test_acceptance_update_above_the_allocation_is_refused_naming_it(cli):
    [row] = cli.append("Tilldelning", MORA_ROW)
    seeded = cli.ok("init-sheet", "--år", "2024")
    assert "Rekvisitioner: 1 rader tillagda för 2024 från Tilldelning" in seeded
    proc = cli("update", "Mora", "belopp", "9 999 999", "--post", "Barn och unga", "--som", "anna")
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        "stimulans: 9 999 999 kr är mer än tilldelningen 412 345,67 kr (delade arket, Tilldelning rad "
        f"{row} (Källa: Region Dalarnas beslut 2024)) för Mora kommun, Barn och unga 2024; inget skrevs.")
    assert "400 000 kr" in cli.ok("update", "Mora", "belopp", "400 000", "--post", "Barn och unga", "--som", "anna")
    # a new year in one go never overwrites a filled row
    assert cli.ok("init-sheet", "--år", "2024").startswith("Inget att ändra")
    status = cli.ok("status", "Mora")
    assert "ÖK 2024" in status and "Barn och unga" in status and "400 000 kr" in status


def test_documents_and_sheet_disagreeing_are_both_shown_and_checked(cli):
    # Falun's published Handlingsplaner 2020 figure is in the documents; the sheet's seeded row is edited
    wb = load_workbook(cli.workbook)
    ws = wb["Tilldelning"]
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == "Falu kommun"
               and "handlingsplaner" in str(ws.cell(r, 6).value).lower())
    documented = ws.cell(row, 7).value
    ws.cell(row, 7).value = "999 999"
    ws.cell(row, 9).value = "Mejl från länet"
    wb.save(cli.workbook)
    proc = cli("check")
    assert proc.returncode == 1
    assert "1 skillnader mellan dokumenten och bladet" in proc.stdout
    assert "delade arket anger 999 999 kr" in proc.stdout and f"Tilldelning rad {row}" in proc.stdout
    answer = cli.ok("ask", "hur mycket får Falun för handlingsplaner 2020?")
    assert answer.startswith(f"{_kr(documented)}: Falu kommun får")  # the documents' figure, labelled as such
    assert "Obs (dokumenten och delade arket skiljer sig)" in answer
    assert "dokumenten anger" in answer and "delade arket anger 999 999 kr" in answer
    # a deadline the sheet dates differently from the documents: both answered, each with its source
    [frow] = cli.append("Frister", ["ÖK 2021", "rekvisition", "15 nov 2021", "SKR", "Kammarkollegiet", "", "Mejl"])
    when = cli.ok("ask", "när ska SKR rekvirera 2021?")
    assert "1 december 2021" in when and "15 november 2021" in when
    assert "dokumenten anger 1 december 2021" in when and "delade arket anger 15 november 2021" in when
    assert f"delade arket, Frister rad {frow} (Källa: Mejl)" in when
    check = cli("check").stdout
    assert "2 skillnader" in check and "delade arket anger 15 november 2021" in check


def test_an_estimate_in_the_sheet_is_never_presented_as_published(cli):
    cli.append("Tilldelning", ["Orsa kommun", "2034", "", "ÖK 2024", "2024", "Barn och unga", "1 234 kr", "beräknad",
                               "Länets prognos"])
    answer = cli.ok("ask", "hur mycket får Orsa 2024?")
    assert answer.startswith("1 234 kr: Orsa kommun får 1 234 kr")
    assert "beräknat belopp enligt delade arket, inte publicerat" in answer


def _kr(value) -> str:
    from decimal import Decimal

    from engine.formatting import format_kr

    return format_kr(Decimal(str(value)))


def test_a_sheet_deadline_is_reminded_exactly_once_even_after_its_row_moves(cli):
    import datetime as dt
    import io
    import threading

    from bot.cli.commands.remind import run_once
    from bot.slack.reminder_sender import ReminderSender, make_client
    from config.settings import Settings
    from engine.knowledge import load_knowledge
    from engine.reminder_config import load_reminder_config
    from sheets.factory import open_store
    from tests.reminders_support import MockSlack

    cli.append("Frister", FRIST_ROW)
    kb, config, today = load_knowledge(), load_reminder_config(), dt.date(2024, 11, 8)

    def store():
        return open_store(Settings(_env_file=None, STIMULANS_WORKBOOK=str(cli.workbook)))

    with MockSlack() as slack:
        barrier = threading.Barrier(3)

        def run():
            s = store()  # each "process" its own store
            sender = ReminderSender(make_client("xoxb-test", slack.url), s)
            barrier.wait()
            run_once(kb=kb, store=s, config=config, today=today, channel="C1", dm=False, dry_run=False,
                     sender=sender, out=io.StringIO())

        threads = [threading.Thread(target=run) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(slack.posts) == 1
        assert "Rekvisition, ÖK 2024 – 7 dagar kvar" in slack.posts[0]["text"]
        # someone inserts a row above it: the deadline keeps its id, nothing is sent again
        cli.append("Frister", ["ÖK 2024", "annat", "2025-03-31", "", "", "Lämna länets sammanställning", ""])
        wb = load_workbook(cli.workbook)
        ws = wb["Frister"]
        first, second = [[c.value for c in r] for r in ws.iter_rows(min_row=2, max_row=3)]
        for col, value in enumerate(second, start=1):
            ws.cell(2, col).value = value
        for col, value in enumerate(first, start=1):
            ws.cell(3, col).value = value
        wb.save(cli.workbook)
        out = io.StringIO()
        s = store()
        run_once(kb=kb, store=s, config=config, today=today, channel="C1", dm=False, dry_run=False,
                 sender=ReminderSender(make_client("xoxb-test", slack.url), s), out=out)
        assert "0 att skicka, 1 redan skickade" in out.getvalue()
        assert len(slack.posts) == 1


def test_a_sum_including_an_estimate_is_not_called_published(cli):
    cli.append("Tilldelning",
               ["Orsa kommun", "2034", "", "ÖK 2024", "2024", "Barn och unga", "1 000", "publicerad", "Beslut"],
               ["Orsa kommun", "2034", "", "ÖK 2024", "2024", "Äldre", "2 000", "beräknad", "Prognos"])
    answer = cli.ok("ask", "hur mycket får Orsa 2024?")
    assert answer.startswith("3 000 kr: Orsa kommun får sammanlagt 3 000 kr 2024 (ÖK 2024) (summan av 2 postbelopp)")
    assert "publicerade" not in answer and "2 000 kr: Äldre (beräknat belopp enligt delade arket" in answer


def test_an_older_workbook_without_frister_still_serves_and_init_sheet_adds_the_tab(cli):
    wb = load_workbook(cli.workbook)
    del wb["Frister"]
    wb.save(cli.workbook)
    assert cli.ok("check").startswith("Inga problem:")  # a sheet from before Frister is not broken
    assert cli.ok("ask", "Hur mycket får Falun 2020?").startswith("1 726 309 kr")
    out = cli.ok("init-sheet")
    assert "Frister: fliken skapad med rubriker" in out
    assert [c.value for c in load_workbook(cli.workbook)["Frister"][1]] == [
        "Överenskommelse", "Typ", "Datum", "Vem", "Till", "Beskrivning", "Källa"]
    assert cli.ok("init-sheet").startswith("Inget att ändra")
