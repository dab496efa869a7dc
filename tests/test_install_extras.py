"""`pip install stimulans` (no extras) gives the local chat and CLI; the Slack, Google and gunicorn
parts are extras, imported only where used, and a missing one is one clear line naming the extra."""
from __future__ import annotations

import json
import tomllib

from tests.import_blocker import CLI, EXTRAS_MODULES, ROOT, clean_env, run_blocked


def _names(requirements: list[str]) -> set[str]:
    import re

    return {re.split(r"[<>=!~\[ ;]", r, maxsplit=1)[0].lower() for r in requirements}


def test_pyproject_extras_split_the_install():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    base = _names(project["dependencies"])
    extras = project["optional-dependencies"]
    assert "pydantic-settings" not in base  # settings are plain Python (issue #13, cold start)
    assert not base & {"slack-bolt", "slack-sdk", "gspread", "google-auth", "requests", "gunicorn"}
    assert {"pydantic", "python-dotenv", "pyyaml", "openpyxl", "babel", "rapidfuzz", "holidays"} <= base
    assert _names(extras["slack"]) == {"slack-bolt", "slack-sdk"}
    assert {"gspread", "google-auth"} <= _names(extras["google"])
    assert _names(extras["server"]) == {"gunicorn"}
    assert any("stimulans[" in r and all(e in r for e in ("slack", "google", "server")) for r in extras["all"])
    assert any(r.startswith("stimulans[all]") for r in extras["dev"]) and "pytest" in _names(extras["dev"])


def test_chat_and_ask_answer_without_slack_google_or_gunicorn(tmp_path):
    env = clean_env(tmp_path)
    chat = run_blocked(EXTRAS_MODULES, CLI, "chat", cwd=tmp_path, env=env,
                       stdin="Hur mycket får Falun 2020?\nstatus Falun\n")
    assert chat.returncode == 0, chat.stderr
    assert "1 726 309 kr" in chat.stdout and "Traceback" not in chat.stderr
    assert "Något gick fel" not in chat.stdout and "Status för Falu kommun:" in chat.stdout  # the store works

    ask = run_blocked(EXTRAS_MODULES, CLI, "ask", "--json", "Hur mycket får Falun 2020?", cwd=tmp_path, env=env)
    assert ask.returncode == 0, ask.stderr
    assert "1 726 309 kr" in json.loads(ask.stdout)["text"]


def test_a_missing_extra_is_one_line_naming_it(tmp_path):
    env = clean_env(tmp_path)
    serve = run_blocked(EXTRAS_MODULES, CLI, "serve", cwd=tmp_path,
                        env={**env, "SLACK_BOT_TOKEN": "xoxb-x", "SLACK_APP_TOKEN": "xapp-x"})
    assert serve.returncode == 2
    assert serve.stderr.strip().splitlines() == [serve.stderr.strip()]  # one line, no traceback
    assert "pip install 'stimulans[slack]'" in serve.stderr

    google = {**env, "STIMULANS_GOOGLE_SHEET": "sheet-abcdefghij-0001",
              "STIMULANS_GOOGLE_CREDENTIALS_JSON": "{}"}
    status = run_blocked(EXTRAS_MODULES, CLI, "status", cwd=tmp_path, env=google)
    assert status.returncode == 2 and "Traceback" not in status.stderr
    assert "pip install 'stimulans[google]'" in status.stderr

    chat = run_blocked(EXTRAS_MODULES, CLI, "chat", cwd=tmp_path, env=google, stdin="status Falun\n")
    assert chat.returncode == 0 and "pip install 'stimulans[google]'" in chat.stdout  # said in the answer


def test_the_message_for_each_extra():
    from bot.extras import missing_extra_message

    assert "stimulans[server]" in missing_extra_message(ImportError("x", name="gunicorn.app.base"))
    assert "--dev" in missing_extra_message(ImportError("x", name="gunicorn"))
    assert "stimulans[google]" in missing_extra_message(ImportError("x", name="google.oauth2"))
    assert missing_extra_message(ImportError("x", name="yaml")) is None  # a base dependency: a real bug
    assert missing_extra_message(ValueError("x")) is None
