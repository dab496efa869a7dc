"""Turn known exceptions into one clear Swedish line for the user."""
from __future__ import annotations


def user_error_message(exc: BaseException) -> str | None:
    from config.settings import SettingsError
    from engine.counties import CountyConfigError
    from engine.parsing import ParseError
    from engine.store import StoreError

    known: tuple[type[BaseException], ...] = (StoreError, ParseError, SettingsError, CountyConfigError)
    try:
        from engine.knowledge import KnowledgeError

        known = known + (KnowledgeError,)
    except ImportError:  # pragma: no cover - during bootstrap
        pass
    try:
        from bot.cli import CliError

        known = known + (CliError,)
    except ImportError:  # pragma: no cover
        pass
    if isinstance(exc, known):
        return str(exc)
    from bot.extras import missing_extra_message

    return missing_extra_message(exc)  # an optional library (pyproject extra) is not installed
