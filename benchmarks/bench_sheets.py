"""The real stores on the production paths.

- Google: gspread's real client against the fake Sheets API v4 (tests/fake_sheets_api.py) seeded from the
  real knowledge base; the real engine answers status and amount questions for a fixed wall-clock time with
  the real monotonic clock, so the snapshot TTL really expires. Reads are counted at the fake API.
- Workbook: the real knowledge base's workbook with 0 / 10 000 / 100 000 rows in Logg; an audited update
  (conflict check, Logg row, atomic save) timed end to end, as the status modal's submit does it.
"""
from __future__ import annotations

import json
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.report import Row

TTL = 4.0  # seconds; short so that the run sees the snapshot expire several times
DURATION = 12.0
LOG_SIZES = (0, 10_000, 100_000)
UPDATES = 7
QUESTIONS = ["status Falun", "Hur mycket får Falun 2020?", "status Rättvik", "Sista dag att fakturera Storsthlm?",
             "Hur mycket har Danderyd rekvirerat?"]


def _google(kb) -> list:
    from config.settings import Settings
    from engine.qa import Engine
    from engine.store import StatusUpdate
    from sheets.google import GoogleBackend
    from sheets.tabular import TabularStore
    from tests.fake_sheets_api import FakeSheetsAPI, service_account_info

    with FakeSheetsAPI() as api:
        api.create_spreadsheet("bench-sheet-000001")
        settings = Settings(_env_file=None, STIMULANS_GOOGLE_SHEET="bench-sheet-000001",
                            STIMULANS_GOOGLE_CREDENTIALS_JSON=json.dumps(service_account_info(api.token_uri)),
                            STIMULANS_SHEETS_API_URL=api.api_url)
        store = TabularStore(GoogleBackend.from_settings(settings), kb=kb, ttl_seconds=TTL)
        store.init_schema()
        engine = Engine(kb, store=store)
        api.reset_calls()
        asked = 0
        start = time.monotonic()
        while time.monotonic() - start < DURATION:
            engine.ask(QUESTIONS[asked % len(QUESTIONS)])
            asked += 1
        elapsed = time.monotonic() - start
        reads = sum(1 for c in api.calls if "/v4/" in c)
        key = store.snapshot().statuses[0].key
        api.reset_calls()
        store.update_status(StatusUpdate(key=key, changes={"Status": "rekvirerad"}, actor="bench"))
        update_calls = sum(1 for c in api.calls if "/v4/" in c)
    per_1000 = reads * 1000 / asked
    per_minute = reads * 60 / elapsed
    return [
        f"Google, real clock: {asked} questions in {elapsed:.1f} s with TTL {TTL:g} s -> {reads} reads",
        Row("Sheets reads per 1 000 questions (real clock, TTL 4 s)", per_1000, "calls", 3000,
            "naive gspread (3 calls/question)"),
        Row("Sheets reads per minute per worker (TTL 4 s; production TTL 60 s: 1)", per_minute, "reads/min", 60,
            "the 60 reads/min quota"),
        Row("Sheets calls per audited status update (incl. the write lease)", update_calls, "calls", 3,
            "naive gspread (3 calls, no lease)", "≤ 5", update_calls <= 5),
    ]


def _workbook(kb) -> list:
    from engine.store import StatusUpdate
    from sheets.tabular import TabularStore
    from sheets.workbook import WorkbookBackend

    out: list = []
    medians: dict[int, float] = {}
    for size in LOG_SIZES:
        with tempfile.TemporaryDirectory() as tmp:
            store = TabularStore(WorkbookBackend(Path(tmp) / "wb.xlsx"), kb=kb, auto_init=True)
            statuses = store.snapshot().statuses
            row = ["2026-01-01T10:00:00+01:00", "bench", "Falu kommun", "Status", "ej rekvirerad", "rekvirerad",
                   "ok2020; rad 2"]
            for _ in range(size // 10_000):
                store.backend.append_rows("Logg", [row] * 10_000)
            times = []
            for i in range(UPDATES):
                key = statuses[i % len(statuses)].key
                t0 = time.perf_counter()
                store.update_status(StatusUpdate(key=key, changes={"Status": "rekvirerad" if i % 2 else "fakturerad"},
                                                 actor="bench"))
                times.append((time.perf_counter() - t0) * 1000)
            medians[size] = statistics.median(times)
            rows = store.backend.journal.count("Logg")
            size_kb = (Path(tmp) / "wb.xlsx").stat().st_size / 1024
        out.append(f"workbook, {rows} Logg rows: audited update median {medians[size]:.0f} ms, max {max(times):.0f} ms "
                   f"(.xlsx {size_kb:.0f} kB; {len(statuses)} Rekvisitioner rows)")
    top = LOG_SIZES[-1]
    out.append(Row("audited workbook update at 100 000 Logg rows", medians[top], "ms", 3000,
                   "Slack's 3 s", "< 300 ms", medians[top] < 300))
    out.append(Row("audited update at 100 000 vs 0 Logg rows", medians[top] / medians[0], "×", None, "",
                   "< 1.5", medians[top] / medians[0] < 1.5,
                   note=f"{medians[0]:.0f} ms at 0, {medians[10_000]:.0f} ms at 10 000"))
    return out


def run() -> list:
    from engine.knowledge import load_knowledge

    kb = load_knowledge()
    return _google(kb) + _workbook(kb)
