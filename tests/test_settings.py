"""config/settings.py: where each value comes from (keyword > environment > .env > default), names matched
without regard to case, .env syntax, errors that name the variable and never its value, replace()."""
from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest

from config.secret import Secret
from config.settings import Settings, SettingsError, get_settings


@pytest.fixture
def clean(monkeypatch, tmp_path):
    """No ambient settings, an empty working folder (so no .env unless a test writes one)."""
    for name in list(os.environ):
        if name.upper() in Settings.variables().values():
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def write_env(folder: Path, text: str) -> Path:
    path = folder / ".env"
    path.write_text(text, encoding="utf-8")
    return path


def test_keyword_beats_environment_beats_env_file_beats_default(clean, monkeypatch):
    write_env(clean, "STIMULANS_SNAPSHOT_TTL=30\nSTIMULANS_TZ=Europe/Oslo\nSTIMULANS_COUNTY=20\n")
    monkeypatch.setenv("STIMULANS_SNAPSHOT_TTL", "20")
    monkeypatch.setenv("STIMULANS_TZ", "Europe/Helsinki")
    st = Settings(STIMULANS_SNAPSHOT_TTL=10)
    assert st.snapshot_ttl_seconds == 10.0  # keyword
    assert st.timezone == "Europe/Helsinki"  # environment over .env
    assert st.county == "20"  # .env over the default
    assert st.reminder_channel is None and st.data_dir == clean / "data"  # defaults
    assert Settings().snapshot_ttl_seconds == 20.0
    monkeypatch.delenv("STIMULANS_SNAPSHOT_TTL")
    assert Settings().snapshot_ttl_seconds == 30.0
    assert Settings(_env_file=None).snapshot_ttl_seconds == 60.0 and Settings(_env_file=None).county is None


def test_env_file_can_be_named_and_a_missing_one_is_no_error(clean):
    other = clean / "conf" / "prod.env"
    other.parent.mkdir()
    other.write_text("STIMULANS_REMINDER_CHANNEL=C0PROD\n", encoding="utf-8")
    assert Settings(_env_file=other).reminder_channel == "C0PROD"
    assert Settings(_env_file=str(other)).reminder_channel == "C0PROD"
    assert Settings(_env_file=clean / "nope.env").reminder_channel is None
    assert Settings(_env_file=clean).reminder_channel is None  # a folder is not a .env file


def test_names_are_matched_without_regard_to_case(clean, monkeypatch):
    monkeypatch.setenv("stimulans_snapshot_ttl", "7")
    monkeypatch.setenv("Slack_Bot_Token", "xoxb-lower")
    write_env(clean, "stimulans_reminder_channel=C0LOWER\n")
    st = Settings()
    assert st.snapshot_ttl_seconds == 7.0 and st.reminder_channel == "C0LOWER"
    assert st.slack_bot_token.get_secret_value() == "xoxb-lower"


def test_env_file_quoting_comments_and_export(clean):
    write_env(clean, "\n".join([
        "# a comment line",
        "   # an indented comment",
        "STIMULANS_TZ=Europe/Oslo   # a comment after a value",
        'STIMULANS_REMINDER_CHANNEL="C0 #not a comment"',
        "SLACK_API_URL='http://127.0.0.1:9/api/#x'",
        "export STIMULANS_COUNTY=20",
        'STIMULANS_COORDINATOR_CHANNEL="two\\nlines"',
        "STIMULANS_CACHE_DIR",  # a name without a value: unset
        "STIMULANS_GOOGLE_SHEET=",  # commented out below: an empty value is no sheet
        "SOMETHING_ELSE=ignored",
        ""]))
    st = Settings()
    assert st.timezone == "Europe/Oslo"
    assert st.reminder_channel == "C0 #not a comment"
    assert st.slack_api_url == "http://127.0.0.1:9/api/#x"
    assert st.county == "20"
    assert st.coordinator_channel == "two\nlines"
    assert st.cache_dir is None and st.google_sheet == "" and not st.google_configured


def test_unknown_environment_variables_are_ignored_and_unknown_keywords_refused(clean, monkeypatch):
    monkeypatch.setenv("STIMULANS_NO_SUCH_SETTING", "x")
    write_env(clean, "ALSO_UNKNOWN=1\n")
    Settings()
    with pytest.raises(TypeError, match="STIMULANS_WORKBOK"):
        Settings(STIMULANS_WORKBOK="typo.xlsx")
    with pytest.raises(TypeError, match="workbook_path"):
        Settings(workbook_path="field names are not variables.xlsx")


@pytest.mark.parametrize("variable,value", [
    ("STIMULANS_SNAPSHOT_TTL", "SECRET-9f3a"), ("STIMULANS_SNAPSHOT_TTL", "-1"), ("STIMULANS_SNAPSHOT_TTL", "inf"),
    ("STIMULANS_SNAPSHOT_TTL", "nan"), ("STIMULANS_SNAPSHOT_TTL", ""), ("STIMULANS_TZ", "Mars/SECRET-9f3a")])
def test_a_bad_value_names_the_variable_and_never_the_value(clean, monkeypatch, variable, value):
    for source in ("environment", "env file"):
        if source == "environment":
            monkeypatch.setenv(variable, value)
        else:
            monkeypatch.delenv(variable)
            write_env(clean, f"{variable}={value}\n")
        with pytest.raises(SettingsError) as e:
            Settings()
        text = str(e.value)
        assert variable in text and text.startswith("Ogiltig inställning: ")
        if value:
            assert value not in text + repr(e.value)


