"""The weekly digest (issue #14): numbers, a non-blank PNG, the text, the upload against the mock Web API
on loopback, exactly once per week and channel (the reminders' claim mechanism)."""
from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from bot.charts import digest_png
from bot.slack.digest_sender import post_digest
from bot.slack.reminder_sender import make_client
from config.settings import Settings
from engine.digest import DEADLINE_ID, build_digest, digest_id, latest_digest_file
from engine.knowledge import load_knowledge
from engine.store import StatusUpdate
from sheets.factory import open_store
from tests.slack_support import BOT_TOKEN, MockSlack

REPO = Path(__file__).resolve().parent.parent
TODAY = dt.date(2020, 11, 24)
KB = load_knowledge()


def workbook_store(path: Path):
    return open_store(Settings(_env_file=None, STIMULANS_WORKBOOK=str(path)))


def _set(store, recipient_id: str, status: str, post_word: str | None = None) -> None:
    rows = [s for s in store.snapshot().statuses if s.key.recipient_id == recipient_id and s.key.agreement == "ok2020"]
    if post_word:
        rows = [s for s in rows if post_word in s.key.post]
    store.update_status(StatusUpdate(key=rows[0].key, actor="test", changes={"Status": status}))


@pytest.fixture(scope="module")
def workbook(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("digest") / "stimulans.xlsx"
    store = workbook_store(path)
    store.snapshot()  # create and seed
    _set(store, "kommun-0162", "Fakturerad")  # Danderyd
    _set(store, "kommun-0180", "Avstår")  # Stockholm
    _set(store, "kommun-2080", "Rekvirerad", "handlingsplaner")  # Falun
    _set(store, "kommun-2031", "Utbetald", "handlingsplaner")  # Rättvik
    return path


@pytest.fixture
def store(workbook, tmp_path):
    copy = tmp_path / "wb.xlsx"
    copy.write_bytes(workbook.read_bytes())
    return workbook_store(copy)


def _png_stats(data: bytes) -> tuple[int, int, int]:
    """(width, height, distinct colours) read back with matplotlib's PNG reader."""
    import matplotlib.image as mpimg
    import numpy as np

    img = mpimg.imread(io.BytesIO(data), format="png")
    h, w = img.shape[:2]
    colours = len(np.unique((img[..., :3] * 255).astype("uint8").reshape(-1, 3), axis=0))
    return w, h, colours


# ------------------------------------------------------------------ the numbers and the text


def test_digest_counts_per_post_and_county(store):
    d = build_digest(KB, store.snapshot(), TODAY)
    assert d.week == "2020-W48"
    sv = next(b for b in d.posts if b.label.startswith("Sammanhållen vård"))
    assert sv.counts == {"rekvirerad": 0, "fakturerad": 1, "avstår": 1, "öppen": 24} and sv.total == 26
    assert sv.next_deadline == dt.date(2020, 12, 1)
    hp = next(b for b in d.posts if b.label.startswith("Handlingsplaner"))
    assert hp.counts["rekvirerad"] == 1 and hp.counts["fakturerad"] == 1 and hp.open == 13
    counties = {b.label: b for b in d.counties}
    assert set(counties) == {"Stockholms län", "Dalarnas län"}
    assert counties["Stockholms län"].open == 24 and counties["Dalarnas län"].total == 30
    assert d.posts[0] is sv  # the post with the nearest deadline first
    text = d.text
    assert text.startswith("Veckosammanfattning v. 48 (24 november 2020), hela landet: 4 av 56 rader klara")
    assert "Nästa deadline: 1 december 2020 (om 7 dagar): kommunerna i Stockholms län ska skicka faktura" in text
    assert ("Källa: Storsthlm – fakturering av länsgemensamma stimulansmedel för sammanhållen vård 2020, avsnitt "
            "Skicka faktura till Storsthlm – senast den 1 december 2020") in text
    assert "Fortfarande öppna (" in text and "Täby kommun" in text
    assert "Danderyds kommun" not in text.split("Fortfarande öppna")[1]  # invoiced: not open


def test_digest_for_one_county(store):
    d = build_digest(KB, store.snapshot(), TODAY, county="20")
    assert d.scope == "Dalarnas län" and [b.label for b in d.counties] == ["Dalarnas län"]
    assert all(not b.label.startswith("Sammanhållen") for b in d.posts)
    assert "Falu kommun" in d.text and "Täby kommun" not in d.text


def test_png_is_a_readable_non_blank_chart(store):
    png = digest_png(build_digest(KB, store.snapshot(), TODAY))
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    w, h, colours = _png_stats(png)
    assert w >= 1000 and h >= 400
    assert colours > 20  # bars in four colours, anti-aliased text: far from blank


def test_png_with_an_empty_sheet_still_draws(tmp_path):
    from engine.store import Snapshot

    d = build_digest(KB, Snapshot(fetched_at=dt.datetime.now(dt.UTC)), TODAY)
    assert d.rows == 0 and "inga rader" in d.text
    w, h, colours = _png_stats(digest_png(d))
    assert w > 500 and colours > 2


# ------------------------------------------------------------------ the CLI (acceptance)


def cli_env(workbook: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "STIMULANS_", "GOOGLE_"))}
    env.update(STIMULANS_WORKBOOK=str(workbook), STIMULANS_DATA_DIR=str(workbook.parent), **extra)
    return env


