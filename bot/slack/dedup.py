"""Drop Slack event retries by `event_id` (bounded, thread-safe, in-memory TTL cache).

Slack retries an event when it did not get a 2xx within 3 seconds (HTTP, with X-Slack-Retry-Num)
and Socket Mode redelivers without those headers, so the only reliable key is the envelope's
`event_id`. The first delivery of an id is handled; later ones (within `ttl` seconds) are acked
and dropped: no second reply, no second write.

`replay_key` does the same for any signed request (slash commands, interactivity): a replay of
the exact signed bytes within Bolt's 5-minute window is acked and dropped.

The cache lives in one process. The Procfile therefore runs ONE gunicorn worker process
(with threads); running several worker processes or hosts would need a shared store for the ids.
"""
from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any


class EventDeduplicator:
    def __init__(self, ttl_seconds: float = 3600.0, max_size: int = 10_000,
                 clock: Callable[[], float] = time.monotonic):
        self.ttl = ttl_seconds
        self.max_size = max_size
        self._clock = clock
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def first_time(self, event_id: str | None) -> bool:
        """True the first time an id is seen (and records it); False for a repeat. No id → True."""
        if not event_id:
            return True
        now = self._clock()
        with self._lock:
            self._expire(now)
            if event_id in self._seen:
                return False
            self._seen[event_id] = now
            while len(self._seen) > self.max_size:
                self._seen.popitem(last=False)
            return True

    def _expire(self, now: float) -> None:
        while self._seen:
            oldest_id, at = next(iter(self._seen.items()))
            if now - at <= self.ttl:
                break
            del self._seen[oldest_id]

    def __len__(self) -> int:
        with self._lock:
            return len(self._seen)


def replay_key(headers: dict[str, Any], body: str) -> str | None:
    """A signed request's identity: hash of its signature, timestamp and body (None when unsigned,
    e.g. Socket Mode). Slack never sends two different requests with the same signed bytes."""
    def first(name: str) -> str:
        value = headers.get(name) or ""
        return str(value[0] if isinstance(value, list | tuple) and value else value)

    signature, timestamp = first("x-slack-signature"), first("x-slack-request-timestamp")
    if not signature or not timestamp:
        return None
    return hashlib.sha256(f"{timestamp}\n{signature}\n{body}".encode()).hexdigest()
