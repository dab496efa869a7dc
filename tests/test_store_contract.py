"""One contract for both stores: the local workbook and Google Sheets (gspread against the fake API)."""
from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from engine.status import Status
from engine.store import (
    ConflictError,
    Feedback,
    ReminderRecord,
    RowKey,
    SheetAllocation,
    StatusUpdate,
    StoreError,
    Tab,
)
from tests.fake_sheets_api import FakeSheetsAPI
from tests.sheets_support import (
    BORLANGE,
    DANDERYD,
    HANDLINGSPLANER,
    KUNSKAPSBASERAD,
    RATTVIK,
    SAMMANHALLEN,
    UPPLANDS_VASBY,
    Clock,
    GoogleHarness,
    WorkbookHarness,
    sample_kb,
)

REK = str(Tab.rekvisitioner)
LOGG = str(Tab.logg)


@pytest.fixture(params=["workbook", "google"])
def h(request, tmp_path):
    clock = Clock()
    if request.param == "workbook":
        harness = WorkbookHarness(tmp_path / "data" / "stimulans.xlsx", clock)
        harness.store.snapshot()  # first use creates and seeds the workbook
        harness.clock = clock
        yield harness
        return
    with FakeSheetsAPI() as api:
        sleeps: list[float] = []
        harness = GoogleHarness(api, clock, sleeps)
        harness.clock = clock
        harness.sleeps = sleeps
        yield harness


def key(recipient=RATTVIK, post=HANDLINGSPLANER, agreement="ok2020") -> RowKey:
    return RowKey(recipient_id=recipient, agreement=agreement, post=post)


def row_of(h, k: RowKey) -> int:
    row = h.store.refresh().status_for(k)
    assert row is not None, k
    return row.row


# --------------------------------------------------------------------------- reads and seeding


def test_fresh_sheet_is_seeded_from_the_knowledge_base(h):
    snap = h.store.snapshot()
    keys = {s.key for s in snap.statuses}
    dalarna = {k for k in keys if k.post in (HANDLINGSPLANER, KUNSKAPSBASERAD)}
    stockholm = {k for k in keys if k.post == SAMMANHALLEN}
    assert len(dalarna) == 30 and len(stockholm) == 26
    assert key(DANDERYD, SAMMANHALLEN) in keys and key(BORLANGE, KUNSKAPSBASERAD) in keys
    assert all(s.status == Status.ej_rekvirerad for s in snap.statuses)
    assert len(snap.allocations) == 31
    pot = next(a for a in snap.allocations if a.post == SAMMANHALLEN)
    assert pot.amount == Decimal(10570973) and pot.kind == "publicerad"
    assert pot.source.startswith("Storsthlm – fakturering av länsgemensamma stimulansmedel")  # readable, no stem
    assert snap.problems == []


def test_init_sheet_twice_is_a_no_op(h):
    before = h.rows(REK), h.rows(str(Tab.tilldelning)), h.rows(LOGG)
    assert h.store.init_schema() == []
    assert (h.rows(REK), h.rows(str(Tab.tilldelning)), h.rows(LOGG)) == before


def test_init_sheet_repairs_but_never_overwrites_filled_rows(h):
    r = row_of(h, key())
    h.human_set(REK, f"F{r}", "Fakturerad")
    h.human_set(REK, f"J{r}", "Personal till BUP")
    changes = h.store.init_schema()
    assert changes == []
    row = h.store.refresh().status_for(key())
    assert row.status == Status.fakturerad and row.planned_use == "Personal till BUP"


def test_codes_keep_their_leading_zeros(h):
    snap = h.store.snapshot()
    vasby = snap.status_for(key(UPPLANDS_VASBY, SAMMANHALLEN))
    assert vasby.code == "0114" and vasby.raw["Kod"] == "0114"
    assert h.raw(REK, f"B{vasby.row}") == "0114"


