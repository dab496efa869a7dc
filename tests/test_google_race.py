"""No lost update on Google: two processes update the same Rekvisitioner row through the Google store
(gspread against the fake Sheets API over HTTP, which — like Google — has no conditional write).

Each round both processes read the same view, then both write a different value to the same cell from
it. The write lease (sheets/google.py, findReplace compare-and-set on Lås!A1) lets one in at a time;
the second then re-reads, sees the change and is refused. Proven over 100 rounds: exactly one winner
per round, the next round sees the winner's value (nothing vanished), and Logg has every accepted
and every refused value.
"""
from __future__ import annotations

import json
import multiprocessing as mp
import traceback

from engine.store import ConflictError, RowKey, StatusUpdate, Tab
from sheets.tabular import TabularStore
from tests.fake_sheets_api import FakeSheetsAPI, service_account_info
from tests.sheets_support import HANDLINGSPLANER, RATTVIK, sample_kb

ROUNDS = 100
SHEET = "race-sheet-0000000001"
KEY = RowKey(recipient_id=RATTVIK, agreement="ok2020", post=HANDLINGSPLANER)
FIELD = "Faktura/referens"


def _google_store(api_url: str, creds: str) -> TabularStore:
    from config.settings import Settings
    from sheets.google import GoogleBackend

    settings = Settings(STIMULANS_GOOGLE_SHEET=SHEET, STIMULANS_GOOGLE_CREDENTIALS_JSON=creds,
                        STIMULANS_SHEETS_API_URL=api_url)
    return TabularStore(GoogleBackend.from_settings(settings), kb=sample_kb(), ttl_seconds=0)


def _worker(who: str, api_url: str, creds: str, barrier, out) -> None:
    try:
        store = _google_store(api_url, creds)
        for n in range(ROUNDS):
            barrier.wait(120)
            seen = dict(store.refresh().status_for(KEY).raw)
            barrier.wait(120)  # both have read the same view before either writes
            value = f"{who}-{n}"
            try:
                store.update_status(StatusUpdate(key=KEY, changes={FIELD: value}, actor=who, expected=seen))
                result = "ok"
            except ConflictError:
                result = "conflict"
            out.put((n, who, seen.get(FIELD, ""), value, result))
    except Exception:  # noqa: BLE001 - reported to the parent
        out.put((-1, who, "", "", traceback.format_exc()))
        barrier.abort()


def test_two_processes_updating_the_same_row_lose_no_update_in_100_rounds():
    with FakeSheetsAPI() as api:
        api.create_spreadsheet(SHEET)
        creds = json.dumps(service_account_info(api.token_uri))
        store = _google_store(api.api_url, creds)
        store.init_schema()
        start = len(api.grid(SHEET, str(Tab.logg)))
        ctx = mp.get_context("spawn")
        barrier, out = ctx.Barrier(2), ctx.Queue()
        procs = [ctx.Process(target=_worker, args=(who, api.api_url, creds, barrier, out)) for who in ("A", "B")]
        for p in procs:
            p.start()
        results = [out.get(timeout=600) for _ in range(2 * ROUNDS)]
        for p in procs:
            p.join(60)
        errors = [r[4] for r in results if r[0] < 0]
        assert not errors, errors[0]
        by_round: dict[int, list[tuple]] = {}
        for r in results:
            by_round.setdefault(r[0], []).append(r)
        winners = []
        for n in range(ROUNDS):
            rows = by_round[n]
            assert len({r[2] for r in rows}) == 1  # both wrote from the same view
            assert sorted(r[4] for r in rows) == ["conflict", "ok"], rows  # exactly one winner
            winners.append(next(r[3] for r in rows if r[4] == "ok"))
            if n:  # the round's view is the previous winner's value: nothing vanished
                assert rows[0][2] == winners[n - 1]
        final = store.refresh().status_for(KEY)
        assert final.reference == winners[-1]
        logg = [[str(c) for c in row] for row in api.grid(SHEET, str(Tab.logg))[start:]]
        ours = [row for row in logg if row[3] == FIELD]
        accepted = [row[5] for row in ours if not row[6].startswith("AVVISAD")]
        refused = [row[5] for row in ours if row[6].startswith("AVVISAD")]
        assert accepted == winners  # every accepted value, in order
        losers = sorted(r[3] for r in results if r[4] == "conflict")
        assert sorted(refused) == losers and len(refused) == ROUNDS  # every refusal is visible in Logg
        assert api.cell(SHEET, "Lås", "A1") == "fri"
