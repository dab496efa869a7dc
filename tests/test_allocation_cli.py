"""`stimulans fördelning`: post lookup, county/nation tables with sum line, CSV, writing to the sheet."""
from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

import bot.cli.commands.allocation as cmd
from bot.cli import CliError, main
from tests.allocation_support import synthetic_kb


@pytest.fixture
def kb(monkeypatch):
    kb = synthetic_kb()
    monkeypatch.setattr(cmd, "_load_kb", lambda d: kb)
    return kb


def test_resolve_post_by_id_synonym_and_level(kb):
    assert cmd.resolve_post(kb, "ok2021-lan-suicidprevention", 2021).id == "ok2021-lan-suicidprevention"
    assert cmd.resolve_post(kb, "Suicidprevention", 2021).id == "ok2021-lan-suicidprevention"
    assert cmd.resolve_post(kb, "brukarmedverkan", 2021).id == "ok2021-lan-brukarmedverkan"
    assert cmd.resolve_post(kb, "handlingsplaner kommun", 2021).id == "ok2021-kommun-handlingsplaner"
    with pytest.raises(CliError, match="passar flera poster"):
        cmd.resolve_post(kb, "handlingsplaner", 2021)
    with pytest.raises(CliError, match="Hittar ingen post"):
        cmd.resolve_post(kb, "julbord", 2021)
    assert cmd.resolve_county(kb, "dalarna") == "20" and cmd.resolve_county(kb, "1") == "01"
    assert cmd.resolve_county(kb, "Skåne län") == "12"


def test_national_split_with_sum_line(kb, capsys):
    assert main(["fördelning", "brukarmedverkan", "2021"]) == 0
    out = capsys.readouterr().out
    assert "Summa (21 län): 24 000 000,00 kr (potten 24 000 000,00 kr; exakt)" in out
    assert out.count("2 000 000,00 kr") == 3
    assert main(["fordelning", "ok2021-lan-sammanhallen-vard", "2021", "--avrundning", "storsta-rest"]) == 0
    out = capsys.readouterr().out
    assert "Summa (21 län): 200 000 000,00 kr (potten 200 000 000,00 kr; exakt)" in out
    assert "största rest" in out and "beräknad" in out


def test_county_split_and_csv(kb, capsys):
    assert main(["fördelning", "handlingsplaner kommun", "2021", "Dalarna", "--csv", "-"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("\ufeff")  # the Swedish Excel dialect by default: BOM, ';', decimal comma
    rows = list(csv.DictReader(io.StringIO(out.removeprefix("\ufeff")), delimiter=";"))
    assert len(rows) == 15 and {r["lan"] for r in rows} == {"Dalarnas län"}
    falun = next(r for r in rows if r["kod"] == "2080")
    assert falun["typ"] == "beräknad" and falun["underlag"] == "59406" and falun["mottagare_id"] == "kommun-2080"
    assert falun["belopp"] == "1150433,08"
    assert main(["fördelning", "handlingsplaner kommun", "2021", "Dalarna", "--csv", "-",
                 "--csv-dialekt", "standard"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    falun = next(r for r in rows if r["kod"] == "2080")
    assert Decimal(falun["belopp"]) == Decimal("1150433.08")


def test_county_pot_split_for_stockholm_2020(kb, capsys):
    assert main(["fördelning", "sammanhållen vård", "2020", "Stockholm"]) == 0
    out = capsys.readouterr().out
    assert "pott 10 570 973 kr" in out and "Danderyd" in out
    assert "Summa (26 kommuner): 10 570 973,01 kr" in out


def test_post_without_amount_falls_back_to_the_published_table(kb, capsys):
    assert main(["fördelning", "handlingsplaner kommun", "2020"]) == 0
    out = capsys.readouterr().out
    assert "dokumenten anger varken pott eller fördelningsnyckel" in out and "publicerade tabellen" in out
    assert "beräknad" not in out and "publicerad" in out


def test_post_without_amount_or_table_is_refused_clearly(kb, capsys):
    post = cmd.resolve_post(kb, "handlingsplaner kommun", 2020)
    kb.allocations[:] = [a for a in kb.allocations if a.post != post.id]
    assert main(["fördelning", "handlingsplaner kommun", "2020"]) == 2
    assert "dokumenten anger inte postens belopp" in capsys.readouterr().err
    assert main(["fördelning", "suicid", "tjugo"]) == 2
    assert "inget år" in capsys.readouterr().err


def test_to_sheet_marks_estimates_and_keeps_published(kb, monkeypatch, capsys):
    written = {}

    class FakeStore:
        def write_allocations(self, rows, actor):
            written["rows"], written["actor"] = rows, actor
            return len(rows)

    import bot.runtime

    monkeypatch.setattr(bot.runtime, "get_store", lambda: FakeStore())
    assert main(["fördelning", "suicidprevention", "2021", "20", "--to-sheet", "--aktor", "test"]) == 0
    [row] = written["rows"]
    assert written["actor"] == "test"
    assert (row.recipient_id, row.kind, row.post, row.year) == ("lan-20", "beräknad", "ok2021-lan-suicidprevention",
                                                                2021)
    assert row.amount == Decimal("5576635.55") and "SCB folkmängd 2019-12-31" in row.source
    assert "Skrev 1 rad till fliken Tilldelning" in capsys.readouterr().out
