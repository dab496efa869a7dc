"""`stimulans` command line. Thin: each subcommand lives in bot/cli/commands/<name>.py with register()."""
from __future__ import annotations

import argparse
import importlib
import logging
import sys

COMMAND_MODULES = ["ask", "chat", "status", "sheet", "serve", "remind", "allocation", "documents", "drafts", "exports",
                   "digest", "doctor", "healthcheck", "answers"]


class CliError(Exception):
    """A clear message for the user; exit code 2, no traceback."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="stimulans",
        description="Stimulans: belopp, deadlines och fakturaregler för stimulansmedel (ÖK psykisk hälsa).",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="visa felsökningsutskrifter")
    sub = parser.add_subparsers(dest="command", metavar="KOMMANDO")
    for name in COMMAND_MODULES:
        importlib.import_module(f"bot.cli.commands.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "update":  # values may start with '-'
        from bot.cli.commands.sheet import update_argv

        argv = update_argv(argv)
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
