"""Question answering throughput and latency on the knowledge base (no store)."""
from __future__ import annotations

import statistics
import time
from pathlib import Path

import yaml

QUESTIONS = [
    "Hur mycket får Falun 2020?", "hur mkt far rattvik 2020", "Sista dag att fakturera Storsthlm?",
    "moms på fakturan?", "Hur fördelas brukarmedverkan mellan länen 2021?", "Vilka grundkrav gällde 2013?",
    "Hur mycket får Danderyd 2020?", "rekvisition 2021 sista dag?", "how much does Borlange get 2020",
]


def run() -> list[str]:
    from engine.knowledge import load_knowledge
    from engine.qa import Engine

    t0 = time.perf_counter()
    kb = load_knowledge()
    engine = Engine(kb)
    startup = time.perf_counter() - t0
    root = Path(__file__).resolve().parents[1]
    banks = sorted((root / "tests" / "questions").glob("*.yaml"))
    public = root.parent / "shared" / "questions" / "public.yaml"
    qs = list(QUESTIONS)
    for bank in ([public] if public.exists() else []) + banks:
        qs += [item["q"] for item in yaml.safe_load(bank.read_text(encoding="utf-8"))]
    timings = []
    for _ in range(5):
        for q in qs:
            s = time.perf_counter()
            engine.ask(q)
            timings.append((time.perf_counter() - s) * 1000)
    timings.sort()
    p50 = statistics.median(timings)
    p99 = timings[int(len(timings) * 0.99) - 1]
    return [
        f"knowledge base load + engine build: {startup * 1000:.0f} ms",
        f"{len(timings)} questions: p50 {p50:.2f} ms, p99 {p99:.2f} ms, max {timings[-1]:.2f} ms",
    ]
