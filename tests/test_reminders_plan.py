"""Reminder planning: dates, business days, open recipients, texts, overview (engine/reminders.py)."""
import dataclasses
import datetime as dt
import json

import pytest
import time_machine

from engine.knowledge import load_knowledge
from engine.models import DeadlineKind
from engine.reminder_config import ReminderConfig, ReminderConfigError, load_reminder_config
from engine.reminders import (
    due_reminder,
    due_reminders,
    expand_applies_to,
    is_open,
    plan_deadline,
    plan_outgoing,
    recipient_state,
    reminder_id,
    upcoming_text,
)
from engine.status import Status
from engine.store import Contact, Role
from tests.reminders_support import MemoryStore, make_kb, status_row, storsthlm_deadline

D = dt.date
CONFIG = ReminderConfig()  # defaults: 30, 14, 7, 3, 1, 0; catch-up on; "alla klara" note


def stockholm_now(day: dt.date, hour: int = 8) -> dt.datetime:
    from zoneinfo import ZoneInfo

    return dt.datetime.combine(day, dt.time(hour), tzinfo=ZoneInfo("Europe/Stockholm"))


def today_stockholm() -> dt.date:
    from bot.cli.commands.remind import today_in

    return today_in("Europe/Stockholm")


# ------------------------------------------------------------------ dates


def test_plan_for_the_storsthlm_invoice_deadline():
    plan = plan_deadline(storsthlm_deadline(), CONFIG)
    assert [(p.offset, p.nominal_date, p.send_date) for p in plan] == [
        (30, D(2020, 11, 1), D(2020, 10, 30)),  # Sunday → Friday
        (14, D(2020, 11, 17), D(2020, 11, 17)),
        (7, D(2020, 11, 24), D(2020, 11, 24)),  # Tuesday 24 November: sent that day
        (3, D(2020, 11, 28), D(2020, 11, 27)),  # Saturday 28 November → Friday 27 November
        (1, D(2020, 11, 30), D(2020, 11, 30)),
        (0, D(2020, 12, 1), D(2020, 12, 1)),
    ]


def test_seven_days_before_1_december_2020_is_sent_on_tuesday_24_november():
    kb = make_kb()
    with time_machine.travel(stockholm_now(D(2020, 11, 24)), tick=False):
        today = today_stockholm()
        assert today == D(2020, 11, 24)
        due = due_reminders(kb, today, CONFIG)
    assert [(p.deadline.id, p.offset) for p in due] == [("ok2020-faktura-storsthlm", 7)]
    items = plan_outgoing(kb, MemoryStore().snapshot(), today, CONFIG, channel="C1")
    assert "7 dagar kvar (tisdag 1 december 2020)" in items[0].text


def test_today_is_the_stockholm_date_not_utc():
    # 23:30 UTC on 23 November is already 24 November in Stockholm
    with time_machine.travel(dt.datetime(2020, 11, 23, 23, 30, tzinfo=dt.UTC), tick=False):
        assert today_stockholm() == D(2020, 11, 24)


def test_offset_on_saturday_moves_to_friday_and_nothing_is_due_on_saturday_without_catch_up():
    exact = ReminderConfig(catch_up=False)
    d = storsthlm_deadline()
    assert due_reminder(d, D(2020, 11, 27), exact).offset == 3
    assert due_reminder(d, D(2020, 11, 28), exact) is None
    assert due_reminder(d, D(2020, 11, 29), exact) is None


def test_offsets_landing_on_the_same_business_day_become_one():
    sunday = storsthlm_deadline(D(2019, 12, 1), id="sunday")
    plan = plan_deadline(sunday, CONFIG)
    fridays = [p for p in plan if p.send_date == D(2019, 11, 29)]
    assert [p.offset for p in fridays] == [0]  # offsets 1 (Sat) and 0 (Sun) → one on Friday, the closer one
    assert len({p.send_date for p in plan}) == len(plan)


def test_catch_up_sends_a_missed_reminder_until_the_next_one_and_never_after_the_deadline():
    d = storsthlm_deadline()
    assert due_reminder(d, D(2020, 11, 25), CONFIG).offset == 7  # missed on the 24th
    assert due_reminder(d, D(2020, 11, 26), CONFIG).offset == 7
    assert due_reminder(d, D(2020, 11, 27), CONFIG).offset == 3
    assert due_reminder(d, D(2020, 11, 29), CONFIG).offset == 3
    assert due_reminder(d, D(2020, 12, 1), CONFIG).offset == 0
    assert due_reminder(d, D(2020, 12, 2), CONFIG) is None
    assert due_reminder(d, D(2020, 10, 29), CONFIG) is None  # before the first one
    assert due_reminder(dataclasses.replace(d, date=None), D(2020, 11, 24), CONFIG) is None


