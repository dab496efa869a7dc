"""Build the engine and the store once per process, from settings. Every front uses these."""
from __future__ import annotations

import threading

from config.settings import Settings, get_settings

_lock = threading.Lock()
_store: dict[str, object] = {}


def _store_key(settings: Settings) -> str:
    """What decides which store a process talks to (Settings itself is not hashable)."""
    secret = settings.google_credentials_json.get_secret_value() if settings.google_credentials_json else ""
    import hashlib

    return "|".join(str(v) for v in (
        settings.data_dir, settings.workbook_path, settings.google_sheet, settings.google_credentials_file,
        hashlib.sha256(secret.encode()).hexdigest(), settings.sheets_api_url, settings.snapshot_ttl_seconds,
        settings.timezone))


def get_store(settings: Settings | None = None):
    """The one store of this process for these settings (opened on first use, then reused)."""
    from sheets.factory import open_store

    settings = settings or get_settings()
    key = _store_key(settings)
    with _lock:
        if key not in _store:
            _store.clear()  # one store per process: new settings (tests) replace the old one
            _store[key] = open_store(settings)
        return _store[key]


def _cache_clear() -> None:
    with _lock:
        _store.clear()


get_store.cache_clear = _cache_clear  # type: ignore[attr-defined]


def get_engine(settings: Settings | None = None, *, with_store: bool = True):
    """The question-answering engine (engine.qa.Engine) on the knowledge base and, if wanted, the store."""
    from engine.knowledge import load_knowledge
    from engine.qa import Engine

    factory = (lambda: get_store(settings)) if with_store else None
    return Engine(load_knowledge(), store_factory=factory)
