"""`stimulans doctor` against the mock Slack Web API and the fake Sheets API: every check reports
OK or FEL with what to fix, and the exit code says whether anything is wrong."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from config.settings import Settings, get_settings
from tests.fake_sheets_api import SERVICE_EMAIL, FakeSheetsAPI, service_account_info
from tests.sheets_support import Clock, GoogleHarness
from tests.slack_support import BOT_TOKEN, Call, MockSlack

ROOT = Path(__file__).resolve().parents[1]
APP_TOKEN = "xapp-1-test-app-token"
CHANNEL = "C0REMIND1"


@pytest.fixture
def env(monkeypatch, tmp_path):
    """A clean environment (no ambient settings, no .env) in an empty folder; returns a setter."""
    for variable in Settings.variables().values():
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    yield lambda **values: [monkeypatch.setenv(k, str(v)) for k, v in values.items()]
    get_settings.cache_clear()


@pytest.fixture
def sheets():
    with FakeSheetsAPI() as api:
        yield api


@pytest.fixture
def slack():
    mock = MockSlack()
    mock.channels = {CHANNEL: {"id": CHANNEL, "name": "stimulans-påminnelser", "is_member": True}}
    mock.auth_error = None
    plain = mock._reply

    def reply(call: Call) -> dict:
        if call.method == "auth.test" and mock.auth_error:
            return {"ok": False, "error": mock.auth_error}
        if call.method == "conversations.info":
            channel = mock.channels.get(call.data.get("channel", ""))
            return {"ok": True, "channel": channel} if channel else {"ok": False, "error": "channel_not_found"}
        return plain(call)

    mock._reply = reply
    yield mock
    mock.close()


def google_env(api: FakeSheetsAPI, sheet: str = GoogleHarness.SHEET) -> dict[str, str]:
    return {"STIMULANS_GOOGLE_SHEET": sheet, "STIMULANS_SHEETS_API_URL": api.api_url,
            "STIMULANS_GOOGLE_CREDENTIALS_JSON": json.dumps(service_account_info(api.token_uri))}


def slack_env(mock: MockSlack, channel: str | None = CHANNEL) -> dict[str, str]:
    values = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_APP_TOKEN": APP_TOKEN, "SLACK_API_URL": mock.url}
    if channel:
        values["STIMULANS_REMINDER_CHANNEL"] = channel
    return values


def doctor(capsys) -> tuple[int, dict[str, tuple[str, str]], str]:
    """Run `stimulans doctor` through the real CLI; (exit code, {check: (status, rest)}, output)."""
    code = main(["doctor"])
    out = capsys.readouterr().out
    checks = {}
    for line in out.splitlines():
        m = re.match(r"^(OK|FEL|–)\s+([^:]+): (.*)$", line)
        if m:
            checks[m.group(2)] = (m.group(1), m.group(3))
    return code, checks, out


def test_everything_fine_with_google_and_socket_mode(env, sheets, slack, capsys):
    GoogleHarness(sheets, Clock(), [])  # creates the sheet and every tab (init-sheet)
    env(**google_env(sheets), **slack_env(slack))
    code, checks, out = doctor(capsys)
    assert code == 0, out
    assert {name: status for name, (status, _) in checks.items()} == {
        "Inställningar": "OK", "Kunskapsbas": "OK", "Google-nyckel": "OK", "Google-arket": "OK", "Flikar": "OK",
        "Slack-token": "OK", "Socket Mode": "OK", "Påminnelsekanal": "OK"}
    assert SERVICE_EMAIL in checks["Google-nyckel"][1]
    assert "#stimulans-påminnelser" in checks["Påminnelsekanal"][1]
    assert "Allt ser bra ut." in out
    assert [c.method for c in slack.calls] == ["auth.test", "apps.connections.open", "conversations.info"]
    assert slack.of("conversations.info")[0].data["channel"] == CHANNEL
    # nothing secret is printed
    assert BOT_TOKEN not in out and APP_TOKEN not in out and "PRIVATE KEY" not in out


def test_sheet_not_shared_names_the_service_account(env, sheets, slack, capsys):
    sheets.create_spreadsheet("not-shared-sheet-1", shared_with=("someone@example.se",))
    env(**google_env(sheets, "not-shared-sheet-1"), **slack_env(slack))
    code, checks, out = doctor(capsys)
    assert code == 1
    assert checks["Google-nyckel"][0] == "OK"
    status, detail = checks["Google-arket"]
    assert status == "FEL" and SERVICE_EMAIL in detail
    assert f"dela kalkylarket med {SERVICE_EMAIL}" in out
    assert "Flikar" not in checks  # depends on the sheet opening
    assert checks["Slack-token"][0] == "OK"  # the other checks still run


def test_missing_tabs_suggest_init_sheet(env, sheets, capsys):
    sheets.create_spreadsheet(GoogleHarness.SHEET)  # only "Blad1"
    env(**google_env(sheets))
    code, checks, out = doctor(capsys)
    assert code == 1
    status, detail = checks["Flikar"]
    assert status == "FEL" and "Rekvisitioner" in detail and "Påminnelser" in detail
    assert "stimulans init-sheet" in out
    assert checks["Slack"][0] == "–"  # Slack not configured is not an error


def test_unreadable_key_file(env, sheets, tmp_path, capsys):
    env(STIMULANS_GOOGLE_SHEET=GoogleHarness.SHEET, GOOGLE_APPLICATION_CREDENTIALS=tmp_path / "saknas.json")
    code, checks, _ = doctor(capsys)
    assert code == 1
    status, detail = checks["Google-nyckel"]
    assert status == "FEL" and "saknas.json" in detail


def test_half_configured_google_is_reported_naming_the_variable(env, capsys):
    from bot.cli.commands import doctor as doctor_module

    env(STIMULANS_GOOGLE_SHEET=GoogleHarness.SHEET)
    checks = doctor_module.run_checks()
    assert checks[0].name == "Inställningar" and checks[0].status == "FEL"
    assert "GOOGLE_APPLICATION_CREDENTIALS" in checks[0].detail
    assert doctor_module.run(None) == 1
    assert "FEL  Inställningar" in capsys.readouterr().out


def test_rejected_bot_token(env, slack, capsys):
    slack.auth_error = "invalid_auth"
    env(**slack_env(slack))
    code, checks, out = doctor(capsys)
    assert code == 1
    status, detail = checks["Slack-token"]
    assert status == "FEL" and "SLACK_BOT_TOKEN" in detail and "invalid_auth" in detail
    assert checks["Påminnelsekanal"][0] == "–"  # cannot be checked without a working token
    assert not slack.of("conversations.info")


def test_bot_not_member_of_the_reminder_channel(env, slack, capsys):
    slack.channels[CHANNEL]["is_member"] = False
    env(**slack_env(slack))
    code, checks, out = doctor(capsys)
    assert code == 1
    assert checks["Påminnelsekanal"][0] == "FEL"
    assert "/invite @Stimulans i #stimulans-påminnelser" in out
    assert checks["Arbetsbok"][0] == "OK" and "Google-arket" in checks["Arbetsbok"][1]  # several processes


def test_reminder_channel_given_by_name_or_missing(env, slack, capsys):
    env(**slack_env(slack, channel="#allmänt"))
    code, checks, out = doctor(capsys)
    assert code == 1 and checks["Påminnelsekanal"][0] == "FEL"
    assert "id (C…), inte dess namn" in out
    env(STIMULANS_REMINDER_CHANNEL="")
    get_settings.cache_clear()
    code, checks, out = doctor(capsys)
    assert code == 1 and "STIMULANS_REMINDER_CHANNEL saknas" in checks["Påminnelsekanal"][1]


def test_unreachable_slack(env, capsys):
    env(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET="s", SLACK_API_URL="http://127.0.0.1:9/api/",
        STIMULANS_REMINDER_CHANNEL=CHANNEL)
    code, checks, _ = doctor(capsys)
    assert code == 1
    assert checks["Slack-token"][0] == "FEL" and "kan inte nå Slack" in checks["Slack-token"][1]
    assert checks["HTTP-läge"][0] == "OK"


def test_local_workbook_missing_tab_and_broken_file(env, tmp_path, capsys):
    from openpyxl import Workbook

    path = tmp_path / "wb.xlsx"
    wb = Workbook()
    wb.active.title = "Rekvisitioner"
    wb.save(path)
    env(STIMULANS_WORKBOOK=path)
    code, checks, out = doctor(capsys)
    assert code == 1
    assert checks["Arbetsbok"][0] == "OK"
    assert checks["Flikar"][0] == "FEL" and "Tilldelning" in checks["Flikar"][1]
    assert "Rekvisitioner: Mottagare" in checks["Flikar"][1]  # a present tab without its headers

    path.write_bytes(b"not a workbook")
    code, checks, _ = doctor(capsys)
    assert code == 1 and checks["Arbetsbok"][0] == "FEL"


def test_fresh_local_setup_is_fine_from_the_command_line(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "STIMULANS_DATA_DIR": str(tmp_path / "data")}
    proc = subprocess.run([sys.executable, "-m", "bot", "doctor"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "OK   Arbetsbok" in proc.stdout and "Allt ser bra ut." in proc.stdout
    assert not (tmp_path / "data").exists()  # doctor only reads
