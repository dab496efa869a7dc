import datetime as dt
from decimal import Decimal

import pytest

from engine.formatting import format_date, format_kr, format_kr_with_mkr, format_mkr, round_kr
from engine.parsing import ParseError, parse_amount, parse_date
from engine.status import Status, parse_status


@pytest.mark.parametrize("value,expected", [
    (Decimal("1726309"), "1 726 309 kr"),
    (Decimal("7649410.97"), "7 649 410,97 kr"),
    (Decimal("1000000.00"), "1 000 000 kr"),
    (Decimal("65817.31"), "65 817,31 kr"),
    (0, "0 kr"),
])
def test_format_kr(value, expected):
    assert format_kr(value) == expected


def test_format_kr_forced_ore_and_mkr():
    assert format_kr(Decimal("1000000"), ore=True) == "1 000 000,00 kr"
    assert format_mkr(Decimal("1774000000")) == "1 774 Mkr"
    assert format_mkr(Decimal("1500000")) == "1,5 Mkr"
    assert format_kr_with_mkr(Decimal("150000000")) == "150 000 000 kr (150 Mkr)"
    assert format_kr_with_mkr(Decimal("6429930")) == "6 429 930 kr"


def test_round_half_up():
    assert round_kr(Decimal("1726309.08")) == 1726309
    assert round_kr(Decimal("197452.5")) == 197453


def test_format_date():
    assert format_date(dt.date(2020, 12, 1)) == "1 december 2020"
    assert format_date(dt.date(2021, 3, 31)) == "31 mars 2021"


@pytest.mark.parametrize("raw,expected", [
    ("1 726 309 kr", Decimal("1726309")),
    ("1726309", Decimal("1726309")),
    ("7 649 410,97 kr", Decimal("7649410.97")),
    ("7\u00a0649\u00a0410,97\u00a0kr", Decimal("7649410.97")),
    ("7\u202f649\u202f410,97 kr", Decimal("7649410.97")),
    ("26 800 tkr", Decimal("26800000")),
    ("1,7 mnkr", Decimal("1700000")),
    ("1,7 Mkr", Decimal("1700000")),
    ("1.726.309", Decimal("1726309")),
    ("65817.31", Decimal("65817.31")),
    ("200 miljoner", Decimal("200000000")),
    (1726309, Decimal("1726309")),
])
def test_parse_amount(raw, expected):
    assert parse_amount(raw) == expected


@pytest.mark.parametrize("raw", ["", "abc", "12 kr 5", "-5 kr", "1,234 kr extra", "5 euro", "1.726 kr", "0,001 kr"])
def test_parse_amount_rejects_with_message(raw):
    with pytest.raises(ParseError) as e:
        parse_amount(raw)
    assert str(e.value)


@pytest.mark.parametrize("raw", ["2020-12-01", "1 dec 2020", "1/12/2020", "1 december 2020", "1:a december 2020", "01.12.2020"])
def test_parse_date(raw):
    assert parse_date(raw) == dt.date(2020, 12, 1)


@pytest.mark.parametrize("raw", ["", "31/2/2020", "1 decembr 2020x", "igår", "2020-13-01"])
def test_parse_date_rejects(raw):
    with pytest.raises(ParseError):
        parse_date(raw)


@pytest.mark.parametrize("raw,expected", [
    ("ja", Status.rekvirerad), ("klart", Status.rekvirerad), ("Rekvirerat", Status.rekvirerad),
    ("fakturerat", Status.fakturerad), ("avstår", Status.avstar), ("AVSTAR", Status.avstar),
    ("", Status.ej_rekvirerad), ("rekvirerd", Status.rekvirerad), ("Återbetald", Status.aterbetald),
])
def test_parse_status(raw, expected):
    assert parse_status(raw) == expected


def test_parse_status_unknown():
    with pytest.raises(ParseError) as e:
        parse_status("kanske")
    assert "Ej rekvirerad" in str(e.value)
