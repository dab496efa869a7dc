"""The one Swedish number/date parser, for questions, sheet cells, modal fields and the CLI.

parse_amount("1 726 309 kr") == Decimal("1726309"); "7 649 410,97 kr", "26 800 tkr", "1,7 mnkr",
"1726309", "1.726.309" and non-breaking / thin spaces all work. parse_date accepts
"2020-12-01", "1 dec 2020", "1/12/2020", "1 december 2020", "1:a december 2020".
Both raise ParseError with a Swedish message saying what was wrong.
"""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from engine.text import fold


class ParseError(ValueError):
    """A value typed by a person could not be understood. str(e) is a Swedish explanation."""


_UNITS = {
    "kr": Decimal(1), "kronor": Decimal(1), "sek": Decimal(1), ":-": Decimal(1),
    "tkr": Decimal(1000), "tusen": Decimal(1000), "tsek": Decimal(1000),
    "mkr": Decimal(1_000_000), "mnkr": Decimal(1_000_000), "miljoner": Decimal(1_000_000),
    "miljon": Decimal(1_000_000), "milj": Decimal(1_000_000), "msek": Decimal(1_000_000),
    "mdkr": Decimal(1_000_000_000), "miljarder": Decimal(1_000_000_000),
}
_AMOUNT = re.compile(
    r"^(?P<sign>-)?\s*(?P<num>\d{1,3}(?:[ .]\d{3})+(?:,\d+)?|\d+(?:[.,]\d+)?)\s*(?P<unit>[a-z:\-]*)\.?$"
)


def parse_amount(raw: object) -> Decimal:
    """Parse an amount written the Swedish way into exact kronor (Decimal, öre precision)."""
    if isinstance(raw, bool) or raw is None:
        raise ParseError("beloppet saknas")
    if isinstance(raw, int | float | Decimal):  # a spreadsheet number cell
        return _checked_number(raw)
    text = fold(str(raw)).replace("\u2212", "-")
    text = re.sub(r"(?<=\d) (?=\d)", " ", text)
    if not text:
        raise ParseError("beloppet är tomt")
    m = _AMOUNT.match(text)
    if not m:
        raise ParseError(f"”{raw}” är inget belopp; skriv t.ex. 1 726 309 kr, 7 649 410,97 kr, 26 800 tkr eller 1,7 mnkr")
    unit = m.group("unit") or "kr"
    if unit not in _UNITS:
        raise ParseError(f"okänd enhet ”{m.group('unit')}” i ”{raw}”; använd kr, tkr eller mnkr")
    num = m.group("num")
    if re.fullmatch(r"\d{1,3}\.\d{3}", num):
        # "1.726": one dot and three digits could be a thousands separator or decimals: refuse to guess
        raise ParseError(f"”{raw}” är tvetydigt (tusental eller decimaler?); skriv t.ex. 1 726 kr eller 1,726 tkr")
    if re.fullmatch(r"\d{1,3}(?:[ .]\d{3})+(?:,\d+)?", num):
        num = num.replace(" ", "").replace(".", "").replace(",", ".")
    else:
        # "1.5" / "1,5": a decimal point or comma
        num = num.replace(",", ".")
    if len(num.replace(" ", "").replace(".", "").split(",")[0]) > _MAX_DIGITS:
        raise ParseError(f"”{_short(raw)}” är ett orimligt stort belopp")
    try:
        value = Decimal(num) * _UNITS[unit]
    except InvalidOperation as e:  # pragma: no cover - regex guarantees digits
        raise ParseError(f"”{raw}” är inget belopp") from e
    if m.group("sign"):
        raise ParseError(f"beloppet ”{raw}” är negativt")
    return _to_kr(value, raw)


#: Amounts at or above 10^15 kr are typing errors (and would overflow exact öre arithmetic).
_MAX_DIGITS = 15
_LIMIT = Decimal(10) ** _MAX_DIGITS


def _short(raw: object) -> str:
    text = str(raw)
    return text if len(text) <= 40 else text[:37] + "…"


def _checked_number(raw: int | float | Decimal) -> Decimal:
    """A number cell (xlsx/Sheets API) or a Decimal: finite, not negative, not absurdly large, öre precision."""
    try:
        value = Decimal(repr(raw)) if isinstance(raw, float) else Decimal(raw)
    except (InvalidOperation, ValueError) as e:
        raise ParseError(f"”{_short(raw)}” är inget belopp") from e
    if not value.is_finite():
        raise ParseError(f"”{_short(raw)}” är inget belopp")
    if value < 0:
        raise ParseError(f"beloppet ”{_short(raw)}” är negativt")
    if isinstance(raw, float):  # binary floating point: round to öre as the sheet shows it
        value = value.quantize(Decimal("0.01")) if value < _LIMIT else value
    return _to_kr(value, raw)


def _to_kr(value: Decimal, raw: object) -> Decimal:
    if value >= _LIMIT:
        raise ParseError(f"”{_short(raw)}” är ett orimligt stort belopp")
    if value != value.quantize(Decimal("0.01")):
        raise ParseError(f"”{_short(raw)}” har fler decimaler än ören")
    return value.quantize(Decimal("0.01")) if value != value.to_integral_value() else value.quantize(Decimal("1"))


MONTHS = {
    "januari": 1, "jan": 1, "january": 1,
    "februari": 2, "feb": 2, "february": 2,
    "mars": 3, "mar": 3, "march": 3,
    "april": 4, "apr": 4,
    "maj": 5, "may": 5,
    "juni": 6, "jun": 6, "june": 6,
    "juli": 7, "jul": 7, "july": 7,
    "augusti": 8, "aug": 8, "august": 8,
    "september": 9, "sep": 9, "sept": 9,
    "oktober": 10, "okt": 10, "oct": 10, "october": 10,
    "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_NUMERIC = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{2}|\d{4})$")
_WORDS = re.compile(r"^(\d{1,2})(?::?[ae])?\.? ?([a-z]+)\.?,? (\d{4})$")


def parse_date(raw: object) -> dt.date:
    """Parse a date as people type it in Sweden (day before month in d/m/y)."""
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    text = fold(str(raw or ""))
    if not text:
        raise ParseError("datumet är tomt")
    try:
        if m := _ISO.match(text):
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        if m := _NUMERIC.match(text):
            year = int(m[3]) + (2000 if len(m[3]) == 2 else 0)
            return dt.date(year, int(m[2]), int(m[1]))
        if m := _WORDS.match(text):
            month = MONTHS.get(m[2])
            if month is None:
                raise ParseError(f"okänd månad ”{m[2]}” i ”{raw}”")
            return dt.date(int(m[3]), month, int(m[1]))
    except ValueError as e:
        if isinstance(e, ParseError):
            raise
        raise ParseError(f"”{raw}” är inget giltigt datum") from e
    raise ParseError(f"”{raw}” är inget datum; skriv t.ex. 2020-12-01, 1 dec 2020 eller 1/12/2020")
