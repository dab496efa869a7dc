"""Documents in Slack: a coordinator (role `samordnare`) uploads a file in the app's DM, or types
`/stimulans dokument`; the drafts are reviewed in a modal (a checkbox per draft, its source sentence
beside it). Everyone else is refused with a clear message.

Upload: message.im with subtype file_share → files.info (scope files:read) → the file is fetched from
its private URL with the bot token (at most MAX_BYTES) → sheets/documents.py parses it → the library
stores it and drafts its facts → a DM with a *Granska utkast* button.
"""
from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import App

from bot.slack.blocks import escape, notice_message
from bot.slack.services import Services, mention, services
from engine.authz import coordinators

log = logging.getLogger(__name__)

ACTION_REVIEW = "stimulans_dokument_granska"
REVIEW_CALLBACK = "stimulans_dokument_granska_modal"
MAX_DRAFTS_IN_MODAL = 45  # 2 blocks each, within a modal's 100 blocks


def _refusal(svc: Services) -> str:
    try:
        people = ", ".join(mention(c) for c in coordinators(svc.contacts())) or "ingen samordnare finns i Kontakter"
    except Exception:  # noqa: BLE001 - the refusal itself must not fail
        people = "en samordnare"
    return f"Bara en samordnare kan lägga till och granska dokument. Be {people}."


def _is_coordinator(svc: Services, client: Any, user_id: str) -> bool:
    try:
        return svc.identity(client, user_id).is_coordinator
    except Exception:  # noqa: BLE001 - an unreadable sheet means: not authorized
        log.warning("identity lookup failed for a document request")
        return False


def _library(svc: Services):
    from engine.knowledge_layers import open_library

    return open_library(svc.settings.data_dir)


def _reload(svc: Services) -> None:
    """Accepted drafts change the knowledge base: the next question loads it again (an engine given
    to the services from outside, as in tests, is kept)."""
    from engine.qa import Engine

    with svc._lock:
        if isinstance(svc._engine, Engine):
            svc._engine, svc._kb = None, None


def command_reply(svc: Services, client: Any, user_id: str) -> dict[str, Any]:
    """`/stimulans dokument`: the library for a coordinator, a refusal for anyone else."""
    if not _is_coordinator(svc, client, user_id):
        return notice_message(_refusal(svc))
    from engine.library import drafts

    lib = _library(svc)
    lines = ["*Dokumentbiblioteket*"]
    for d in lib.documents():
        state = drafts.review_state(lib, d)
        lines.append(f"• {escape(d.title)}" + (f" — {escape(state)}" if state else "") + ("" if d.seed else f" (`{d.id}`)"))
    lines.append("Lägg till ett dokument: ladda upp en .pdf, .docx, .txt eller .md här i min DM.")
    return {"text": "\n".join(lines), "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)[:2900]}}]}


def _download(svc: Services, client: Any, file_id: str) -> tuple[str, bytes]:
    import requests

    from engine.library.document import DocumentError
    from engine.library.library import MAX_BYTES

    info = client.files_info(file=file_id)["file"]
    name = info.get("name") or "dokument"
    if int(info.get("size") or 0) > MAX_BYTES:
        raise DocumentError(f"{name}: filen är för stor ({int(info['size']) / 1024 / 1024:.0f} MB; högst "
                            f"{MAX_BYTES // 1024 // 1024} MB)")
    url = info.get("url_private_download") or info.get("url_private")
    if not url:
        raise DocumentError(f"{name}: Slack gav ingen nedladdningsadress för filen")
    token = svc.settings.slack_bot_token.get_secret_value() if svc.settings.slack_bot_token else ""
    with requests.get(url, headers={"Authorization": f"Bearer {token}"}, stream=True, timeout=30) as resp:
        if resp.status_code != 200:
            raise DocumentError(f"{name}: filen kunde inte hämtas från Slack (HTTP {resp.status_code})")
        data = bytearray()
        for chunk in resp.iter_content(64 * 1024):
            data += chunk
            if len(data) > MAX_BYTES:
                raise DocumentError(f"{name}: filen är för stor (högst {MAX_BYTES // 1024 // 1024} MB)")
    return name, bytes(data)


def on_file_share(svc: Services, client: Any, event: dict[str, Any]) -> None:
    user, channel = event.get("user"), event.get("channel")
    if not user or not channel:
        return
    if not _is_coordinator(svc, client, user):
        client.chat_postMessage(channel=channel, **notice_message(_refusal(svc)))
        return
    from engine.knowledge import KnowledgeError
    from engine.library import drafts
    from engine.library.document import DocumentError
    from sheets.documents import parse_bytes

    for f in event.get("files") or []:
        try:
            name, data = _download(svc, client, f.get("id", ""))
            lib = _library(svc)
            doc = lib.add(parse_bytes(data, name), filename=name)
            items = drafts.draft_and_store(lib, doc)
        except (DocumentError, KnowledgeError) as exc:
            client.chat_postMessage(channel=channel, **notice_message(f"Dokumentet lades inte till: {escape(str(exc))}"))
            continue
        except Exception:  # noqa: BLE001 - a clear line, never a crash
            log.exception("document upload failed")
            client.chat_postMessage(channel=channel, **notice_message(
                "Dokumentet kunde inte läggas till just nu (tekniskt fel); försök igen."))
            continue
        text = (f"Tillagt: *{escape(doc.title)}* ({len(doc.sections)} avsnitt). "
                f"{len(items)} utkast till strukturerade uppgifter väntar på granskning. Tills dess citeras dokumentet.")
        client.chat_postMessage(channel=channel, text=text, blocks=[
            {"type": "section", "text": {"type": "mrkdwn", "text": text}},
            {"type": "actions", "elements": [{"type": "button", "action_id": ACTION_REVIEW, "value": doc.id,
                                              "text": {"type": "plain_text", "text": "Granska utkast"}}]},
        ])


def review_modal(lib: Any, doc: Any, items: list[Any]) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": (
        f"*{escape(doc.title)}*\nKryssa i de uppgifter som stämmer med dokumentet. Ikryssade gäller i svaren; "
        "övriga avvisas.")[:2900]}}]
    for i in items[:MAX_DRAFTS_IN_MODAL]:
        where = f"avsnitt {i.section}" + (f", s. {i.page}" if i.page else "")
        warn = f"\n:warning: Motsäger: {escape(i.conflict)}" if i.conflict else ""
        option = {"text": {"type": "mrkdwn", "text": f"*{i.n}. {escape(i.label)[:140]}*"}, "value": str(i.n)}
        checkbox = {"type": "checkboxes", "action_id": f"utkast_{i.n}", "options": [option]}
        if i.status == "godkänd" or (i.status == "utkast" and i.confidence >= 0.7 and not i.conflict):
            checkbox["initial_options"] = [option]
        blocks.append({"type": "section", "block_id": f"utkast_{i.n}",
                       "text": {"type": "mrkdwn", "text": (f"*{i.n}.* {escape(i.label)}{warn}\n>”{escape(i.sentence)}”\n"
                                                          f"_{escape(where)} · säkerhet {i.confidence:.2f}_")[:2900]},
                       "accessory": checkbox})
    return {"type": "modal", "callback_id": REVIEW_CALLBACK, "private_metadata": doc.id,
            "title": {"type": "plain_text", "text": "Granska utkast"},
            "submit": {"type": "plain_text", "text": "Spara"}, "close": {"type": "plain_text", "text": "Avbryt"},
            "blocks": blocks}


