"""One tab schema (engine/sheet/schema.py): every layer takes tabs, headers, kinds and dropdowns from it."""
from __future__ import annotations

import re
from pathlib import Path

import engine.store
import sheets.backend
from engine.sheet import schema
from engine.sheet.schema import HEADERS, KEY_COLUMNS, Tab

ROOT = Path(__file__).resolve().parent.parent


def test_the_store_interface_and_backends_use_the_one_schema():
    assert engine.store.HEADERS is schema.HEADERS and engine.store.Tab is schema.Tab
    assert engine.store.EDITABLE_FIELDS is schema.EDITABLE_FIELDS
    assert sheets.backend.column_kind("Tilldelning", "Belopp (kr)") == "amount"
    assert sheets.backend.column_kind("Frister", "Datum") == "date"
    assert sheets.backend.column_kind("Rekvisitioner", "Status") == "status"
    assert sheets.backend.column_choices("Frister", "Typ") == list(schema.DEADLINE_TYPES)
    from engine.status import STATUS_LABELS

    assert sheets.backend.column_choices("Rekvisitioner", "Status") == list(STATUS_LABELS.values())


def test_frister_has_exactly_the_issue_headers_and_required_columns():
    assert HEADERS[Tab.frister] == ["Överenskommelse", "Typ", "Datum", "Vem", "Till", "Beskrivning", "Källa"]
    assert KEY_COLUMNS[Tab.frister] == ["Överenskommelse", "Typ", "Datum"]
    assert list(Tab).index(Tab.frister) == list(Tab).index(Tab.rekvisitioner) + 1


def test_no_module_spells_a_tab_header_row_of_its_own():
    """A header row written out anywhere else would drift from the schema: three or more consecutive
    headers of one tab, as string literals, outside engine/sheet/schema.py."""
    runs = {(h[i], h[i + 1], h[i + 2]) for h in HEADERS.values() for i in range(len(h) - 2)}
    offenders = []
    for path in [*ROOT.glob("engine/**/*.py"), *ROOT.glob("sheets/*.py"), *ROOT.glob("bot/**/*.py")]:
        if path.name == "schema.py" and path.parent.name == "sheet":
            continue
        text = path.read_text(encoding="utf-8")
        for a, b, c in runs:
            if re.search(re.escape(f'"{a}", "{b}", "{c}"'), text):
                offenders.append(f"{path.relative_to(ROOT)}: {a}, {b}, {c}")
    assert offenders == []
