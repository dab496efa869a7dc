"""Swedish business days (the `holidays` package, country SE).

A business day is Monday–Friday that is neither a public holiday (allmän helgdag) nor one of the
days Swedish law treats as one: midsommarafton, julafton and nyårsafton (lagen (1930:173) om
beräkning av lagstadgad tid; the package's DE_FACTO category). Dates are calendar dates in
Europe/Stockholm; callers decide "today" in that time zone.
"""
from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays

from engine.formatting import format_weekday_date


@lru_cache(maxsize=64)
def _holidays_for(year: int) -> dict[dt.date, str]:
    table = holidays.country_holidays(
        "SE", years=year, language="sv", categories=(holidays.PUBLIC, holidays.DE_FACTO)
    )
    return dict(table.items())


def holiday_name(d: dt.date) -> str | None:
    """The Swedish name of the holiday on `d` ("Juldagen", "Julafton"), or None."""
    return _holidays_for(d.year).get(d)


def is_business_day(d: dt.date) -> bool:
    return d.weekday() < 5 and holiday_name(d) is None


def previous_business_day(d: dt.date) -> dt.date:
    """`d` itself when it is a business day, else the closest business day before it."""
    while not is_business_day(d):
        d -= dt.timedelta(days=1)
    return d


def non_business_reason(d: dt.date) -> str | None:
    """Why `d` is not a business day, as Swedish text after "är": "en söndag", "juldagen (en fredag)".

    None when `d` is a business day.
    """
    name = holiday_name(d)
    weekday = format_weekday_date(d).split(" ", 1)[0]  # "söndag"
    if name:
        return f"{name[0].lower()}{name[1:]} (en {weekday})"
    if d.weekday() >= 5:
        return f"en {weekday}"
    return None
