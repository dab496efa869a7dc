"""Allocation calculator: a 290-municipality split, a full verify, an estimate."""
from __future__ import annotations

from decimal import Decimal

from benchmarks.timing import median_max_ms
from engine.allocation import Plan, Rounding, Unit, allocate
from engine.allocation_verify import verify
from engine.estimates import estimate
from engine.knowledge import load_knowledge
from engine.models import KeyKind
from engine.population import default_registry


def run() -> list[str]:
    kb, reg = load_knowledge(), default_registry()
    plan = Plan(pot=Decimal(200_000_000), kind=KeyKind.population, unit=Unit.kommun)
    split = median_max_ms(lambda: allocate(plan, reg, rounding=Rounding.LARGEST_REMAINDER), 20)
    ver = median_max_ms(lambda: verify(kb, reg), 5)
    est = median_max_ms(lambda: estimate(kb, "kommun-2584", 2021), 20)
    return [
        f"allocate 290 municipalities (largest remainder): median {split[0]:.1f} ms, max {split[1]:.1f} ms",
        f"verify (whole knowledge base, incl. back-solve): median {ver[0]:.1f} ms, max {ver[1]:.1f} ms",
        f"estimate Kiruna 2021: median {est[0]:.1f} ms, max {est[1]:.1f} ms",
    ]
