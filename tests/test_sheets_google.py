"""Google store specifics: gspread's real client against the fake Sheets API (faults, credentials, formats)."""
from __future__ import annotations

import json
import threading
from dataclasses import replace

import pytest

from config.settings import Settings
from engine.status import STATUS_LABELS
from engine.store import ReminderRecord, RowKey, StatusUpdate, StoreError, Tab
from sheets.factory import open_store
from sheets.google import GoogleBackend
from sheets.tabular import TabularStore
from tests.fake_sheets_api import SERVICE_EMAIL, FakeSheetsAPI, service_account_info
from tests.sheets_support import HANDLINGSPLANER, RATTVIK, Clock, GoogleHarness, sample_kb

KEY = RowKey(recipient_id=RATTVIK, agreement="ok2020", post=HANDLINGSPLANER)


@pytest.fixture
def api():
    with FakeSheetsAPI() as server:
        yield server


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def g(api, sleeps):
    return GoogleHarness(api, Clock(), sleeps)


def settings_for(api, sheet=GoogleHarness.SHEET, **extra) -> Settings:
    values = {"STIMULANS_GOOGLE_SHEET": sheet, "STIMULANS_SHEETS_API_URL": api.api_url,
              "STIMULANS_GOOGLE_CREDENTIALS_JSON": json.dumps(service_account_info(api.token_uri))}
    values.update(extra)
    return Settings(**values)


def test_429_three_times_then_success_honours_retry_after(g, api, sleeps):
    api.fail(429, times=3, retry_after="5", match="batchGet")
    snap = g.store.refresh()
    assert snap.stale_error is None and len(snap.statuses) == 56
    assert sleeps == [5.0, 5.0, 5.0]


def test_retry_after_is_capped_and_the_operation_ends_within_its_deadline(api, sleeps):
    from sheets.google import OPERATION_DEADLINE, RETRY_AFTER_CAP

    api.create_spreadsheet(GoogleHarness.SHEET)
    store = TabularStore(GoogleBackend.from_settings(settings_for(api), sleep=sleeps.append), kb=sample_kb())
    api.fail(429, times=1000, retry_after="3600")
    with pytest.raises(StoreError, match="svarar inte"):
        store.snapshot()
    assert sleeps and max(sleeps) <= RETRY_AFTER_CAP and sum(sleeps) <= OPERATION_DEADLINE


def test_a_hanging_call_gives_up_at_the_total_deadline(api, sleeps):
    import time

    api.create_spreadsheet(GoogleHarness.SHEET)
    backend = GoogleBackend.from_settings(settings_for(api), sleep=sleeps.append)
    TabularStore(backend, kb=sample_kb()).init_schema()
    backend.http.deadline = 1.0  # production: OPERATION_DEADLINE (20 s); short here so the test is short
    api.latency = 60.0  # Google hangs
    t0 = time.monotonic()
    with pytest.raises(StoreError, match="svarade inte inom 1 s|svarar inte|Kan inte nå"):
        backend.read_tabs(["Rekvisitioner"])
    assert time.monotonic() - t0 < 30  # bounded by the deadline (+ scheduling), not by Google's 60 s
    api.latency = 0.0


def test_an_expired_snapshot_is_served_at_once_while_it_refreshes_in_the_background(api):
    import threading

    from tests.sheets_support import Clock

    api.create_spreadsheet(GoogleHarness.SHEET)
    clock = Clock()
    store = TabularStore(GoogleBackend.from_settings(settings_for(api)), kb=sample_kb(), clock=clock,
                         ttl_seconds=60, background_refresh=True)
    store.init_schema()
    first = store.snapshot()
    api.human_set(GoogleHarness.SHEET, "Rekvisitioner", "F2", "Rekvirerad")
    clock.advance(61)
    api.gate = threading.Event()  # Google stops answering
    served: list = []
    asker = threading.Thread(target=lambda: served.append(store.snapshot()))
    asker.start()
    asker.join(10)
    assert not asker.is_alive() and served == [first]  # the question was answered from the old snapshot
    api.gate.set()  # Google answers again: the background refresh lands
    assert store.wait_for_refresh(10)
    assert store.snapshot() is not first and str(store.snapshot().statuses[0].status) == "rekvirerad"


def test_5xx_without_retry_after_backs_off_exponentially(g, api, sleeps):
    api.fail(503, times=2, match="batchGet")
    g.store.refresh()
    assert sleeps == [1.0, 2.0]


