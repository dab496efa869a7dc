"""Build the engine and the store once per process, from settings. Every front uses these."""
from __future__ import annotations

from functools import lru_cache

from config.settings import Settings, get_settings


@lru_cache(maxsize=1)
def get_store(settings: Settings | None = None):
    from sheets.factory import open_store

    return open_store(settings or get_settings())


def get_knowledge(settings: Settings | None = None):
    """The knowledge base: curated YAML + the document library's accepted drafts (kb.library is set)."""
    from engine.knowledge_layers import load_live

    return load_live((settings or get_settings()).data_dir)


def get_engine(settings: Settings | None = None, *, with_store: bool = True):
    """The question-answering engine (engine.qa.Engine) on the knowledge base and, if wanted, the store."""
    from engine.qa import Engine

    factory = (lambda: get_store(settings)) if with_store else None
    return Engine(get_knowledge(settings), store_factory=factory)
