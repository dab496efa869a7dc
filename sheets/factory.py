"""Choose the store from settings: Google Sheets when configured, else the local workbook."""
from __future__ import annotations

from config.settings import Settings
from engine.store import Store


def open_store(settings: Settings) -> Store:
    raise NotImplementedError("store not built yet (issue: Google Sheets store / Foundation)")
