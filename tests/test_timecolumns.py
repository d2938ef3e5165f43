"""``TimeColumn.read`` against its naive reference, ``parse_instant`` cell by cell: the
same instants for every form, alone in a column or mixed, across the clock changes."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slactl.timecolumns import TimeColumn, Undecided, why_not
from slactl.timeparse import parse_instant

NY = ZoneInfo("America/New_York")
FORMS = (
    lambda t: t.strftime("%Y-%m-%dT%H:%M:%S") + "-04:00",
    lambda t: t.strftime("%Y-%m-%dT%H:%MZ"),
    lambda t: t.strftime("%Y-%m-%d %H:%M"),
    lambda t: f"{t.month}/{t.day}/{t.year} {(t.hour - 1) % 12 + 1}:{t:%M} {t:%p}",
)
# wall times around 2024's clock changes in New York (the hour skipped and the hour twice)
walls = st.datetimes(datetime(2024, 3, 9), datetime(2024, 11, 4)).map(
    lambda t: t.replace(second=0, microsecond=0)
) | st.sampled_from([datetime(2024, 3, 10, 2, 30), datetime(2024, 11, 3, 1, 30)])


def expected(cells: list[str]) -> list[datetime | None]:
    return [parse_instant(c, NY).astimezone(UTC).replace(tzinfo=None) if c else None for c in cells]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(walls, st.sampled_from(FORMS)), min_size=1, max_size=30), st.booleans())
def test_a_column_reads_each_cell_as_parse_instant_does(cells, one_form) -> None:  # type: ignore[no-untyped-def]
    form = cells[0][1]
    texts = [(form if one_form else f)(t) for t, f in cells] + [""]
    got = TimeColumn(NY, "mdy").read(pa.array(texts, pa.string())).to_pylist()
    assert got == expected(texts)


def test_cells_that_are_no_time_are_null_and_say_why() -> None:
    texts = ["2024-05-03T14:22Z", "soon", "9999-12-31T23:59:59-14:00", "2024-05-03T14:22+05:75"]
    got = TimeColumn(NY).read(pa.array(texts, pa.string())).to_pylist()
    # (+05:75 is no offset a cast reads; parse_instant reads it as 6 h 15 min)
    assert got == [datetime(2024, 5, 3, 14, 22), None, None, datetime(2024, 5, 3, 8, 7)]
    assert why_not("soon") == (
        "cannot read time 'soon': use ISO 8601 such as 2024-05-03T14:22 or 2024-05-03T14:22-04:00"
    )


@pytest.mark.parametrize(
    ("tz", "order", "texts", "row", "says"),
    [
        (None, None, ["2024-05-03T14:22Z", "2024-05-03 14:22"], 1, "has no UTC offset"),
        (NY, None, ["03/05/2024 14:22", "04/06/2024 09:00"], 0, "pass --date-order dmy"),
    ],
)
def test_what_the_file_cannot_settle_stops_at_its_row(tz, order, texts, row, says) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Undecided) as caught:
        TimeColumn(tz, order).read(pa.array(texts, pa.string()))
    assert caught.value.args[0] == row
    assert says in caught.value.args[1]


def test_a_day_above_twelve_settles_the_order() -> None:
    column = TimeColumn(NY)
    got = column.read(pa.array(["03/05/2024 14:22", "25/05/2024 09:00"], pa.string()))
    assert column.date_order == "dmy"
    assert got.to_pylist() == [datetime(2024, 5, 3, 18, 22), datetime(2024, 5, 25, 13, 0)]
