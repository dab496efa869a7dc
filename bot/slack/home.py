"""App Home views (views.publish) per role, rendered from engine.dashboard data.

- samordnare: progress per post with a text progress bar, recipients still open, deadlines;
- kontakt: own allocations, status per post (each with "Uppdatera status"), next deadlines;
- everyone else: how to ask, and whom to ask for write access.
A home tab holds at most 100 blocks; lists are cut with a "… och N till" line.
"""
from __future__ import annotations

import datetime as dt
import json
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    ImageBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.slack.blocks import ACTION_OPEN_MODAL, truncate
from engine.authz import Identity, whom_to_ask
from engine.dashboard import contact_overview, open_recipients, post_progress, upcoming_deadlines
from engine.formatting import format_date
from engine.sheet.knowledge import with_sheet
from engine.slack_text import escape
from engine.slack_text import mention as slack_mention
from engine.store import Contact, Snapshot

HOME_BLOCK_LIMIT = 100
_TEXT = 2900


def _section(text: str, accessory: Any = None) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=truncate(text, _TEXT)), accessory=accessory)


def _context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=truncate(text, 2000))])


def _listing(items: list[str], limit: int) -> str:
    shown = items[:limit]
    more = len(items) - len(shown)
    return ", ".join(shown) + (f" … och {more} till" if more > 0 else "")


def _modal_button(recipient_id: str | None, agreement: str = "", post: str = "",
                  label: str = "Uppdatera status") -> ButtonElement:
    value = json.dumps({"recipient_id": recipient_id or "", "agreement": agreement, "post": post,
                        "deadline_id": ""}, ensure_ascii=False)
    return ButtonElement(text=label, action_id=ACTION_OPEN_MODAL, value=value)


def _invoice_button(recipient_id: str) -> ButtonElement:
    from bot.slack.listeners.drafts import ACTION_INVOICE_DRAFT

    return ButtonElement(text="Fakturaunderlag (Word)", action_id=ACTION_INVOICE_DRAFT, value=recipient_id)


def _digest_blocks(snapshot: Snapshot) -> list[Block]:
    """The latest weekly digest chart (`stimulans sammanfattning`), shown from its Slack file."""
    from engine.digest import latest_digest_file

    file_id = latest_digest_file(snapshot)
    if not file_id:
        return []
    return [ImageBlock(slack_file={"id": file_id}, title="Senaste veckosammanfattningen",
                       alt_text="Stapeldiagram: rekvirerat, fakturerat och öppet per post och per län")]


def _help_blocks() -> list[Block]:
    return [_context("Fråga mig i en DM, nämn @Stimulans i en kanal eller skriv `/stimulans <fråga>`. "
                     "`/stimulans hjälp` visar exempel.")]


def _deadline_blocks(lines: list[Any]) -> list[Block]:
    if not lines:
        return [_section("*Kommande deadlines*\nInga kommande deadlines i dokumenten.")]
    text = "\n".join(f"• {escape(d.text)}" + (f" ({escape(d.consequence)})" if d.consequence else "")
                     for d in lines)
    blocks: list[Block] = [_section("*Kommande deadlines*\n" + text)]
    sources = list(dict.fromkeys(d.source for d in lines if d.source))
    if sources:
        blocks.append(_context("Källa: " + escape("; ".join(sources))))
    return blocks


def coordinator_home(kb: Any, snapshot: Snapshot, today: dt.date, name: str = "") -> View:
    kb = with_sheet(kb, snapshot)  # agreements, posts, amounts and deadlines the shared sheet defines
    blocks: list[Block] = [HeaderBlock(text="Stimulans: översikt för samordnare")]
    if name:
        blocks.append(_context(f"Inloggad som {escape(name)} (samordnare). Läget {format_date(today)}."))
    blocks.append(ActionsBlock(elements=[_modal_button(None)]))
    blocks.append(DividerBlock())
    blocks += _digest_blocks(snapshot)
    progress = post_progress(kb, snapshot)
    if not progress:
        blocks.append(_section("*Rekvisitioner per post*\nInga poster med fördelning per mottagare eller "
                               "rader i fliken Rekvisitioner ännu."))
    for p in progress:
        text = f"*{escape(p.label)}*\n`{p.bar}`  {p.line}"
        if p.open_names:
            text += "\nÖppna: " + escape(_listing(p.open_names, 30))
        blocks.append(_section(text))
    still_open = open_recipients(kb, snapshot)
    blocks.append(DividerBlock())
    if not snapshot.statuses:  # an empty tab is not "all done"
        open_text = ("Fliken Rekvisitioner har inga rader ännu, så ingen status syns. "
                     "Kör `stimulans init-sheet` för en rad per mottagare och post.")
    else:
        open_text = escape(_listing(still_open, 60)) if still_open else "Inga: alla rader är klara."
    blocks.append(_section("*Mottagare med öppna rader*\n" + open_text))
    if snapshot.problems:
        blocks.append(_context(f"{len(snapshot.problems)} celler i kalkylarket kunde inte läsas, t.ex. "
                               + escape(snapshot.problems[0].describe())))
    if snapshot.stale_error:
        blocks.append(_context("Kalkylarket kunde inte läsas om; visar senast lästa data."))
    blocks.append(DividerBlock())
    blocks += _deadline_blocks(upcoming_deadlines(kb, today))
    blocks.append(_context("Fakturaunderlag för en mottagare som fil i din DM: `/stimulans faktura <mottagare>`."))
    blocks += _help_blocks()
    return View(type="home", blocks=_cap(blocks))


