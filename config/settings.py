"""Settings from environment variables (pydantic-settings). One place for every knob.

Secrets (tokens, the service-account JSON) are SecretStr so they never show in logs or reprs.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
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

    # Time zone of every deadline
    timezone: str = Field(default="Europe/Stockholm", alias="STIMULANS_TZ")

    @property
    def resolved_workbook(self) -> Path:
        return self.workbook_path or (self.data_dir / "stimulans.xlsx")

    @property
    def google_configured(self) -> bool:
        return bool(self.google_sheet) and bool(self.google_credentials_file or self.google_credentials_json)

    @property
    def slack_configured(self) -> bool:
        return bool(self.slack_bot_token and (self.slack_signing_secret or self.slack_app_token))


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
