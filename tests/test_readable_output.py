"""What a person sees in a terminal: plain text (no Slack markup), Swedish wording, clear configuration errors."""
from __future__ import annotations

import errno
import subprocess
import sys
from pathlib import Path

import pytest

from bot.render import plain_text
from engine.formatting import describe_os_error

ROOT = Path(__file__).resolve().parents[1]


def run(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    base = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "STIMULANS_DATA_DIR": str(tmp_path / "data")}
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=ROOT, env={**base, **env},
                          capture_output=True, text=True, timeout=120)


# ---------------------------------------------------------------- Slack markup → plain text

@pytest.mark.parametrize("mrkdwn,plain", [
    ("*1 726 309 kr*: Falu kommun", "1 726 309 kr: Falu kommun"),
    ("_Källa: Region Dalarna, 1. Belopp_", "Källa: Region Dalarna, 1. Belopp"),
    (":bell: Påminnelse", "🔔 Påminnelse"),
    ("<https://storsthlm.se|Storsthlm>", "Storsthlm (https://storsthlm.se)"),
    ("<mailto:faktura@storsthlm.se|faktura@storsthlm.se>", "faktura@storsthlm.se"),
    ("<@U123ABC> och <!channel>", "@U123ABC och @channel"),
    ("<!date^1606780800^{date}|1 december 2020>", "1 december 2020"),
    ("~gammalt~ *_båda_*", "gammalt båda"),
    ("a &lt;b&gt; &amp; c", "a <b> & c"),
])
def test_slack_markup_becomes_plain_text(mrkdwn, plain):
    assert plain_text(mrkdwn) == plain


@pytest.mark.parametrize("text", ["fil_namn_här.txt", "2 * 3 = 6", "S/20/0002", "717/771", ":01:"])
def test_plain_text_leaves_ordinary_text_alone(text):
    assert plain_text(text) == text


def test_ask_and_reminders_print_no_slack_markup(tmp_path):
    ask = run(["ask", "sista dag att fakturera storsthlm?"], tmp_path)
    assert ask.returncode == 0, ask.stderr
    assert "1 december 2020" in ask.stdout and "*" not in ask.stdout and "_Källa" not in ask.stdout
    dry = run(["remind", "--dry-run", "--today", "2020-11-24"], tmp_path)
    assert dry.returncode == 0, dry.stderr
    assert ":bell:" not in dry.stdout and "*" not in dry.stdout
    assert "ingen-kanal)" not in dry.stdout.splitlines()[0] and "STIMULANS_REMINDER_CHANNEL" in dry.stdout


# ---------------------------------------------------------------- wording

def test_status_of_a_recipient_without_rows_says_why(tmp_path):
    proc = run(["status", "Gotland"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "0 rader" in proc.stdout and "ingen rad för Gotlands kommun" in proc.stdout


def test_status_table_shows_post_names_and_the_allocation(tmp_path):
    proc = run(["status", "Falun"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Tilldelat" in proc.stdout and "1 150 872,72 kr" in proc.stdout
    assert "ok2020-kommun" not in proc.stdout and "ÖK psykisk hälsa 2020" in proc.stdout


def test_verify_refuses_a_negative_tolerance_and_explains_exact_rows(tmp_path):
    bad = run(["verify", "--tolerans", "-1"], tmp_path)
    assert bad.returncode == 2 and "mellan 0 och 100" in bad.stderr and "Traceback" not in bad.stderr
    good = run(["verify"], tmp_path)
    exact = [ln for ln in good.stdout.splitlines() if ln.strip().startswith("EXAKT") and "Malung" in ln
             and "Handlingsplaner" in ln]
    assert exact and all(" diff " not in ln and "exakt med nyckelbefolkningen" in ln for ln in exact)


def test_fordelning_falls_back_to_the_published_table(tmp_path):
    proc = run(["fördelning", "ok2020-kommun-handlingsplaner", "2020", "dalarna"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "publicerade tabellen" in proc.stdout and "Summa (15 rader): 5 577 707,31 kr" in proc.stdout


def test_os_errors_are_described_in_swedish(tmp_path):
    assert describe_os_error(PermissionError(errno.EACCES, "Permission denied")) == "behörighet saknas"
    assert describe_os_error(FileNotFoundError(errno.ENOENT, "No such file")) == "filen eller katalogen finns inte"
    proc = run(["fördelning", "suicidprevention", "2021", "20", "--csv", str(tmp_path / "saknas" / "x.csv")],
               tmp_path)
    assert proc.returncode == 2 and "finns inte" in proc.stderr and "No such file" not in proc.stderr


# ---------------------------------------------------------------- half a Google configuration

@pytest.mark.parametrize("command", [["ask", "hur mycket får Mora 2020?"], ["status"], ["check"], ["verify"],
                                     ["påminnelser"], ["remind", "--dry-run"], ["init-sheet"]])
def test_sheet_without_credentials_stops_every_command(tmp_path, command):
    proc = run(command, tmp_path, STIMULANS_GOOGLE_SHEET="1AbCdEfGhIjKlMnOpQrStUvWxYz")
    assert proc.returncode == 2, proc.stdout
    assert "GOOGLE_APPLICATION_CREDENTIALS" in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("variable", ["GOOGLE_APPLICATION_CREDENTIALS", "STIMULANS_GOOGLE_CREDENTIALS_JSON"])
def test_credentials_without_a_sheet_name_the_missing_sheet(tmp_path, variable):
    proc = run(["status"], tmp_path, **{variable: str(tmp_path / "key.json") if "APPLICATION" in variable else "{}"})
    assert proc.returncode == 2
    assert "STIMULANS_GOOGLE_SHEET" in proc.stderr and variable in proc.stderr
    assert "arbetsbok)" not in proc.stdout


def test_doctor_reports_half_a_google_configuration_instead_of_stopping(tmp_path):
    proc = run(["doctor"], tmp_path, STIMULANS_GOOGLE_SHEET="1AbCdEfGhIjKlMnOpQrStUvWxYz")
    assert proc.returncode == 1, proc.stderr
    assert "FEL" in proc.stdout and "GOOGLE_APPLICATION_CREDENTIALS" in proc.stdout
