"""The one formatter: Swedish amounts and dates (babel, sv_SE). Every front uses these."""
from __future__ import annotations

import datetime as dt
import errno
from decimal import ROUND_HALF_UP, Decimal

from babel.dates import format_date as _babel_date
from babel.numbers import format_decimal

_LOCALE = "sv_SE"
_NBSP_CHARS = ("\u00a0", "\u202f")


def _plain_spaces(s: str) -> str:
    # babel uses non-breaking spaces as group separator and U+2212 for minus; Slack and terminals
    # show regular spaces best, and tests/users compare on "1 726 309".
    for ch in _NBSP_CHARS:
        s = s.replace(ch, " ")
    return s.replace("\u2212", "-")


def round_kr(amount: Decimal) -> Decimal:
    """Round to whole kronor, half up (as the documents' "Avrundat belopp")."""
    return amount.quantize(Decimal("1"), rounding=ROUND_HALF_UP)


def round_ore(amount: Decimal) -> Decimal:
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def format_kr(amount: Decimal | int, *, ore: bool | None = None) -> str:
    """`1 726 309 kr`, `7 649 410,97 kr`. ore=None shows öre only when the amount has them."""
    amount = Decimal(amount)
    if ore is None:
        ore = amount != amount.to_integral_value()
    pattern = "#,##0.00" if ore else "#,##0"
    value = round_ore(amount) if ore else round_kr(amount)
    return _plain_spaces(format_decimal(value, format=pattern, locale=_LOCALE)) + " kr"


def format_mkr(amount: Decimal | int) -> str:
    """`1 774 Mkr`, `1,5 Mkr` (for totals written in millions in the documents)."""
    mkr = Decimal(amount) / Decimal(1_000_000)
    pattern = "#,##0" if mkr == mkr.to_integral_value() else "#,##0.##"
    return _plain_spaces(format_decimal(mkr, format=pattern, locale=_LOCALE)) + " Mkr"


def format_kr_with_mkr(amount: Decimal | int) -> str:
    """`150 000 000 kr (150 Mkr)` for whole-million amounts, else format_kr."""
    amount = Decimal(amount)
    if amount >= 1_000_000 and amount % 100_000 == 0:
        return f"{format_kr(amount)} ({format_mkr(amount)})"
    return format_kr(amount)


def format_number(value: Decimal | int, decimals: int = 0) -> str:
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return _plain_spaces(format_decimal(Decimal(value), format=pattern, locale=_LOCALE))


def format_percent(value: Decimal, decimals: int = 2) -> str:
    return format_number(value * 100, decimals) + " %"


def format_date(d: dt.date) -> str:
    """`1 december 2020`."""
    return _babel_date(d, format="d MMMM y", locale=_LOCALE)


def format_weekday_date(d: dt.date) -> str:
    """`tisdag 1 december 2020`."""
    return _babel_date(d, format="EEEE d MMMM y", locale=_LOCALE)


_OS_REASONS = {
    errno.ENOENT: "filen eller katalogen finns inte",
    errno.EACCES: "behörighet saknas",
    errno.EPERM: "åtgärden är inte tillåten",
    errno.EISDIR: "det är en katalog, inte en fil",
    errno.ENOTDIR: "en del av sökvägen är inte en katalog",
    errno.ENOSPC: "disken är full",
    errno.EROFS: "filsystemet är skrivskyddat",
    errno.EEXIST: "filen finns redan",
    errno.EBUSY: "filen används av ett annat program",
    errno.ENAMETOOLONG: "sökvägen är för lång",
    errno.EMFILE: "för många öppna filer",
}


def describe_os_error(error: OSError) -> str:
    """A Swedish reason for an OS error ("behörighet saknas"), so no English text lands inside a Swedish line."""
    reason = _OS_REASONS.get(error.errno or -1)
    if reason:
        return reason
    return f"systemfel {error.errno}" if error.errno else "okänt fel vid filåtkomst"
