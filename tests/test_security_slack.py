"""Hostile and careless Slack requests against the real WSGI app over loopback: malformed, unsigned,
oversized and incomplete requests get a 4xx (never a 500, never a crash); authorization is decided
on the server when the modal is SUBMITTED, from the submitted recipient, whatever the payload's
private_metadata claims; nothing is written for a refused or unknown row."""
from __future__ import annotations

import http.client
import json
import time
import urllib.parse
from typing import Any

import pytest

from bot.slack.http import MAX_BODY
from engine.store import RowKey
from tests import slack_support as s

FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def bot(tmp_path):
    with s.running_bot(tmp_path) as (mock, server, engine, store, app):
        yield Bot(mock, server, engine, store)


class Bot:
    def __init__(self, mock: s.MockSlack, server: s.BotServer, engine: Any, store: Any):
        self.mock, self.server, self.engine, self.store = mock, server, engine, store

    @property
    def url(self) -> str:
        return self.server.url + "/slack/events"

    def post(self, body: str, ctype: str = "application/json", signed: bool = True, **headers: str) -> s.Response:
        return s.post(self.url, body, ctype, {**(s.sign(body) if signed else {}), **headers})

    def interactive(self, payload: Any) -> s.Response:
        return self.post(s.interactive_body(payload) if isinstance(payload, dict)
                         else "payload=" + urllib.parse.quote(payload), FORM)

    def open_modal(self, user: str) -> dict[str, Any]:
        before = len(self.mock.of("views.open"))
        body = s.command_body("uppdatera", user, self.mock.response_url("open"))
        assert self.post(body, FORM).status == 200
        return self.mock.wait_method("views.open", before + 1)[-1].data["view"]

    def audit_rows(self) -> list[list[Any]]:
        grid = self.store.backend.read_tabs(["Logg"])["Logg"]
        return [r for r in grid[1:] if any(str(c or "").strip() for c in r)]

    def still_answers(self) -> None:
        """The process is alive and serving: a normal signed command is answered."""
        name = f"alive{time.monotonic_ns()}"
        body = s.command_body("hjälp", s.U_COORD, self.mock.response_url(name))
        assert self.post(body, FORM).status == 200
        self.mock.wait_for(lambda calls: any(c.path.endswith("/" + name) for c in calls))

    def dm_to(self, user: str) -> str:
        call = self.mock.wait_for(lambda calls: [c for c in calls if c.method == "chat.postMessage"
                                                 and c.data.get("channel") == user])[0]
        return call.data.get("text", "")


# ---------------------------------------------------------------- malformed requests → 4xx

MALFORMED: list[tuple[str, str, str]] = [
    ("not json", "not json {", "application/json"),
    ("json array", "[1, 2]", "application/json"),
    ("json string", '"x"', "application/json"),
    ("event without event", json.dumps({"type": "event_callback", "event_id": "Ev1"}), "application/json"),
    ("event is a string", json.dumps({"type": "event_callback", "event_id": "Ev2", "event": "x"}), "application/json"),
    ("payload not json", "payload=%7Bnot", FORM),
    ("payload array", "payload=" + urllib.parse.quote("[1]"), FORM),
    ("payload without type", s.interactive_body({"user": {"id": s.U_FALUN}}), FORM),
    ("block_actions without actions", s.interactive_body({"type": "block_actions", "user": {"id": s.U_FALUN}}), FORM),
    ("block_actions empty actions",
     s.interactive_body({"type": "block_actions", "user": {"id": s.U_FALUN}, "actions": []}), FORM),
    ("block_actions without user", s.interactive_body({"type": "block_actions", "actions": [
        {"action_id": "stimulans_open_status_modal", "value": "{}"}]}), FORM),
    ("view_submission without view", s.interactive_body({"type": "view_submission", "user": {"id": s.U_FALUN}}), FORM),
    ("view_submission view without type", s.interactive_body({"type": "view_submission", "user": {"id": s.U_FALUN},
                                                              "view": {"callback_id": "stimulans_status_modal"}}), FORM),
    ("view_submission garbage state", s.interactive_body({
        "type": "view_submission", "user": {"id": s.U_FALUN},
        "view": {"type": "modal", "callback_id": "stimulans_status_modal",
                 "state": {"values": {"recipient": "x", "post": [1]}}, "private_metadata": "[]"}}), FORM),
    ("view_submission without user", s.interactive_body({
        "type": "view_submission", "view": {"type": "modal", "callback_id": "stimulans_status_modal",
                                            "state": {"values": {}}}}), FORM),
]


