"""No mention or link injection: hostile Kontakter and Rekvisitioner cells and hostile user text reach
Slack only as text. Every message the bot sends (answers, refusals, the conflict and "Sparat" DMs,
App Home, modals, reminders in the channel and by DM) is scanned for live `<!…>`, `<@…>` and `<http…>`.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest

from bot.slack.blocks import ACTION_OPEN_MODAL
from bot.slack.reminder_sender import ReminderSender, make_client
from engine import slack_text
from engine.reminder_config import ReminderConfig
from engine.reminders import plan_outgoing
from engine.store import Contact, Role, RowKey, StatusUpdate
from tests import reminders_support as rs
from tests import slack_support as s

#: the only mentions the bot may build: the test's real Slack ids
REAL_IDS = {s.U_FALUN, s.U_DANDERYD, s.U_COORD, s.U_STRANGER, "UBOTK", "USTHLM", "UCOORD"}
HOSTILE_NAMES = ["<!channel> Eve", "<https://evil.example|Klicka här>", "<@UCOORD01> Mallory", "<!here|här>"]


def live_markup(text: str) -> list[str]:
    """Every piece of live Slack markup in `text` that a cell or a person could have put there."""
    bad = re.findall(r"<![^>]*>|<https?:[^>]*>|<mailto:[^>]*>|<#[^>]*>", text)
    for m in re.finditer(r"<@([^>|]*)(\|[^>]*)?>", text):
        if m.group(1) not in REAL_IDS or m.group(2):
            bad.append(m.group(0))
    bad += [m.group(0) for m in re.finditer(r"<@UCOORD01>\s*Mallory", text)]
    return bad


def dump(obj: Any) -> str:
    return obj if isinstance(obj, str) else json.dumps(obj, ensure_ascii=False)


def test_escape_and_mention_units():
    assert slack_text.escape("<!channel> & <@U1>") == "&lt;!channel&gt; &amp; &lt;@U1&gt;"
    assert slack_text.mention(Contact(row=2, name="<!here> Eve", slack_id="U1> <!here")) == "&lt;!here&gt; Eve"
    assert slack_text.mention(Contact(row=2, name="Eve", slack_id="U0ABC123")) == "<@U0ABC123>"
    assert slack_text.user_mention("U1> <!here") == "U1&gt; &lt;!here"
    for bad in ("U1> <!here", "u123", "<@U1>", "U 1", "C0123", "U1\n"):
        assert not slack_text.is_user_id(bad)


# ------------------------------------------------------------------ reminders (channel + DMs)


def test_reminders_and_dms_carry_no_live_markup_from_kontakter():
    contacts = [
        Contact(row=2, name="<!channel> Eve", slack_id="U1> <!here", recipient_id="kommun-0127"),
        Contact(row=3, name="<https://evil.example|Klicka här>", slack_id="", recipient_id="kommun-0162"),
        Contact(row=4, name="Anna Botkyrka", slack_id="UBOTK", recipient_id="kommun-0127"),
        Contact(row=5, name="<@UCOORD01> Mallory", slack_id="<!everyone>", role=Role.samordnare),
    ]
    store = rs.MemoryStore(contacts=contacts)
    items = plan_outgoing(rs.make_kb(), store.snapshot(), dt.date(2020, 11, 24), ReminderConfig(), channel="C1",
                          dm=True)
    assert {i.kind for i in items} == {"channel", "dm"}
    assert [i.channel for i in items if i.kind == "dm"] == ["UBOTK"]  # only valid ids get a DM
    channel_text = next(i.text for i in items if i.kind == "channel")
    assert "&lt;!channel&gt; Eve" in channel_text and "&lt;https://evil.example|Klicka här&gt;" in channel_text
    with rs.MockSlack() as slack:
        ReminderSender(make_client("xoxb-test", slack.url), store).send_all(items)
        assert slack.posts and {p["channel"] for p in slack.posts} <= {"C1", "DUBOTK"}
        for post in slack.posts:
            assert not live_markup(post["text"] + dump(post["blocks"])), post["text"]
    # all-done note names the coordinators: the hostile one as text
    for rid in ("kommun-0127", "kommun-0162", "kommun-0184", "kommun-2080"):
        store.set_status(rid, rs.Status.fakturerad)
    done = plan_outgoing(rs.make_kb(), store.snapshot(), dt.date(2020, 11, 24), ReminderConfig(), channel="C1")
    assert done and all(not live_markup(i.text) for i in done)


def test_invalid_dm_id_is_never_opened():
    from engine.reminders import OutgoingReminder

    item = OutgoingReminder("r:7d:U1", "d", 7, "U1> <!here", dt.date(2020, 11, 24), "text", "dm")
    with rs.MockSlack() as slack:
        [result] = ReminderSender(make_client("xoxb-test", slack.url), rs.MemoryStore()).send_all([item])
        assert result.outcome == "failed" and "conversations.open" not in slack.calls and not slack.posts


# ------------------------------------------------------------------ the Slack bot, end to end


HOSTILE_CONTACTS = [
    # Namn, E-post, Slack-id, Mottagare, Kod, Roll
    ["<!channel> Eve", "eve@example.se", "U1> <!here", "", "", "samordnare"],
    ["<@UCOORD01> Mallory", "<!here>@evil.se", "<!everyone>", "", "", "samordnare"],
    ["<https://evil.example|Klicka här>", "klick@example.se", "", "Falu kommun", "2080", "kontakt"],
]


@pytest.fixture
def bot(tmp_path):
    with s.running_bot(tmp_path) as (mock, server, engine, store, app):
        store.backend.append_rows("Kontakter", HOSTILE_CONTACTS)
        store.invalidate()
        yield mock, server, store


#: fields Slack never renders (data carried back to the bot); everything else is scanned
DATA_KEYS = {"value", "initial_value", "private_metadata", "metadata", "action_id", "block_id", "callback_id"}


def rendered(obj: Any) -> list[str]:
    """Every string of a Slack API call that Slack may show (texts, labels, options, fallbacks)."""
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, list):
        return [t for x in obj for t in rendered(x)]
    if isinstance(obj, dict):
        return [t for k, v in obj.items() if k not in DATA_KEYS for t in rendered(v)]
    return []


def _all_sent(mock: s.MockSlack) -> list[tuple[str, str]]:
    sent = ("chat.postMessage", "chat.postEphemeral", "chat.update", "views.open", "views.publish",
            "views.update", "response_url", "conversations.open")
    return [(c.method, "\n".join(rendered(c.data))) for c in mock.calls if c.method in sent]


def _post(server, body: str, ctype: str) -> s.Response:
    return s.post(server.url + "/slack/events", body, ctype, s.sign(body))


def test_no_live_markup_in_any_bot_message_with_hostile_cells(bot):
    mock, server, store = bot
    key = RowKey(recipient_id=s.FALUN, agreement=s.AGREEMENT, post=s.KUNSKAPSBASERAD)
    store.update_status(StatusUpdate(key=key, changes={
        "Faktura/referens": "<!channel>", "Planerad användning": "<https://evil.example|Klicka> <@UEVIL1>"},
        actor="<!here> Kalle"))
    # answers to hostile user text, and a status answer over the hostile row
    for n, text in enumerate(["<!here> hur mycket får Falun 2020?", "status Falun", "hjälp <!channel>"]):
        body = s.command_body(text, s.U_FALUN, mock.response_url(f"a{n}"))
        assert _post(server, body, "application/x-www-form-urlencoded").status == 200
    mention = s.mention_event("<@UBOT0001> <!channel> status Falun <https://evil.example|x>")
    body = s.event_body(mention, "Ev0MENTION")
    assert _post(server, body, "application/json").status == 200
    # App Home: stranger (coordinators listed, two of them hostile), coordinator, contact
    for n, user in enumerate((s.U_STRANGER, s.U_COORD, s.U_FALUN)):
        body = s.event_body({"type": "app_home_opened", "user": user, "channel": "D0DM0001", "tab": "home",
                             "event_ts": f"1600000004.00040{n}"}, f"Ev0HOME{n}")
        assert _post(server, body, "application/json").status == 200
    # refusals: a stranger, and a crafted button naming a hostile recipient id
    for n, (user, rid) in enumerate(((s.U_STRANGER, s.FALUN), (s.U_FALUN, "<!channel>"))):
        value = json.dumps({"recipient_id": rid, "agreement": s.AGREEMENT, "post": s.KUNSKAPSBASERAD})
        body = s.interactive_body(s.block_action(ACTION_OPEN_MODAL, value, user, mock.response_url(f"r{n}")))
        assert _post(server, body, "application/x-www-form-urlencoded").status == 200
    # the modal (prefilled from the hostile row), a conflicting edit, then a saved edit with hostile text
    value = json.dumps({"recipient_id": s.FALUN, "agreement": s.AGREEMENT, "post": s.KUNSKAPSBASERAD})
    body = s.interactive_body(s.block_action(ACTION_OPEN_MODAL, value, s.U_FALUN, mock.response_url("m")))
    assert _post(server, body, "application/x-www-form-urlencoded").status == 200
    view = mock.wait_method("views.open")[0].data["view"]
    store.update_status(StatusUpdate(key=key, changes={"Faktura/referens": "<@UEVIL2> <!subteam^S1>"},
                                     actor="<!everyone>"))
    body = s.interactive_body(s.view_submission(view, s.U_FALUN, {"status": "rekvirerad"}))
    assert _post(server, body, "application/x-www-form-urlencoded").status == 200
    mock.wait_for(lambda calls: any("Inget sparades" in str(c.data.get("text")) for c in calls))
    # reopen (fresh values) and save, overwriting the hostile text with more hostile text
    body = s.interactive_body(s.block_action(ACTION_OPEN_MODAL, value, s.U_FALUN, mock.response_url("m2"),
                                             trigger_id="trig-9"))
    assert _post(server, body, "application/x-www-form-urlencoded").status == 200
    view = mock.wait_method("views.open", 2)[-1].data["view"]
    body = s.interactive_body(s.view_submission(view, s.U_FALUN, {
        "status": "rekvirerad", "planned_use": "<!channel> ny plan", "reference": "<@UEVIL3>"}))
    assert _post(server, body, "application/x-www-form-urlencoded").status == 200
    mock.wait_for(lambda calls: any("Sparat" in str(c.data.get("text")) for c in calls))
    mock.wait_for(lambda calls: sum(c.method == "response_url" for c in calls) >= 5
                  and sum(c.method == "views.publish" for c in calls) >= 3
                  and any(c.method == "chat.postMessage" and c.data.get("thread_ts") for c in calls))
    sent = _all_sent(mock)
    texts = "\n".join(t for _, t in sent)
    # the hostile cells did reach Slack (as text), so the scan is meaningful
    assert "&lt;!channel&gt; Eve" in texts and "&lt;https://evil.example|Klicka&gt;" in texts
    assert "&lt;!channel&gt;" in texts and "Sparat" in texts and "Inget sparades" in texts
    problems = {m: live_markup(t) for m, t in sent if live_markup(t)}
    assert not problems, problems


def test_check_reports_kontakter_cells_that_are_not_names_ids_or_emails():
    from engine.sheet.rows import Lookup, Table, parse_contacts

    grid = [["Namn", "E-post", "Slack-id", "Mottagare", "Kod", "Roll"],
            ["<!channel> Eve", "eve@example.se", "U1> <!here", "", "", "samordnare"],
            ["Mallory", "<!here>@evil.se", "U0ABC123", "", "", "samordnare"],
            ["Anna Andersson", "anna@example.se", "U0ANNA01", "", "", "kontakt"]]
    problems: list = []
    contacts = parse_contacts(Table("Kontakter", grid), Lookup(None), problems)
    assert {(p.a1, p.raw) for p in problems} == {("A2", "<!channel> Eve"), ("C2", "U1> <!here"),
                                                 ("B3", "<!here>@evil.se")}
    assert [c.slack_id for c in contacts] == ["", "U0ABC123", "U0ANNA01"]  # an invalid id is never used
