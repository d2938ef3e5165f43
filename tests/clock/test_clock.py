"""The business clock, by hand: SPEC 3.2 with the calendars people actually write."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest

from slactl.clock import (
    BusinessCalendar,
    CalendarError,
    Duration,
    DurationError,
    parse_duration,
    parse_hours,
)

NY = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
NINE_TO_FIVE = parse_hours("09:00-17:00")


def us_ny(year: int) -> set[date]:
    return set(holidays.country_holidays("US", subdiv="NY", years=year)) | {date(2024, 12, 24)}


def de_be(year: int) -> set[date]:
    return set(holidays.country_holidays("DE", subdiv="BE", years=year))


WEEKDAYS = dict.fromkeys(range(5), NINE_TO_FIVE)
ACME = BusinessCalendar("America/New_York", WEEKDAYS, us_ny)
ACME_SAT = BusinessCalendar("America/New_York", {**WEEKDAYS, 5: parse_hours("10:00-14:00")}, us_ny)
LUNCH = BusinessCalendar(
    "America/New_York", {wd: parse_hours("08:30-12:00, 13:00-17:30") for wd in range(5)}, us_ny
)
BERLIN_CAL = BusinessCalendar("Europe/Berlin", WEEKDAYS, de_be)
ALWAYS = BusinessCalendar("America/New_York", dict.fromkeys(range(7), ((0, 1440),)))


def ny(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=NY)


def add(cal: BusinessCalendar, start: str, duration: str) -> str:
    tz = cal.tz
    got = cal.add(datetime.fromisoformat(start).replace(tzinfo=tz), parse_duration(duration))
    assert got.tzinfo is not None
    return got.isoformat()


@pytest.mark.parametrize(
    ("cal", "start", "duration", "deadline"),
    [
        # Friday afternoon into Monday: 30 minutes Friday, 3 h 30 Monday
        (ACME, "2024-05-03T16:30", "4 business hours", "2024-05-06T12:30:00-04:00"),
        # a lead arriving on Saturday starts its clock Monday 09:00
        (ACME, "2024-05-04T10:00", "4 business hours", "2024-05-06T13:00:00-04:00"),
        # Memorial Day (Mon 27 May 2024) is closed
        (ACME, "2024-05-24T15:00", "4 business hours", "2024-05-28T11:00:00-04:00"),
        (ACME, "2024-05-24T15:00", "1 business day", "2024-05-28T15:00:00-04:00"),
        # before opening, after closing
        (ACME, "2024-05-07T07:00", "1 business hour", "2024-05-07T10:00:00-04:00"),
        (ACME, "2024-05-07T18:00", "1 business hour", "2024-05-08T10:00:00-04:00"),
        # exactly at closing time is the deadline, not the next morning
        (ACME, "2024-05-07T13:00", "4 business hours", "2024-05-07T17:00:00-04:00"),
        (ACME, "2024-05-07T13:00", "240 business minutes", "2024-05-07T17:00:00-04:00"),
        (ACME, "2024-05-07T13:00", "1.5 business hours", "2024-05-07T14:30:00-04:00"),
        # the company's own day off (24 Dec) and Christmas
        (ACME, "2024-12-23T16:00", "2 business hours", "2024-12-26T10:00:00-05:00"),
        # a lunch break is not working time
        (LUNCH, "2024-05-06T11:30", "1 business hour", "2024-05-06T13:30:00-04:00"),
        (LUNCH, "2024-05-06T12:15", "1 business hour", "2024-05-06T14:00:00-04:00"),
        # a short Saturday
        (ACME_SAT, "2024-05-03T16:00", "2 business hours", "2024-05-04T11:00:00-04:00"),
        (ACME_SAT, "2024-05-04T13:30", "1 business hour", "2024-05-06T09:30:00-04:00"),
        # N business days landing on a shorter day is clamped to its closing
        (ACME_SAT, "2024-05-02T16:00", "2 business days", "2024-05-04T14:00:00-04:00"),
        # ... and before its opening moves to the opening
        (ACME_SAT, "2024-05-02T09:00", "2 business days", "2024-05-04T10:00:00-04:00"),
        (ACME, "2024-05-06T09:00", "10 business days", "2024-05-20T09:00:00-04:00"),
        # DST, New York, March: the weekend loses an hour, business time does not
        (ACME, "2024-03-08T16:00", "2 business hours", "2024-03-11T10:00:00-04:00"),
        (ACME, "2024-03-08T16:00", "1 business day", "2024-03-11T16:00:00-04:00"),
        # DST, New York, November
        (ACME, "2024-11-01T16:00", "2 business hours", "2024-11-04T10:00:00-05:00"),
        # Berlin: Good Friday and Easter Monday closed, clocks change 31 March
        (BERLIN_CAL, "2024-03-28T16:00", "2 business hours", "2024-04-02T10:00:00+02:00"),
        (BERLIN_CAL, "2024-10-25T16:00", "2 business hours", "2024-10-28T10:00:00+01:00"),
        # calendar days keep the wall-clock time across a DST change
        (ACME, "2024-03-09T13:00", "1 day", "2024-03-10T13:00:00-04:00"),
        (ACME, "2024-11-02T13:00", "1 day", "2024-11-03T13:00:00-05:00"),
        (ACME, "2024-03-05T13:00", "1 week", "2024-03-12T13:00:00-04:00"),
        # calendar hours are elapsed time
        (ACME, "2024-03-09T13:00", "24 hours", "2024-03-10T14:00:00-04:00"),
        (ACME, "2024-11-02T13:00", "24 hours", "2024-11-03T12:00:00-05:00"),
        (ACME, "2024-05-04T10:00", "90 minutes", "2024-05-04T11:30:00-04:00"),
        # a round-the-clock calendar across the spring gap and the autumn repeat
        (ALWAYS, "2024-03-10T00:00", "3 business hours", "2024-03-10T04:00:00-04:00"),
        (ALWAYS, "2024-11-03T00:00", "3 business hours", "2024-11-03T02:00:00-05:00"),
    ],
)
def test_deadlines(cal: BusinessCalendar, start: str, duration: str, deadline: str) -> None:
    assert add(cal, start, duration) == deadline


def test_snap_moves_to_the_next_opening() -> None:
    assert ACME.next_opening(ny("2024-05-04T10:00")) == ny("2024-05-06T09:00")
    assert ACME.next_opening(ny("2024-05-06T17:00")) == ny("2024-05-07T09:00")
    assert ACME.next_opening(ny("2024-05-06T16:59")) == ny("2024-05-06T16:59")
    assert LUNCH.next_opening(ny("2024-05-06T12:00")) == ny("2024-05-06T13:00")


def test_is_open() -> None:
    assert ACME.is_open(ny("2024-05-06T09:00"))
    assert not ACME.is_open(ny("2024-05-06T17:00"))
    assert not ACME.is_open(ny("2024-05-27T12:00"))  # Memorial Day
    assert not LUNCH.is_open(ny("2024-05-06T12:30"))


def test_elapsed() -> None:
    assert ACME.elapsed(ny("2024-05-03T16:30"), ny("2024-05-06T12:30")) == timedelta(hours=4)
    assert ACME.elapsed(ny("2024-05-06T12:30"), ny("2024-05-03T16:30")) == timedelta(hours=-4)
    assert ACME.elapsed(ny("2024-05-04T10:00"), ny("2024-05-05T10:00")) == timedelta()
    # 23 real hours in the day the clocks spring forward
    assert ALWAYS.elapsed(ny("2024-03-09T12:00"), ny("2024-03-10T12:00")) == timedelta(hours=23)
    assert ALWAYS.elapsed(ny("2024-11-02T12:00"), ny("2024-11-03T12:00")) == timedelta(hours=25)


def test_microseconds_are_kept() -> None:
    start = ny("2024-05-06T10:00:00.123456")
    got = ACME.add(start, parse_duration("1 business hour"))
    assert got == ny("2024-05-06T11:00:00.123456")
    assert ACME.elapsed(start, got) == timedelta(hours=1)


def test_working_days() -> None:
    assert ACME.working_days(date(2024, 5, 1), date(2024, 5, 31)) == 22  # Memorial Day off
    assert ACME_SAT.working_days(date(2024, 5, 1), date(2024, 5, 31)) == 26
    assert ACME.working_days(date(2024, 5, 31), date(2024, 5, 1)) == 0
    assert ACME.is_working_day(date(2024, 5, 28)) and not ACME.is_working_day(date(2024, 5, 27))


def test_far_dates_extend_the_table() -> None:
    assert add(ACME, "2031-07-03T16:00", "2 business hours") == "2031-07-07T10:00:00-04:00"
    assert add(ACME, "2019-12-31T16:30", "1 business hour") == "2020-01-02T09:30:00-05:00"


def test_spans_on() -> None:
    assert LUNCH.spans_on(date(2024, 5, 6)) == [
        (ny("2024-05-06T08:30"), ny("2024-05-06T12:00")),
        (ny("2024-05-06T13:00"), ny("2024-05-06T17:30")),
    ]
    assert LUNCH.spans_on(date(2024, 5, 5)) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4 business hours", Duration(4, "business_hours")),
        ("1 business hour", Duration(1, "business_hours")),
        ("30 business minutes", Duration(30, "business_minutes")),
        ("10 business days", Duration(10, "business_days")),
        ("1.5 hours", Duration(1.5, "hours")),
        ("2 weeks", Duration(2, "weeks")),
        ("1 Day", Duration(1, "days")),
        ("  3   business   days ", Duration(3, "business_days")),
    ],
)
def test_parse_duration(text: str, expected: Duration) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "4 bussiness hours",
            "bad duration '4 bussiness hours': write '<n> <unit>' with unit business"
            " minutes|hours|days or minutes|hours|days|weeks, e.g. '4 business hours'",
        ),
        ("0 hours", "bad duration '0 hours': the number must be positive"),
        ("1.5 days", "bad duration '1.5 days': days and weeks take whole numbers"),
        ("hours", None),
        ("-2 hours", None),
    ],
)
def test_parse_duration_rejects(text: str, message: str | None) -> None:
    with pytest.raises(DurationError) as err:
        parse_duration(text)
    if message:
        assert str(err.value) == message


def test_duration_reads_back() -> None:
    assert str(parse_duration("4 business hours")) == "4 business hours"
    assert str(parse_duration("1 business day")) == "1 business day"
    assert str(parse_duration("1.5 hours")) == "1.5 hours"


def test_parse_hours() -> None:
    assert parse_hours("08:30-12:00, 13:00-17:30") == ((510, 720), (780, 1050))
    assert parse_hours("00:00-24:00") == ((0, 1440),)
    with pytest.raises(CalendarError, match="impossible working hours '17:00-09:00'"):
        parse_hours("17:00-09:00")
    with pytest.raises(CalendarError, match="overlap"):
        parse_hours("09:00-13:00, 12:00-17:00")
    with pytest.raises(CalendarError, match="write 'HH:MM-HH:MM'"):
        parse_hours("9am-5pm")
    with pytest.raises(CalendarError, match="not a time of day"):
        parse_hours("09:00-25:00")


def test_unknown_time_zone() -> None:
    with pytest.raises(CalendarError) as err:
        BusinessCalendar("America/Nowhere", WEEKDAYS)
    assert str(err.value) == (
        "unknown time zone 'America/Nowhere': use an IANA name such as America/New_York"
    )


def test_batch_path_agrees() -> None:
    from slactl.clock import from_micros, to_micros

    starts = [ny("2024-05-03T16:30") + timedelta(minutes=37 * i) for i in range(2000)]
    d = parse_duration("4 business hours")
    got = ACME.add_business_many([to_micros(s) for s in starts], d)
    assert [from_micros(u, NY) for u in got] == [ACME.add(s, d) for s in starts]
