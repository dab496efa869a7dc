"""Secrets stay secret: settings, Google key errors, `stimulans serve` failures and reprs never show a
token or a private key; a bad setting is one clear line; .gitignore keeps credentials out of git."""
from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from config.settings import Settings, SettingsError, get_settings
from engine.store import StoreError

ROOT = Path(__file__).resolve().parents[1]
BOT_TOKEN = "xoxb-1111-2222-SECRETBOTTOKEN"
APP_TOKEN = "xapp-1-A111-SECRETAPPTOKEN"
SIGNING = "signing-SECRET-0123456789abcdef"
KEY_LINE = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDSECRETKEYMATERIAL"


def _pem(body: str) -> str:
    return f"-----BEGIN PRIVATE KEY-----\n{body}\n{body[::-1]}\n-----END PRIVATE KEY-----\n"


def _key_info(private_key: str, token_uri: str = "http://127.0.0.1:9/token") -> dict[str, str]:
    return {"type": "service_account", "client_email": "bot@proj.iam.gserviceaccount.com", "private_key": private_key,
            "private_key_id": "k1", "token_uri": token_uri, "project_id": "p"}


class _Server:
    """A loopback HTTP server answering every POST/GET with a fixed JSON body and status."""

    def __init__(self, status: int, body: dict):
        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _reply(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_POST = do_GET = _reply

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


# ---------------------------------------------------------------- settings


def test_settings_repr_and_dump_hide_secrets():
    st = Settings(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_APP_TOKEN=APP_TOKEN, SLACK_SIGNING_SECRET=SIGNING,
                  STIMULANS_GOOGLE_SHEET="abcdefghijklmnop",
                  STIMULANS_GOOGLE_CREDENTIALS_JSON=json.dumps(_key_info(_pem(KEY_LINE))))
    for text in (repr(st), str(st), str(dataclasses.asdict(st)), f"{st}", str(vars(st))):
        for secret in (BOT_TOKEN, APP_TOKEN, SIGNING, KEY_LINE):
            assert secret not in text


@pytest.mark.parametrize("env,var", [({"STIMULANS_SNAPSHOT_TTL": "abc"}, "STIMULANS_SNAPSHOT_TTL"),
                                     ({"STIMULANS_SNAPSHOT_TTL": "-5"}, "STIMULANS_SNAPSHOT_TTL"),
                                     ({"STIMULANS_TZ": "Mars/Olympus"}, "STIMULANS_TZ")])
def test_a_bad_setting_is_one_clear_line_naming_the_variable(monkeypatch, capsys, tmp_path, env, var):
    from bot.cli import main

    monkeypatch.setenv("STIMULANS_WORKBOOK", str(tmp_path / "wb.xlsx"))
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    get_settings.cache_clear()
    try:
        with pytest.raises(SettingsError, match=var):
            get_settings()
        assert main(["status"]) == 2
    finally:
        get_settings.cache_clear()
    err = capsys.readouterr().err
    assert var in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_a_settings_error_never_shows_the_value(monkeypatch):
    with pytest.raises(SettingsError) as e:
        Settings(STIMULANS_SNAPSHOT_TTL="SECRET-LOOKING-VALUE")
    assert "STIMULANS_SNAPSHOT_TTL" in str(e.value)
    assert "SECRET-LOOKING-VALUE" not in str(e.value) + repr(e.value)


# ---------------------------------------------------------------- Google service-account key


@pytest.mark.parametrize("private_key", [_pem(KEY_LINE), KEY_LINE, _pem(KEY_LINE).replace("\n", "\\n")])
def test_an_unusable_private_key_is_reported_without_the_key(private_key):
    from sheets.google import GoogleBackend

    st = Settings(STIMULANS_GOOGLE_SHEET="abcdefghijklmnop",
                  STIMULANS_GOOGLE_CREDENTIALS_JSON=json.dumps(_key_info(private_key)))
    with pytest.raises(StoreError) as e:
        GoogleBackend.from_settings(st)
    text = str(e.value) + repr(e.value) + str(e.value.__cause__ or "") + str(e.value.__context__ or "")
    assert "STIMULANS_GOOGLE_CREDENTIALS_JSON" in text
    assert KEY_LINE not in text and KEY_LINE[::-1] not in text


def test_redact_removes_every_line_of_a_key():
    from sheets.google import redact

    pem = _pem(KEY_LINE)
    assert redact(f"bad key {pem} and {KEY_LINE[::-1]}", pem).count("[dold]") >= 2
    assert KEY_LINE not in redact(f"x {KEY_LINE} y", pem)
    assert redact("nothing secret", pem) == "nothing secret"


def test_a_rejected_key_at_the_token_endpoint_is_one_line_without_the_key(monkeypatch, capsys, tmp_path):
    """A real RSA key Google refuses (revoked): `stimulans status` says so in one line, no key, no traceback."""
    from bot.cli import main
    from bot.runtime import get_store
    from tests.fake_sheets_api import service_account_info

    token = _Server(400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."})
    try:
        info = service_account_info(token.url + "token")
        monkeypatch.chdir(tmp_path)
        monkeypatch.setenv("STIMULANS_GOOGLE_SHEET", "abcdefghijklmnop")
        monkeypatch.setenv("STIMULANS_GOOGLE_CREDENTIALS_JSON", json.dumps(info))
        monkeypatch.setenv("STIMULANS_SHEETS_API_URL", token.url + "v4/spreadsheets")
        get_settings.cache_clear()
        get_store.cache_clear()
        assert main(["status"]) == 2
    finally:
        get_settings.cache_clear()
        get_store.cache_clear()
        token.close()
    err = capsys.readouterr().err
    assert "Inloggningen med tjänstekontot" in err and "misslyckades" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    for line in info["private_key"].splitlines()[1:-1]:
        assert line not in err


# ---------------------------------------------------------------- `stimulans serve`


def _serve(args: list[str], **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "STIMULANS_"))}
    return subprocess.run([sys.executable, "-m", "bot", "serve", *args], cwd=ROOT,
                          env={**clean, "PYTHONPATH": str(ROOT), **env}, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("args", [[], ["--http", "--port", "39999"]])
def test_serve_with_a_rejected_token_is_one_clear_line_without_secrets(args):
    slack = _Server(200, {"ok": False, "error": "invalid_auth"})
    try:
        proc = _serve(args, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_APP_TOKEN=APP_TOKEN, SLACK_SIGNING_SECRET=SIGNING,
                      SLACK_API_URL=slack.url + "api/")
    finally:
        slack.close()
    out = proc.stdout + proc.stderr
    assert proc.returncode == 2, out
    assert "invalid_auth" in out and "SLACK_BOT_TOKEN" in out and "Traceback" not in out
    for secret in (BOT_TOKEN, APP_TOKEN, SIGNING, "SECRET"):
        assert secret not in out


def test_serve_when_slack_is_unreachable_is_one_clear_line_without_secrets():
    proc = _serve([], SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_APP_TOKEN=APP_TOKEN, SLACK_API_URL="http://127.0.0.1:9/api/")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 2 and "Kan inte nå Slack" in out and "Traceback" not in out
    assert BOT_TOKEN not in out and APP_TOKEN not in out


# ---------------------------------------------------------------- the repository


@pytest.mark.parametrize("path", [".env", ".env.production", "service-account.json", "stimulans-bot-1234.json",
                                  "config/google-credentials.json", "key.pem", "data/stimulans.xlsx"])
def test_gitignore_covers_secrets_and_local_data(path):
    proc = subprocess.run(["git", "check-ignore", "-q", "--no-index", path], cwd=ROOT)
    assert proc.returncode == 0, f"{path} is not ignored by .gitignore"


def test_no_real_looking_secrets_are_tracked():
    import re

    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    pattern = re.compile(r"xox[bpa]-\d{6,}-|xapp-\d-[A-Z0-9]{8,}|-----BEGIN (RSA )?PRIVATE KEY-----")
    hits = []
    for name in files:
        p = ROOT / name
        if p.suffix in {".py", ".md", ".yaml", ".yml", ".toml", ".txt", ".json", ".cfg", ".ini", ""} and p.is_file():
            text = p.read_text(encoding="utf-8", errors="ignore")
            if pattern.search(text) and not name.startswith("tests/"):
                hits.append(name)
    assert hits == []
