"""Settings from environment variables (pydantic-settings). One place for every knob.

Secrets (tokens, the service-account JSON) are SecretStr so they never show in logs or reprs.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_data_dir() -> Path:
    return Path.cwd() / "data"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    # Local store
    data_dir: Path = Field(default_factory=_default_data_dir, alias="STIMULANS_DATA_DIR")
    workbook_path: Path | None = Field(default=None, alias="STIMULANS_WORKBOOK")

    # Google Sheets store
    google_sheet: str | None = Field(default=None, alias="STIMULANS_GOOGLE_SHEET")  # id or URL
    google_credentials_file: Path | None = Field(default=None, alias="GOOGLE_APPLICATION_CREDENTIALS")
    google_credentials_json: SecretStr | None = Field(default=None, alias="STIMULANS_GOOGLE_CREDENTIALS_JSON")
    sheets_api_url: str | None = Field(default=None, alias="STIMULANS_SHEETS_API_URL")  # tests / proxies
    snapshot_ttl_seconds: float = Field(default=60.0, alias="STIMULANS_SNAPSHOT_TTL")

    # Slack
    slack_bot_token: SecretStr | None = Field(default=None, alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(default=None, alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(default=None, alias="SLACK_APP_TOKEN")
    slack_api_url: str | None = Field(default=None, alias="SLACK_API_URL")
    reminder_channel: str | None = Field(default=None, alias="STIMULANS_REMINDER_CHANNEL")
    # the weekly digest (`stimulans sammanfattning`); falls back to the reminder channel
    coordinator_channel: str | None = Field(default=None, alias="STIMULANS_COORDINATOR_CHANNEL")

    # Shared state for several workers/hosts (event dedup, follow-up context, reminder locks); docs/scale.md
    redis_url: SecretStr | None = Field(default=None, alias="REDIS_URL")
    # Several counties in one deployment (config/counties.yaml format; docs/scale.md)
    counties_file: Path | None = Field(default=None, alias="STIMULANS_COUNTIES")
    county: str | None = Field(default=None, alias="STIMULANS_COUNTY")  # the CLI's county (länskod)

    # Time zone of every deadline
    timezone: str = Field(default="Europe/Stockholm", alias="STIMULANS_TZ")

    # Where the compiled knowledge base is kept between processes (engine/knowledge_cache.py): a folder,
    # or "off"; default ~/.cache/stimulans
    cache_dir: str | None = Field(default=None, alias="STIMULANS_CACHE_DIR")

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError, TypeError):  # never echo the value
            raise ValueError("okänd tidszon; ange ett IANA-namn som Europe/Stockholm") from None
        return value

    @field_validator("snapshot_ttl_seconds")
    @classmethod
    def _non_negative_ttl(cls, value: float) -> float:
        if not value >= 0 or value == float("inf"):
            raise ValueError("ska vara ett antal sekunder, 0 eller mer (t.ex. 60)")
        return value

    @model_validator(mode="after")
    def _google_complete(self) -> Settings:
        """Half a Google configuration is an error, never a silent fall-back to the local workbook."""
        has_key = bool(self.google_credentials_file or self.google_credentials_json)
        if self.google_sheet and not has_key:
            raise ValueError(
                "STIMULANS_GOOGLE_SHEET är satt men nyckeln saknas: sätt GOOGLE_APPLICATION_CREDENTIALS (sökväg "
                "till tjänstekontots JSON-nyckel) eller STIMULANS_GOOGLE_CREDENTIALS_JSON")
        if has_key and not self.google_sheet:
            variable = "STIMULANS_GOOGLE_CREDENTIALS_JSON" if self.google_credentials_json else \
                "GOOGLE_APPLICATION_CREDENTIALS"
            raise ValueError(f"{variable} är satt men STIMULANS_GOOGLE_SHEET saknas: ange arkets URL eller id "
                             "(eller ta bort nyckeln för att använda den lokala arbetsboken)")
        return self

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


class SettingsError(ValueError):
    """An environment variable has a value that cannot be used. str() names the variable and why,
    never the value (it may be a secret)."""


def settings_error(exc: ValidationError) -> SettingsError:
    aliases = {name: (f.alias or name) for name, f in Settings.model_fields.items()}
    lines = []
    for err in exc.errors(include_input=False, include_url=False):
        message = str(err.get("msg", "ogiltigt värde")).removeprefix("Value error, ")
        if not err.get("loc"):  # a rule over several variables names them itself
            lines.append(message)
            continue
        name = str(err["loc"][0])
        lines.append(f"{aliases.get(name, name)}: {message}")
    return SettingsError("Ogiltig inställning: " + "; ".join(lines) + ". Rätta miljövariabeln (eller .env).")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as e:
        raise settings_error(e) from None
