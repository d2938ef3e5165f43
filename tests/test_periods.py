"""``Period.is_quarter`` against the periods ``--quarter`` makes."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from slactl.periods import Period, month, quarter

QUARTERS = {
    (p.start, p.end) for y in range(1999, 2031) for q in "1234" for p in [quarter(f"{y}-Q{q}")]
}


@given(
    st.sampled_from(sorted(QUARTERS)),
    st.integers(min_value=-2, max_value=2),
    st.integers(min_value=-2, max_value=2),
)
def test_is_quarter_exactly_for_the_quarters(q: tuple[date, date], a: int, b: int) -> None:
    """Each quarter, and the periods a day or two either side of its edges."""
    start, end = q[0] + timedelta(days=a), q[1] + timedelta(days=b)
    assert Period(start, end, "x").is_quarter == ((start, end) in QUARTERS)


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 12, 31)),
    st.integers(min_value=0, max_value=400),
)
def test_is_quarter_never_for_other_spans(start: date, days: int) -> None:
    end = start + timedelta(days=days)
    assert Period(start, end, "x").is_quarter == ((start, end) in QUARTERS)


def test_the_quarters_and_not_a_month() -> None:
    assert quarter("2024-Q4").is_quarter  # October to December: the year turns after it
    assert Period(date(2024, 1, 1), date(2024, 3, 31), "2024-01-01..2024-03-31").is_quarter
    assert not month("2024-03").is_quarter
    assert not Period(date(2024, 1, 1), date(2024, 3, 30), "x").is_quarter
