"""Build the engine and the store once per process, from settings. Every front uses these."""
from __future__ import annotations

from functools import lru_cache

from config.settings import Settings, get_settings


@lru_cache(maxsize=1)
def get_store(settings: Settings | None = None):
    """The store for the CLI and one-sheet set-ups; with a county file (STIMULANS_COUNTIES), the sheet of
    STIMULANS_COUNTY (a länskod), or of the file's first county (docs/scale.md)."""
    from sheets.factory import open_county_store, open_store

    settings = settings or get_settings()
    if settings.counties_file is None:
        return open_store(settings)
    from engine.counties import CountyConfigError, load_counties

    counties = load_counties(settings.counties_file)
    if settings.county and counties.by_code(settings.county.strip().zfill(2)) is None:
        known = ", ".join(f"{c.code} ({c.name})" if c.name else c.code for c in counties.counties)
        raise CountyConfigError(f"STIMULANS_COUNTY={settings.county}: det länet finns inte i länsfilen "
                                f"{settings.counties_file}; välj bland {known}.")
    county = counties.by_code((settings.county or "").strip().zfill(2)) or counties.default
    return open_county_store(settings, county)


def get_engine(settings: Settings | None = None, *, with_store: bool = True):
    """The question-answering engine (engine.qa.Engine) on the knowledge base and, if wanted, the store."""
    from engine.knowledge import load_knowledge
    from engine.qa import Engine

    factory = (lambda: get_store(settings)) if with_store else None
    return Engine(load_knowledge(), store_factory=factory)