@pytest.mark.parametrize("variable,value,why", [
    ("STIMULANS_WORKBOOK", "SECRET-9f3a\x00.xlsx", "NUL"), ("STIMULANS_DATA_DIR", 42, "sökväg"),
    ("STIMULANS_DATA_DIR", None, "sökväg"), ("GOOGLE_APPLICATION_CREDENTIALS", b"SECRET-9f3a", "sökväg"),
    ("STIMULANS_SNAPSHOT_TTL", True, "sekunder"), ("STIMULANS_SNAPSHOT_TTL", "1e999", "sekunder"),
    ("STIMULANS_GOOGLE_SHEET", 12345, "text"), ("SLACK_BOT_TOKEN", 98765, "text")])
def test_a_bad_typed_value_names_the_variable_and_why(clean, variable, value, why):
    with pytest.raises(SettingsError) as e:
        Settings(**{variable: value})
    text = str(e.value)
    assert variable in text and why in text
    assert "SECRET" not in text and "98765" not in text and "12345" not in text


def test_every_problem_is_reported_at_once(clean):
    with pytest.raises(SettingsError) as e:
        Settings(STIMULANS_SNAPSHOT_TTL="x", STIMULANS_TZ="Nowhere/x")
    assert "STIMULANS_SNAPSHOT_TTL" in str(e.value) and "STIMULANS_TZ" in str(e.value)


def test_typed_values_are_converted(clean):
    st = Settings(STIMULANS_WORKBOOK="wb.xlsx", STIMULANS_SNAPSHOT_TTL=" 2.5 ", STIMULANS_DATA_DIR=clean / "d",
                  SLACK_BOT_TOKEN=Secret("xoxb-1"), SLACK_APP_TOKEN="xapp-1", STIMULANS_COUNTIES=None)
    assert st.workbook_path == Path("wb.xlsx") and st.resolved_workbook == Path("wb.xlsx")
    assert st.snapshot_ttl_seconds == 2.5 and st.data_dir == clean / "d" and st.counties_file is None
    assert st.slack_bot_token == Secret("xoxb-1") and st.slack_app_token.get_secret_value() == "xapp-1"
    assert st.slack_configured and not st.google_configured
    assert Settings(STIMULANS_DATA_DIR=clean / "d").resolved_workbook == clean / "d" / "stimulans.xlsx"


def test_the_google_rule_and_an_empty_value_counting_as_set(clean, monkeypatch):
    with pytest.raises(SettingsError, match="STIMULANS_GOOGLE_SHEET är satt men nyckeln saknas"):
        Settings(STIMULANS_GOOGLE_SHEET="sheet-1")
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", "")  # .env.example: an empty value still counts
    with pytest.raises(SettingsError, match="GOOGLE_APPLICATION_CREDENTIALS är satt men STIMULANS_GOOGLE_SHEET"):
        Settings()
    st = Settings(STIMULANS_GOOGLE_SHEET="sheet-1", STIMULANS_GOOGLE_CREDENTIALS_JSON="{}")
    assert st.google_configured


def test_replace_changes_fields_checks_them_and_leaves_the_original(clean):
    st = Settings(STIMULANS_GOOGLE_SHEET="sheet-1", STIMULANS_GOOGLE_CREDENTIALS_JSON='{"k": 1}',
                  SLACK_BOT_TOKEN="xoxb-1")
    other = st.replace(google_sheet="sheet-2", snapshot_ttl_seconds="5")
    assert (other.google_sheet, other.snapshot_ttl_seconds) == ("sheet-2", 5.0)
    assert st.google_sheet == "sheet-1" and other.slack_bot_token == st.slack_bot_token
    assert st.replace() == st and st.replace(google_sheet="sheet-2") != st
    with pytest.raises(SettingsError, match="STIMULANS_SNAPSHOT_TTL"):
        st.replace(snapshot_ttl_seconds=-1)
    with pytest.raises(SettingsError, match="nyckeln saknas"):
        st.replace(google_credentials_json=None)
    with pytest.raises(TypeError, match="no_such_field"):
        st.replace(no_such_field=1)
    with pytest.raises(AttributeError):  # frozen
        st.google_sheet = "x"


def test_secrets_are_masked_everywhere_but_get_secret_value(clean):
    st = Settings(SLACK_BOT_TOKEN="xoxb-SECRET-1", REDIS_URL="redis://:SECRET-2@127.0.0.1:1/0")
    for text in (repr(st), str(st), f"{st.slack_bot_token}", f"{st.slack_bot_token!r}", str(st.redis_url)):
        assert "SECRET" not in text
    assert st.redis_url.get_secret_value() == "redis://:SECRET-2@127.0.0.1:1/0"
    assert pickle.loads(pickle.dumps(st)) == st  # e.g. handed to another process
    assert not Secret("") and Secret("x") and len(Secret("abc")) == 3
    assert {Secret("a"), Secret("a")} == {Secret("a")} and Secret("a") != "a"


def test_an_unreadable_env_file_is_a_settings_error(clean):
    (clean / ".env").write_bytes(b"SLACK_BOT_TOKEN=\xff\xfeSECRET\n")
    with pytest.raises(SettingsError, match="UTF-8") as e:
        Settings()
    assert "SECRET" not in str(e.value)


def test_get_settings_is_read_once_until_the_cache_is_cleared(clean, monkeypatch):
    monkeypatch.setenv("STIMULANS_COUNTY", "20")
    first = get_settings()
    monkeypatch.setenv("STIMULANS_COUNTY", "01")
    assert get_settings() is first
    get_settings.cache_clear()
    assert get_settings().county == "01"


def test_variables_lists_every_field_with_its_environment_name():
    variables = Settings.variables()
    assert variables["workbook_path"] == "STIMULANS_WORKBOOK" and variables["redis_url"] == "REDIS_URL"
    assert len(set(variables.values())) == len(variables) == 18
