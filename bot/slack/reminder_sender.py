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

Cost (docs/scale.md): a run makes a constant number of store calls whatever the number of reminders —
the snapshot, ONE claim batch (Store.claim_reminders), one more for take-overs, ONE completion batch
(Store.complete_reminders) — 6 Sheets calls for 290 DMs. Slack calls are paced per method (Pacer) and
IM channel ids from conversations.open are cached for the sender's lifetime.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, MarkdownTextObject, SectionBlock

from engine.reminders import METADATA_EVENT_TYPE, SENT, STATUS_BUTTON_ACTION_ID, OutgoingReminder
from engine.slack_text import is_user_id
from engine.store import ReminderRecord, Store, StoreError

log = logging.getLogger(__name__)

Outcome = Literal["sent", "already_sent", "recovered", "in_progress", "stuck", "failed"]
_SECTION_LIMIT = 2900  # Slack: 3000 characters per section text
HISTORY_MARGIN = dt.timedelta(hours=1)
ACTIVE = {"anspråk", "ansprak", SENT}  # clock skew between our host and Slack


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


class Pacer:
    """Keeps Web API calls under Slack's rate tiers: a token bucket per method (and per channel for
    chat.postMessage). Short bursts go straight through; a long run (290 DMs) is spread out instead of
    collecting 429s. `clock`/`sleep` are injectable so tests and the benchmark never really wait."""

    #: calls per minute and burst per method: Tier 3 (50+/min) for conversations.open/history,
    #: chat.postMessage about 1 per second per channel (we stay under 1/s across all channels too).
    LIMITS: dict[str, tuple[float, int]] = {
        "conversations.open": (50, 5),
        "conversations.history": (50, 5),
        "chat.postMessage": (60, 5),
    }

    def __init__(self, limits: dict[str, tuple[float, int]] | None = None, *,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep):
        self.limits = dict(self.LIMITS if limits is None else limits)
        self.clock = clock
        self.sleep = sleep
        self._buckets: dict[str, tuple[float, float]] = {}  # method -> (tokens, at)
        self._lock = threading.Lock()
        self.waited = 0.0  # seconds slept, for the benchmark

    def wait(self, method: str) -> None:
        limit = self.limits.get(method)
        if limit is None:
            return
        per_minute, burst = limit
        rate = per_minute / 60.0
        with self._lock:
            now = self.clock()
            tokens, at = self._buckets.get(method, (float(burst), now))
            tokens = min(float(burst), tokens + max(0.0, now - at) * rate)
            if tokens >= 1:
                delay = 0.0
                self._buckets[method] = (tokens - 1, now)
            else:
                delay = (1 - tokens) / rate
                self._buckets[method] = (0.0, now + delay)
        if delay:
            self.waited += delay
            self.sleep(delay)


