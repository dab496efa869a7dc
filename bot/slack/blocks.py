"""Block Kit for answers (slack_sdk.models.blocks), within Slack's limits.

Limits kept here: 3 000 characters per section text, 50 blocks per message, 2 000 characters per
button value, 2 000 per context element. A long answer is split over several sections at
paragraph / line / sentence boundaries; beyond 50 blocks it is cut with a note (never rejected).
"""
from __future__ import annotations

import json
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)

from engine.slack_text import escape, user_mention

SECTION_LIMIT = 3000
BLOCK_LIMIT = 50
VALUE_LIMIT = 2000
CONTEXT_LIMIT = 2000
FALLBACK_LIMIT = 3000

ACTION_FEEDBACK_UP = "stimulans_feedback_up"
ACTION_FEEDBACK_DOWN = "stimulans_feedback_down"
ACTION_SHARE = "stimulans_share"
ACTION_OPEN_MODAL = "stimulans_open_status_modal"

CUT_NOTE = "… (svaret är förkortat; fråga mer avgränsat för resten)"


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def split_text(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """Split into chunks of at most `limit` characters, preferring paragraph, line, sentence, word."""
    text = text.strip()
    chunks: list[str] = []
    while len(text) > limit:
        window = text[:limit]
        cut = -1
        for sep in ("\n\n", "\n", ". ", " "):
            pos = window.rfind(sep)
            if pos > limit // 3:
                cut = pos + (1 if sep == ". " else 0)
                break
        if cut <= 0:
            cut = limit
        chunks.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text:
        chunks.append(text)
    return chunks or [" "]


def text_sections(text: str, max_blocks: int) -> list[Block]:
    parts = split_text(text)
    if len(parts) > max_blocks:
        parts = parts[:max_blocks]
        last = parts[-1]
        parts[-1] = last[: SECTION_LIMIT - len(CUT_NOTE) - 1].rstrip() + "\n" + CUT_NOTE
    return [SectionBlock(text=MarkdownTextObject(text=p)) for p in parts]


def _json_value(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def share_value(kind: str, question: str) -> str:
    return _json_value({"k": kind, "q": truncate(question, 1500)})


def feedback_value(kind: str, question: str, answer_text: str) -> str:
    """Button value carrying what the vote is about (question + the answer, cut to fit 2 000)."""
    q = truncate(question, 400)
    budget = VALUE_LIMIT - len(_json_value({"k": kind, "q": q, "a": ""})) - 10
    a = answer_text
    while len(_json_value({"k": kind, "q": q, "a": a})) > VALUE_LIMIT:
        a = truncate(answer_text, max(budget, 10))
        budget -= 100
    return _json_value({"k": kind, "q": q, "a": a})


def parse_value(value: str | None) -> dict[str, Any]:
    try:
        data = json.loads(value or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def answer_blocks(answer: Any, *, question: str, kind: str = "ask", share: bool = False,
                  show_question: bool = False, shared_by: str | None = None) -> list[Block]:
    """The answer text, its source as a context line, and 👍/👎 (+ "Dela i kanalen") buttons."""
    head: list[Block] = []
    if show_question and question:
        head.append(ContextBlock(elements=[MarkdownTextObject(
            text=truncate("*Fråga:* " + escape(question), CONTEXT_LIMIT))]))
    tail: list[Block] = []
    context = [e for e in (escape(answer.source_line()),  # a source can be a sheet cell (Tilldelning: Källa)
                           f"Delat av {user_mention(shared_by)}" if shared_by else "") if e]
    if context:
        tail.append(ContextBlock(elements=[MarkdownTextObject(text=truncate(c, CONTEXT_LIMIT))
                                           for c in context]))
    buttons = [
        ButtonElement(text="👍", action_id=ACTION_FEEDBACK_UP, value=feedback_value(kind, question, answer.text)),
        ButtonElement(text="👎", action_id=ACTION_FEEDBACK_DOWN,
                      value=feedback_value(kind, question, answer.text)),
    ]
    if share:
        buttons.append(ButtonElement(text="Dela i kanalen", action_id=ACTION_SHARE,
                                     value=share_value(kind, question), style="primary"))
    tail.append(ActionsBlock(block_id="stimulans_answer_actions", elements=buttons))
    # escaped: answer text can carry sheet cells typed by people ("<!channel>" must not ping anyone)
    body = text_sections(escape(answer.text), BLOCK_LIMIT - len(head) - len(tail))
    return head + body + tail


def answer_message(answer: Any, *, question: str, kind: str = "ask", share: bool = False,
                   show_question: bool = False, shared_by: str | None = None) -> dict[str, Any]:
    """kwargs for chat.postMessage / respond: fallback `text` (notifications) + `blocks` as dicts."""
    blocks = answer_blocks(answer, question=question, kind=kind, share=share,
                           show_question=show_question, shared_by=shared_by)
    text = truncate(escape(answer.text), FALLBACK_LIMIT)
    return {"text": text, "blocks": [b.to_dict() for b in blocks]}


def notice_message(text: str) -> dict[str, Any]:
    """A plain notice (refusals, errors, confirmations) as one or more sections."""
    blocks = text_sections(text, BLOCK_LIMIT)
    return {"text": truncate(text, FALLBACK_LIMIT), "blocks": [b.to_dict() for b in blocks]}
