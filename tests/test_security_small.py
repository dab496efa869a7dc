"""The smaller hardening items of issue #9, each with its regression test: replayed signed requests,
415 for other content types, key files read safely, STIMULANS_TZ errors without the value, leftover
temp files of killed saves, `update` values starting with '-', CSV formula neutralising."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from bot.cli.commands.allocation import csv_cell
from config.settings import Settings, SettingsError
from engine.store import RowKey, StoreError
from tests import slack_support as s

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def bot(tmp_path):
    with s.running_bot(tmp_path) as (mock, server, engine, store, app):
        yield mock, server, engine


def _post(server, body: str, ctype: str, headers: dict[str, str]) -> s.Response:
    return s.post(server.url + "/slack/events", body, ctype, headers)


# ------------------------------------------------------------------ Slack requests

def test_a_replayed_signed_slash_command_is_answered_once(bot):
    mock, server, engine = bot
    body = s.command_body("hjälp", s.U_FALUN, mock.response_url("replayed"))
    headers = s.sign(body)
    for _ in range(3):  # the same signed bytes, three times within the 5-minute window
        assert _post(server, body, "application/x-www-form-urlencoded", headers).status == 200
    other = s.command_body("hjälp", s.U_FALUN, mock.response_url("sentinel"))
    assert _post(server, other, "application/x-www-form-urlencoded", s.sign(other)).status == 200
    mock.wait_for(lambda calls: any(c.path.endswith("/sentinel") for c in calls))
    mock.wait_for(lambda calls: any(c.path.endswith("/replayed") for c in calls))
    assert len([c for c in mock.of("response_url") if c.path.endswith("/replayed")]) == 1
    # a new signature (Slack's own retry of a new request) is not a replay
    again = s.command_body("hjälp", s.U_FALUN, mock.response_url("fresh"))
    assert _post(server, again, "application/x-www-form-urlencoded", s.sign(again)).status == 200
    mock.wait_for(lambda calls: any(c.path.endswith("/fresh") for c in calls))


@pytest.mark.parametrize("ctype", ["text/plain", "application/xml", "multipart/form-data; boundary=x", ""])
def test_signed_requests_of_another_content_type_get_415(bot, ctype):
    mock, server, engine = bot
    body = s.command_body("hjälp", s.U_FALUN, mock.response_url("ct"))
    resp = _post(server, body, ctype, s.sign(body))
    assert resp.status == 415
    assert engine.calls == [] and mock.of("response_url") == []


# ------------------------------------------------------------------ the key file

def _key_error(path: Path) -> str:
    from sheets.google import GoogleBackend

    settings = Settings(STIMULANS_GOOGLE_SHEET="sheet-abcdefghij-0001", GOOGLE_APPLICATION_CREDENTIALS=path)
    result: list[str] = []

    def run() -> None:
        try:
            GoogleBackend.from_settings(settings)
            result.append("no error")
        except StoreError as e:
            result.append(str(e))

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(20)
    assert not t.is_alive(), f"reading {path} hung"
    return result[0]


def test_a_non_utf8_key_file_is_a_clear_message(tmp_path):
    key = tmp_path / "key.json"
    key.write_bytes(b'{"type": "service_account", "private_key": "\xff\xfe\x00"}')
    message = _key_error(key)
    assert "inte text (UTF-8)" in message and "private_key" not in message


def test_a_fifo_as_key_file_does_not_hang(tmp_path):
    fifo = tmp_path / "key.fifo"
    os.mkfifo(fifo)
    assert "ingen vanlig fil" in _key_error(fifo)


def test_dev_zero_and_huge_files_are_refused_without_reading_them(tmp_path):
    assert "ingen vanlig fil" in _key_error(Path("/dev/zero"))
    big = tmp_path / "big.json"
    with open(big, "wb") as f:
        f.truncate(50 * 1024 * 1024)  # sparse: no disk used
    assert "för stor" in _key_error(big)


# ------------------------------------------------------------------ settings

def test_an_unknown_timezone_is_reported_without_its_value():
    for value in ("Mars/Olympus-x7QsecretQ", "../../etc/passwd", "America", "\x00bad"):
        with pytest.raises(SettingsError) as err:
            Settings(STIMULANS_TZ=value)
        message = str(err.value)
        assert "STIMULANS_TZ" in message and "tidszon" in message
        assert value not in message and "secret" not in message.lower().replace("settings", "")


# ------------------------------------------------------------------ the workbook

def test_leftover_temp_files_of_killed_saves_are_removed_on_start(tmp_path):
    from config.settings import Settings as S
    from sheets.factory import open_store
    from tests.sheets_support import sample_kb

    path = tmp_path / "stimulans.xlsx"
    open_store(S(STIMULANS_WORKBOOK=path), kb=sample_kb()).snapshot()
    leftovers = [tmp_path / ".stimulans.xlsx.4242.140001.tmp", tmp_path / ".stimulans.xlsx.77.1.tmp"]
    for f in leftovers:
        f.write_bytes(b"half a zip")  # a save killed between write and rename
    unrelated = tmp_path / ".other.xlsx.1.1.tmp"
    unrelated.write_bytes(b"x")
    open_store(S(STIMULANS_WORKBOOK=path), kb=sample_kb()).snapshot()  # the next start
    assert not any(f.exists() for f in leftovers) and unrelated.exists()


def test_update_accepts_values_starting_with_a_dash(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STIMULANS_", "SLACK_", "GOOGLE_"))}
    env["STIMULANS_WORKBOOK"] = str(tmp_path / "w.xlsx")
    from config.settings import Settings as S
    from sheets.factory import open_store

    key = RowKey(recipient_id="kommun-2031", agreement="ok2020", post="ok2020-kommun-handlingsplaner")
    for argv, attr, value in (
            (["Rättvik", "referens", "-2020/4", "--post", "handlingsplaner", "--som", "anna"], "reference", "-2020/4"),
            (["--som=anna", "Rättvik", "referens", "--post", "handlingsplaner", "--", "--x y"], "reference", "--x y"),
            (["Rättvik", "användning", "-", "MI-utbildning", "--post=handlingsplaner"], "planned_use",
             "- MI-utbildning")):
        proc = subprocess.run([sys.executable, "-m", "bot", "update", *argv], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        row = open_store(S(STIMULANS_WORKBOOK=tmp_path / "w.xlsx")).snapshot().status_for(key)
        assert getattr(row, attr) == value


# ------------------------------------------------------------------ CSV

@pytest.mark.parametrize("text", ["=1+1", " =HYPERLINK(\"x\")", "\n=cmd|' /C calc'!A0", "\u00a0=1", "\t=1",
                                  "\r+1", "\u200b=1", "  \u00a0 @SUM(A1)", "-2+3", "\ufeff=1"])
def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(text):
    assert csv_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["Falun", "Rättviks kommun", "a=b", 1726309, 12.5, "1 726 309 kr"])
def test_csv_leaves_ordinary_cells_alone(value):
    assert csv_cell(value) == value


def test_json_roundtrip_of_replay_key_is_stable():
    from bot.slack.dedup import replay_key

    h = {"x-slack-signature": ["v0=abc"], "x-slack-request-timestamp": ["1700000000"]}
    assert replay_key(h, "a=1") == replay_key(dict(h), "a=1") != replay_key(h, "a=2")
    assert replay_key({}, "a=1") is None
    assert json.dumps(replay_key(h, "a=1"))
