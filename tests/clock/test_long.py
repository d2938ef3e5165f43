"""Long durations: a deadline years ahead skips whole years (``BusinessCalendar._skip_years``)
instead of building them, and agrees with the day-by-day reference walk; durations past the
calendar's last year are refused at once, in one line."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slactl.clock import BusinessCalendar, CalendarError, Duration, parse_duration, parse_hours
from tests.clock.test_properties import calendars, instants


@pytest.mark.filterwarnings("ignore:Requested Holidays are available only:UserWarning")
@settings(max_examples=40, deadline=None)
@given(calendars(), instants, st.integers(7, 9), st.integers(0, 60 * 40))
def test_years_of_business_time_agree_with_the_reference_walk(  # type: ignore[no-untyped-def]
    cals, start, years, minutes
) -> None:
    cal, ref = cals
    # about `years` years of this calendar's business time: past the table, so it skips
    amount = years * cal._business_us_in(start.year) // 60_000_000 + minutes
    got = cal.add(start, Duration(amount, "business_minutes"))
    assert got == ref.add_business(start, timedelta(minutes=amount))
    assert cal._y0 > start.year  # the years between were skipped, not built


@pytest.mark.filterwarnings("ignore:Requested Holidays are available only:UserWarning")
@settings(max_examples=40, deadline=None)
@given(calendars(), instants, st.integers(7, 9), st.integers(0, 30))
def test_years_of_business_days_agree_with_the_reference_walk(  # type: ignore[no-untyped-def]
    cals, start, years, days
) -> None:
    cal, ref = cals
    n = years * cal._working_days_in(start.year) + days
    got = cal.add(start, Duration(n, "business_days"))
    assert got == ref.add_business_days(start, n)
    assert cal._y0 > start.year


def _nine_to_five() -> BusinessCalendar:
    return BusinessCalendar("America/New_York", {d: parse_hours("09:00-17:00") for d in range(5)})


@pytest.mark.parametrize("text", ["1000000 business hours", "120000 business days"])
def test_centuries_cost_years_not_a_quadratic_rebuild(text: str) -> None:
    start = datetime(2024, 5, 3, 20, 30, tzinfo=UTC)
    began = time.perf_counter()
    got = _nine_to_five().add(start, parse_duration(text))
    took = time.perf_counter() - began
    assert 2400 < got.year < 2600
    # ~480 years at a year per millisecond or so; the rebuild took over a minute
    assert took < 10, took


@pytest.mark.parametrize(
    "text",
    ["100000000 business hours", "3000000 business days", "100000000 weeks", "99999999 days"],
)
def test_past_the_last_year_is_refused_at_once(text: str) -> None:
    start = datetime(2024, 5, 3, 20, 30, tzinfo=UTC)
    began = time.perf_counter()
    with pytest.raises(CalendarError, match="falls after the year"):
        _nine_to_five().add(start, parse_duration(text))
    assert time.perf_counter() - began < 2


def test_a_five_thousand_digit_number_is_a_bad_duration() -> None:
    from slactl.clock import DurationError

    with pytest.raises(DurationError, match="too large"):
        parse_duration("9" * 5000 + " business hours")


def test_the_ends_of_the_calendar_are_one_line() -> None:
    cal = _nine_to_five()
    with pytest.raises(CalendarError, match="covers the years"):
        cal.add(datetime(9999, 12, 30, tzinfo=UTC), parse_duration("1 business hour"))
    with pytest.raises(CalendarError, match="covers the years"):
        cal.add(datetime(1, 1, 2, tzinfo=UTC), parse_duration("1 business hour"))