def test_reminder_id_is_stable_per_deadline_offset_and_channel():
    assert reminder_id("ok2020-faktura-storsthlm", 7, "C1") == "ok2020-faktura-storsthlm:7d:C1"
    ids = {reminder_id("d", o, c) for o in (7, 3) for c in ("C1", "C2")}
    assert len(ids) == 4


def test_per_kind_offsets_from_the_config_file():
    config = load_reminder_config()
    assert config.offsets == [30, 14, 7, 3, 1, 0]
    fragor = dataclasses.replace(storsthlm_deadline(), kind=DeadlineKind.fragematerial)
    assert [p.offset for p in plan_deadline(fragor, config)] == config.offsets_for(fragor.kind)
    silent = ReminderConfig(offsets_by_kind={"faktura": []})
    assert plan_deadline(storsthlm_deadline(), silent) == []


@pytest.mark.parametrize("content, needle", [
    ("offsets: [7, 7]", "samma dag"),
    ("offsets: [-1]", "utanför"),
    ("offsets_by_kind: {fakturor: [1]}", "offsets_by_kind"),
    ("all_done: kanske", "all_done"),
    ("okand_nyckel: 1", "okand_nyckel"),
    ("- bara en lista", "förväntade"),
    ("offsets: [7", "YAML"),
])
def test_config_errors_are_clear(tmp_path, content, needle):
    path = tmp_path / "reminders.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ReminderConfigError) as e:
        load_reminder_config(path)
    assert needle in str(e.value)


def test_missing_config_file_is_a_clear_error(tmp_path):
    with pytest.raises(ReminderConfigError, match="saknas"):
        load_reminder_config(tmp_path / "nope.yaml")


# ------------------------------------------------------------------ every deadline in the knowledge base


KB = load_knowledge()
DATED = [d for d in KB.deadlines if d.date is not None]


def test_the_knowledge_base_has_the_storsthlm_invoice_deadline():
    d = next(d for d in KB.deadlines if d.agreement == "ok2020" and d.kind == "faktura")
    assert d.date == D(2020, 12, 1)
    assert "lan:01:kommun" in d.applies_to


@pytest.mark.parametrize("deadline", DATED, ids=[d.id for d in DATED])
def test_time_travel_around_every_deadline_in_the_knowledge_base(deadline):
    config = load_reminder_config()
    plan = plan_deadline(deadline, config)
    expected_offsets = config.offsets_for(deadline.kind)
    assert plan or not expected_offsets
    for p in plan:
        assert p.send_date <= p.nominal_date <= deadline.date
        assert p.send_date.weekday() < 5
        assert (p.nominal_date - p.send_date).days <= 5  # never moved further than a long holiday
    exact = config.model_copy(update={"catch_up": False})
    first = min((p.send_date for p in plan), default=deadline.date)
    day = first - dt.timedelta(days=3)
    seen = []
    while day <= deadline.date + dt.timedelta(days=3):
        with time_machine.travel(stockholm_now(day, 7), tick=False):
            today = today_stockholm()
            due_exact = [p for p in due_reminders(KB, today, exact) if p.deadline.id == deadline.id]
            due_catch = [p for p in due_reminders(KB, today, config) if p.deadline.id == deadline.id]
        assert today == day
        planned_today = [p for p in plan if p.send_date == day]
        assert due_exact == planned_today  # exactly the reminders planned for that day
        if planned_today:
            seen.append(day)
        in_window = bool(plan) and first <= day <= deadline.date
        assert bool(due_catch) == in_window  # with catch-up: one reminder every day of the window
        day += dt.timedelta(days=1)
    assert seen == [p.send_date for p in plan]  # each planned reminder is due on exactly one day


def test_a_deadline_on_a_sunday_is_called_out():
    sunday = storsthlm_deadline(D(2019, 12, 1), id="ok2019-sondag")
    kb = make_kb([sunday])
    items = plan_outgoing(kb, MemoryStore().snapshot(), D(2019, 11, 29), CONFIG, channel="C1")
    assert items, "the reminder of a Sunday deadline goes out on Friday"
    assert "Obs: 1 december 2019 är en söndag" in items[0].text
    assert "fredag 29 november 2019" in items[0].text
    assert "2 dagar kvar" in items[0].text


def test_the_ok2019_requisition_deadline_in_the_kb_falls_on_a_sunday_and_is_called_out():
    d = next(d for d in KB.deadlines if d.id == "ok2019-rekvisition")
    text = upcoming_text(KB, D(2019, 11, 20), None, CONFIG)
    assert d.date == D(2019, 12, 1)
    assert "Obs: 1 december 2019 är en söndag" in text


