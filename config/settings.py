"""Settings from environment variables (or `.env`). One place for every knob.

Plain Python, not pydantic-settings: `stimulans ask` reads settings on every start, and pydantic-settings
brought pydantic, asyncio, importlib.metadata and more with it (issue #13, cold start). This module imports
only the standard library; `.env` is parsed by python-dotenv, imported only when the file exists.

Where a value comes from, first found wins (as pydantic-settings did): keyword arguments to `Settings(...)`
(the variable names, e.g. `Settings(STIMULANS_WORKBOOK=path)`), the environment (names matched without
regard to case), the `.env` file, the default. Unknown environment variables are ignored; an unknown keyword
is a TypeError. Secrets are `config.secret.Secret`, so they never show in logs or reprs. A value that cannot
be used raises `SettingsError` naming the variable and why, never the value (it may be a secret).
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass, field, fields
from functools import lru_cache
from pathlib import Path

from config.secret import Secret

TYPE_CHECKING = False  # typing itself is not imported at run time (cold start)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any


class SettingsError(ValueError):
    """An environment variable has a value that cannot be used. str() names the variable and why,
    never the value (it may be a secret)."""


# ------------------------------------------------------------------ parsing one value
# Each takes what a keyword argument or a source gave (text from the environment or .env; a typed value
# from code) and returns the typed value, or raises ValueError with a message that never quotes the value.

def _path(value: Any) -> Path:
    if isinstance(value, (str, os.PathLike)):
        path = Path(value)
        if "\x00" in str(path):
            raise ValueError("sökvägen innehåller ett ogiltigt tecken (NUL)")
        return path
    raise ValueError("ska vara en sökväg")


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    raise ValueError("ska vara text")


def _secret(value: Any) -> Secret:
    if isinstance(value, Secret):
        return value
    if isinstance(value, str):
        return Secret(value)
    if callable(getattr(value, "get_secret_value", None)):  # another library's secret type
        return _secret(value.get_secret_value())
    raise ValueError("ska vara text")


def _seconds(value: Any) -> float:
    message = "ska vara ett antal sekunder, 0 eller mer (t.ex. 60)"
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError(message)
    try:
        number = float(value)
    except (ValueError, OverflowError):
        raise ValueError(message) from None
    if not number >= 0 or math.isinf(number):  # also NaN
        raise ValueError(message)
    return number


def _timezone(value: Any) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    message = "okänd tidszon; ange ett IANA-namn som Europe/Stockholm"
    if not isinstance(value, str):
        raise ValueError(message)
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError, TypeError):  # never echo the value
        raise ValueError(message) from None
    return value


def _default_data_dir() -> Path:
    return Path.cwd() / "data"


def _setting(variable: str, parse: Callable[[Any], Any], default: Any = None, *,
             factory: Callable[[], Any] | None = None, optional: bool = True) -> Any:
    """A field read from `variable`, converted by `parse`. `optional`: None may be passed explicitly."""
    meta = {"variable": variable, "parse": parse, "optional": optional}
    if factory is not None:
        return field(default_factory=factory, metadata=meta)
    return field(default=default, metadata=meta)


# ------------------------------------------------------------------ the settings

@dataclass(frozen=True, init=False)
class Settings:
    """Every setting, typed and checked. Immutable: `replace(**fields)` gives a changed copy."""

    # Local store
    data_dir: Path = _setting("STIMULANS_DATA_DIR", _path, factory=_default_data_dir, optional=False)
    workbook_path: Path | None = _setting("STIMULANS_WORKBOOK", _path)

    # Google Sheets store
    google_sheet: str | None = _setting("STIMULANS_GOOGLE_SHEET", _text)  # id or URL
    google_credentials_file: Path | None = _setting("GOOGLE_APPLICATION_CREDENTIALS", _path)
    google_credentials_json: Secret | None = _setting("STIMULANS_GOOGLE_CREDENTIALS_JSON", _secret)
    sheets_api_url: str | None = _setting("STIMULANS_SHEETS_API_URL", _text)  # tests / proxies
    snapshot_ttl_seconds: float = _setting("STIMULANS_SNAPSHOT_TTL", _seconds, 60.0, optional=False)

    # Slack
    slack_bot_token: Secret | None = _setting("SLACK_BOT_TOKEN", _secret)
    slack_signing_secret: Secret | None = _setting("SLACK_SIGNING_SECRET", _secret)
    slack_app_token: Secret | None = _setting("SLACK_APP_TOKEN", _secret)
    slack_api_url: str | None = _setting("SLACK_API_URL", _text)
    reminder_channel: str | None = _setting("STIMULANS_REMINDER_CHANNEL", _text)
    # the weekly digest (`stimulans sammanfattning`); falls back to the reminder channel
    coordinator_channel: str | None = _setting("STIMULANS_COORDINATOR_CHANNEL", _text)

    # Shared state for several workers/hosts (event dedup, follow-up context, reminder locks); docs/scale.md
    redis_url: Secret | None = _setting("REDIS_URL", _secret)
    # Several counties in one deployment (config/counties.yaml format; docs/scale.md)
    counties_file: Path | None = _setting("STIMULANS_COUNTIES", _path)
    county: str | None = _setting("STIMULANS_COUNTY", _text)  # the CLI's county (länskod)

    # Time zone of every deadline
    timezone: str = _setting("STIMULANS_TZ", _timezone, "Europe/Stockholm", optional=False)

    # Where the compiled knowledge base is kept between processes (engine/knowledge_cache.py): a folder,
    # or "off"; default ~/.cache/stimulans
    cache_dir: str | None = _setting("STIMULANS_CACHE_DIR", _text)

    def __init__(self, _env_file: str | os.PathLike[str] | None = ".env", **variables: Any) -> None:
        """Read every setting: `variables` (by variable name) > environment > `_env_file` > default."""
        by_variable = _fields_by_variable()
        unknown = sorted(set(variables) - set(by_variable))
        if unknown:
            raise TypeError(f"Settings() got unknown keyword arguments {', '.join(unknown)}; "
                            f"pass the environment variable names, e.g. STIMULANS_WORKBOOK")
        environment = {name.lower(): value for name, value in os.environ.items()}
        dotenv = _read_env_file(_env_file) if _env_file is not None else {}
        given: dict[str, Any] = {}
        for variable, name in by_variable.items():
            if variable in variables:
                given[name] = variables[variable]
            elif variable.lower() in environment:
                given[name] = environment[variable.lower()]
            elif variable.lower() in dotenv:
                given[name] = dotenv[variable.lower()]
        self._assign(given)

    def replace(self, **changes: Any) -> Settings:
        """A copy with some fields (by field name, e.g. `google_sheet=`) changed, checked like the rest."""
        unknown = sorted(set(changes) - {f.name for f in fields(self)})
        if unknown:
            raise TypeError(f"Settings.replace() got unknown fields {', '.join(unknown)}")
        copy = object.__new__(type(self))
        copy._assign({**{f.name: getattr(self, f.name) for f in fields(self)}, **changes})
        return copy

    @classmethod
    def variables(cls) -> dict[str, str]:
        """Field name -> environment variable, for every setting (docs and tests list them from this)."""
        return {f.name: f.metadata["variable"] for f in fields(cls)}

    def _assign(self, given: dict[str, Any]) -> None:
        """Convert and check `given` (field name -> value), fill in defaults, then the rules over several
        fields; every problem is collected into one SettingsError."""
        values: dict[str, Any] = {}
        problems: list[str] = []
        for f in fields(self):
            if f.name not in given:
                values[f.name] = f.default_factory() if callable(f.default_factory) else f.default
                continue
            raw = given[f.name]
            if raw is None and f.metadata["optional"]:
                values[f.name] = None
                continue
            try:
                values[f.name] = f.metadata["parse"](raw)
            except ValueError as e:
                problems.append(f"{f.metadata['variable']}: {e}")
        if not problems:
            problems.extend(_google_complete(values))
        if problems:
            raise SettingsError("Ogiltig inställning: " + "; ".join(problems) +
                                ". Rätta miljövariabeln (eller .env).")
        for name, value in values.items():
            object.__setattr__(self, name, value)

    @property
    def resolved_workbook(self) -> Path:
        return self.workbook_path or (self.data_dir / "stimulans.xlsx")

    @property
    def knowledge_cache_dir(self) -> Path | None:
        """The folder of the compiled knowledge base; None when STIMULANS_CACHE_DIR=off."""
        value = (self.cache_dir or "").strip()
        if value.lower() in ("off", "0", "false", "no", "nej", "av"):
            return None
        if value:
            return Path(value).expanduser()
        try:
            return Path.home() / ".cache" / "stimulans"
        except RuntimeError:  # no home directory: no cache
            return None

    @property
    def google_configured(self) -> bool:
        return bool(self.google_sheet) and bool(self.google_credentials_file or self.google_credentials_json)

    @property
    def slack_configured(self) -> bool:
        return bool(self.slack_bot_token and (self.slack_signing_secret or self.slack_app_token))


def _google_complete(values: dict[str, Any]) -> list[str]:
    """Half a Google configuration is an error, never a silent fall-back to the local workbook."""
    has_key = bool(values["google_credentials_file"] or values["google_credentials_json"])
    if values["google_sheet"] and not has_key:
        return ["STIMULANS_GOOGLE_SHEET är satt men nyckeln saknas: sätt GOOGLE_APPLICATION_CREDENTIALS (sökväg "
                "till tjänstekontots JSON-nyckel) eller STIMULANS_GOOGLE_CREDENTIALS_JSON"]
    if has_key and not values["google_sheet"]:
        variable = "STIMULANS_GOOGLE_CREDENTIALS_JSON" if values["google_credentials_json"] else \
            "GOOGLE_APPLICATION_CREDENTIALS"
        return [f"{variable} är satt men STIMULANS_GOOGLE_SHEET saknas: ange arkets URL eller id "
                "(eller ta bort nyckeln för att använda den lokala arbetsboken)"]
    return []


@lru_cache(maxsize=1)
def _fields_by_variable() -> dict[str, str]:
    return {variable: name for name, variable in Settings.variables().items()}


def _read_env_file(path: str | os.PathLike[str]) -> dict[str, str]:
    """The `.env` file's variables (names lower-cased; a name without `=` counts as unset); {} without one."""
    if not Path(path).is_file():
        return {}
    from dotenv import dotenv_values  # only when there is a file to read

    try:
        read = dotenv_values(path, encoding="utf-8")
    except UnicodeDecodeError:
        raise SettingsError(f"Ogiltig inställning: {Path(path).name} är inte text (UTF-8).") from None
    except OSError as e:
        raise SettingsError(f"Ogiltig inställning: {Path(path).name} kunde inte läsas ({e.strerror}).") from None
    return {name.lower(): value for name, value in read.items() if value is not None}


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """This process's settings, read once (tests call `get_settings.cache_clear()` after changing the
    environment). Raises SettingsError for a value that cannot be used."""
    return Settings()
