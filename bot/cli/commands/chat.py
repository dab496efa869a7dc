"""`stimulans chat`: an interactive terminal chat on the same engine (readline history, Ctrl-D exits)."""
from __future__ import annotations

import argparse
import sys
import uuid
from pathlib import Path

from bot.render import render_plain

CONNECT_HELP = """\
Stimulans körs lokalt: frågor besvaras ur dokumenten och status sparas i arbetsboken {workbook}.
  • Koppla Slack: skapa appen från manifest.yaml, sätt SLACK_BOT_TOKEN och SLACK_SIGNING_SECRET
    (och SLACK_APP_TOKEN för Socket Mode) och kör `stimulans serve` (se docs/slack.md).
  • Koppla Google Sheets: sätt STIMULANS_GOOGLE_SHEET och GOOGLE_APPLICATION_CREDENTIALS
    (eller STIMULANS_GOOGLE_CREDENTIALS_JSON) och kör `stimulans init-sheet` (se docs/sheets.md).
Skriv en fråga (t.ex. "Hur mycket får Falun 2020?"), "hjälp" för exempel, Ctrl-D för att avsluta."""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("chat", help="interaktiv chatt i terminalen")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from bot.runtime import get_engine
    from config.settings import get_settings

    settings = get_settings()
    engine = get_engine()  # the cached settings; a Settings argument cannot key get_store's cache
    where = "Google-arket" if settings.google_configured else str(settings.resolved_workbook)
    print(CONNECT_HELP.format(workbook=where))
    _setup_readline(settings.data_dir / ".chat_history")
    conversation = f"chat:{uuid.uuid4().hex}"  # follow-ups ("och Rättvik?") refer to this session only
    while True:
        try:
            question = input("\nfråga> ").strip()
        except EOFError:
            print()
            return 0
        if not question:
            continue
        if question.lower() in {"exit", "quit", "avsluta", "hej då"}:
            return 0
        print(render_plain(engine.ask(question, conversation=conversation)))
        sys.stdout.flush()


def _setup_readline(history: Path) -> None:
    try:
        import atexit
        import readline
    except ImportError:  # pragma: no cover - e.g. Windows
        return
    try:
        history.parent.mkdir(parents=True, exist_ok=True)
        if history.exists():
            readline.read_history_file(history)
        atexit.register(readline.write_history_file, history)
    except OSError:
        pass