@pytest.mark.parametrize("name,body,ctype", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_signed_requests_get_a_4xx_and_nothing_happens(bot, name, body, ctype):
    resp = bot.post(body, ctype)
    assert 400 <= resp.status < 500, (resp.status, resp.body)
    assert "Traceback" not in resp.body
    assert bot.mock.of("chat.postMessage") == [] and bot.mock.of("views.open") == []
    bot.still_answers()


@pytest.mark.parametrize("name,body,ctype", MALFORMED[:3] + MALFORMED[5:7], ids=[m[0] for m in MALFORMED[:3] + MALFORMED[5:7]])
def test_malformed_unsigned_requests_get_a_4xx(bot, name, body, ctype):
    resp = bot.post(body, ctype, signed=False)
    assert 400 <= resp.status < 500


def test_missing_or_forged_signature_and_stale_or_garbled_timestamp(bot):
    body = s.command_body("status", s.U_COORD, bot.mock.response_url("x"))
    assert bot.post(body, FORM, signed=False).status == 401
    assert s.post(bot.url, body, FORM, s.sign(body, secret="nope")).status == 401
    assert s.post(bot.url, body, FORM, s.sign(body, timestamp=int(time.time()) - 301)).status == 401
    assert s.post(bot.url, body, FORM, s.sign(body, timestamp=int(time.time()) + 3600)).status == 401
    garbled = {**s.sign(body), "X-Slack-Request-Timestamp": "abc"}
    assert s.post(bot.url, body, FORM, garbled).status == 400
    assert bot.engine.calls == [] and bot.mock.of("response_url") == []


def _raw(bot: Bot, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    host, port = bot.server.server.server_address[:2]
    conn = http.client.HTTPConnection(host, port, timeout=10)
    try:
        conn.putrequest("POST", "/slack/events", skip_accept_encoding=True)
        for k, v in headers.items():
            conn.putheader(k, v)
        conn.endheaders()
        if body:
            conn.send(body)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def test_oversized_body_is_refused_without_reading_it(bot):
    status, body = _raw(bot, b"", {"Content-Type": "application/json", "Content-Length": str(MAX_BODY + 1),
                                   **s.sign("")})
    assert status == 413 and b"larger" in body
    bot.still_answers()


def test_bad_content_length_and_non_utf8_bodies(bot):
    assert _raw(bot, b"{}", {"Content-Type": "application/json", "Content-Length": "abc"})[0] == 400
    assert _raw(bot, b"", {"Content-Type": "application/json"})[0] == 411
    raw = b'{"type": "event_callback", "x": "\xff\xfe"}'
    status, _ = _raw(bot, raw, {"Content-Type": "application/json", "Content-Length": str(len(raw)),
                                **s.sign(raw.decode("latin-1"))})
    assert status == 400
    bot.still_answers()


def test_an_unknown_payload_type_is_not_a_server_error(bot):
    resp = bot.interactive({"type": "something_new", "user": {"id": s.U_COORD}})
    assert resp.status == 404 or 400 <= resp.status < 500
    resp = bot.post(json.dumps({"type": "event_callback", "event_id": "EvX", "event": {"type": "reaction_added"}}))
    assert resp.status < 500


# ---------------------------------------------------------------- authorization at submit time

def _submission(view: dict[str, Any], user: str, values: dict[str, Any], meta: Any = None) -> dict[str, Any]:
    payload = s.view_submission(view, user, values)
    if meta is not None:
        payload["view"]["private_metadata"] = meta if isinstance(meta, str) else json.dumps(meta)
    return payload


def _row(bot: Bot, recipient: str, post: str = s.KUNSKAPSBASERAD):
    return bot.store.refresh().status_for(RowKey(recipient_id=recipient, agreement=s.AGREEMENT, post=post))


def test_forged_private_metadata_does_not_let_a_contact_edit_another_recipient(bot):
    view = bot.open_modal(s.U_FALUN)
    before = bot.audit_rows()
    target = _row(bot, s.RATTVIK)
    forged = {"key": [s.RATTVIK, s.AGREEMENT, s.KUNSKAPSBASERAD],
              "expected": dict(target.raw) if target else {}}
    resp = bot.interactive(_submission(view, s.U_FALUN, {
        "recipient": s.RATTVIK, "post": f"{s.AGREEMENT}|{s.KUNSKAPSBASERAD}", "status": "utbetald"}, forged))
    assert "Rättvik" in resp.json()["errors"]["recipient"]
    bot.still_answers()
    assert bot.audit_rows() == before
    after = _row(bot, s.RATTVIK)
    assert after is None or str(after.status) == "ej rekvirerad"


def test_contact_removed_from_kontakter_after_opening_the_modal_is_refused_on_submit(bot):
    view = bot.open_modal(s.U_FALUN)  # allowed when it opened
    # a coordinator removes Fia's row (Slack id and e-mail) from Kontakter while the modal is open
    bot.store.backend.write_cells("Kontakter", [(2, 2, ""), (2, 3, ""), (2, 6, "borttagen")])
    bot.store.invalidate()
    before = bot.audit_rows()
    resp = bot.interactive(_submission(view, s.U_FALUN, {"post": f"{s.AGREEMENT}|{s.KUNSKAPSBASERAD}",
                                                        "status": "rekvirerad"}))
    assert "Kontakter" in resp.json()["errors"]["recipient"]
    bot.still_answers()
    assert bot.audit_rows() == before
    assert str(_row(bot, s.FALUN).status) == "ej rekvirerad"


def test_a_stranger_crafting_a_submission_is_refused(bot):
    view = bot.open_modal(s.U_COORD)  # a real modal, replayed by someone who is not a contact
    before = bot.audit_rows()
    resp = bot.interactive(_submission(view, s.U_STRANGER, {
        "recipient": s.FALUN, "post": f"{s.AGREEMENT}|{s.KUNSKAPSBASERAD}", "status": "utbetald"},
        {"key": [s.FALUN, s.AGREEMENT, s.KUNSKAPSBASERAD], "expected": {}}))
    assert "inte i fliken Kontakter" in resp.json()["errors"]["recipient"]
    bot.still_answers()
    assert bot.audit_rows() == before


def test_a_coordinator_submitting_an_unknown_recipient_writes_nothing(bot):
    view = bot.open_modal(s.U_COORD)
    before = bot.audit_rows()
    n = len(bot.store.refresh().statuses)
    bot.interactive(_submission(view, s.U_COORD, {"recipient": "=HYPERLINK(\"http://evil\")",
                                                  "post": f"{s.AGREEMENT}|{s.KUNSKAPSBASERAD}",
                                                  "status": "rekvirerad"}))
    text = bot.dm_to(s.U_COORD)
    assert "Inget sparades" in text and "Okänd mottagare" in text
    assert bot.audit_rows() == before and len(bot.store.refresh().statuses) == n


def test_garbage_private_metadata_is_ignored_not_fatal(bot):
    view = bot.open_modal(s.U_FALUN)
    for meta in ("{not json", "[]", json.dumps({"key": "x", "expected": [1, 2]}), "null"):
        resp = bot.interactive(_submission(view, s.U_FALUN, {"post": f"{s.AGREEMENT}|{s.KUNSKAPSBASERAD}",
                                                            "status": None}, meta))
        assert resp.status == 200 and resp.json()["errors"]["status"]
    bot.still_answers()


def test_button_with_a_garbage_value_is_handled(bot):
    for value in ("{", "[]", json.dumps({"recipient_id": ["x"], "agreement": 5}), "null"):
        resp = bot.interactive(s.block_action("stimulans_open_status_modal", value, s.U_FALUN,
                                              bot.mock.response_url("btn")))
        assert resp.status == 200
    bot.still_answers()


def test_app_home_survives_a_garbled_sheet(bot):
    grid_rows = len(bot.store.backend.read_tabs(["Rekvisitioner"])["Rekvisitioner"])
    cells = [(r, c, v) for r in range(2, min(grid_rows, 8)) for c, v in
             ((6, "=IF(1,2)"), (7, "9" * 40), (8, "igår"), (2, "²"))]
    bot.store.backend.write_cells("Rekvisitioner", cells)
    bot.store.backend.write_cells("Kontakter", [(5, 1, "Trasig"), (5, 6, "chef"), (5, 2, "ingen-snabel-a")])
    bot.store.invalidate()
    bot.post(s.event_body({"type": "app_home_opened", "user": s.U_COORD, "channel": "D0DM0001", "tab": "home",
                           "event_ts": "1600000004.000400"}))
    view = bot.mock.wait_method("views.publish")[0].data["view"]
    assert view["type"] == "home" and view["blocks"]
