"""Properties of the business clock, checked by Hypothesis against random instants and
against the day-by-day reference walk in bench/reference_clock.py."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
from hypothesis import given, settings
from hypothesis import strategies as st

from slactl.clock import BusinessCalendar, Duration, parse_hours

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from reference_clock import ReferenceClock  # noqa: E402

ZONES = ["America/New_York", "Europe/Berlin", "Australia/Sydney", "Asia/Kolkata"]
SPANS = [
    parse_hours("09:00-17:00"),
    parse_hours("08:30-12:00, 13:00-17:30"),
    parse_hours("00:00-24:00"),
    parse_hours("01:00-03:30, 22:00-24:00"),  # spans that DST changes cut through
    parse_hours("10:00-14:00"),
]
COUNTRY = {
    "America/New_York": "US",
    "Europe/Berlin": "DE",
    "Australia/Sydney": "AU",
    "Asia/Kolkata": "IN",
}


def _closed(country: str):  # type: ignore[no-untyped-def]
    def closed(year: int) -> set[date]:
        return set(holidays.country_holidays(country, years=year))

    return closed


@st.composite
def calendars(draw):  # type: ignore[no-untyped-def]
    zone = draw(st.sampled_from(ZONES))
    days = draw(st.sets(st.integers(0, 6), min_size=1))
    hours = {wd: draw(st.sampled_from(SPANS)) for wd in sorted(days)}
    closed = _closed(COUNTRY[zone])
    return BusinessCalendar(zone, hours, closed), ReferenceClock(ZoneInfo(zone), hours, closed)


_CACHE: dict[tuple, tuple[BusinessCalendar, ReferenceClock]] = {}

instants = st.datetimes(
    min_value=datetime(2023, 12, 1), max_value=datetime(2025, 1, 31), timezones=st.just(UTC)
)
business = st.builds(
    Duration,
    st.integers(1, 60 * 80),
    st.just("business_minutes"),
)


def _is_inside_or_closing(cal: BusinessCalendar, t: datetime) -> bool:
    """Inside a working span, or exactly at its closing (24:00 closes on the next date)."""
    d = t.astimezone(cal.tz).date()
    spans = cal.spans_on(d) + cal.spans_on(d - timedelta(days=1))
    return any(o <= t <= c for o, c in spans)


def _within_working_day(cal: BusinessCalendar, t: datetime) -> bool:
    """Between a working day's first opening and last closing."""
    d = t.astimezone(cal.tz).date()
    return any(
        spans[0][0] <= t <= spans[-1][1]
        for spans in (cal.spans_on(d), cal.spans_on(d - timedelta(days=1)))
        if spans
    )


@settings(max_examples=300, deadline=None)
@given(calendars(), instants, business)
def test_add_agrees_with_the_reference_walk(cals, start, d) -> None:  # type: ignore[no-untyped-def]
    cal, ref = cals
    got = cal.add(start, d)
    assert got == ref.add_business(start, timedelta(minutes=d.amount))
    assert got.tzinfo is not None and got.utcoffset() == got.astimezone(cal.tz).utcoffset()


@settings(max_examples=300, deadline=None)
@given(calendars(), instants, business)
def test_deadline_is_never_in_closed_time(cals, start, d) -> None:  # type: ignore[no-untyped-def]
    cal, _ = cals
    got = cal.add(start, d)
    assert _is_inside_or_closing(cal, got)


@settings(max_examples=300, deadline=None)
@given(calendars(), instants, business)
def test_elapsed_inverts_add(cals, start, d) -> None:  # type: ignore[no-untyped-def]
    cal, _ = cals
    assert cal.elapsed(start, cal.add(start, d)) == timedelta(minutes=d.amount)


@settings(max_examples=300, deadline=None)
@given(calendars(), instants, instants)
def test_elapsed_agrees_with_the_reference_walk(cals, a, b) -> None:  # type: ignore[no-untyped-def]
    cal, ref = cals
    assert cal.elapsed(a, b) == ref.elapsed(a, b)


@settings(max_examples=300, deadline=None)
@given(calendars(), instants, st.timedeltas(timedelta(0), timedelta(days=9)), business)
def test_add_is_monotonic_in_its_start(cals, start, later, d) -> None:  # type: ignore[no-untyped-def]
    cal, _ = cals
    assert cal.add(start, d) <= cal.add(start + later, d)


@settings(max_examples=300, deadline=None)
@given(calendars(), instants, st.integers(1, 15))
def test_business_days_agree_with_the_reference_walk(cals, start, n) -> None:  # type: ignore[no-untyped-def]
    cal, ref = cals
    got = cal.add(start, Duration(n, "business_days"))
    assert got == ref.add_business_days(start, n)
    # the same local time of day, so it may fall in a break between two spans
    assert _within_working_day(cal, got)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(ZONES), instants, st.integers(1, 400), st.sampled_from(["days", "weeks"]))
def test_calendar_days_keep_the_wall_clock(zone, start, n, unit) -> None:  # type: ignore[no-untyped-def]
    cal = BusinessCalendar(zone, {0: SPANS[0]})
    got = cal.add(start, Duration(n, unit))
    local = start.astimezone(cal.tz)
    days = n * (7 if unit == "weeks" else 1)
    assert got.date() == local.date() + timedelta(days=days)
    wall = got.replace(tzinfo=None).time()
    if wall != local.replace(tzinfo=None).time():
        # only where the wall time does not exist on the target day (a spring-forward gap)
        back = got.replace(tzinfo=None) - (got.utcoffset() - (got - timedelta(hours=3)).utcoffset())
        assert back.time() == local.time().replace(tzinfo=None)


@settings(max_examples=200, deadline=None)
@given(calendars(), instants)
def test_next_opening_agrees_with_the_reference_walk(cals, t) -> None:  # type: ignore[no-untyped-def]
    cal, ref = cals
    got = cal.next_opening(t)
    assert got == ref.next_opening(t)
    assert got >= t
    assert cal.elapsed(t, got) == timedelta()
