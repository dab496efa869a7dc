"""Post planned reminders to Slack exactly once (docs/reminders.md, "Exakt en gång").

For each reminder (deadline × offset × channel):
1. already recorded as sent in Påminnelser → skip;
2. claim it (Store.claim_reminder, atomic in the store) → look in the channel for a message carrying its
   metadata (a lost record) → post with metadata → record the ts (Store.complete_reminder);
3. claim refused and not sent: someone claimed it. If the channel already has the message (the claimer
   crashed after posting), record its ts and stop. If the claim is younger than claim_timeout, another run
   is busy with it: stop. If it is older and the message is not in the channel (the claimer crashed
   before posting), take over with a retry claim "<id>#2", "#3", … (atomic too), look once more, post.
A run that cannot read the channel history never re-posts a stale claim (at most once over at least once).
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import uuid
from dataclasses import dataclass
from typing import Literal

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, MarkdownTextObject, SectionBlock

from engine.reminders import METADATA_EVENT_TYPE, SENT, STATUS_BUTTON_ACTION_ID, OutgoingReminder
from engine.slack_text import is_user_id
from engine.store import ReminderRecord, Store

log = logging.getLogger(__name__)

Outcome = Literal["sent", "already_sent", "recovered", "in_progress", "stuck", "failed"]
_SECTION_LIMIT = 2900  # Slack: 3000 characters per section text
HISTORY_MARGIN = dt.timedelta(hours=1)  # clock skew between our host and Slack


def make_client(token: str, api_url: str | None = None) -> WebClient:
    """A WebClient that never retries a post after a connection error (that could double-post);
    rate-limited calls are retried (Slack did not act on them)."""
    base_url = (api_url or WebClient.BASE_URL).rstrip("/") + "/"
    return WebClient(token=token, base_url=base_url, timeout=30,
                     retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)])


@dataclass(frozen=True)
class SendResult:
    reminder_id: str
    outcome: Outcome
    ts: str = ""
    detail: str = ""

    def describe(self) -> str:
        text = {
            "sent": f"Skickad: {self.reminder_id} (ts {self.ts})",
            "already_sent": f"Redan skickad: {self.reminder_id}",
            "recovered": f"Fanns redan i Slack, nu registrerad: {self.reminder_id} (ts {self.ts})",
            "in_progress": f"Skickas av en annan körning just nu: {self.reminder_id}",
            "stuck": f"Ej skickad, kontrollera för hand: {self.reminder_id}",
            "failed": f"Misslyckades: {self.reminder_id}",
        }[self.outcome]
        return f"{text}: {self.detail}" if self.detail else text


class HistoryUnavailable(Exception):
    """The channel history could not be read (missing scope, network...)."""


def _parse_time(raw: str) -> dt.datetime | None:
    try:
        t = dt.datetime.fromisoformat(raw.strip())
    except (ValueError, AttributeError):
        return None
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)  # naive → UTC: a local time then looks newer (safe)


def blocks_for(item: OutgoingReminder) -> list[dict]:
    """Section blocks (split at paragraph breaks under Slack's limit) and, in DMs, one button per row."""
    blocks: list[dict] = []
    chunk = ""
    for para in item.text.split("\n"):
        while len(para) > _SECTION_LIMIT:  # a single over-long line
            if chunk:
                blocks.append(chunk)
                chunk = ""
            blocks.append(para[:_SECTION_LIMIT])
            para = para[_SECTION_LIMIT:]
        candidate = f"{chunk}\n{para}" if chunk else para
        if len(candidate) > _SECTION_LIMIT:
            blocks.append(chunk)
            candidate = para
        chunk = candidate
    if chunk.strip():
        blocks.append(chunk)
    sections: list[Block] = [SectionBlock(text=MarkdownTextObject(text=b)) for b in blocks if b.strip()]
    buttons: list[Block] = [
        ActionsBlock(block_id=f"stimulans_status_{n}", elements=[ButtonElement(
            text=button["label"][:75], action_id=STATUS_BUTTON_ACTION_ID, style="primary",
            value=button["value"][:2000])])
        for n, button in enumerate(item.buttons)]
    # at most 50 blocks per message: keep the buttons (the point of a DM), cut the text first
    return [b.to_dict() for b in sections[: max(50 - len(buttons), 1)] + buttons][:50]


class ReminderSender:
    def __init__(self, client: WebClient, store: Store, *, claim_timeout: dt.timedelta = dt.timedelta(minutes=10),
                 owner: str | None = None, max_attempts: int = 10, history_pages: int = 10):
        self.client = client
        self.store = store
        self.claim_timeout = claim_timeout
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.max_attempts = max_attempts
        self.history_pages = history_pages
        self._dm_channels: dict[str, str] = {}

    # ------------------------------------------------------------ the store

    def _record(self, reminder_id: str, *, refresh: bool) -> ReminderRecord | None:
        snapshot = self.store.refresh() if refresh else self.store.snapshot()
        found = [r for r in snapshot.reminders if r.reminder_id == reminder_id]
        sent = [r for r in found if r.slack_ts or r.status == SENT]
        return (sent or found or [None])[0]

    def _claim(self, item: OutgoingReminder, reminder_id: str) -> bool:
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        return self.store.claim_reminder(item.record(owner=self.owner, claimed_at=now, reminder_id=reminder_id))

    def _is_stale(self, record: ReminderRecord) -> bool:
        claimed = _parse_time(record.claimed_at)
        if claimed is None:
            return False  # unknown age: never take over (at most once)
        return dt.datetime.now(dt.UTC) - claimed >= self.claim_timeout

    # ------------------------------------------------------------ Slack

    def _conversation(self, item: OutgoingReminder) -> str:
        if item.kind != "dm":
            return item.channel
        if item.channel not in self._dm_channels:
            if not is_user_id(item.channel):
                raise HistoryUnavailable("ogiltigt Slack-id")
            resp = self.client.conversations_open(users=item.channel)
            self._dm_channels[item.channel] = resp["channel"]["id"]
        return self._dm_channels[item.channel]

    def find_posted(self, item: OutgoingReminder, since: dt.datetime | None) -> str | None:
        """The ts of a message in the reminder's conversation whose metadata names this reminder."""
        if since is None:
            day = dt.datetime.combine(item.planned_date, dt.time(), tzinfo=dt.UTC)
            since = day - dt.timedelta(days=1)
        oldest = f"{(since - HISTORY_MARGIN).timestamp():.6f}"
        cursor = None
        try:
            channel = self._conversation(item)
            for _ in range(self.history_pages):
                resp = self.client.conversations_history(channel=channel, oldest=oldest, limit=200, cursor=cursor,
                                                         include_all_metadata=True)
                for message in resp.get("messages", []):
                    meta = message.get("metadata") or {}
                    payload = meta.get("event_payload") or {}
                    if meta.get("event_type") == METADATA_EVENT_TYPE and payload.get("reminder_id") == item.reminder_id:
                        return message["ts"]
                cursor = (resp.get("response_metadata") or {}).get("next_cursor")
                if not resp.get("has_more") or not cursor:
                    return None
        except SlackApiError as e:
            raise HistoryUnavailable(str(e.response.get("error", e))) from e
        except Exception as e:  # noqa: BLE001 - network errors: we cannot tell
            raise HistoryUnavailable(type(e).__name__) from e
        raise HistoryUnavailable(f"fler än {self.history_pages} sidor historik sedan {oldest}")

    def _post(self, item: OutgoingReminder) -> str:
        resp = self.client.chat_postMessage(channel=self._conversation(item), text=item.text,
                                            blocks=blocks_for(item), metadata=item.metadata,
                                            unfurl_links=False, unfurl_media=False)
        return resp["ts"]

    def _post_and_complete(self, item: OutgoingReminder, claim_ids: list[str]) -> SendResult:
        try:
            ts = self.find_posted(item, since=None)
        except HistoryUnavailable as e:
            log.warning("kunde inte läsa historiken före %s (%s); skickar på anspråket", item.reminder_id, e)
            ts = None
        if ts:
            for rid in claim_ids:
                self.store.complete_reminder(rid, ts)
            return SendResult(item.reminder_id, "recovered", ts)
        try:
            ts = self._post(item)
        except SlackApiError as e:
            return SendResult(item.reminder_id, "failed", detail=str(e.response.get("error", "slack-fel")))
        for rid in claim_ids:
            self.store.complete_reminder(rid, ts)
        return SendResult(item.reminder_id, "sent", ts)

    # ------------------------------------------------------------ one reminder

    def send_one(self, item: OutgoingReminder) -> SendResult:
        base = item.reminder_id
        if item.kind == "dm" and not is_user_id(item.channel):  # conversations.open only with a real user id
            return SendResult(base, "failed", detail="ogiltigt Slack-id i Kontakter")
        record = self._record(base, refresh=False)
        if record is not None and (record.slack_ts or record.status == SENT):
            return SendResult(base, "already_sent", record.slack_ts)
        if self._claim(item, base):
            return self._post_and_complete(item, [base])
        return self._resolve_claimed(item)

    def _resolve_claimed(self, item: OutgoingReminder) -> SendResult:
        base = item.reminder_id
        record = self._record(base, refresh=True)
        if record is None:
            return SendResult(base, "in_progress", detail="anspråket syns ännu inte i arket")
        if record.slack_ts or record.status == SENT:
            return SendResult(base, "already_sent", record.slack_ts)
        for attempt in range(1, self.max_attempts + 1):
            rid = base if attempt == 1 else f"{base}#{attempt}"
            if attempt > 1:
                if self._claim(item, rid):
                    return self._post_and_complete(item, [rid, base])
                record = self._record(rid, refresh=True)
                if record is None:
                    return SendResult(base, "in_progress", detail=f"anspråk {rid}")
                if record.slack_ts or record.status == SENT:
                    self.store.complete_reminder(base, record.slack_ts)
                    return SendResult(base, "recovered", record.slack_ts)
            try:
                ts = self.find_posted(item, since=_parse_time(record.claimed_at))
            except HistoryUnavailable as e:
                return SendResult(base, "stuck", detail=f"anspråk utan ts och kanalens historik kunde inte läsas ({e})")
            if ts:
                self.store.complete_reminder(base, ts)
                if rid != base:
                    self.store.complete_reminder(rid, ts)
                return SendResult(base, "recovered", ts)
            if not self._is_stale(record):
                return SendResult(base, "in_progress")
        return SendResult(base, "stuck", detail=f"{self.max_attempts} övergivna anspråk")

    def send_all(self, items: list[OutgoingReminder]) -> list[SendResult]:
        results = []
        for item in items:
            try:
                results.append(self.send_one(item))
            except SlackApiError as e:
                results.append(SendResult(item.reminder_id, "failed", detail=str(e.response.get("error", "slack-fel"))))
        return results