class ReminderSender:
    def __init__(self, client: WebClient, store: Store, *, claim_timeout: dt.timedelta = dt.timedelta(minutes=10),
                 owner: str | None = None, max_attempts: int = 10, history_pages: int = 10,
                 pacer: Pacer | None = None, lock: Any = None):
        self.client = client
        self.store = store
        self.claim_timeout = claim_timeout
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.max_attempts = max_attempts
        self.history_pages = history_pages
        self.pacer = pacer or Pacer()
        #: an optional shared lock (sheets.redis_state) so two clock processes never claim at the same time
        self.lock = lock
        self._dm_channels: dict[str, str] = {}  # user id -> IM channel id (conversations.open), kept across runs

    # ------------------------------------------------------------ the store

    def _claim_batch(self, claims: list[tuple[OutgoingReminder, str]]) -> set[str]:
        """Claim (item, claim id) pairs in one store call; the claim ids won."""
        if not claims:
            return set()
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        records = [item.record(owner=self.owner, claimed_at=now, reminder_id=rid) for item, rid in claims]
        if self.lock is None:
            return self.store.claim_reminders(records)
        with self.lock:
            return self.store.claim_reminders(records)

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
            self.pacer.wait("conversations.open")
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
                self.pacer.wait("conversations.history")
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
        channel = self._conversation(item)
        self.pacer.wait("chat.postMessage")
        resp = self.client.chat_postMessage(channel=channel, text=item.text,
                                            blocks=blocks_for(item), metadata=item.metadata,
                                            unfurl_links=False, unfurl_media=False)
        return resp["ts"]

    def _post_and_complete(self, item: OutgoingReminder, claim_ids: list[str], done: list[tuple[str, str]]) -> SendResult:
        """Post a claimed reminder (unless the channel already has it); its completions go to `done`."""
        try:
            ts = self.find_posted(item, since=None)
        except HistoryUnavailable as e:
            log.warning("kunde inte läsa historiken före %s (%s); skickar på anspråket", item.reminder_id, e)
            ts = None
        if ts:
            done += [(rid, ts) for rid in claim_ids]
            return SendResult(item.reminder_id, "recovered", ts)
        try:
            ts = self._post(item)
        except SlackApiError as e:
            return SendResult(item.reminder_id, "failed", detail=str(e.response.get("error", "slack-fel")))
        done += [(rid, ts) for rid in claim_ids]
        return SendResult(item.reminder_id, "sent", ts)

    # ------------------------------------------------------------ a run

    def send_one(self, item: OutgoingReminder) -> SendResult:
        return self.send_all([item])[0]

    def send_all(self, items: list[OutgoingReminder]) -> list[SendResult]:
        """Send every item at most once, with a constant number of store calls for the whole run:
        one snapshot, one claim batch (plus one for take-overs of abandoned claims), one completion batch.
        A failing store call ends the run with a clear result per reminder; the next run resumes (a
        posted but unrecorded message is found in the channel, never posted twice)."""
        results: dict[str, SendResult] = {}
        done: list[tuple[str, str]] = []
        try:
            try:
                self._run(items, results, done)
            except StoreError as e:
                for item in items:
                    results.setdefault(item.reminder_id, SendResult(
                        item.reminder_id, "failed", detail=f"kalkylarket: {e}; nästa körning fortsätter"))
        finally:
            self._complete(done, results)
        return [results[i.reminder_id] for i in items]

    def _complete(self, done: list[tuple[str, str]], results: dict[str, SendResult]) -> None:
        if not done:
            return
        try:
            self.store.complete_reminders(done)
        except StoreError as e:
            log.warning("skickade påminnelser kunde inte registreras: %s", e)
            ids = {rid.split("#")[0] for rid, _ in done}
            for rid in ids:
                old = results.get(rid)
                if old is not None:
                    results[rid] = SendResult(rid, old.outcome, old.ts, detail=(
                        f"skickad men inte registrerad i arket ({e}); nästa körning registrerar den"))

    def _run(self, items: list[OutgoingReminder], results: dict[str, SendResult],
             done: list[tuple[str, str]]) -> None:
        snapshot = self.store.snapshot()
        records = _by_id(snapshot.reminders)
        fresh: list[OutgoingReminder] = []
        contested: list[OutgoingReminder] = []
        for item in items:
            sent = _sent(records, item.reminder_id)
            if item.kind == "dm" and not is_user_id(item.channel):  # conversations.open only with a real user id
                results[item.reminder_id] = SendResult(item.reminder_id, "failed", detail="ogiltigt Slack-id i Kontakter")
            elif sent is not None:
                results[item.reminder_id] = SendResult(item.reminder_id, "already_sent", sent.slack_ts)
            elif records.get(item.reminder_id):
                contested.append(item)
            else:
                fresh.append(item)
        won = self._claim_batch([(i, i.reminder_id) for i in fresh])
        contested += [i for i in fresh if i.reminder_id not in won]
        for item in fresh:
            if item.reminder_id in won:
                self._send_item(item, [item.reminder_id], results, done)
        if contested:
            self._resolve_contested(contested, results, done)

    def _send_item(self, item: OutgoingReminder, claim_ids: list[str], results: dict[str, SendResult],
                   done: list[tuple[str, str]]) -> None:
        try:
            results[item.reminder_id] = self._post_and_complete(item, claim_ids, done)
        except SlackApiError as e:
            results[item.reminder_id] = SendResult(item.reminder_id, "failed",
                                                   detail=str(e.response.get("error", "slack-fel")))

    def _resolve_contested(self, items: list[OutgoingReminder], results: dict[str, SendResult],
                           done: list[tuple[str, str]]) -> None:
        """Reminders someone else has claimed: already sent, still in progress, posted by a crashed run
        (found in the channel: record it), or abandoned (older than claim_timeout and not in the
        channel: take over with a retry claim "<id>#n", all take-overs in one batch)."""
        records = _by_id(self.store.refresh().reminders)
        takeovers: list[tuple[OutgoingReminder, str]] = []
        for item in items:
            base = item.reminder_id
            sent = _sent(records, base)
            if sent is not None:
                results[base] = SendResult(base, "already_sent", sent.slack_ts)
                continue
            attempts = [(n, records[rid][0]) for n in range(1, self.max_attempts + 1)
                        if (rid := _attempt_id(base, n)) in records]
            if not attempts:
                results[base] = SendResult(base, "in_progress", detail="anspråket syns ännu inte i arket")
                continue
            for _n, rec in attempts:
                if rec.slack_ts or rec.status == SENT:
                    done.append((base, rec.slack_ts))
                    results[base] = SendResult(base, "recovered", rec.slack_ts)
                    break
            if base in results:
                continue
            first, (last_n, last) = attempts[0][1], attempts[-1]
            try:
                ts = self.find_posted(item, since=_parse_time(first.claimed_at))
            except HistoryUnavailable as e:
                results[base] = SendResult(base, "stuck",
                                           detail=f"anspråk utan ts och kanalens historik kunde inte läsas ({e})")
                continue
            except SlackApiError as e:
                results[base] = SendResult(base, "failed", detail=str(e.response.get("error", "slack-fel")))
                continue
            if ts:
                done += [(_attempt_id(base, n), ts) for n, _ in attempts]
                results[base] = SendResult(base, "recovered", ts)
            elif not self._is_stale(last):
                results[base] = SendResult(base, "in_progress")
            elif last_n >= self.max_attempts:
                results[base] = SendResult(base, "stuck", detail=f"{self.max_attempts} övergivna anspråk")
            else:
                takeovers.append((item, _attempt_id(base, last_n + 1)))
        won = self._claim_batch(takeovers)
        for item, rid in takeovers:
            if rid in won:
                self._send_item(item, [rid, item.reminder_id], results, done)
            else:
                results[item.reminder_id] = SendResult(item.reminder_id, "in_progress", detail=f"anspråk {rid}")


def _attempt_id(base: str, n: int) -> str:
    return base if n == 1 else f"{base}#{n}"


def _by_id(reminders: list[ReminderRecord]) -> dict[str, list[ReminderRecord]]:
    out: dict[str, list[ReminderRecord]] = {}
    for r in reminders:
        if not (r.slack_ts or r.status in ACTIVE):
            continue  # a "dubblett" or hand-cleared row is no claim
        out.setdefault(r.reminder_id, []).append(r)
    return out


def _sent(records: dict[str, list[ReminderRecord]], reminder_id: str) -> ReminderRecord | None:
    return next((r for r in records.get(reminder_id, []) if r.slack_ts or r.status == SENT), None)
