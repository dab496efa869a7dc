"""`stimulans` command line. Thin: each subcommand lives in bot/cli/commands/<name>.py with register()."""
from __future__ import annotations

import argparse
import importlib
import logging
import sys

COMMAND_MODULES = ["ask", "chat", "status", "sheet", "serve", "remind", "allocation", "documents", "drafts", "exports",
                   "digest", "doctor", "healthcheck", "answers"]
#: the module that registers each command: `stimulans ask …` imports only bot/cli/commands/ask.py, not what
#: the other commands import (issue #13: cold start). A command not listed here registers every module, as
#: does `stimulans --help`; tests/test_cold_start.py checks each name against its module's register().
COMMAND_OF = {"ask": "ask", "chat": "chat", "status": "status", "check": "sheet", "export-historik": "sheet",
              "init-sheet": "sheet", "update": "sheet", "serve": "serve", "remind": "remind",
              "påminnelser": "remind", "paminnelser": "remind", "verify": "allocation", "fördelning": "allocation",
              "fordelning": "allocation", "dokument": "documents", "faktura": "drafts", "rekvisition": "drafts",
              "export": "exports", "digest": "digest", "sammanfattning": "digest", "doctor": "doctor",
              "healthcheck": "healthcheck", "answers": "answers"}


#: commands that end the process without tearing down the interpreter once their output is flushed: freeing
#: the knowledge base object by object costs `stimulans ask` about a tenth of its run (issue #13). Only
#: commands with nothing to do at exit (no atexit hooks, threads or files left open) belong here.
FAST_EXIT = {"ask"}


class CliError(Exception):
    """A clear message for the user; exit code 2, no traceback."""


def _named_command(argv: list[str] | None) -> str | None:
    """The command a command line names: its first word that is not an option."""
    return next((a for a in argv or [] if not a.startswith("-")), None)


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The whole command line; with `argv`, only the subcommand it names (when that is known)."""
    parser = argparse.ArgumentParser(
        prog="stimulans",
        description="Stimulans: belopp, deadlines och fakturaregler för stimulansmedel (ÖK psykisk hälsa).",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="visa felsökningsutskrifter")
    sub = parser.add_subparsers(dest="command", metavar="KOMMANDO")
    command = _named_command(argv)
    if argv and any(a in ("-h", "--help") for a in argv[: argv.index(command) if command in argv else None]):
        command = None  # `stimulans -h ask`: the top-level help lists every command
    only = COMMAND_OF.get(command) if command else None
    for name in [only] if only in COMMAND_MODULES else COMMAND_MODULES:
        importlib.import_module(f"bot.cli.commands.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "update":  # values may start with '-'
        from bot.cli.commands.sheet import update_argv

        argv = update_argv(argv)
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    from bot.errors import user_error_message

    try:
        from config.settings import get_settings

        if getattr(args, "check_settings", True):  # `doctor` reports a bad setting itself, as one FEL line
            get_settings()  # a half-done or invalid configuration stops every command with one clear line
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # e.g. `stimulans ask … | head`
        sys.stderr.close()
        return 0
    except Exception as exc:  # noqa: BLE001 - every error gets one clear line, traceback only with -v
        message = user_error_message(exc)
        if message is None or args.verbose:
            raise
        print(f"stimulans: {message}", file=sys.stderr)
        return 2


def entry() -> None:
    """The `stimulans` console script: `main()`, then for FAST_EXIT commands a flush and `os._exit`."""
    code = main()
    if _named_command(sys.argv[1:]) not in FAST_EXIT:
        raise SystemExit(code)
    import os

    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # `stimulans ask … | head`: the reader is gone, or main closed the stream
            pass
    logging.shutdown()
    os._exit(code)