def stimulans(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot", *args], env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=120)


def test_dry_run_writes_a_png_and_the_text_and_records_nothing(workbook, tmp_path):
    wb = tmp_path / "wb.xlsx"
    wb.write_bytes(workbook.read_bytes())
    proc = stimulans(["sammanfattning", "--dry-run", "--today", "2020-11-24"], cli_env(wb), tmp_path)
    assert proc.returncode == 0, proc.stderr
    png = tmp_path / "sammanfattning-2020-W48.png"
    assert png.exists() and f"Diagram: {png.name}" in proc.stdout
    w, h, colours = _png_stats(png.read_bytes())
    assert w >= 1000 and colours > 20
    assert "Veckosammanfattning v. 48" in proc.stdout and "Fortfarande öppna" in proc.stdout
    assert "torrkörning" in proc.stdout
    assert not [r for r in workbook_store(wb).refresh().reminders if r.deadline_id == DEADLINE_ID]


def test_posted_once_per_week_and_channel_with_file_upload(workbook, tmp_path):
    wb = tmp_path / "wb.xlsx"
    wb.write_bytes(workbook.read_bytes())
    mock = MockSlack()
    try:
        env = cli_env(wb, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_API_URL=mock.url, STIMULANS_COORDINATOR_CHANNEL="CCOORD1")
        first = stimulans(["sammanfattning", "--today", "2020-11-24"], env, tmp_path)
        assert first.returncode == 0, first.stderr
        assert "Skickad: sammanfattning:2020-W48:CCOORD1 (fil F00000001)" in first.stdout
        again = stimulans(["sammanfattning", "--today", "2020-11-26"], env, tmp_path)  # same ISO week
        assert again.returncode == 0 and "Redan skickad denna vecka" in again.stdout
        assert len(mock.of("files.getUploadURLExternal")) == 1
        upload = mock.of("file_upload")
        assert len(upload) == 1 and upload[0].data["bytes"].startswith(b"\x89PNG")
        done = mock.of("files.completeUploadExternal")[0].data
        assert done["channel_id"] == "CCOORD1" and "Veckosammanfattning v. 48" in done["initial_comment"]
        assert "Fortfarande öppna" in done["initial_comment"]
        next_week = stimulans(["sammanfattning", "--today", "2020-12-01"], env, tmp_path)
        assert next_week.returncode == 0 and "Skickad: sammanfattning:2020-W49:CCOORD1" in next_week.stdout
    finally:
        mock.close()
    records = [r for r in workbook_store(wb).refresh().reminders if r.deadline_id == DEADLINE_ID]
    assert {r.reminder_id: r.slack_ts for r in records} == {"sammanfattning:2020-W48:CCOORD1": "F00000001",
                                                            "sammanfattning:2020-W49:CCOORD1": "F00000002"}
    assert latest_digest_file(workbook_store(wb).refresh()) == "F00000002"


def test_concurrent_runs_upload_once(store):
    mock = MockSlack()
    try:
        digest = build_digest(KB, store.snapshot(), TODAY)
        png = b"\x89PNG fake"
        results = []

        def run() -> None:
            client = make_client(BOT_TOKEN, mock.url)
            results.append(post_digest(client, store, digest, png, "CCOORD1"))

        threads = [threading.Thread(target=run) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert sorted(r.outcome for r in results).count("sent") == 1
        assert len(mock.of("files.completeUploadExternal")) == 1
        assert all(r.digest_id == digest_id(TODAY, "CCOORD1") for r in results)
    finally:
        mock.close()


def test_live_run_without_channel_or_token_is_one_line(workbook, tmp_path):
    wb = tmp_path / "wb.xlsx"
    wb.write_bytes(workbook.read_bytes())
    proc = stimulans(["sammanfattning", "--today", "2020-11-24"], cli_env(wb), tmp_path)
    assert proc.returncode == 2 and "ingen kanal" in proc.stderr and "Traceback" not in proc.stderr


def test_loop_waits_until_the_earliest_time_of_day(store):
    import argparse

    import time_machine

    from bot.cli.commands.digest import run_once

    args = argparse.Namespace(lan=None, today=None, dry_run=False, ut=None, tidigast=dt.time(8, 0),
                              channel_resolved="CCOORD1")
    out = io.StringIO()
    with time_machine.travel(dt.datetime(2020, 11, 23, 5, 30, tzinfo=dt.UTC), tick=False):  # 06:30 in Stockholm
        assert run_once(args, kb=KB, store=store, settings=Settings(_env_file=None), client=None, out=out) == 0
    assert "skickas tidigast 08:00" in out.getvalue()
    assert not [r for r in store.refresh().reminders if r.deadline_id == DEADLINE_ID]