def test_permanent_500_gives_a_clear_error_after_a_bounded_number_of_tries(api, sleeps):
    api.create_spreadsheet(GoogleHarness.SHEET)
    store = TabularStore(GoogleBackend.from_settings(settings_for(api), sleep=sleeps.append), kb=sample_kb())
    api.fail(500, times=1000)
    with pytest.raises(StoreError, match=r"Google Sheets svarar inte .*HTTP 500.* efter högst 5 försök"):
        store.snapshot()
    assert len(sleeps) == 4 and sleeps == [1.0, 2.0, 4.0, 8.0]


def test_failed_cell_write_leaves_an_audit_row_saying_so(g, api):
    g.store.snapshot()
    row = g.store.snapshot().status_for(KEY).row
    api.fail(500, times=1000, match="values:batchUpdate")
    with pytest.raises(StoreError, match="kunde inte skrivas"):
        g.store.update_status(StatusUpdate(key=KEY, changes={"Status": "rekvirerad"}, actor="anna"))
    assert api.cell(g.SHEET, "Rekvisitioner", f"F{row}") == "Ej rekvirerad"
    logg = g.rows(str(Tab.logg))[-2:]
    assert [r[3:6] for r in logg] == [["Status", "Ej rekvirerad", "Rekvirerad"]] * 2
    assert logg[0][6].endswith(f"rad {row}") and logg[1][6].startswith("MISSLYCKADES")


def test_a_status_update_costs_five_api_calls(g, api):
    g.store.snapshot()
    g.store.update_status(StatusUpdate(key=KEY, changes={"Status": "rekvirerad"}, actor="a"))  # creates Lås
    g.store.snapshot()
    api.reset_calls()
    g.store.update_status(StatusUpdate(key=KEY, changes={"Status": "klart", "Belopp (kr)": "1 000 kr"}, actor="a"))
    # take the lease (findReplace), read the row, append the audit, write the cells, release the lease
    assert len(api.calls) == 5
    assert api.cell(g.SHEET, "Lås", "A1") == "fri"
    assert not any("USER_ENTERED" in c for c in api.calls)


def test_unshared_sheet_names_the_service_account_email(api):
    api.create_spreadsheet("not-shared-sheet-1", shared_with=("someone@example.se",))
    store = open_store(settings_for(api, sheet="not-shared-sheet-1"), kb=sample_kb())
    with pytest.raises(StoreError) as err:
        store.snapshot()
    assert SERVICE_EMAIL in str(err.value) and "Dela kalkylarket" in str(err.value)


def test_unknown_sheet_is_reported_with_the_email_to_share_with(api):
    store = open_store(settings_for(api, sheet="no-such-sheet-123"), kb=sample_kb())
    with pytest.raises(StoreError, match="hittades inte") as err:
        store.snapshot()
    assert SERVICE_EMAIL in str(err.value)


@pytest.mark.parametrize("creds, message", [
    ("{not json", "inte giltig JSON"),
    (json.dumps({"type": "authorized_user", "client_id": "x"}), "inte en nyckel för ett tjänstekonto"),
    (json.dumps({"type": "service_account", "client_email": "a@b"}), "saknar private_key"),
])
def test_invalid_credentials_give_a_clear_message(api, creds, message):
    with pytest.raises(StoreError, match=message):
        open_store(settings_for(api, STIMULANS_GOOGLE_CREDENTIALS_JSON=creds))


def test_missing_key_file_gives_a_clear_message(api, tmp_path):
    settings = Settings(STIMULANS_GOOGLE_SHEET=GoogleHarness.SHEET,
                        GOOGLE_APPLICATION_CREDENTIALS=tmp_path / "nyckel.json")
    with pytest.raises(StoreError, match="Nyckelfilen för tjänstekontot finns inte"):
        open_store(settings)


def test_secret_json_never_shows_in_errors(api):
    info = service_account_info(api.token_uri)
    settings = settings_for(api, sheet="no-such-sheet-123")
    with pytest.raises(StoreError) as err:
        open_store(settings, kb=sample_kb()).snapshot()
    assert info["private_key"][40:80] not in str(err.value)


def test_factory_chooses_google_only_when_configured(api, tmp_path):
    google = open_store(settings_for(api), kb=sample_kb())
    assert isinstance(google.backend, GoogleBackend)
    local = open_store(Settings(STIMULANS_WORKBOOK=tmp_path / "wb.xlsx"), kb=sample_kb())
    assert type(local.backend).__name__ == "WorkbookBackend"


def test_missing_tab_suggests_init_sheet(api):
    api.create_spreadsheet(GoogleHarness.SHEET)
    store = open_store(settings_for(api), kb=sample_kb())
    with pytest.raises(StoreError, match="stimulans init-sheet"):
        store.snapshot()


