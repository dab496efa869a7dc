"""Knowledge-base load time (uncached) and size."""
from __future__ import annotations

import statistics
import time

from engine import knowledge


def run() -> list[str]:
    times = []
    kb = None
    for _ in range(10):
        start = time.perf_counter()
        kb = knowledge.load_knowledge(knowledge.KNOWLEDGE_DIR, knowledge.DATA_DIR)  # explicit args: not cached
        times.append((time.perf_counter() - start) * 1000)
    assert kb is not None
    start = time.perf_counter()
    for _ in range(1000):
        knowledge.load_knowledge()
    cached_us = (time.perf_counter() - start) * 1000
    return [
        f"load_knowledge uncached: median {statistics.median(times):.1f} ms, max {max(times):.1f} ms (10 runs; target < 100 ms)",
        f"load_knowledge cached: {cached_us:.1f} µs per call",
        f"size: {len(kb.agreements)} agreements, {len(kb.posts)} posts, {len(kb.allocations)} allocations, "
        f"{len(kb.deadlines)} deadlines, {len(kb.facts)} facts, {len(kb.discrepancies)} discrepancies, "
        f"{len(kb.recipients)} recipients",
    ]
