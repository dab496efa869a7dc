"""`stimulans ask "fråga"` (one answer) and `stimulans ask --json -` (batch: one question per line)."""
from __future__ import annotations

import argparse
import json
import sys

from bot.render import render_plain


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ask", help="ställ en fråga och få svaret", description="Ställ en fråga till Stimulans.")
    p.add_argument("question", nargs="*", help="frågan; '-' läser en fråga per rad från stdin")
    p.add_argument("--json", action="store_true", help='skriv {"text","intent","facts","sources"} som JSON')
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from bot.runtime import get_engine

    engine = get_engine()
    words = args.question
    if words == ["-"]:
        for line in sys.stdin:
            question = line.strip()
            if not question:
                continue
            _emit(engine.ask(question), args.json)
            sys.stdout.flush()
        return 0
    question = " ".join(words).strip()
    if not question:
        print('stimulans: skriv en fråga, t.ex. stimulans ask "Hur mycket får Falun 2020?"', file=sys.stderr)
        return 2
    _emit(engine.ask(question), args.json)
    return 0


def _emit(answer, as_json: bool) -> None:
    if as_json:
        print(json.dumps(answer.to_json_dict(), ensure_ascii=False))
    else:
        print(render_plain(answer))
