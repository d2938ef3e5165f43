from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from slactl.timeparse import TimeParseError, parse_date, parse_instant

NY = ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05-03T14:22:00Z", datetime(2024, 5, 3, 14, 22, tzinfo=UTC)),
        ("2024-05-03T14:22:00+02:00", datetime(2024, 5, 3, 12, 22, tzinfo=UTC)),
        ("2024-05-03T14:22:00.000+0000", datetime(2024, 5, 3, 14, 22, tzinfo=UTC)),
        ("2024-05-03T14:22", datetime(2024, 5, 3, 18, 22, tzinfo=UTC)),
        ("2024-05-03 14:22", datetime(2024, 5, 3, 18, 22, tzinfo=UTC)),
        ("05/03/2024 2:22 PM", datetime(2024, 5, 3, 18, 22, tzinfo=UTC)),
        ("05/03/2024 12:05 AM", datetime(2024, 5, 3, 4, 5, tzinfo=UTC)),
        ("05/03/2024", datetime(2024, 5, 3, 4, 0, tzinfo=UTC)),
        # EST in January: -05:00
        ("2024-01-15T09:00", datetime(2024, 1, 15, 14, 0, tzinfo=UTC)),
    ],
)
def test_parse_instant_forms(text: str, expected: datetime) -> None:
    got = parse_instant(text, NY)
    assert got.tzinfo is not None
    assert got == expected


def test_naive_time_in_the_spring_gap_moves_forward() -> None:
    # 02:30 does not exist on 2024-03-10 in New York; it is read as 03:30 EDT
    got = parse_instant("2024-03-10T02:30", NY)
    assert got == datetime(2024, 3, 10, 7, 30, tzinfo=UTC)
    assert got.utcoffset() is not None


@pytest.mark.parametrize(
    "text", ["", "tomorrow", "2024-13-01", "13/45/2024 1:00 PM", "5/3/2024 13:00 PM"]
)
def test_parse_instant_rejects(text: str) -> None:
    with pytest.raises(TimeParseError):
        parse_instant(text, NY)


def test_parse_instant_message_says_how_to_fix() -> None:
    with pytest.raises(TimeParseError) as err:
        parse_instant("next monday", NY)
    assert str(err.value) == (
        "cannot read time 'next monday': use ISO 8601 such as 2024-05-03T14:22 "
        "or 2024-05-03T14:22-04:00"
    )


def test_parse_date() -> None:
    assert parse_date(" 2024-05-01 ").isoformat() == "2024-05-01"
    with pytest.raises(TimeParseError, match="use YYYY-MM-DD"):
        parse_date("May 1")
