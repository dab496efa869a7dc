"""The command line: one clear Swedish line and exit code 2 for known errors, never a traceback."""
import subprocess
import sys
from pathlib import Path

import pytest

import bot.runtime
import engine.knowledge
from bot.cli import main
from config.settings import get_settings
from engine.knowledge import KnowledgeError

ROOT = Path(__file__).resolve().parents[1]


def test_invalid_knowledge_base_is_one_line_and_exit_2(monkeypatch, capsys):
    def broken():
        raise KnowledgeError("config/knowledge/002_dalarna_2020.yaml: allocations[3].amount: negativt belopp")

    monkeypatch.setattr(engine.knowledge, "_default_knowledge", broken)
    # the loader is patched, not the files: the compiled knowledge base (whose fingerprint is the files) is off
    monkeypatch.setenv("STIMULANS_CACHE_DIR", "off")
    get_settings.cache_clear()
    bot.runtime.get_store.cache_clear()
    try:
        assert main(["ask", "Hur mycket får Falun 2020?"]) == 2
    finally:
        get_settings.cache_clear()
    err = capsys.readouterr().err
    assert err.strip() == ("stimulans: config/knowledge/002_dalarna_2020.yaml: allocations[3].amount: "
                           "negativt belopp")


@pytest.mark.parametrize("command", [["status"], ["check"]])
def test_unreadable_workbook_on_the_command_line(tmp_path, command):
    bad = tmp_path / "trasig.xlsx"
    bad.write_text("inte en arbetsbok", encoding="utf-8")
    env = {"PATH": "/usr/bin:/bin", "STIMULANS_WORKBOOK": str(bad), "HOME": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-m", "bot", *command], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "trasig.xlsx" in proc.stderr and "kan inte läsas" in proc.stderr


def test_no_question_is_a_usage_message(capsys):
    assert main(["ask"]) == 2
    assert "skriv en fråga" in capsys.readouterr().err
