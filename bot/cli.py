"""`stimulans` command line. Thin: each subcommand lives in bot/commands/<name>.py with register()."""
from __future__ import annotations

import argparse
import importlib
import logging
import sys

COMMAND_MODULES = ["ask", "chat", "status", "sheet", "serve", "remind", "allocation", "documents"]


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
        importlib.import_module(f"bot.commands.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    from bot.errors import user_error_message

    try:
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