def test_messy_cells_are_understood(h):
    r = row_of(h, key())
    r2 = row_of(h, key(BORLANGE, HANDLINGSPLANER))
    r3 = row_of(h, key(DANDERYD, SAMMANHALLEN))
    h.human_set(REK, f"F{r}", "ja")
    h.human_set(REK, f"G{r}", "1\u00a0726\u202f309 kr")
    h.human_set(REK, f"H{r}", "1/12/2020")
    h.human_set(REK, f"A{r}", "Rättvk")  # typo in the name; the code still says Rättvik
    h.human_set(REK, f"F{r2}", "avstår")
    h.human_set(REK, f"G{r2}", "26 800 tkr")
    h.human_set(REK, f"H{r2}", "1 december 2020")
    h.human_set(REK, f"F{r3}", "fakturerat")
    h.human_set(REK, f"G{r3}", "1,7 mnkr")
    h.human_set(REK, f"H{r3}", "1 dec 2020")
    snap = h.store.refresh()
    a, b, c = snap.status_for(key()), snap.status_for(key(BORLANGE, HANDLINGSPLANER)), snap.status_for(
        key(DANDERYD, SAMMANHALLEN))
    assert (a.status, a.amount, a.date.isoformat()) == (Status.rekvirerad, Decimal(1726309), "2020-12-01")
    assert (b.status, b.amount, b.date.isoformat()) == (Status.avstar, Decimal(26800000), "2020-12-01")
    assert (c.status, c.amount, c.date.isoformat()) == (Status.fakturerad, Decimal(1700000), "2020-12-01")
    assert a.recipient_name == "Rättviks kommun"
    # 26 800 tkr is far above Borlänge's published allocation: reported, the rest still serves
    assert [p.a1 for p in snap.problems] == [f"G{r2}"]


def test_malformed_cells_are_reported_with_a1_references_and_the_rest_serves(h):
    r = row_of(h, key())
    r2 = row_of(h, key(BORLANGE, HANDLINGSPLANER))
    h.human_set(REK, f"G{r}", "mycket pengar")
    h.human_set(REK, f"H{r}", "igår")
    h.human_set(REK, f"F{r2}", "kanske")
    h.human_set(REK, f"A{r2 + 1}", "Narnia")
    h.human_set(REK, f"B{r2 + 1}", "")
    snap = h.store.refresh()
    found = {(p.tab, p.a1): p for p in snap.problems}
    assert set(found) == {(REK, f"G{r}"), (REK, f"H{r}"), (REK, f"F{r2}"), (REK, f"A{r2 + 1}")}
    assert found[(REK, f"G{r}")].raw == "mycket pengar" and "belopp" in found[(REK, f"G{r}")].reason
    assert "status" in found[(REK, f"F{r2}")].reason
    assert "okänd mottagare" in found[(REK, f"A{r2 + 1}")].reason
    assert found[(REK, f"H{r}")].describe().startswith(f"Rekvisitioner!H{r}: ”igår”")
    assert len(snap.statuses) == 55  # only the unknown recipient's row is left out
    assert snap.status_for(key()).amount is None


def test_duplicate_rows_are_reported(h):
    r = row_of(h, key())
    other = row_of(h, key(BORLANGE, HANDLINGSPLANER))
    for col in "ABCDE":
        h.human_set(REK, f"{col}{other}", h.raw(REK, f"{col}{r}"))
    snap = h.store.refresh()
    assert [(p.a1, "dubblett" in p.reason) for p in snap.problems] == [(f"A{max(r, other)}", True)]


# --------------------------------------------------------------------------- snapshot cache


def test_questions_cost_no_reads_while_the_snapshot_is_fresh(h):
    h.store.snapshot()
    before = h.reads()
    for _ in range(50):
        h.store.snapshot()
    assert h.reads() == before
    h.clock.advance(61)
    h.store.snapshot()
    assert h.reads() == before + 1


def test_a_write_refreshes_the_snapshot(h):
    h.store.snapshot()
    h.store.update_status(StatusUpdate(key=key(), changes={"Status": "klart"}, actor="anna"))
    assert h.store.snapshot().status_for(key()).status == Status.rekvirerad


