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
        settings.timezone, settings.counties_file, settings.county))


def get_store(settings: Settings | None = None):
    """The one store of this process for these settings (opened on first use, then reused). With a county
    file (STIMULANS_COUNTIES), the sheet of STIMULANS_COUNTY (a länskod), or of the file's first county
    (docs/scale.md)."""
    settings = settings or get_settings()
    key = _store_key(settings)
    with _lock:
        if key not in _store:
            _store.clear()  # one store per process: new settings (tests) replace the old one
            _store[key] = _open_store(settings)
        return _store[key]


def _open_store(settings: Settings):
    from sheets.factory import open_county_store, open_store

    # the store checks rows against the same knowledge the engine answers from: the compiled one (cache),
    # not a second load of the YAML (a quarter of a cold `ask` with a workbook, issue #13)
    kb = get_knowledge(settings)
    if settings.counties_file is None:
        return open_store(settings, kb=kb)
    from engine.counties import CountyConfigError, load_counties

    counties = load_counties(settings.counties_file)
    if settings.county and counties.by_code(settings.county.strip().zfill(2)) is None:
        known = ", ".join(f"{c.code} ({c.name})" if c.name else c.code for c in counties.counties)
        raise CountyConfigError(f"STIMULANS_COUNTY={settings.county}: det länet finns inte i länsfilen "
                                f"{settings.counties_file}; välj bland {known}.")
    county = counties.by_code((settings.county or "").strip().zfill(2)) or counties.default
    return open_county_store(settings, county, kb=kb)


def _cache_clear() -> None:
    with _lock:
        _store.clear()


get_store.cache_clear = _cache_clear  # type: ignore[attr-defined]


def get_knowledge(settings: Settings | None = None):
    """The knowledge base: curated YAML + the document library's accepted drafts (kb.library is set),
    from the compiled cache when it is current (engine/knowledge_cache.py)."""
    from engine.knowledge_cache import load_live_cached

    settings = settings or get_settings()
    return load_live_cached(settings.data_dir, cache_dir=settings.knowledge_cache_dir)


def get_engine(settings: Settings | None = None, *, with_store: bool = True):
    """The question-answering engine (engine.qa.Engine) on the knowledge base and, if wanted, the store."""
    from engine.qa import Engine

    factory = (lambda: get_store(settings)) if with_store else None
    return Engine(get_knowledge(settings), store_factory=factory, sheet_exists=lambda: _sheet_may_exist(settings))


def _sheet_may_exist(settings: Settings | None) -> bool:
    """False only when the one store is a local workbook that is not there yet (nothing to read)."""
    settings = settings or get_settings()
    if settings.google_configured or settings.counties_file is not None:
        return True
    with _lock:
        if _store:  # already open: it knows best
            return True
    return settings.resolved_workbook.exists()
