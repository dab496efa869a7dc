"""The one status vocabulary for requisition status, with the words people type for each."""
from __future__ import annotations

from enum import StrEnum

from engine.parsing import ParseError
from engine.text import fold


class Status(StrEnum):
    ej_rekvirerad = "ej rekvirerad"
    rekvirerad = "rekvirerad"
    fakturerad = "fakturerad"
    utbetald = "utbetald"
    avstar = "avstår"
    aterbetald = "återbetald"
    redovisad = "redovisad"  # the use of the funds is reported (before a report deadline)


#: statuses for which nothing more is owed before a requisition / invoice deadline
DONE_FOR_REQUISITION = {
    Status.rekvirerad, Status.fakturerad, Status.utbetald, Status.avstar, Status.aterbetald, Status.redovisad,
}
#: statuses for which nothing more is owed before a report deadline (redovisning, slutrapport, ...)
DONE_FOR_REPORT = {Status.redovisad, Status.avstar}

STATUS_LABELS = {
    Status.ej_rekvirerad: "Ej rekvirerad",
    Status.rekvirerad: "Rekvirerad",
    Status.fakturerad: "Fakturerad",
    Status.utbetald: "Utbetald",
    Status.avstar: "Avstår",
    Status.aterbetald: "Återbetald",
    Status.redovisad: "Redovisad",
}

_VARIANTS: dict[str, Status] = {
    "": Status.ej_rekvirerad, "ej rekvirerad": Status.ej_rekvirerad, "ej rekvirerat": Status.ej_rekvirerad,
    "inte rekvirerad": Status.ej_rekvirerad, "nej": Status.ej_rekvirerad, "ej": Status.ej_rekvirerad,
    "ej klart": Status.ej_rekvirerad, "inte klart": Status.ej_rekvirerad, "oppen": Status.ej_rekvirerad,
    "ej paborjad": Status.ej_rekvirerad, "-": Status.ej_rekvirerad, "no": Status.ej_rekvirerad,
    "rekvirerad": Status.rekvirerad, "rekvirerat": Status.rekvirerad, "rekvirera": Status.rekvirerad,
    "ja": Status.rekvirerad, "klart": Status.rekvirerad, "klar": Status.rekvirerad, "ok": Status.rekvirerad,
    "x": Status.rekvirerad, "yes": Status.rekvirerad, "requisitioned": Status.rekvirerad,
    "fakturerad": Status.fakturerad, "fakturerat": Status.fakturerad, "faktura skickad": Status.fakturerad,
    "invoiced": Status.fakturerad,
    "utbetald": Status.utbetald, "utbetalt": Status.utbetald, "betald": Status.utbetald,
    "betalt": Status.utbetald, "mottagen": Status.utbetald, "paid": Status.utbetald,
    "avstar": Status.avstar, "avstatt": Status.avstar, "avsta": Status.avstar, "avbojd": Status.avstar,
    "avboj": Status.avstar, "tackat nej": Status.avstar, "declined": Status.avstar,
    "aterbetald": Status.aterbetald, "aterbetalt": Status.aterbetald, "repaid": Status.aterbetald,
    "redovisad": Status.redovisad, "redovisat": Status.redovisad, "slutredovisad": Status.redovisad,
    "rapporterad": Status.redovisad, "aterrapporterad": Status.redovisad, "reported": Status.redovisad,
}


def parse_status(raw: object) -> Status:
    """Map what a person typed in the status column to a Status; ParseError if it is not clear."""
    text = fold(str(raw or "")).strip(" .!")
    if text in _VARIANTS:
        return _VARIANTS[text]
    from rapidfuzz import fuzz, process  # a status typed with a typo

    match = process.extractOne(text, list(_VARIANTS), scorer=fuzz.ratio, score_cutoff=80)
    if match and len(text) >= 4:
        return _VARIANTS[match[0]]
    allowed = ", ".join(STATUS_LABELS.values())
    raise ParseError(f"okänd status ”{raw}”; använd en av: {allowed}")