def contact_home(kb: Any, snapshot: Snapshot, today: dt.date, identity: Identity) -> View:
    kb = with_sheet(kb, snapshot)  # agreements, posts, amounts and deadlines the shared sheet defines
    blocks: list[Block] = [HeaderBlock(text="Stimulans: din översikt")]
    for rid in identity.recipient_ids[:5]:
        ov = contact_overview(kb, snapshot, rid, today)
        blocks.append(_section(f"*{escape(ov.name)}*", accessory=_modal_button(rid)))
        from engine.drafts import invoice_available

        if invoice_available(kb, rid):
            blocks.append(ActionsBlock(elements=[_invoice_button(rid)]))
        if ov.allocations:
            text = "\n".join(f"• {escape(a.label)}: *{a.amount}*" for a in ov.allocations)
            head = "Tilldelning (publicerad)" if all(a.published for a in ov.allocations) else "Tilldelning"
            blocks.append(_section(f"*{head}*\n" + text))
            blocks.append(_context("Källa: " + escape("; ".join(dict.fromkeys(a.source for a in ov.allocations)))))
        else:
            posts = getattr(kb, "posts", {}) or {}
            years = sorted({posts[s.post].year for s in ov.statuses if s.post in posts}, reverse=True)
            question = f"Hur mycket får {ov.name}{f' {years[0]}' if years else ''}?"
            blocks.append(_section(f"*Tilldelning*\nDokumenten anger inget eget belopp för {escape(ov.name)}. "
                                   f"Fråga `{escape(question)}` för en beräkning utifrån fördelningsnyckeln "
                                   "(beräknat, inte publicerat)."))
        if ov.statuses:
            for s in ov.statuses[:20]:
                parts = [f"*{escape(s.label)}*: {s.status_label}"]
                parts += [x for x in (s.amount, s.date) if x]
                line = " · ".join(parts)
                if s.planned_use:
                    line += f"\n_{escape(truncate(s.planned_use, 300))}_"
                blocks.append(_section(line, accessory=_modal_button(rid, s.agreement, s.post, "Uppdatera")))
        else:
            blocks.append(_section("*Status*\nInga rader i fliken Rekvisitioner ännu; "
                                   "tryck Uppdatera status för att lägga in den första."))
        blocks += _deadline_blocks(ov.deadlines)
        blocks.append(DividerBlock())
    if len(identity.recipient_ids) > 5:
        blocks.append(_context(f"… och {len(identity.recipient_ids) - 5} mottagare till; "
                               "skriv `/stimulans status <mottagare>` för dem."))
    blocks += _help_blocks()
    return View(type="home", blocks=_cap(blocks))


def guest_home(coordinators: list[Contact], mention: Any = slack_mention) -> View:
    blocks: list[Block] = [
        HeaderBlock(text="Stimulans"),
        _section("Jag svarar på frågor om stimulansmedlen för psykisk hälsa: belopp, deadlines, "
                 "fakturering och rekvisition. Svaren kommer från överenskommelserna och anger källa."),
        _section("Du finns inte i fliken Kontakter, så du kan ställa frågor men inte uppdatera status. "
                 + whom_to_ask(coordinators, mention)),
    ]
    blocks += _help_blocks()
    return View(type="home", blocks=blocks)


def error_home(message: str) -> View:
    return View(type="home", blocks=[HeaderBlock(text="Stimulans"), _section(message)] + _help_blocks())


def _cap(blocks: list[Block]) -> list[Block]:
    if len(blocks) <= HOME_BLOCK_LIMIT:
        return blocks
    return blocks[: HOME_BLOCK_LIMIT - 1] + [_context("… fler rader finns i kalkylarket.")]
