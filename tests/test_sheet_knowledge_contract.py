"""The sheet as a knowledge source, one contract for both stores (local workbook and gspread against the
fake Sheets API): the Frister tab, human-edited Tilldelning/Frister rows in Swedish formats, bad rows
reported with their A1 reference, `init-sheet --år`, and the one amount ceiling on writes."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from engine.sheet.knowledge import with_sheet
from engine.sheet.schema import DEADLINE_TYPES, HEADERS, Tab
from engine.store import RowKey, StatusUpdate, StoreError
from tests import test_store_contract as _contract
from tests.sheets_support import RATTVIK, sample_kb

TILL, FRIST, REK = str(Tab.tilldelning), str(Tab.frister), str(Tab.rekvisitioner)
MORA = "kommun-2062"
h = _contract.h  # the two-store fixture (workbook, Google against the fake API)


def add_row(h, tab: str, values: list) -> int:
    """A person typing a new row at the bottom of a tab; returns its row number."""
    row = len(h.rows(tab)) + 1
    for col, value in enumerate(values):
        if value != "":
            h.human_set(tab, f"{chr(65 + col)}{row}", value)
    return row


def dropdown(h, tab: str, header: str) -> list[str]:
    col = HEADERS[Tab(tab)].index(header)
    if h.kind == "workbook":
        from openpyxl import load_workbook

        ws = load_workbook(h.path)[tab]
        letter = chr(65 + col)
        for dv in ws.data_validations.dataValidation:
            if f"{letter}2:" in str(dv.sqref):
                return dv.formula1.strip('"').split(",")
        return []
    sheet = h.api.spreadsheets[h.SHEET].sheet(tab)
    for v in sheet.validations:
        if v["range"].get("startColumnIndex") == col:
            return [x["userEnteredValue"] for x in v["rule"]["condition"]["values"]]
    return []


def test_init_sheet_creates_frister_with_its_headers_and_typ_dropdown_idempotently(h):
    assert h.rows(FRIST)[0] == ["Överenskommelse", "Typ", "Datum", "Vem", "Till", "Beskrivning", "Källa"]
    assert dropdown(h, FRIST, "Typ") == list(DEADLINE_TYPES)
    assert dropdown(h, TILL, "Typ") == ["publicerad", "beslutad", "beräknad"]
    assert h.store.init_schema() == []  # nothing left to do


def test_human_edited_rows_in_swedish_formats_read_the_same_on_both_stores(h):
    r1 = add_row(h, TILL, ["Mora kommun", "2062", "Dalarnas län", "ÖK 2024", "2024", "Barn och unga", "412 345,67",
                           "publicerad", "Region Dalarnas beslut 2024"])
    add_row(h, TILL, ["Orsa", "", "", "ÖK 2024", "2024", "Barn och unga", "1 234 kr", "beräknad", ""])
    add_row(h, FRIST, ["ÖK 2024", "rekvisition", "2024-11-15", "Kommunerna i Dalarnas län", "Region Dalarna",
                       "Rekvirera 2024 års medel", "Region Dalarnas beslut 2024"])
    add_row(h, FRIST, ["ÖK 2024", "redovisning", "15/11/2025", "Mora kommun", "", "", ""])
    add_row(h, FRIST, ["ÖK 2024", "återbetalning", "15 nov 2025", "", "Kammarkollegiet", "", ""])
    snap = h.store.refresh()
    assert snap.problems == []
    amounts = {a.recipient_name: (a.amount, a.kind, a.year) for a in snap.allocations if a.year == 2024}
    assert amounts == {"Mora kommun": (Decimal("412345.67"), "publicerad", 2024),
                       "Orsa kommun": (Decimal("1234"), "beräknad", 2024)}
    assert [(d.kind, d.date) for d in snap.deadlines] == [
        ("rekvisition", dt.date(2024, 11, 15)), ("redovisning", dt.date(2025, 11, 15)),
        ("aterbetalning", dt.date(2025, 11, 15))]
    layer = snap.knowledge
    assert [a.short for a in layer.agreements] == ["ÖK 2024"] and layer.agreements[0].years == [2024]
    assert [(p.name, p.short) for p in layer.posts] == [("Barn och unga", "Barn och unga")]
    mora = next(a for a in layer.allocations if a.recipient == MORA)
    assert mora.source.cite() == f"delade arket, Tilldelning rad {r1} (Källa: Region Dalarnas beslut 2024)"
    orsa = next(a for a in layer.allocations if a.recipient == "kommun-2034")
    assert "beräknat" in orsa.note and "inte publicerat" in orsa.note
    rekv = next(d for d in layer.deadlines if d.kind.value == "rekvisition")
    assert rekv.applies_to == ["lan:20:kommun"] and rekv.action == "rekvirera 2024 års medel"


def test_bad_rows_are_problems_with_their_a1_reference_and_stay_out_of_the_knowledge(h):
    bad_amount = add_row(h, TILL, ["Mora kommun", "2062", "", "ÖK 2024", "2024", "Barn och unga", "abc", "", ""])
    bad_typ = add_row(h, TILL, ["Orsa", "", "", "ÖK 2024", "2024", "Barn och unga", "5 000", "gissning", ""])
    unknown = add_row(h, TILL, ["Atlantis", "", "", "ÖK 2024", "2024", "Barn och unga", "5 000", "", ""])
    good = add_row(h, TILL, ["Rättvik", "", "", "ÖK 2024", "2024", "Barn och unga", "5 000", "", ""])
    dup = add_row(h, TILL, ["Rättviks kommun", "", "", "ÖK 2024", "2024", "barn och unga", "6 000", "", ""])
    mismatch = add_row(h, TILL, ["Mora kommun", "2080", "", "ÖK 2024", "2024", "Barn och unga", "7 000", "", ""])
    bad_date = add_row(h, FRIST, ["ÖK 2024", "rekvisition", "31/13/2024", "", "", "", ""])
    bad_kind = add_row(h, FRIST, ["ÖK 2024", "fika", "2024-11-15", "", "", "", ""])
    snap = h.store.refresh()
    where = {(p.tab, p.a1) for p in snap.problems}
    assert where == {(TILL, f"G{bad_amount}"), (TILL, f"H{bad_typ}"), (TILL, f"A{unknown}"), (TILL, f"A{dup}"),
                     (TILL, f"B{mismatch}"), (FRIST, f"C{bad_date}"), (FRIST, f"B{bad_kind}")}
    assert any("dubblett av rad" in p.reason and str(good) in p.reason for p in snap.problems)
    assert any(p.reason.startswith("koden 2080 är Falu") and p.reason.endswith("men Mottagare säger Mora kommun")
               for p in snap.problems)
    assert [(a.recipient, a.amount) for a in snap.knowledge.allocations] == [(RATTVIK, Decimal(5000))]
    assert snap.knowledge.deadlines == []


def test_init_sheet_year_seeds_requisition_rows_without_touching_filled_ones(h):
    add_row(h, TILL, ["Mora kommun", "2062", "", "ÖK 2024", "2024", "Barn och unga", "412 345,67", "", ""])
    add_row(h, TILL, ["Rättvik", "", "", "ÖK 2024", "2024", "Barn och unga", "300 000", "", ""])
    add_row(h, TILL, ["Rättvik", "", "", "ok2020", "2020", "Handlingsplaner", "2 000 000,50", "", ""])
    before = len(h.rows(REK))
    assert h.store.seed_year(2024) == [f"{REK}: 2 rader tillagda för 2024 från {TILL}"]
    rows = h.rows(REK)
    assert len(rows) == before + 2
    assert [r[:5] for r in rows[-2:]] == [["Mora kommun", "2062", "Dalarnas län", "ÖK 2024", "Barn och unga"],
                                          ["Rättviks kommun", "2031", "Dalarnas län", "ÖK 2024", "Barn och unga"]]
    key = RowKey(recipient_id=MORA, agreement="ark-ok-2024", post="ark-ok-2024-barn-och-unga")
    h.store.update_status(StatusUpdate(key=key, changes={"Status": "rekvirerad", "Belopp (kr)": "400 000"},
                                       actor="anna"))
    assert h.store.seed_year(2024) == []  # nothing new; the filled row is left as it is
    row = h.store.refresh().status_for(key)
    assert row is not None and row.amount == Decimal(400000) and row.status.value == "rekvirerad"
    assert len(h.rows(REK)) == before + 2


def test_an_amount_above_the_allocation_is_refused_naming_it(h):
    r = add_row(h, TILL, ["Mora kommun", "2062", "", "ÖK 2024", "2024", "Barn och unga", "412 345,67", "",
                          "Region Dalarnas beslut 2024"])
    h.store.seed_year(2024)
    key = RowKey(recipient_id=MORA, agreement="ark-ok-2024", post="ark-ok-2024-barn-och-unga")
    before = h.rows(REK)
    with pytest.raises(StoreError) as e:
        h.store.update_status(StatusUpdate(key=key, changes={"Belopp (kr)": "9 999 999"}, actor="anna"))
    assert str(e.value) == ("9 999 999 kr är mer än tilldelningen 412 345,67 kr (delade arket, Tilldelning rad "
                            f"{r} (Källa: Region Dalarnas beslut 2024)) för Mora kommun, Barn och unga 2024; "
                            "inget skrevs.")
    assert h.rows(REK) == before
    # the documents' ceiling applies the same way (Rättvik's published Handlingsplaner amount)
    doc_key = RowKey(recipient_id=RATTVIK, agreement="ok2020", post="ok2020-kommun-handlingsplaner")
    with pytest.raises(StoreError, match="mer än tilldelningen 2 000 004,50 kr"):
        h.store.update_status(StatusUpdate(key=doc_key, changes={"Belopp (kr)": "2 000 005"}, actor="anna"))


def test_a_sheet_amount_that_differs_from_the_documents_is_a_discrepancy_not_a_second_amount(h):
    seeded = next(a for a in h.store.refresh().allocations if a.recipient_id == RATTVIK
                  and a.post == "ok2020-kommun-handlingsplaner")
    r = seeded.row  # a person overwrites the seeded figure and its Källa
    h.human_set(TILL, f"G{r}", "1 500 000")
    h.human_set(TILL, f"I{r}", "Mejl från SKR")
    snap = h.store.refresh()
    assert snap.problems == []
    layer = snap.knowledge
    assert layer.allocations == []  # never added up with the documents' figure
    [d] = layer.discrepancies
    assert "dokumenten anger 2 000 004,50 kr" in d.text and "delade arket anger 1 500 000 kr" in d.text
    assert f"Tilldelning rad {r} (Källa: Mejl från SKR)" in d.text
    kb = with_sheet(sample_kb(), snap)
    assert sum(1 for a in kb.allocations if a.recipient == RATTVIK) == 2  # the documents' two, unchanged


def test_merging_the_sheet_twice_never_doubles_its_rows(h):
    add_row(h, TILL, ["Mora kommun", "2062", "", "ÖK 2024", "2024", "Barn och unga", "412 345,67", "", ""])
    add_row(h, FRIST, ["ÖK 2024", "rekvisition", "2024-11-15", "Kommunerna i Dalarnas län", "", "", ""])
    snap = h.store.refresh()
    once = with_sheet(sample_kb(), snap)
    twice = with_sheet(once, snap)  # e.g. an Engine's merged `kb` handed to the App Home
    assert len(twice.allocations) == len(once.allocations) == len(sample_kb().allocations) + 1
    assert len(twice.deadlines) == len(once.deadlines) == len(sample_kb().deadlines) + 1


def test_app_home_shows_the_sheets_deadlines_and_labels_an_estimate(h):
    import json

    from bot.slack.home import contact_home, coordinator_home
    from engine.authz import Identity
    from engine.store import Contact

    add_row(h, TILL, ["Mora kommun", "2062", "", "ÖK 2024", "2024", "Barn och unga", "1 234 kr", "beräknad", "Prognos"])
    add_row(h, FRIST, ["ÖK 2024", "rekvisition", "2024-11-15", "Kommunerna i Dalarnas län", "Region Dalarna",
                       "Rekvirera 2024 års medel", ""])
    snap = h.store.refresh()
    today = dt.date(2024, 11, 1)
    coordinator = json.dumps(coordinator_home(sample_kb(), snap, today).to_dict(), ensure_ascii=False)
    assert "15 november 2024: Kommunerna i Dalarnas län ska rekvirera 2024 års medel till Region Dalarna" in coordinator
    contact = Identity((Contact(row=2, name="Anna", recipient_id=MORA),))
    mine = json.dumps(contact_home(sample_kb(), snap, today, contact).to_dict(), ensure_ascii=False)
    assert "Barn och unga 2024 (beräknat belopp enligt delade arket, inte publicerat): *1 234 kr*" in mine
    assert "Tilldelning (publicerad)" not in mine and "15 november 2024" in mine


def test_sheet_text_can_never_mention_or_link_anyone(h):
    from bot.slack.blocks import answer_message
    from engine.answer import Answer
    from engine.reminder_config import load_reminder_config
    from engine.reminders import plan_outgoing

    add_row(h, TILL, ["Mora kommun", "2062", "", "ÖK 2024", "2024", "Barn och unga", "5 000", "",
                      "<!channel> <https://evil.example|klicka>"])
    add_row(h, FRIST, ["ÖK 2024", "rekvisition", "2024-11-15", "<!here>", "<@U999>", "Rekvirera <!channel>",
                       "<https://evil.example|källa>"])
    snap = h.store.refresh()
    kb = with_sheet(sample_kb(), snap)
    items = plan_outgoing(kb, snap, dt.date(2024, 11, 8), load_reminder_config(), channel="C1")
    texts = [i.text for i in items] + [a.source.cite() for a in snap.knowledge.allocations]
    assert items and all("<!" not in t and "<http" not in t and "<@U999" not in t for t in texts)
    mora = next(a for a in snap.knowledge.allocations if a.recipient == MORA)
    message = answer_message(Answer(text="5 000 kr", intent="amount", sources=[mora.source]), question="q")
    assert "<!channel>" not in str(message) and "<https://evil" not in str(message)
