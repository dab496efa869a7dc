"""manifest.yaml is a complete app manifest for what the code does: events, command, scopes."""
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]

#: Web API method → the bot scope it needs
SCOPES = {
    "chat_postMessage": "chat:write", "chat_postEphemeral": "chat:write", "chat_update": "chat:write",
    "chat_delete": "chat:write", "conversations_history": "channels:history", "conversations_open": "im:write",
    "users_info": "users:read", "files_upload_v2": "files:write", "conversations_info": "channels:read",
    "files_info": "files:read",
}


def test_manifest_covers_what_the_code_calls():
    manifest = yaml.safe_load((ROOT / "manifest.yaml").read_text(encoding="utf-8"))
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    assert {"app_mention", "message.im", "app_home_opened"} <= events
    assert manifest["features"]["slash_commands"][0]["command"] == "/stimulans"
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    code = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "bot").rglob("*.py"))
    called = set(re.findall(r"\.(chat_[a-zA-Z]+|conversations_[a-z]+|users_[a-z]+|files_[a-z0-9_]+)\(", code))
    assert called, "expected Web API calls in bot/"
    missing = {m: SCOPES[m] for m in called if m in SCOPES and SCOPES[m] not in scopes}
    assert not missing, f"manifest lacks scopes for {missing}"
    assert "users:read.email" in scopes  # Kontakter matched by e-mail
    assert {"commands", "app_mentions:read", "im:history"} <= scopes


def test_the_slack_guide_names_every_scope_of_the_manifest():
    manifest = yaml.safe_load((ROOT / "manifest.yaml").read_text(encoding="utf-8"))
    guide = (ROOT / "docs" / "slack.md").read_text(encoding="utf-8")
    missing = [s for s in manifest["oauth_config"]["scopes"]["bot"] if f"`{s}`" not in guide]
    assert not missing, f"docs/slack.md does not explain {missing}"


def test_the_readme_names_every_setting():
    from config.settings import Settings

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [v for v in Settings.variables().values() if f"`{v}`" not in readme]
    assert not missing, f"README.md does not name {missing}"
