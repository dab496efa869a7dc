"""engine/formatting.py writes numbers and dates itself (babel's import and locale data cost a tenth of a
cold `stimulans ask`, issue #13): every function must give exactly what babel gives for sv_SE."""
import datetime as dt
import random
from decimal import ROUND_HALF_UP, Decimal

import pytest
from babel.dates import format_date as babel_date
from babel.numbers import format_decimal as babel_decimal

from engine import formatting


def _plain(s: str) -> str:
    return s.replace("\u00a0", " ").replace("\u202f", " ").replace("\u2212", "-")


def _values() -> list[Decimal]:
    rng = random.Random(13)
    fixed = ["0", "-0", "0.004", "0.005", "0.015", "-0.4", "-0.5", "0.5", "1.5", "2.5", "999.995", "1000",
             "1726309.08", "7649410.97", "-1234567.891", "150000000", "1E+6", "1.5E+3", "12.3400", "0.00001",
             "999999999999.999", "100.1", "1234.5678", "-1000000.005"]
    out = [Decimal(v) for v in fixed]
    for _ in range(3000):
        digits = rng.randint(1, 15)
        scale = rng.randint(0, 6)
        v = Decimal(rng.randrange(10 ** digits)).scaleb(-scale)
        out.append(-v if rng.random() < 0.2 else v)
    return out


VALUES = _values()


@pytest.mark.parametrize("min_frac,max_frac", [(0, 0), (2, 2), (0, 2), (1, 1), (3, 3), (4, 4)])
def test_format_decimal_is_babels(min_frac, max_frac):
    pattern = "#,##0" + ("." + "0" * min_frac + "#" * (max_frac - min_frac) if max_frac else "")
    for v in VALUES:
        expected = _plain(babel_decimal(v, format=pattern, locale="sv_SE"))
        assert formatting.format_decimal(v, min_frac=min_frac, max_frac=max_frac) == expected, (v, pattern)


def _babel_kr(amount, ore=None):
    amount = Decimal(amount)
    if ore is None:
        ore = amount != amount.to_integral_value()
    value = amount.quantize(Decimal("0.01") if ore else Decimal("1"), rounding=ROUND_HALF_UP)
    return _plain(babel_decimal(value, format="#,##0.00" if ore else "#,##0", locale="sv_SE")) + " kr"


def _babel_mkr(amount):
    mkr = Decimal(amount) / Decimal(1_000_000)
    pattern = "#,##0" if mkr == mkr.to_integral_value() else "#,##0.##"
    return _plain(babel_decimal(mkr, format=pattern, locale="sv_SE")) + " Mkr"


def test_amounts_percent_and_numbers_are_babels():
    for v in VALUES:
        assert formatting.format_kr(v) == _babel_kr(v), v
        assert formatting.format_kr(v, ore=True) == _babel_kr(v, ore=True), v
        assert formatting.format_kr(v, ore=False) == _babel_kr(v, ore=False), v
        assert formatting.format_mkr(v) == _babel_mkr(v), v
        for decimals in (0, 1, 2):
            pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
            assert formatting.format_number(v, decimals) == _plain(babel_decimal(v, format=pattern, locale="sv_SE"))
    assert formatting.format_kr(1726309) == "1 726 309 kr"
    assert formatting.format_kr(Decimal("7649410.97")) == "7 649 410,97 kr"
    assert formatting.format_kr_with_mkr(150_000_000) == "150 000 000 kr (150 Mkr)"
    assert formatting.format_percent(Decimal("0.12345")) == "12,34 %"  # babel rounds half to even


def test_dates_are_babels():
    day = dt.date(1999, 12, 25)
    while day < dt.date(2041, 1, 10):
        assert formatting.format_date(day) == babel_date(day, format="d MMMM y", locale="sv_SE")
        assert formatting.format_weekday_date(day) == babel_date(day, format="EEEE d MMMM y", locale="sv_SE")
        day += dt.timedelta(days=1)
    assert formatting.format_weekday_date(dt.date(2020, 12, 1)) == "tisdag 1 december 2020"
    stamp = dt.datetime(2021, 3, 31, 23, 59)
    assert formatting.format_date(stamp) == babel_date(stamp, format="d MMMM y", locale="sv_SE")
