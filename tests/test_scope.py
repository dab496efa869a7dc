"""applies_to markers are read in one place (engine/scope.py) by reminders and the App Home."""
import datetime as dt

from engine.dashboard import upcoming_deadlines
from engine.knowledge import load_knowledge
from engine.scope import applies


def test_stockholm_municipality_sees_the_storsthlm_invoice_deadline_falun_does_not():
    kb = load_knowledge()
    danderyd = upcoming_deadlines(kb, dt.date(2020, 11, 1), "kommun-0162")
    falun = upcoming_deadlines(kb, dt.date(2020, 11, 1), "kommun-2080")
    assert any(line.date == dt.date(2020, 12, 1) and "Storsthlm" in line.text for line in danderyd)
    assert not any("Storsthlm" in line.text for line in falun)


def test_applies_markers():
    kb = load_knowledge()
    r = kb.recipients
    assert applies(kb, ["lan:01:kommun"], r["kommun-0180"])
    assert not applies(kb, ["lan:01:kommun"], r["region-01"])
    assert applies(kb, ["lan:01:region"], r["region-01"])
    assert applies(kb, ["kommun"], r["kommun-2080"])
    assert applies(kb, [], r["kommun-2080"])
    assert applies(kb, ["skr"], None)