def test_failed_refresh_serves_the_last_good_snapshot_with_its_age(h):
    good = h.store.refresh()
    h.break_source()
    h.clock.advance(120)
    stale = h.store.snapshot()
    assert stale.stale_error and stale.fetched_at == good.fetched_at
    assert stale.statuses == good.statuses


# --------------------------------------------------------------------------- writes


def test_update_writes_only_changed_cells_and_audits_each_field(h):
    r = row_of(h, key())
    before = h.rows(REK)
    res = h.store.update_status(StatusUpdate(
        key=key(), changes={"status": "Rekvirerat", "belopp": "1 649 410,97 kr", "Datum": "1 dec 2020",
                            "Kontaktperson": ""}, actor="anna@falun.se"))
    assert res.row == r and not res.created
    assert res.changed == {"Status": ("Ej rekvirerad", "Rekvirerad"), "Belopp (kr)": ("", "1 649 410,97 kr"),
                           "Datum": ("", "2020-12-01")}
    after = h.rows(REK)
    changed_rows = [i for i, (x, y) in enumerate(zip(before, after, strict=False)) if x != y]
    assert changed_rows == [r - 1]
    header = after[0]
    row = dict(zip(header, after[r - 1], strict=False))
    assert row["Status"] == "Rekvirerad" and row["Datum"] == "2020-12-01" and row["Uppdaterad av"] == "anna@falun.se"
    assert Decimal(row["Belopp (kr)"]) == Decimal("1649410.97")
    assert row["Uppdaterad"] == "2020-11-20T10:30:00+01:00"  # Europe/Stockholm
    logg = [r for r in h.rows(LOGG)[1:] if r[1] == "anna@falun.se"]
    assert [(x[2], x[3], x[4], x[5]) for x in logg] == [
        ("Rättviks kommun", "Status", "Ej rekvirerad", "Rekvirerad"),
        ("Rättviks kommun", "Belopp (kr)", "", "1 649 410,97 kr"),
        ("Rättviks kommun", "Datum", "", "2020-12-01"),
    ]
    assert all(x[0] == "2020-11-20T10:30:00+01:00" for x in logg)
    # the same value again writes nothing
    logg_len = len(h.rows(LOGG))
    again = h.store.update_status(StatusUpdate(key=key(), changes={"status": "rekvirerad"}, actor="anna@falun.se"))
    assert again.changed == {} and len(h.rows(LOGG)) == logg_len


@pytest.mark.parametrize("typed", ["=IMPORTXML(\"http://x\", \"//a\")", "+SUM(A1:A9)", "-1+2", "@x", "0114"])
def test_formula_looking_input_stays_text(h, typed):
    r = row_of(h, key())
    h.store.update_status(StatusUpdate(key=key(), changes={"Faktura/referens": typed}, actor="anna"))
    assert h.raw(REK, f"I{r}") == typed and h.is_text(REK, f"I{r}")
    assert h.store.snapshot().status_for(key()).reference == typed
    logg = h.rows(LOGG)[-1]
    assert logg[5] == typed


def test_concurrent_edit_between_read_and_write_is_refused(h):
    r = row_of(h, key())
    h.store.snapshot()  # the bot reads ...
    h.human_set(REK, f"F{r}", "Fakturerad")  # ... a person edits the row in the sheet ...
    logg_before = h.rows(LOGG)
    with pytest.raises(ConflictError) as err:  # ... the bot's write based on its old read is refused
        h.store.update_status(StatusUpdate(key=key(), changes={"Status": "rekvirerad"}, actor="bot"))
    assert "Fakturerad" in str(err.value) and err.value.current.status == Status.fakturerad
    assert h.raw(REK, f"F{r}") == "Fakturerad"
    # the refusal is in the log: the current value, the refused one, and that nothing was written
    [refused] = h.rows(LOGG)[len(logg_before):]
    assert refused[1] == "bot" and refused[3:6] == ["Status", "Fakturerad", "Rekvirerad"]
    assert refused[6].startswith("AVVISAD")


