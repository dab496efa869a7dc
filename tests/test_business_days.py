import datetime as dt

import pytest

from engine.business_days import holiday_name, is_business_day, non_business_reason, previous_business_day

D = dt.date


@pytest.mark.parametrize("day, expected", [
    (D(2020, 11, 24), True),   # Tuesday
    (D(2020, 11, 27), True),   # Friday
    (D(2020, 11, 28), False),  # Saturday
    (D(2019, 12, 1), False),   # Sunday
    (D(2020, 12, 24), False),  # julafton (de facto holiday, a Thursday)
    (D(2020, 12, 25), False),  # juldagen
    (D(2020, 6, 19), False),   # midsommarafton
    (D(2020, 12, 31), False),  # nyårsafton
    (D(2020, 6, 6), False),    # nationaldagen (a Saturday anyway)
    (D(2021, 1, 6), False),    # trettondedag jul, a Wednesday
    (D(2020, 12, 23), True),
    (D(2021, 12, 1), True),    # Wednesday
])
def test_is_business_day(day, expected):
    assert is_business_day(day) is expected


def test_previous_business_day_moves_back_over_weekends_and_holidays():
    assert previous_business_day(D(2020, 11, 28)) == D(2020, 11, 27)  # Sat → Fri
    assert previous_business_day(D(2019, 12, 1)) == D(2019, 11, 29)  # Sun → Fri
    assert previous_business_day(D(2020, 12, 27)) == D(2020, 12, 23)  # Sun, 26, 25, 24 → Wed 23
    assert previous_business_day(D(2021, 4, 5)) == D(2021, 4, 1)  # annandag påsk → skärtorsdag
    assert previous_business_day(D(2020, 11, 24)) == D(2020, 11, 24)


def test_non_business_reason_names_the_day_in_swedish():
    assert non_business_reason(D(2019, 12, 1)) == "en söndag"
    assert non_business_reason(D(2020, 11, 28)) == "en lördag"
    assert non_business_reason(D(2020, 12, 25)) == "juldagen (en fredag)"
    assert non_business_reason(D(2020, 11, 24)) is None
    assert holiday_name(D(2020, 12, 24)) == "Julafton"
