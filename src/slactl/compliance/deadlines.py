"""Deadlines of many leads at once: ``start + duration`` for a whole period's cohort.

A month's report computes ~50,000 first-touch and ~50,000 disposition deadlines. One
``calendar.add`` each costs 3 µs for business hours and ~15 µs for business days; here
the hours go through the clock's numpy batch path (``add_business_many``) and the days
through the same rule (SPEC 3.2: the same local time on the N-th working day after the
start, moved to the next opening first, kept inside that day's working hours) on arrays.
Days on which the UTC offset changes (daylight saving) are left to ``calendar.add``, so
the result is always exactly ``calendar.add``'s; ``tests/test_compliance_deadlines.py``
checks that against random starts.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from slactl.clock import BusinessCalendar, Duration, to_micros

_DAY_US = 86_400_000_000
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _instant(us: int) -> datetime:
    """UTC microseconds as an aware instant, in UTC: converting each of 100,000 deadlines
    to the calendar's zone would cost more than computing them, and instants compare
    alike in any zone (renderers show them in the calendar's)."""
    return _EPOCH + timedelta(microseconds=us)


def add_many(cal: BusinessCalendar, starts: Sequence[datetime], d: Duration) -> list[datetime]:
    """``[cal.add(s, d) for s in starts]``, computed in bulk where the unit allows."""
    if not starts:
        return []
    if d.unit in ("business_minutes", "business_hours"):
        return [_instant(us) for us in cal.add_business_many(map(to_micros, starts), d)]
    if d.unit == "business_days":
        return _business_days(cal, starts, int(d.amount))
    return [cal.add(s, d) for s in starts]


def _business_days(cal: BusinessCalendar, starts: Sequence[datetime], n: int) -> list[datetime]:
    import numpy as np

    us = np.fromiter(map(to_micros, starts), dtype=np.int64, count=len(starts))
    out, unsure = _business_days_us(cal, us, n)
    result = [_instant(int(x)) for x in out]
    for j in np.flatnonzero(unsure):
        result[int(j)] = cal.add(starts[int(j)], Duration(n, "business_days"))
    return result


def add_us(cal: BusinessCalendar, us: Any, d: Duration) -> Any:
    """``cal.add`` for a numpy array of instants in UTC microseconds (int64), returning
    the same: the clock's batch path for business minutes and hours, a ``DayTable`` for
    business days (with ``cal.add`` on the days whose UTC offset changes), ``cal.add``
    one by one for the other units. Exactly ``cal.add``'s instants."""
    import numpy as np

    if len(us) == 0:
        return np.zeros(0, dtype=np.int64)
    if d.unit in ("business_minutes", "business_hours"):
        return cal.add_business_array(us, d)
    if d.unit == "business_days":
        n = int(d.amount)
        out, unsure = _business_days_us(cal, us, n)
        for j in np.flatnonzero(unsure):
            out[j] = to_micros(cal.add(_instant(int(us[j])), d))
        return out
    return np.fromiter(
        (to_micros(cal.add(_instant(x), d)) for x in us.tolist()), dtype=np.int64, count=len(us)
    )


def _business_days_us(cal: BusinessCalendar, us: Any, n: int) -> tuple[Any, Any]:
    """``start + n business days`` by the table, and which of them the table cannot
    vouch for (a daylight-saving day at either end: ask the calendar)."""
    import numpy as np

    tz = cal.tz
    first = _instant(int(us.min())).astimezone(tz).date() - timedelta(days=1)
    last = _instant(int(us.max())).astimezone(tz).date()
    table = DayTable(cal, first, last, n)
    a = table.arrays()
    # the next opening (a start inside working time stays where it is)
    i = np.searchsorted(a["span_close"], us, side="right")
    snapped = np.maximum(us, a["span_open"][i])
    k = a["span_day"][i]
    k2 = k + n
    off, off2 = a["day_offset"][k], a["day_offset"][k2]
    tod = snapped + off - a["day_midnight"][k]  # local time of day of the snapped start
    wall = a["day_midnight"][k2] + tod - off2
    out = np.minimum(np.maximum(wall, a["day_open"][k2]), a["day_close"][k2])
    return out, a["day_shifts"][k] | a["day_shifts"][k2]


class DayTable:
    """Working days from ``first`` until ``n`` working days past ``last``: their spans,
    midnights and UTC offsets, as lists (and numpy arrays for the bulk path)."""

    def __init__(self, cal: BusinessCalendar, first: date, last: date, n: int) -> None:
        tz = cal.tz
        self.cal = cal
        self.span_open: list[int] = []
        self.span_close: list[int] = []
        self.span_day: list[int] = []
        self.day_midnight: list[int] = []  # local midnight as naive microseconds
        self.day_offset: list[int] = []  # UTC offset in microseconds
        self.day_shifts: list[bool] = []  # the offset changes during the day
        self.day_open: list[int] = []
        self.day_close: list[int] = []
        d, after = first, 0
        while after <= n + 1:
            spans = cal.spans_on(d)
            if spans:
                k = len(self.day_midnight)
                m0 = datetime.combine(d, time(), tzinfo=tz).utcoffset()
                m1 = datetime.combine(d + timedelta(days=1), time(), tzinfo=tz).utcoffset()
                assert m0 is not None and m1 is not None
                self.day_midnight.append((d.toordinal() - _EPOCH_ORDINAL) * _DAY_US)
                self.day_offset.append(int(m0 / timedelta(microseconds=1)))
                self.day_shifts.append(m0 != m1)
                self.day_open.append(to_micros(spans[0][0]))
                self.day_close.append(to_micros(spans[-1][1]))
                for a, b in spans:
                    if b > a:  # a span swallowed by a DST gap opens nothing
                        self.span_open.append(to_micros(a))
                        self.span_close.append(to_micros(b))
                        self.span_day.append(k)
                if d > last:
                    after += 1
            d += timedelta(days=1)
        self.first_us = to_micros(datetime.combine(first, time(), tzinfo=tz))
        self.last_us = to_micros(datetime.combine(last + timedelta(days=1), time(), tzinfo=tz))

    def arrays(self) -> dict[str, Any]:
        import numpy as np

        return {
            name: np.asarray(getattr(self, name), dtype=bool if name == "day_shifts" else np.int64)
            for name in (
                "span_open",
                "span_close",
                "span_day",
                "day_midnight",
                "day_offset",
                "day_shifts",
                "day_open",
                "day_close",
            )
        }

    def add_days(self, start: datetime, n: int) -> datetime | None:
        """``start + n business days`` for a start inside the table's dates; None when the
        table cannot say (out of range, a daylight-saving day): ask the calendar."""
        us = to_micros(start)
        if not self.first_us <= us < self.last_us:
            return None
        i = bisect_right(self.span_close, us)
        if i >= len(self.span_close):
            return None
        k = self.span_day[i]
        k2 = k + n
        if k2 >= len(self.day_midnight) or self.day_shifts[k] or self.day_shifts[k2]:
            return None
        snapped = max(us, self.span_open[i])
        tod = snapped + self.day_offset[k] - self.day_midnight[k]
        wall = self.day_midnight[k2] + tod - self.day_offset[k2]
        return _instant(min(max(wall, self.day_open[k2]), self.day_close[k2]))


class PeriodCalendar:
    """A calendar for evaluating one period: ``add`` of N business days from an instant of
    the period answers from a ``DayTable`` (~2 µs instead of ~15 µs); everything else, and
    whatever the table cannot say, is the calendar's own."""

    def __init__(self, cal: BusinessCalendar, first: date, last: date, n: int) -> None:
        self._cal = cal
        self._table = DayTable(cal, first, last, n)
        self._n = n
        self.tz = cal.tz

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cal, name)

    def add(self, start: datetime, d: Duration) -> datetime:
        if d.unit == "business_days" and d.amount <= self._n:
            got = self._table.add_days(start, int(d.amount))
            if got is not None:
                return got
        return self._cal.add(start, d)