def test_explicit_expected_values_are_checked(h):
    r = row_of(h, key())
    seen = dict(h.store.snapshot().status_for(key()).raw)
    h.human_set(REK, f"G{r}", "500 000 kr")
    with pytest.raises(ConflictError) as err:
        h.store.update_status(StatusUpdate(key=key(), changes={"Datum": "2020-11-30"}, actor="bo", expected=seen))
    assert "500 000 kr" in str(err.value)
    fresh = dict(h.store.refresh().status_for(key()).raw)
    res = h.store.update_status(StatusUpdate(key=key(), changes={"Datum": "2020-11-30"}, actor="bo", expected=fresh))
    assert res.changed == {"Datum": ("", "2020-11-30")}


def test_invalid_values_are_refused_before_anything_is_written(h):
    logg_before = h.rows(LOGG)
    for field, value in [("Status", "kanske"), ("belopp", "mycket"), ("datum", "31/2/2020"), ("färg", "blå")]:
        with pytest.raises(StoreError):
            h.store.update_status(StatusUpdate(key=key(), changes={field: value}, actor="anna"))
    assert h.rows(LOGG) == logg_before


def test_update_of_a_missing_row_appends_it(h):
    k = key("kommun-2080", SAMMANHALLEN)  # Falun has no Sammanhållen vård row
    res = h.store.update_status(StatusUpdate(key=k, changes={"Status": "avstår"}, actor="anna"))
    assert res.created and res.changed == {"Status": ("", "Avstår")}
    row = h.store.snapshot().status_for(k)
    assert row.status == Status.avstar and row.recipient_name == sample_kb().recipients["kommun-2080"].name and row.code == "2080"
    assert row.row == res.row
    assert "ny rad" in h.rows(LOGG)[-1][6]


# --------------------------------------------------------------------------- feedback, reminders, allocations


def test_feedback_is_appended(h):
    h.store.append_feedback(Feedback(who="U123", question="=moms?", answer="Nej.", vote="down"))
    assert h.rows(str(Tab.aterkoppling))[-1] == ["2020-11-20T10:30:00+01:00", "U123", "=moms?", "Nej.", "down"]


def test_a_reminder_is_claimed_once_and_completed(h):
    rec = ReminderRecord(reminder_id="ok2020-faktura-1dec:7", deadline_id="ok2020-faktura", offset_days=7,
                         channel="#stimulans", owner="worker-1")
    assert h.store.claim_reminder(rec) is True
    assert h.store.claim_reminder(replace(rec, owner="worker-2")) is False
    h.store.complete_reminder(rec.reminder_id, "1606809600.000100")
    assert h.store.claim_reminder(replace(rec, owner="worker-3")) is False
    rows = [r for r in h.store.snapshot().reminders if r.reminder_id == rec.reminder_id]
    assert [(r.status, r.owner, r.slack_ts) for r in rows] == [("skickad", "worker-1", "1606809600.000100")]


def test_write_allocations_upserts_without_replacing_published_figures(h):
    published = next(a for a in h.store.snapshot().allocations if a.recipient_id == RATTVIK)
    computed = SheetAllocation(recipient_id=DANDERYD, recipient_name="Danderyds kommun", code="0162",
                               county="Stockholms län", agreement="ok2020", year=2020, post=SAMMANHALLEN,
                               amount=Decimal("345678.12"), kind="beräknad", source="befolkning 2019-12-31")
    attempt = replace(published, amount=Decimal(1), kind="beräknad")
    assert h.store.write_allocations([computed, attempt], actor="cli:anna") == 1
    again = replace(computed, amount=Decimal("345679.00"))
    assert h.store.write_allocations([again, replace(computed, amount=Decimal("345679.00"))],
                                     actor="cli:anna") == 1
    assert h.store.write_allocations([again], actor="cli:anna") == 0
    allocs = {(a.recipient_id, a.post): a for a in h.store.snapshot().allocations}
    assert allocs[(DANDERYD, SAMMANHALLEN)].amount == Decimal("345679.00")
    assert allocs[(RATTVIK, published.post)].amount == published.amount
    assert h.rows(LOGG)[-1][4:6] == ["345 678,12 kr", "345 679 kr"]