def test_init_sheet_sets_formats_validation_and_protection(g, api):
    ss = api.spreadsheets[g.SHEET]
    rek = ss.sheet("Rekvisitioner")
    assert rek.frozen_rows == 1
    assert [p["description"] for p in rek.protected] == ["Stimulans rubrikrad"]
    (validation,) = rek.validations
    assert validation["range"]["startColumnIndex"] == 5  # Status is column F
    assert [v["userEnteredValue"] for v in validation["rule"]["condition"]["values"]] == list(STATUS_LABELS.values())
    assert validation["rule"]["strict"] is False  # "ja" and "klart" are still understood
    formats = {f["range"].get("startColumnIndex"): f["cell"]["userEnteredFormat"].get("numberFormat", {}).get("type")
               for f in rek.formats}
    assert formats[1] == "TEXT" and formats[6] == "NUMBER" and formats[7] == "DATE"
    api.reset_calls()
    assert g.store.init_schema() == []
    posts = [c for c in api.calls if c.startswith("POST")]
    assert len(posts) == 2 and all(c.endswith(":batchUpdate") for c in posts)  # only take + release the lease


def test_init_sheet_repairs_a_missing_header_without_moving_columns(g, api):
    api.human_set(g.SHEET, "Kontakter", "F1", "")  # someone deleted the "Roll" header
    api.human_set(g.SHEET, "Kontakter", "A2", "Anna Andersson")
    changes = g.store.init_schema()
    assert changes == ["Kontakter: rubriker tillagda: Roll"]
    assert g.rows("Kontakter")[0][-1] == "Roll" and g.rows("Kontakter")[1][0] == "Anna Andersson"


def test_people_typing_codes_in_a_plain_cell_are_still_matched(g, api):
    row = g.store.snapshot().status_for(KEY).row
    api.human_set(g.SHEET, "Rekvisitioner", f"B{row}", "2031")  # USER_ENTERED turns it into the number 2031
    api.human_set(g.SHEET, "Rekvisitioner", f"A{row}", "")
    assert g.store.refresh().status_for(KEY).code == "2031"


def test_concurrent_reminder_claims_have_exactly_one_winner(api):
    api.create_spreadsheet(GoogleHarness.SHEET)
    stores = [TabularStore(GoogleBackend.from_settings(settings_for(api)), kb=sample_kb()) for _ in range(4)]
    stores[0].init_schema()
    rec = ReminderRecord(reminder_id="r-1", deadline_id="d", offset_days=3, channel="#c")
    results: list[bool] = []
    barrier = threading.Barrier(len(stores))

    def claim(store):
        barrier.wait()
        results.append(store.claim_reminder(replace(rec, owner=f"w{id(store)}")))

    threads = [threading.Thread(target=claim, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False, False, False, True]
    rows = [r for r in stores[0].refresh().reminders if r.reminder_id == "r-1"]
    assert [r.status for r in rows].count("anspråk") == 1
    assert all(r.status in ("anspråk", "dubblett") for r in rows)


@pytest.mark.parametrize("typed", ["", "Fri", "låst av crashed/1 till 1000.000", "x"])
def test_a_broken_or_expired_lease_cell_does_not_block_writes(g, api, typed):
    g.store.update_status(StatusUpdate(key=KEY, changes={"Status": "rekvirerad"}, actor="a"))  # creates Lås
    api.human_set(g.SHEET, "Lås", "A1", typed)  # a person empties it, retypes it, or a writer crashed
    g.store.update_status(StatusUpdate(key=KEY, changes={"Status": "fakturerad"}, actor="b"))
    assert str(g.store.refresh().status_for(KEY).status) == "fakturerad"
    assert api.cell(g.SHEET, "Lås", "A1") == "fri"


def test_a_live_lease_of_another_writer_is_waited_for_then_refused_clearly(g, api):
    import time

    g.store.update_status(StatusUpdate(key=KEY, changes={"Status": "rekvirerad"}, actor="a"))
    api.human_set(g.SHEET, "Lås", "A1", f"låst av other:1/ab till {time.time() + 600:.3f}")
    g.backend.lease_wait = 0.3
    with pytest.raises(StoreError, match="upptaget"):
        g.store.update_status(StatusUpdate(key=KEY, changes={"Status": "fakturerad"}, actor="b"))
    assert str(g.store.refresh().status_for(KEY).status) == "rekvirerad"


def test_a_deleted_lease_tab_is_recreated(g, api):
    g.store.update_status(StatusUpdate(key=KEY, changes={"Status": "rekvirerad"}, actor="a"))
    ss = api.spreadsheets[g.SHEET]
    ss.sheets = [x for x in ss.sheets if x.title != "Lås"]
    g.store.update_status(StatusUpdate(key=KEY, changes={"Status": "fakturerad"}, actor="b"))
    assert api.cell(g.SHEET, "Lås", "A1") == "fri"
