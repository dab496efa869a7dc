"""Shared state on Redis for several web workers and hosts (selected by REDIS_URL; docs/scale.md).

- Event dedup: `first_time(event_id)` is one `SET key 1 NX EX ttl`: the first worker to see an id wins,
  every other worker (and a retry routed to another host) drops it.
- Follow-up context: the engine's ConversationContext port (engine/conversation.py): JSON under a key
  with a TTL.
- Locks: `lock(name)` is redis-py's token lock (SET NX PX + a compare-and-delete release), used so two
  reminder clocks never claim at the same moment.

When Redis is unreachable the bot keeps answering: dedup lets the event through (a rare double answer
beats a lost one), context is empty, and a lock is skipped (the store's claims still make reminders
exactly-once). Each failure is logged once per minute, never the URL's password.
"""
from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import Iterator
from typing import Any

import redis

from engine.conversation import DEFAULT_MAX_AGE as CONTEXT_TTL_SECONDS

log = logging.getLogger(__name__)

EVENT_TTL_SECONDS = 3600  # Slack retries within minutes; an hour is plenty


class RedisState:
    def __init__(self, url: str, *, prefix: str = "stimulans:", client: Any = None,
                 event_ttl: int = EVENT_TTL_SECONDS):
        self.prefix = prefix
        self.event_ttl = event_ttl
        self.client = client or redis.Redis.from_url(url, socket_timeout=2.0, socket_connect_timeout=2.0,
                                                     health_check_interval=30, decode_responses=True)
        self._warned = 0.0

    def _unavailable(self, doing: str, exc: Exception) -> None:
        now = time.monotonic()
        if now - self._warned > 60:
            self._warned = now
            log.warning("Redis svarar inte (%s): %s; fortsätter utan delat tillstånd", doing, type(exc).__name__)

    # -- event dedup (same interface as bot.slack.dedup.EventDeduplicator) -----------------------------------
    def first_time(self, event_id: str | None) -> bool:
        if not event_id:
            return True
        try:
            return bool(self.client.set(f"{self.prefix}event:{event_id}", "1", nx=True, ex=self.event_ttl))
        except redis.RedisError as e:
            self._unavailable("dedup", e)
            return True

    # -- follow-up context (engine.conversation.ConversationContext) --------------------------------------
    def get(self, key: str) -> dict[str, Any] | None:
        try:
            raw = self.client.get(f"{self.prefix}ctx:{key}")
        except redis.RedisError as e:
            self._unavailable("kontext", e)
            return None
        if not raw:
            return None
        try:
            value = json.loads(raw)
        except ValueError:
            return None
        return value if isinstance(value, dict) else None

    def put(self, key: str, state: dict[str, Any], ttl_seconds: float = CONTEXT_TTL_SECONDS) -> None:
        try:
            self.client.set(f"{self.prefix}ctx:{key}", json.dumps(state, ensure_ascii=False),
                            px=max(1, int(ttl_seconds * 1000)))
        except redis.RedisError as e:
            self._unavailable("kontext", e)

    # -- locks ---------------------------------------------------------------------------------------------
    @contextlib.contextmanager
    def lock(self, name: str, *, timeout: float = 600.0, wait: float = 30.0) -> Iterator[bool]:
        """Hold a named lock (auto-expires after `timeout` s if the holder dies). Yields True when held,
        False when Redis is down or another holder kept it longer than `wait` s."""
        lk = self.client.lock(f"{self.prefix}lock:{name}", timeout=timeout, blocking_timeout=wait)
        try:
            held = bool(lk.acquire())
        except redis.RedisError as e:
            self._unavailable("lås", e)
            held = False
        try:
            yield held
        finally:
            if held:
                with contextlib.suppress(redis.RedisError):
                    lk.release()

    def ping(self) -> bool:
        try:
            return bool(self.client.ping())
        except redis.RedisError:
            return False


class SharedLock:
    """A `with`-able lock for ReminderSender: the Redis lock when configured."""

    def __init__(self, state: RedisState, name: str):
        self.state = state
        self.name = name
        self._cm: Any = None

    def __enter__(self) -> bool:
        self._cm = self.state.lock(self.name)
        return self._cm.__enter__()

    def __exit__(self, *exc: Any) -> None:
        cm, self._cm = self._cm, None
        cm.__exit__(*exc)


_states: dict[str, RedisState] = {}


def shared_state(url: str | None) -> RedisState | None:
    """One RedisState per URL in this process (None when REDIS_URL is unset: in-process defaults)."""
    if not url:
        return None
    if url not in _states:
        _states[url] = RedisState(url)
    return _states[url]
