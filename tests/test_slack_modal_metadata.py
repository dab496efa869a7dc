"""A modal whose row is too long to carry what the user saw must not count as prefilled: emptied fields
would otherwise clear cells against a snapshot the user never saw."""
import json

from bot.slack.modal import Prefill, Submitted, build_status_modal, validate
from engine.knowledge import load_knowledge
from engine.store import RowKey, StatusRow


def _row(planned: str) -> StatusRow:
    key = RowKey(recipient_id="kommun-2031", agreement="ok2020", post="ok2020-kommun-handlingsplaner")
    return StatusRow(row=5, key=key, recipient_name="Rättviks kommun", planned_use=planned,
                     raw={"Planerad användning": planned, "Status": "Ej rekvirerad"})


def _meta(view) -> dict:
    return json.loads(view.to_dict()["private_metadata"])


def test_short_row_carries_key_and_expected():
    kb = load_knowledge()
    view = build_status_modal(kb, recipient_ids=["kommun-2031"], current=_row("kort"),
                              prefill=Prefill("kommun-2031", "ok2020", "ok2020-kommun-handlingsplaner"))
    meta = _meta(view)
    assert meta["key"] == ["kommun-2031", "ok2020", "ok2020-kommun-handlingsplaner"]
    assert meta["expected"]["Planerad användning"] == "kort"


def test_overlong_row_is_not_prefilled_so_empty_fields_do_not_clear():
    kb = load_knowledge()
    view = build_status_modal(kb, recipient_ids=["kommun-2031"], current=_row("x" * 4000),
                              prefill=Prefill("kommun-2031", "ok2020", "ok2020-kommun-handlingsplaner"))
    meta = _meta(view)
    assert "key" not in meta and "expected" not in meta
    assert len(view.to_dict()["private_metadata"]) <= 3000
    sub = Submitted("kommun-2031", "ok2020", "ok2020-kommun-handlingsplaner", "rekvirerad", meta=meta)
    validated, errors = validate(kb, sub)
    assert not errors and validated is not None and not validated.prefilled
    assert "Planerad användning" not in validated.changes()  # left empty: nothing is cleared unseen