# ------------------------------------------------------------------ who is open


def test_only_open_recipients_are_named_and_missing_rows_are_open_and_said_so():
    kb = make_kb()
    store = MemoryStore()
    [item] = plan_outgoing(kb, store.snapshot(), D(2020, 11, 24), CONFIG, channel="C1")
    assert item.recipients == ("Botkyrka kommun", "Danderyds kommun", "Solna stad")
    assert "Stockholms stad" not in item.text  # fakturerad
    assert "Falu kommun" not in item.text  # another county: not in applies_to
    assert "Solna stad – ingen rad i Rekvisitioner, räknas som öppen" in item.text
    assert "Ännu inte klara (3 av 4)" in item.text
    assert "<@UBOTK>" in item.text and "Dan Danderyd" in item.text  # contact without Slack id: the name
    assert "<@USTHLM>" not in item.text


def test_a_recipient_that_becomes_fakturerad_disappears_from_the_next_reminder():
    kb = make_kb()
    store = MemoryStore()
    first = plan_outgoing(kb, store.snapshot(), D(2020, 11, 24), CONFIG, channel="C1")[0]
    assert "Botkyrka kommun" in first.recipients
    store.set_status("kommun-0127", Status.fakturerad)
    second = plan_outgoing(kb, store.snapshot(), D(2020, 11, 27), CONFIG, channel="C1")[0]
    assert second.offset == 3
    assert "Botkyrka kommun" not in second.recipients
    assert "Botkyrka" not in second.text and "<@UBOTK>" not in second.text
    assert second.recipients == ("Danderyds kommun", "Solna stad")


def test_the_practical_invoice_rules_come_from_kb_facts():
    kb = make_kb()
    [item] = plan_outgoing(kb, MemoryStore().snapshot(), D(2020, 11, 24), CONFIG, channel="C1")
    for needle in ("faktura@storsthlm.se", "Box 38145", "717/771", "moms"):
        assert needle in item.text
    assert "Ska inte synas" not in item.text
    assert "_Källa: Storsthlm – fakturering av länsgemensamma stimulansmedel för sammanhållen vård 2020, avsnitt Skicka faktura till Storsthlm" in item.text
    changed = make_kb()
    changed.facts[2] = dataclasses.replace(changed.facts[2], text="Fakturaadress: Storsthlm, Box 99999.")
    [item2] = plan_outgoing(changed, MemoryStore().snapshot(), D(2020, 11, 24), CONFIG, channel="C1")
    assert "Box 99999" in item2.text and "Box 38145" not in item2.text  # nothing hard-coded


def test_real_kb_reminder_names_open_stockholm_municipalities_with_the_invoice_rules():
    rows = [status_row("kommun-0127", Status.ej_rekvirerad), status_row("kommun-0180", Status.fakturerad)]
    snap = MemoryStore(rows, []).snapshot()
    [item] = [i for i in plan_outgoing(KB, snap, D(2020, 11, 24), CONFIG, channel="C1")
              if i.deadline_id == "ok2020-faktura-storsthlm"]
    assert "Botkyrka kommun" in item.recipients
    assert "Stockholms stad" not in item.recipients
    assert len(item.recipients) == 25  # 26 municipalities of Stockholm county minus the invoiced one
    for needle in ("faktura@storsthlm.se", "Box 38145", "717/771", "S/20/0002", "moms"):
        assert needle in item.text


def test_everyone_done_gives_a_short_note_to_coordinators_or_nothing():
    kb = make_kb()
    rows = [status_row(rid, Status.fakturerad) for rid in ("kommun-0127", "kommun-0162", "kommun-0180")]
    rows.append(status_row("kommun-0184", Status.avstar))
    contacts = [Contact(row=2, name="Kim", slack_id="UCOORD", role=Role.samordnare)]
    snap = MemoryStore(rows, contacts).snapshot()
    [note] = plan_outgoing(kb, snap, D(2020, 11, 24), CONFIG, channel="C1", dm=True)
    assert note.kind == "all_done"
    assert "Alla klara" in note.text and "alla 4 mottagare har fakturerat eller avstått" in note.text
    assert "<@UCOORD>" in note.text
    assert plan_outgoing(kb, snap, D(2020, 11, 24), ReminderConfig(all_done="nothing"), channel="C1") == []


