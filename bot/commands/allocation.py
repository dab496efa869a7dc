"""`stimulans allocation` subcommands (stub until its issue lands)."""
from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    pass
