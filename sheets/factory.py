"""Choose the store from settings: Google Sheets when configured, else the local workbook."""
from __future__ import annotations

from config.settings import Settings
from engine.store import Store, StoreError


def open_store(settings: Settings, **kwargs) -> Store:
    """The store for these settings. kwargs go to TabularStore (kb, clock, now) — for tests."""
    from sheets.tabular import TabularStore

    if settings.google_configured:
        try:
            from sheets.google import GoogleBackend
        except ImportError as e:  # the [google] extra is not installed
            raise StoreError(f"Google Sheets är inställt men paketet {(e.name or 'gspread').split('.')[0]} saknas: kör "
                             "pip install 'stimulans[google]' (eller ta bort STIMULANS_GOOGLE_SHEET för att använda "
                             "den lokala arbetsboken).") from None

        backend = GoogleBackend.from_settings(settings)
        return TabularStore(backend, ttl_seconds=settings.snapshot_ttl_seconds, timezone=settings.timezone,
                            **{"background_refresh": True, **kwargs})
    from sheets.workbook import WorkbookBackend

    return TabularStore(WorkbookBackend(settings.resolved_workbook, cache_dir=settings.knowledge_cache_dir),
                        ttl_seconds=settings.snapshot_ttl_seconds,
                        timezone=settings.timezone, auto_init=True, **kwargs)


def open_county_store(settings: Settings, county, **kwargs) -> Store:
    """The store of one county (engine.counties.County): its own workbook or Google sheet. The store
    refuses rows of other counties' recipients and seeds only its own county's rows."""
    from sheets.tabular import TabularStore

    if county.google_sheet:
        from sheets.google import GoogleBackend

        backend = GoogleBackend.from_settings(settings.replace(google_sheet=county.google_sheet))
        return TabularStore(backend, ttl_seconds=settings.snapshot_ttl_seconds, timezone=settings.timezone,
                            county=county.code, **kwargs)
    from sheets.workbook import WorkbookBackend

    return TabularStore(WorkbookBackend(county.workbook, cache_dir=settings.knowledge_cache_dir),
                        ttl_seconds=settings.snapshot_ttl_seconds,
                        timezone=settings.timezone, auto_init=True, county=county.code, **kwargs)
