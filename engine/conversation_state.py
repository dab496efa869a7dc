"""The follow-up context port: a tiny get/put-by-key store of JSON-serialisable state.

A follow-up ("och Dalarna?", "när ska den in?") needs what the same person asked last in the same
conversation. The state is a plain dict of JSON values, so it can live in process memory (the default,
one process) or in Redis (sheets/redis_state.py, several workers or hosts; selected by REDIS_URL).
The engine only sees this protocol; no Redis or Slack import here.
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Protocol

#: How long a conversation's context is kept (a follow-up comes within minutes, not days).
CONTEXT_TTL_SECONDS = 1800.0


class ContextStore(Protocol):
    def get(self, key: str) -> dict[str, Any] | None:
        """The state stored under `key`, or None (never stored, or expired)."""

    def put(self, key: str, state: dict[str, Any], ttl_seconds: float = CONTEXT_TTL_SECONDS) -> None:
        """Store JSON-serialisable `state` under `key`, replacing what was there."""


def context_key(user_id: str | None, conversation: str | None) -> str:
    """One key per person per conversation (a Slack thread or DM, a CLI session)."""
    return f"{conversation or '-'}:{user_id or '-'}"


class MemoryContextStore:
    """The in-process default: a bounded TTL dict (thread-safe)."""

    def __init__(self, max_size: int = 10_000, clock: Callable[[], float] = time.monotonic):
        self.max_size = max_size
        self._clock = clock
        self._items: OrderedDict[str, tuple[float, dict[str, Any]]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> dict[str, Any] | None:
        with self._lock:
            hit = self._items.get(key)
            if hit is None:
                return None
            if hit[0] < self._clock():
                del self._items[key]
                return None
            return dict(hit[1])

    def put(self, key: str, state: dict[str, Any], ttl_seconds: float = CONTEXT_TTL_SECONDS) -> None:
        with self._lock:
            self._items.pop(key, None)
            self._items[key] = (self._clock() + ttl_seconds, dict(state))
            while len(self._items) > self.max_size:
                self._items.popitem(last=False)