# -- pauses (SPEC 7.3) -------------------------------------------------------------------

Interval = tuple[datetime, "datetime | None"]  # [start, end); end None: open, no end known


def merge_pauses(start: datetime, pauses: Sequence[Interval]) -> list[Interval]:
    """The pauses from ``start`` on, cut at ``start``, sorted, overlapping ones joined
    (they count once)."""
    cut: list[Interval] = []
    for a, b in sorted(pauses, key=lambda p: p[0]):
        if b is not None and b <= start:
            continue
        a = max(a, start)
        if b is not None and b <= a:
            continue
        if cut:
            pa, pb = cut[-1]
            if pb is None or a <= pb:
                cut[-1] = (pa, None if pb is None or b is None else max(pb, b))
                continue
        cut.append((a, b))
    return cut


def paused_deadline(
    cal: BusinessCalendar,
    start: datetime,
    deadline: datetime,
    pauses: Sequence[Interval],
    *,
    business: bool,
) -> datetime | None:
    """The deadline without pauses, moved later by the paused time (SPEC 7.3): the
    earliest instant, not before ``deadline``, at which the unpaused time since ``start``
    (business time when ``business``, else elapsed time) equals the time from ``start`` to
    ``deadline``. None when a pause with no end known holds it open."""
    if not pauses:
        return deadline

    def between(a: datetime, b: datetime) -> int:
        if business:
            return int(cal.elapsed(a, b) / timedelta(microseconds=1))
        return int((b - a) / timedelta(microseconds=1))

    def advance(t: datetime, us: int) -> datetime:
        if business:
            return cal._from_us(cal._add_business_us(to_micros(t), us))
        return t + timedelta(microseconds=us)

    rest = between(start, deadline)
    cursor = start
    for a, b in merge_pauses(start, pauses):
        gained = between(cursor, a)
        if gained >= rest:
            break
        rest -= gained
        if b is None:
            return None
        cursor = max(cursor, b)
    moved = advance(cursor, rest) if rest > 0 else cursor
    return max(moved, deadline)
