"""Render an Answer for a terminal (the Slack rendering lives in bot/blocks.py)."""
from __future__ import annotations

from engine.answer import Answer


def render_plain(answer: Answer) -> str:
    parts = [answer.text]
    if answer.estimate:
        parts.append("(Beräknat belopp, inte publicerat.)")
    line = answer.source_line()
    if line:
        parts.append(line)
    return "\n".join(parts)
