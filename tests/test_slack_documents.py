"""Documents in Slack, end to end: a real Bolt app over signed loopback HTTP, the mock Web API, and a
loopback file server standing in for Slack's private file URLs. A coordinator uploads a document in
the DM and reviews its drafts in a modal; a municipal contact is refused."""
from __future__ import annotations

import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import yaml

from bot.slack.listeners.documents import ACTION_REVIEW, REVIEW_CALLBACK
from tests import slack_support as s
from tests.test_documents import NOTES
from tests.test_slack_bot import Bot, texts


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def files(tmp_path):
    root = tmp_path / "slack-files"
    root.mkdir()
    (root / "notes.txt").write_text(NOTES, encoding="utf-8")
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", root
    server.shutdown()
    server.server_close()


@pytest.fixture
def bot(tmp_path, files, monkeypatch):
    monkeypatch.setenv("STIMULANS_DATA_DIR", str(tmp_path / "data"))
    base_url, root = files
    with s.running_bot(tmp_path) as (mock, server, engine, store, app):
        original = mock._reply

        def reply(call):  # files.info answers like Slack, pointing at the loopback file server
            if call.method == "files.info":
                name = {"F0NOTES": "notes.txt"}.get(call.data.get("file", ""), "missing.txt")
                size = (root / name).stat().st_size if (root / name).exists() else 10
                return {"ok": True, "file": {"id": call.data.get("file"), "name": name, "size": size,
                                             "url_private_download": f"{base_url}/{name}"}}
            return original(call)

        mock._reply = reply
        yield Bot(mock, server, engine, store, app)


def upload_event(user: str, file_id: str = "F0NOTES") -> dict[str, Any]:
    return {"type": "message", "subtype": "file_share", "channel_type": "im", "user": user, "text": "",
            "ts": "1600000009.000900", "channel": "D0DM0001", "event_ts": "1600000009.000900",
            "files": [{"id": file_id, "name": "notes.txt"}]}


def test_coordinator_uploads_a_document_and_reviews_its_drafts_in_a_modal(bot, tmp_path):
    assert bot.send_event(upload_event(s.U_COORD)).status == 200
    posted = bot.mock.wait_for(lambda calls: [c for c in calls if c.method == "chat.postMessage"
                                              and "Tillagt" in str(c.data.get("text", ""))])[0].data
    assert posted["channel"] == "D0DM0001"
    button = next(e for b in posted["blocks"] if b["type"] == "actions" for e in b["elements"])
    doc_id = button["value"]
    assert button["action_id"] == ACTION_REVIEW and doc_id.startswith("dok-")
    assert (tmp_path / "data" / "dokument" / f"{doc_id}.json").is_file()

    bot.send_interactive(s.block_action(ACTION_REVIEW, doc_id, s.U_COORD, None, channel="D0DM0001"))
    view = bot.mock.wait_method("views.open")[0].data["view"]
    assert view["callback_id"] == REVIEW_CALLBACK and view["private_metadata"] == doc_id
    shown = texts(view["blocks"])
    assert "”Kommunerna ska rekvirera medlen från Kammarkollegiet senast den 1 november 2026.”" in shown
    drafts = [b for b in view["blocks"] if b.get("accessory", {}).get("type") == "checkboxes"]
    assert len(drafts) >= 5
    traumavard = next(b for b in drafts if "traumavård" in b["text"]["text"])
    n = traumavard["accessory"]["options"][0]["value"]

    state = {"values": {traumavard["block_id"]: {traumavard["accessory"]["action_id"]: {
        "type": "checkboxes", "selected_options": [{"value": n}]}}}}
    payload = {"type": "view_submission", "team": {"id": s.TEAM, "domain": "test"},
               "user": {"id": s.U_COORD, "username": "coord", "team_id": s.TEAM}, "api_app_id": "A0TEST",
               "token": "legacy", "trigger_id": "trig-9", "view": {**view, "id": "V0TEST", "state": state}}
    assert bot.send_interactive(payload).status == 200
    done = bot.mock.wait_for(lambda calls: [c for c in calls if c.method == "chat.postMessage"
                                            and "godkända" in str(c.data.get("text", ""))])[0].data
    assert done["channel"] == s.U_COORD
    layer = yaml.safe_load((tmp_path / "data" / "kunskap" / f"{doc_id}.yaml").read_text(encoding="utf-8"))
    assert [p["name"] for p in layer["posts"]] == ["Stöd till traumavård i regionerna"]
    assert len(layer["agreements"]) == 1  # brought along: the post belongs to it


def test_a_contact_who_is_not_a_coordinator_is_refused(bot, tmp_path):
    bot.send_event(upload_event(s.U_FALUN))
    refusal = bot.mock.wait_for(lambda calls: [c for c in calls if c.method == "chat.postMessage"
                                               and "Bara en samordnare" in str(c.data.get("text", ""))])[0].data
    assert f"<@{s.U_COORD}>" in refusal["text"]  # whom to ask
    assert not (tmp_path / "data" / "dokument").exists()
    assert bot.send_command("dokument", s.U_FALUN, "d1").status == 200
    assert "Bara en samordnare" in texts(bot.wait_response("d1")[0].data["blocks"])


def test_slash_command_lists_the_library_for_a_coordinator(bot):
    assert bot.send_command("dokument", s.U_COORD, "d2").status == 200
    shown = texts(bot.wait_response("d2")[0].data["blocks"])
    assert "Dokumentbiblioteket" in shown and "ladda upp" in shown


def test_a_bad_upload_gets_one_clear_line_and_nothing_is_stored(bot, tmp_path, files):
    _, root = files
    (root / "missing.txt").write_bytes(b"")
    bot.send_event(upload_event(s.U_COORD, file_id="F0EMPTY"))
    msg = bot.mock.wait_for(lambda calls: [c for c in calls if c.method == "chat.postMessage"
                                           and "lades inte till" in str(c.data.get("text", ""))])[0].data
    assert "tom" in msg["text"]
    assert not list((tmp_path / "data").glob("dokument/*.json"))
