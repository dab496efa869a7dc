"""Follow-up context: the port (`ConversationContext`) and its in-process implementation.

A conversation is one Slack thread, one DM or one terminal chat session, named by a key the front
chooses ("slack:C123:1700000000.000100", "dm:U123", "chat:<pid>"). The engine stores the last
understood question of each conversation as a small JSON-serialisable dict (see
`engine.understanding.Query.to_state`) so that "och Rättvik?" can inherit the recipient, year,
post and intent of the question before it.

Another implementation (Redis, for several worker processes) only has to provide `get` and `put`
with the same bounds: entries older than `max_age` seconds are gone, and at most `max_size`
conversations are kept (the least recently used is dropped first).
"""
from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Protocol

#: how long a conversation's context lives without a new question (seconds)
DEFAULT_MAX_AGE = 2 * 60 * 60
#: how many conversations are remembered at once
DEFAULT_MAX_SIZE = 5000

State = dict[str, Any]  # JSON-serialisable: str keys, values of str/int/float/bool/list/dict/None


class ConversationContext(Protocol):
    """Where the engine keeps each conversation's last question."""

    def get(self, key: str) -> State | None: ...

    def put(self, key: str, state: State) -> None: ...


class InProcessContext:
    """The default store: a bounded, age-limited LRU dict in this process (thread-safe)."""

    def __init__(self, max_size: int = DEFAULT_MAX_SIZE, max_age: float = DEFAULT_MAX_AGE,
                 clock: Callable[[], float] = time.monotonic):
        if max_size < 1 or max_age <= 0:
            raise ValueError("max_size must be >= 1 and max_age > 0")
        self.max_size = max_size
        self.max_age = max_age
        self._clock = clock
        self._items: OrderedDict[str, tuple[float, str]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> State | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            stamp, payload = item
            if self._clock() - stamp > self.max_age:
                del self._items[key]
                return None
            self._items.move_to_end(key)
            return json.loads(payload)

    def put(self, key: str, state: State) -> None:
        payload = json.dumps(state, ensure_ascii=False)  # refuses what another store could not keep
        with self._lock:
            self._items[key] = (self._clock(), payload)
            self._items.move_to_end(key)
            while len(self._items) > self.max_size:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)