@pytest.mark.parametrize("kind, status, expected", [
    ("faktura", Status.ej_rekvirerad, True), ("faktura", Status.fakturerad, False),
    ("rekvisition", Status.rekvirerad, False), ("rekvisition", Status.avstar, False),
    ("redovisning", Status.utbetald, True), ("redovisning", Status.redovisad, False),
    ("slutrapport", Status.avstar, False), ("ekonomisk_redovisning", Status.fakturerad, True),
    ("aterbetalning", Status.utbetald, True), ("aterbetalning", Status.redovisad, True),
    ("aterbetalning", Status.aterbetald, False), ("aterbetalning", Status.ej_rekvirerad, False),
])
def test_open_rules_per_deadline_kind(kind, status, expected):
    assert is_open(kind, status) is expected


def test_applies_to_markers():
    kb = make_kb()
    scope = expand_applies_to(kb, ["lan:01:kommun"])
    assert scope.named == {"kommun-0127", "kommun-0162", "kommun-0180", "kommun-0184"}
    assert expand_applies_to(kb, ["lan:01"]).named == {"lan-01"}
    levels = expand_applies_to(kb, ["kommun", "skr"])
    assert levels.kinds == {"kommun", "skr"} and not levels.named
    assert expand_applies_to(kb, []).everyone
    assert expand_applies_to(kb, ["lan:99:kommun"]).unknown == ("lan:99:kommun",)


def test_level_markers_only_select_rows_and_unknown_markers_are_never_all_done():
    kb = make_kb([storsthlm_deadline(applies_to=["kommun"])])
    state = recipient_state(kb, kb.deadlines[0], MemoryStore().snapshot())
    assert {o.name for o in state.open} == {"Botkyrka kommun", "Danderyds kommun", "Falu kommun"}
    odd = make_kb([storsthlm_deadline(applies_to=["lan:99:kommun"])])
    state = recipient_state(odd, odd.deadlines[0], MemoryStore([], []).snapshot())
    assert not state.all_done and state.open[0].recipient_id == "lan:99:kommun"


def test_no_rows_for_the_agreement_says_status_is_unknown_instead_of_all_done():
    kb = make_kb([storsthlm_deadline(applies_to=[])])
    [item] = plan_outgoing(kb, MemoryStore([], []).snapshot(), D(2020, 11, 24), CONFIG, channel="C1")
    assert item.kind == "channel"
    assert "Inga rader i Rekvisitioner" in item.text


def test_long_recipient_lists_are_cut_with_a_count():
    kb = make_kb()
    [item] = plan_outgoing(kb, MemoryStore().snapshot(), D(2020, 11, 24), ReminderConfig(max_names=1),
                           channel="C1")
    assert "… och 2 till" in item.text


def test_dm_per_contact_with_a_status_button_for_each_open_row():
    kb = make_kb()
    items = plan_outgoing(kb, MemoryStore().snapshot(), D(2020, 11, 24), CONFIG, channel="C1", dm=True)
    dms = [i for i in items if i.kind == "dm"]
    assert [d.channel for d in dms] == ["UBOTK"]  # Danderyd's contact has no Slack id
    dm = dms[0]
    assert dm.reminder_id == "ok2020-faktura-storsthlm:7d:UBOTK"
    assert "Botkyrka kommun: ej rekvirerad" in dm.text
    [button] = dm.buttons
    assert button["label"] == "Uppdatera status"
    assert json.loads(button["value"]) == {"recipient_id": "kommun-0127", "agreement": "ok2020", "post": "",
                                           "deadline_id": "ok2020-faktura-storsthlm"}


# ------------------------------------------------------------------ overview


def test_upcoming_text_lists_deadlines_and_planned_reminder_dates():
    kb = make_kb()
    store = MemoryStore()
    text = upcoming_text(kb, D(2020, 11, 20), store.snapshot(), CONFIG)
    assert "tisdag 1 december 2020* (om 11 dagar)" in text
    assert "24 november 2020 (7 dagar före)" in text
    assert "27 november 2020 (3 dagar före, flyttad från lördag 28 november 2020)" in text
    assert "17 november 2020 (14 dagar före) (passerad)" in text
    assert "Ännu inte klara: 3 av 4." in text
    assert upcoming_text(kb, D(2020, 12, 2), None, CONFIG).count("Inga kommande deadlines") == 1


def test_upcoming_text_on_the_real_kb_default_config():
    text = upcoming_text(KB, D(2020, 11, 24))
    assert "tisdag 1 december 2020" in text
    assert "24 november 2020 (7 dagar före) ← i dag" in text
    assert "Utan fast datum" in text  # "avstå ... så snart som möjligt"
    assert "2019" not in text.split("Utan fast datum")[0].split("\n", 1)[1]  # past deadlines left out