def open_review(svc: Services, client: Any, user_id: str, trigger_id: str | None, doc_id: str) -> str | None:
    if not _is_coordinator(svc, client, user_id):
        return _refusal(svc)
    from engine.library import drafts
    from engine.library.document import DocumentError

    try:
        lib = _library(svc)
        doc = lib.get(doc_id)
        items = drafts.load_or_draft(lib, doc)
    except DocumentError as exc:
        return escape(str(exc))
    if not trigger_id:
        return "Formuläret kunde inte öppnas (Slack skickade inget trigger_id); försök igen."
    client.views_open(trigger_id=trigger_id, view=review_modal(lib, doc, items))
    return None


def checked_numbers(view: dict[str, Any]) -> set[int]:
    out: set[int] = set()
    for block in (view.get("state") or {}).get("values", {}).values():
        for value in block.values():
            for opt in value.get("selected_options") or []:
                if str(opt.get("value", "")).isdigit():
                    out.add(int(opt["value"]))
    return out


def save_review(svc: Services, client: Any, user_id: str, view: dict[str, Any]) -> None:
    if not _is_coordinator(svc, client, user_id):
        client.chat_postMessage(channel=user_id, **notice_message(_refusal(svc)))
        return
    from engine.knowledge import KnowledgeError
    from engine.library import drafts
    from engine.library.document import DocumentError

    try:
        lib = _library(svc)
        doc = lib.get(view.get("private_metadata", ""))
        items = drafts.load_or_draft(lib, doc)
        shown = {i.n for i in items[:MAX_DRAFTS_IN_MODAL]}
        accept = checked_numbers(view) & shown
        reject = shown - accept
        result = drafts.decide(lib, doc, accept=",".join(map(str, sorted(accept))) or None,
                               reject=",".join(map(str, sorted(reject))) or None)
    except (DocumentError, KnowledgeError, ValueError) as exc:
        client.chat_postMessage(channel=user_id, **notice_message(f"Granskningen sparades inte: {escape(str(exc))}"))
        return
    _reload(svc)
    lines = [escape(result.summary()), *(f"Varning: {escape(w)}" for w in result.warnings)]
    client.chat_postMessage(channel=user_id, **notice_message("\n".join(lines)))


def register(app: App) -> None:
    svc = services(app)

    def _ack(ack: Any) -> None:
        ack()

    def on_review_button(body: dict[str, Any], client: Any) -> None:
        user = (body.get("user") or {}).get("id", "")
        doc_id = ((body.get("actions") or [{}])[0]).get("value", "")
        refusal = open_review(svc, client, user, body.get("trigger_id"), doc_id)
        if refusal:
            client.chat_postMessage(channel=user, **notice_message(refusal))

    def on_submit(body: dict[str, Any], client: Any) -> None:
        save_review(svc, client, (body.get("user") or {}).get("id", ""), body.get("view") or {})

    app.action(ACTION_REVIEW)(ack=_ack, lazy=[on_review_button])
    app.view(REVIEW_CALLBACK)(ack=_ack, lazy=[on_submit])
    app.action(re.compile(r"^utkast_\d+$"))(_ack)  # checkbox toggles inside the modal need an ack only
