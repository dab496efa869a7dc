"""Build the engine and the store once per process, from settings. Every front uses these."""
from __future__ import annotations

from functools import lru_cache

from config.settings import Settings, get_settings


@lru_cache(maxsize=1)
def get_store(settings: Settings | None = None):
    from sheets.factory import open_store

    return open_store(settings or get_settings())


def get_engine(settings: Settings | None = None, *, with_store: bool = True):
    """The question-answering engine (engine.qa.Engine) on the knowledge base and, if wanted, the store."""
    from engine.knowledge import load_knowledge
    from engine.qa import Engine

    factory = (lambda: get_store(settings)) if with_store else None
    return Engine(load_knowledge(), store_factory=factory)
