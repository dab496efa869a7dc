"""Sheets API calls per 1 000 questions (fresh snapshot vs one read per question) and per status update.

Counted at the fake Sheets API v4 server (tests/fake_sheets_api.py) with gspread's real client code.
"""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

QUESTIONS = 1000
UPDATES = 20


def run() -> list[str]:
    from engine.sheet.rows import SNAPSHOT_TABS
    from engine.store import RowKey, StatusUpdate
    from sheets.tabular import TabularStore
    from sheets.workbook import WorkbookBackend
    from tests.fake_sheets_api import FakeSheetsAPI
    from tests.sheets_support import Clock, GoogleHarness, sample_kb

    lines: list[str] = []
    with FakeSheetsAPI() as api:
        h = GoogleHarness(api, Clock(), [])
        store = h.store
        store.snapshot()
        api.reset_calls()
        for _ in range(QUESTIONS):
            store.snapshot()
        cached = len(api.calls)
        api.reset_calls()
        start = time.perf_counter()
        for _ in range(QUESTIONS):
            h.backend.read_tabs([str(t) for t in SNAPSHOT_TABS])
        naive = len(api.calls)
        naive_ms = (time.perf_counter() - start) * 1000 / QUESTIONS
        lines.append(f"Google: API-anrop per {QUESTIONS} frågor med färsk ögonblicksbild: {cached} (mål 0)")
        lines.append(f"Google: API-anrop per {QUESTIONS} frågor, naivt en läsning per fråga: {naive} "
                     f"({naive_ms:.1f} ms/läsning mot lokal fejk-API)")
        keys = [s.key for s in store.snapshot().statuses[:UPDATES]]
        write_calls = refresh_calls = 0
        for i, key in enumerate(keys):
            store.snapshot()
            api.reset_calls()
            store.update_status(StatusUpdate(key=key, changes={"Status": "rekvirerad", "Belopp (kr)": f"{1000 + i} kr"},
                                             actor="bench"))
            write_calls += len(api.calls)
            api.reset_calls()
            store.snapshot()
            refresh_calls += len(api.calls)
        lines.append(f"Google: API-anrop per statusändring inkl. loggrad och skrivlås: {write_calls / len(keys):.1f} (mål ≤ 5); "
                     f"+ {refresh_calls / len(keys):.1f} för nästa ögonblicksbild")
        api.reset_calls()
        new_key = RowKey(recipient_id="kommun-2080", agreement="ok2020", post="ok2020-lan-sammanhallen-vard")
        store.update_status(StatusUpdate(key=new_key, changes={"Status": "avstår"}, actor="bench"))
        lines.append(f"Google: API-anrop för ny rad (upsert) inkl. loggrad: {len(api.calls)}")

    with tempfile.TemporaryDirectory() as tmp:
        backend = WorkbookBackend(Path(tmp) / "wb.xlsx")
        wb_store = TabularStore(backend, kb=sample_kb(), auto_init=True)
        wb_store.snapshot()
        before = backend.reads
        for _ in range(QUESTIONS):
            wb_store.snapshot()
        lines.append(f"Arbetsbok: filläsningar per {QUESTIONS} frågor med färsk ögonblicksbild: {backend.reads - before}")
        keys = [s.key for s in wb_store.snapshot().statuses[:UPDATES]]
        start = time.perf_counter()
        for key in keys:
            wb_store.update_status(StatusUpdate(key=key, changes={"Status": "fakturerad"}, actor="bench"))
        ms = (time.perf_counter() - start) * 1000 / len(keys)
        lines.append(f"Arbetsbok: {ms:.0f} ms per statusändring (lås, omläsning, loggrad, atomisk sparning)")
    return lines
