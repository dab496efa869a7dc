"""Render for a terminal: Slack mrkdwn becomes plain text (the Slack rendering lives in bot/slack/blocks.py).

Every CLI print point that shows text the engine wrote for Slack goes through `plain_text`, so a
terminal never shows `*bold*`, `_Källa_`, `:bell:` or `<url|text>` raw.
"""
from __future__ import annotations

import re

from engine.answer import Answer

#: The emoji names the bot writes, as a terminal shows them. Unknown names are kept as written.
EMOJI = {
    "bell": "🔔", "white_check_mark": "✅", "warning": "⚠️", "x": "❌", "calendar": "📅",
    "bar_chart": "📊", "memo": "📝", "thumbsup": "👍", "+1": "👍", "thumbsdown": "👎", "-1": "👎",
    "hourglass": "⌛", "information_source": "ℹ️", "exclamation": "❗", "email": "📧",
}

_ANGLE = re.compile(r"<([^<>\n]+)>")
_EMOJI = re.compile(r"(?<![\w:]):([a-z0-9_+\-]+):(?![\w:])")
# *bold*, _italic_, ~strike~ around text that starts and ends with a non-space (Slack's own rule)
_STYLE = re.compile(r"(?<![\w*_~])([*_~])(?=\S)(.+?)(?<=\S)\1(?![\w*_~])")


def _angle(match: re.Match[str]) -> str:
    inner = match.group(1)
    target, _, label = inner.partition("|")
    if target.startswith("!date^"):  # <!date^1606780800^{date}|1 december 2020>
        return label or target
    if target.startswith("!"):  # <!channel>, <!here>, <!subteam^S1|@grupp>
        return label or "@" + target[1:].split("^")[0]
    if target.startswith("@"):  # <@U123|namn>
        return "@" + label if label else target
    if target.startswith("#"):  # <#C123|kanal>
        return "#" + label if label else target
    if target.startswith("mailto:"):
        return label or target.removeprefix("mailto:")
    if label and label != target:
        return f"{label} ({target})"
    return target


def plain_text(mrkdwn: str) -> str:
    """Slack mrkdwn → what a person reads in a terminal: styles dropped, links spelled out, emoji drawn."""
    text = mrkdwn.replace("```", "")
    text = _ANGLE.sub(_angle, text)
    text = _EMOJI.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), text)
    for _ in range(2):  # nested styles, e.g. *_Källa_*
        text = _STYLE.sub(lambda m: m.group(2), text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def render_plain(answer: Answer) -> str:
    parts = [answer.text]
    if answer.estimate:
        parts.append("(Beräknat belopp, inte publicerat.)")
    line = answer.source_line()
    if line:
        parts.append(line)
    return plain_text("\n".join(parts))
