"""The one formatter: Swedish amounts and dates (sv_SE, as babel writes them). Every front uses these.

The numbers and dates are written here rather than by babel: what babel does for these few patterns is
a few lines, while importing babel and loading its locale data was a tenth of a `stimulans ask`
(issue #13). tests/test_formatting.py checks every function against babel's own output."""
from __future__ import annotations

import datetime as dt
import errno
from decimal import ROUND_HALF_UP, Decimal

_LOCALE = "sv_SE"
#: babel's sv_SE month and weekday names (wide, stand-alone in a date: "1 december 2020", "tisdag")
_MONTHS = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
           "november", "december")
_WEEKDAYS = ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag")


def format_decimal(value: Decimal, *, min_frac: int = 0, max_frac: int = 0) -> str:
    """babel.numbers.format_decimal(value, "#,##0" + fraction digits, locale="sv_SE") with plain spaces
    and "-": rounded half-even to max_frac decimals, groups of three, decimal comma, trailing zeros
    beyond min_frac dropped. Slack and terminals show regular spaces best, and tests/users compare on
    "1 726 309"."""
    value = Decimal(value)
    if not value.is_finite():  # never an amount; babel's own symbols
        from babel.numbers import format_decimal as babel_format

        pattern = "#,##0" + ("." + "0" * min_frac + "#" * (max_frac - min_frac) if max_frac else "")
        text = babel_format(value, format=pattern, locale=_LOCALE)
        return text.replace("\u00a0", " ").replace("\u202f", " ").replace("\u2212", "-")
    negative = value.is_signed()
    rounded = abs(value).normalize().quantize(Decimal(10) ** -max_frac)
    whole, _, frac = f"{rounded:f}".partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    text = " ".join([whole, *groups])
    frac = (frac or "0").ljust(min_frac, "0")
    if max_frac and not (min_frac == 0 and int(frac) == 0):
        while len(frac) > min_frac and frac[-1] == "0":
            frac = frac[:-1]
        text += "," + frac
    return ("-" if negative else "") + text


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
    value = round_ore(amount) if ore else round_kr(amount)
    return format_decimal(value, min_frac=2 if ore else 0, max_frac=2 if ore else 0) + " kr"


def format_mkr(amount: Decimal | int) -> str:
    """`1 774 Mkr`, `1,5 Mkr` (for totals written in millions in the documents)."""
    mkr = Decimal(amount) / Decimal(1_000_000)
    return format_decimal(mkr, max_frac=0 if mkr == mkr.to_integral_value() else 2) + " Mkr"


def format_kr_with_mkr(amount: Decimal | int) -> str:
    """`150 000 000 kr (150 Mkr)` for whole-million amounts, else format_kr."""
    amount = Decimal(amount)
    if amount >= 1_000_000 and amount % 100_000 == 0:
        return f"{format_kr(amount)} ({format_mkr(amount)})"
    return format_kr(amount)


def format_number(value: Decimal | int, decimals: int = 0) -> str:
    return format_decimal(Decimal(value), min_frac=decimals, max_frac=decimals)


def format_percent(value: Decimal, decimals: int = 2) -> str:
    return format_number(value * 100, decimals) + " %"


def format_date(d: dt.date) -> str:
    """`1 december 2020`."""
    return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"


def format_weekday_date(d: dt.date) -> str:
    """`tisdag 1 december 2020`."""
    return f"{_WEEKDAYS[d.weekday()]} {format_date(d)}"


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
