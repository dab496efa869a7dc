"""`stimulans remind` / `stimulans påminnelser` on the local workbook store, with a mock Slack API."""
import datetime as dt
import io
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from bot.cli.commands.remind import run_loop, run_once
from bot.slack.reminder_sender import ReminderSender, make_client
from config.settings import Settings
from engine.knowledge import load_knowledge
from engine.reminder_config import load_reminder_config
from engine.store import RowKey, StatusUpdate, Tab
from sheets.factory import open_store
from tests.reminders_support import CrashAfterPost, CrashingStore, MockSlack

REPO = Path(__file__).resolve().parent.parent
TODAY = dt.date(2020, 11, 24)
RID = "ok2020-faktura-storsthlm:7d:C1"
KB = load_knowledge()
CONFIG = load_reminder_config()


def cli_env(workbook: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "STIMULANS_", "GOOGLE_"))}
    env.update(STIMULANS_WORKBOOK=str(workbook), STIMULANS_DATA_DIR=str(workbook.parent), **extra)
    return env


def stimulans(args: list[str], env: dict[str, str], cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot", *args], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=timeout)


def workbook_store(path: Path):
    return open_store(Settings(_env_file=None, STIMULANS_WORKBOOK=str(path)))


@pytest.fixture
def workbook(tmp_path) -> Path:
    path = tmp_path / "stimulans.xlsx"
    workbook_store(path).snapshot()  # create and seed it once
    return path


def reminder_rows(path: Path) -> list:
    return workbook_store(path).refresh().reminders


# ------------------------------------------------------------------ acceptance


def test_dry_run_on_the_local_workbook_prints_the_storsthlm_reminder_and_writes_nothing(workbook, tmp_path):
    before = workbook.read_bytes()
    proc = stimulans(["remind", "--dry-run", "--today", "2020-11-24"], cli_env(workbook), tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "ok2020-faktura-storsthlm:7d:" in out
    assert "7 dagar kvar (tisdag 1 december 2020)" in out
    assert "Ännu inte klara (26 av 26)" in out
    for name in ("Botkyrka kommun", "Stockholms stad", "Värmdö kommun"):
        assert f"• {name}" in out
    for needle in ("faktura@storsthlm.se", "Box 38145", "717/771", "S/20/0002", "moms"):
        assert needle in out
    assert "torrkörning: inget skickat" in out
    assert workbook.read_bytes() == before
    assert reminder_rows(workbook) == []


def test_a_municipality_set_to_fakturerad_in_the_workbook_drops_out_of_the_next_reminder(workbook):
    store = workbook_store(workbook)
    store.update_status(StatusUpdate(key=RowKey(recipient_id="kommun-0127", agreement="ok2020",
                                                post=_post_of(store, "kommun-0127")),
                                     changes={"Status": "fakturerad"}, actor="test"))
    out = io.StringIO()
    run_once(kb=KB, store=store, config=CONFIG, today=dt.date(2020, 11, 27), channel="C1", dm=False,
             dry_run=True, out=out)
    text = out.getvalue()
    assert "4 dagar kvar (tisdag 1 december 2020)" in text and "Ännu inte klara (25 av 26)" in text  # sent Fri 27
    assert "Botkyrka" not in text
    assert "• Danderyds kommun" in text


def _post_of(store, rid: str) -> str:
    return next(s.key.post for s in store.refresh().statuses if s.key.recipient_id == rid
                and s.key.agreement == "ok2020")


# ------------------------------------------------------------------ exactly once, real store


def test_two_concurrent_remind_processes_post_once(workbook, tmp_path):
    with MockSlack() as slack:
        env = cli_env(workbook, SLACK_BOT_TOKEN="xoxb-test", SLACK_API_URL=slack.url)
        args = [sys.executable, "-m", "bot", "remind", "--today", "2020-11-24", "--channel", "C1"]
        procs = [subprocess.Popen(args, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True) for _ in range(3)]
        outputs = [p.communicate(timeout=120) for p in procs]
        assert [p.returncode for p in procs] == [0, 0, 0], outputs
        assert len(slack.posts_for(RID)) == 1
        assert len(slack.posts) == 1
        again = stimulans(["remind", "--today", "2020-11-24", "--channel", "C1"], env, tmp_path)
        assert "Redan skickad: " + RID in again.stdout
        assert len(slack.posts) == 1
    records = [r for r in reminder_rows(workbook) if r.reminder_id == RID and r.status == "skickad"]
    assert len(records) == 1 and records[0].slack_ts == slack.posts[0]["ts"]
    assert records[0].planned_date == TODAY and records[0].offset_days == 7


def test_concurrent_threads_against_the_workbook_post_once(workbook):
    with MockSlack() as slack:
        barrier = threading.Barrier(4)

        def run():
            store = workbook_store(workbook)  # each "process" its own store instance
            sender = ReminderSender(make_client("xoxb-test", slack.url), store)
            barrier.wait()
            run_once(kb=KB, store=store, config=CONFIG, today=TODAY, channel="C1", dm=False, dry_run=False,
                     sender=sender, out=io.StringIO())

        threads = [threading.Thread(target=run) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(slack.posts) == 1


def test_crash_between_post_and_record_on_the_workbook_does_not_double_post(workbook):
    with MockSlack() as slack:
        store = workbook_store(workbook)
        crashing = ReminderSender(make_client("xoxb-test", slack.url), CrashingStore(store))
        with pytest.raises(CrashAfterPost):
            run_once(kb=KB, store=store, config=CONFIG, today=TODAY, channel="C1", dm=False, dry_run=False,
                     sender=crashing, out=io.StringIO())
        assert len(slack.posts) == 1
        [claim] = [r for r in reminder_rows(workbook) if r.reminder_id == RID]
        assert claim.status == "anspråk" and not claim.slack_ts
        fresh = workbook_store(workbook)
        out = io.StringIO()
        code = run_once(kb=KB, store=fresh, config=CONFIG, today=TODAY, channel="C1", dm=False, dry_run=False,
                        sender=ReminderSender(make_client("xoxb-test", slack.url), fresh), out=out)
        assert code == 0
        assert "Fanns redan i Slack, nu registrerad: " + RID in out.getvalue()
        assert len(slack.posts) == 1
    [done] = [r for r in reminder_rows(workbook) if r.reminder_id == RID]
    assert done.status == "skickad" and done.slack_ts == slack.posts[0]["ts"]


# ------------------------------------------------------------------ CLI surface


@pytest.mark.parametrize("command", ["påminnelser", "paminnelser"])
def test_paminnelser_lists_upcoming_deadlines_and_reminder_dates(workbook, tmp_path, command):
    proc = stimulans([command, "--today", "2020-11-20"], cli_env(workbook), tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "Kommande deadlines från fredag 20 november 2020" in out
    assert "tisdag 1 december 2020 (om 11 dagar)" in out
    assert "*" not in out and "_Källa" not in out  # the terminal shows plain text, not Slack markup
    assert "24 november 2020 (7 dagar före)" in out
    assert "27 november 2020 (3 dagar före, flyttad från lördag 28 november 2020)" in out
    assert "Ännu inte klara: 26 av 26." in out
    assert out.index("1 december 2020") < out.index("31 mars 2021")


def test_remind_without_channel_or_token_says_what_is_missing(workbook, tmp_path):
    proc = stimulans(["remind", "--today", "2020-11-24"], cli_env(workbook), tmp_path)
    assert proc.returncode == 2
    assert "STIMULANS_REMINDER_CHANNEL" in proc.stderr and "Traceback" not in proc.stderr
    proc = stimulans(["remind", "--channel", "C1"], cli_env(workbook), tmp_path)
    assert proc.returncode == 2 and "SLACK_BOT_TOKEN" in proc.stderr


@pytest.mark.parametrize("args, needle", [
    (["remind", "--dry-run", "--today", "igår"], "inget datum"),
    (["remind", "--dry-run", "--today", "2020-02-30"], "giltigt datum"),
    (["remind", "--loop", "0"], "mellan 1 och 1440"),
    (["remind", "--loop", "femton"], "inget antal minuter"),
])
def test_bad_arguments_get_a_swedish_message(workbook, tmp_path, args, needle):
    proc = stimulans(args, cli_env(workbook), tmp_path)
    assert proc.returncode == 2
    assert needle in proc.stderr


def test_nothing_due_says_so(workbook):
    out = io.StringIO()
    assert run_once(kb=KB, store=workbook_store(workbook), config=CONFIG, today=dt.date(2020, 10, 20),
                    channel="C1", dm=False, dry_run=True, out=out) == 0
    assert "inget att skicka" in out.getvalue()


def test_loop_keeps_running_after_a_failed_run_and_stops_on_request():
    calls = []
    stop = threading.Event()

    def once():
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("tillfälligt fel")
        if len(calls) == 3:
            stop.set()
        return 0

    out = io.StringIO()
    assert run_loop(once, 1 / 600, stop=stop, out=out) == 0  # 0.1 s between runs
    assert len(calls) == 3
    assert "körningen misslyckades: RuntimeError: tillfälligt fel" in out.getvalue()
    assert run_loop(lambda: 0, 15, max_runs=1, out=io.StringIO()) == 0


def test_settings_tab_name_is_the_one_the_store_uses():
    assert str(Tab.paminnelser) == "Påminnelser"
