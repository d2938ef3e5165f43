"""The business calendar: snap, add, elapsed (SPEC section 3.2).

The one piece of date arithmetic we write by hand. A calendar is a time zone, working
spans per weekday and a set of closed dates. Internally every working span becomes an
interval of UTC instants in integer microseconds with the business time before it
accumulated, so that ``add`` and ``elapsed`` are two bisections and a subtraction,
exact to the microsecond, and correct across daylight-saving changes because the
intervals are built from local wall-clock times one date at a time.

Intervals are built lazily a year at a time around the instants asked about. A deadline
years ahead does not build the years in between: it skips them a whole year at a time,
counting each year's business time (or working days) without keeping its intervals, so a
long duration costs time in proportion to the years it spans and memory for three years.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "BusinessCalendar",
    "CalendarError",
    "Duration",
    "DurationError",
    "parse_duration",
    "parse_hours",
]

US = 1_000_000  # microseconds per second
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US = timedelta(microseconds=1)
_DAY_US = 86400 * US
# room kept in the interval table before and after any instant asked about
_MARGIN_BEFORE = 30 * _DAY_US
_MARGIN_AFTER = 400 * _DAY_US
# the years a table may cover: one either side of any instant asked about must exist
FIRST_YEAR, LAST_YEAR = 2, 9998
# a deadline years ahead is looked for up to the end of the dates slactl works with
# (timeparse.LAST_DAY), so that an absurd duration costs under a thousand years of counting
LAST_DEADLINE_YEAR = 2999
# beyond this many years past the table, a deadline skips years instead of building them
_SKIP_AFTER_YEARS = 2

# unit word (singular) -> canonical unit
_UNITS = {
    "business minute": "business_minutes",
    "business hour": "business_hours",
    "business day": "business_days",
    "minute": "minutes",
    "hour": "hours",
    "day": "days",
    "week": "weeks",
}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s+((?:business\s+)?[a-z]+?)s?\s*$", re.I)
_WHOLE_ONLY = {"business_days", "days", "weeks"}
_SECONDS = {"business_minutes": 60, "business_hours": 3600, "minutes": 60, "hours": 3600}


class DurationError(ValueError):
    """A duration that does not follow ``<n> <unit>`` (SPEC 3.2)."""


class CalendarError(ValueError):
    """A calendar that cannot be built: unknown time zone, impossible span."""


@dataclass(frozen=True, slots=True)
class Duration:
    """``<n> <unit>``: ``amount`` is positive; ``unit`` is one of
    business_minutes, business_hours, business_days, minutes, hours, days, weeks."""

    amount: float | int
    unit: str
    # length in microseconds, for business minutes/hours and calendar minutes/hours
    micros: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        per = _SECONDS.get(self.unit)
        object.__setattr__(self, "micros", round(self.amount * per * US) if per else 0)

    @property
    def business(self) -> bool:
        return self.unit.startswith("business_")

    def __str__(self) -> str:
        n = self.amount
        n_text = str(int(n)) if float(n).is_integer() else str(n)
        words = self.unit.replace("_", " ")
        if float(n) == 1:
            words = words[:-1]
        return f"{n_text} {words}"


def parse_duration(text: str) -> Duration:
    """Parse ``4 business hours``, ``1 business day``, ``2 weeks``, ``90 minutes``...

    Raises ``DurationError`` with a message saying what is accepted.
    """
    if not isinstance(text, str):
        raise DurationError(
            f"duration {text!r} needs a unit: write it like '4 business hours' or '2 days'"
        )
    m = _DURATION.match(text)
    unit = None
    if m:
        word = " ".join(m.group(2).lower().split())
        unit = _UNITS.get(word)
    if m is None or unit is None:
        raise DurationError(
            f"bad duration {text!r}: write '<n> <unit>' with unit business minutes|hours|days"
            " or minutes|hours|days|weeks, e.g. '4 business hours'"
        )
    raw = m.group(1)
    if len(raw.split(".")[0].lstrip("0")) > 9:
        raise DurationError(f"bad duration {text[:40]!r}: the number is too large")
    amount: float | int = float(raw) if "." in raw else int(raw)
    if amount <= 0:
        raise DurationError(f"bad duration {text!r}: the number must be positive")
    if unit in _WHOLE_ONLY and not float(amount).is_integer():
        raise DurationError(f"bad duration {text!r}: days and weeks take whole numbers")
    if unit in _WHOLE_ONLY:
        amount = int(amount)
    return Duration(amount, unit)


_SPAN = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def parse_hours(text: str) -> tuple[tuple[int, int], ...]:
    """``"08:30-12:00, 13:00-17:30"`` -> ((510, 720), (780, 1050)): minutes from midnight.

    Spans must be increasing and must not overlap; ``24:00`` closes at midnight.
    """
    spans: list[tuple[int, int]] = []
    for part in str(text).split(","):
        m = _SPAN.match(part)
        if not m:
            raise CalendarError(
                f"bad working hours {part.strip()!r}: write 'HH:MM-HH:MM', several separated"
                " by commas, e.g. '08:30-12:00, 13:00-17:30'"
            )
        h1, m1, h2, m2 = (int(g) for g in m.groups())
        if m1 > 59 or m2 > 59 or h1 > 23 or h2 > 24 or (h2 == 24 and m2 != 0):
            raise CalendarError(f"bad working hours {part.strip()!r}: not a time of day")
        a, b = h1 * 60 + m1, h2 * 60 + m2
        if b <= a:
            raise CalendarError(
                f"impossible working hours {part.strip()!r}: a span must close after it opens"
                " (spans cannot cross midnight)"
            )
        if spans and a < spans[-1][1]:
            raise CalendarError(
                f"working hours {text!r} overlap or are out of order: list spans from morning"
                " to evening"
            )
        spans.append((a, b))
    return tuple(spans)


def _to_us(t: datetime) -> int:
    if t.tzinfo is None:
        raise ValueError(f"naive datetime {t!r}: instants must carry a time zone")
    return (t - _EPOCH) // _ONE_US


def _local(d: date, minute: int, tz: tzinfo) -> datetime:
    """The instant of local wall-clock ``minute`` (from midnight) on ``d``.

    A wall time in a spring-forward gap moves forward by the gap (02:30 -> 03:30);
    an ambiguous one takes its first occurrence.
    """
    naive = datetime.combine(d, time()) + timedelta(minutes=minute)
    return _normalise(naive.replace(tzinfo=tz))


def _normalise(t: datetime) -> datetime:
    return t.astimezone(UTC).astimezone(t.tzinfo)


class BusinessCalendar:
    """Working time in one time zone.

    ``hours`` maps weekday (0 = Monday) to spans in minutes from local midnight;
    ``closed_dates(year)`` returns that year's holidays (dates with no working time).
    """

    def __init__(
        self,
        timezone: str,
        hours: Mapping[int, Iterable[tuple[int, int]]],
        closed_dates: Callable[[int], Iterable[date]] = lambda year: (),
    ) -> None:
        try:
            self.tz = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise CalendarError(
                f"unknown time zone {timezone!r}: use an IANA name such as America/New_York"
            ) from None
        self.timezone = timezone
        self.hours: dict[int, tuple[tuple[int, int], ...]] = {
            wd: tuple(sorted(spans)) for wd, spans in hours.items() if spans
        }
        self._closed_dates = closed_dates
        self._closed: dict[int, frozenset[date]] = {}
        # interval table, covering local years [_y0, _y1]
        self._y0 = self._y1 = 0
        self._opens: list[int] = []
        self._closes: list[int] = []
        self._cum: list[int] = []  # business microseconds before interval i
        self._cum_end: list[int] = []  # ... and up to its end
        self._days: list[int] = []  # ordinals of working dates, sorted
        self._day_first: list[int] = []  # index of each working date's first interval
        self._day_count: list[int] = []  # number of intervals on it
        self._year_us: dict[int, int] = {}  # business microseconds in a year, when skipped
        self._year_days: dict[int, int] = {}  # working days in a year, when skipped

    # -- the table ---------------------------------------------------------------

    def closed(self, year: int) -> frozenset[date]:
        got = self._closed.get(year)
        if got is None:
            got = self._closed[year] = frozenset(self._closed_dates(year))
        return got

    def is_working_day(self, d: date) -> bool:
        return d.weekday() in self.hours and d not in self.closed(d.year)

    def _cover(self, year: int) -> None:
        """Make sure the table covers ``year`` and the years either side of it."""
        if not self.hours:
            raise CalendarError("the calendar has no working hours on any day")
        lo, hi = year - 1, year + 1
        if self._opens and self._y0 <= lo and hi <= self._y1:
            return
        if self._opens:
            lo, hi = min(lo, self._y0), max(hi, self._y1)
        self._build(lo, hi)

    def _build(self, y0: int, y1: int) -> None:
        if y0 < FIRST_YEAR or y1 > LAST_YEAR:
            raise CalendarError(
                f"the business calendar covers the years {FIRST_YEAR + 1}-{LAST_YEAR - 1}:"
                " that date is beyond it"
            )
        opens: list[int] = []
        closes: list[int] = []
        days: list[int] = []
        day_first: list[int] = []
        day_count: list[int] = []
        tz = self.tz
        d = date(y0, 1, 1)
        end = date(y1, 12, 31)
        one = timedelta(days=1)
        while d <= end:
            spans = self.hours.get(d.weekday())
            if spans and d not in self.closed(d.year):
                days.append(d.toordinal())
                day_first.append(len(opens))
                day_count.append(len(spans))
                for a, b in spans:
                    o = _to_us(_local(d, a, tz))
                    c = _to_us(_local(d, b, tz))
                    if c > o:
                        opens.append(o)
                        closes.append(c)
                    else:  # a span swallowed by a DST gap keeps its place, zero length
                        opens.append(o)
                        closes.append(o)
            d += one
        cum: list[int] = []
        cum_end: list[int] = []
        total = 0
        for o, c in zip(opens, closes, strict=True):
            cum.append(total)
            total += c - o
            cum_end.append(total)
        if not opens:
            raise CalendarError(f"the calendar has no working time in {y0}-{y1}")
        self._y0, self._y1 = y0, y1
        self._opens, self._closes, self._cum, self._cum_end = opens, closes, cum, cum_end
        self._days, self._day_first, self._day_count = days, day_first, day_count

    def _cover_us(self, us: int) -> None:
        if (
            self._opens
            and self._opens[0] + _MARGIN_BEFORE <= us <= self._closes[-1] - _MARGIN_AFTER
        ):
            return
        year = (_EPOCH + timedelta(microseconds=us)).year
        self._cover(year)
        # instants near the table's edges: make sure there is room after them
        while self._closes[-1] - us < _MARGIN_AFTER:
            self._build(self._y0, self._y1 + 2)
        while us - self._opens[0] < _MARGIN_BEFORE:
            self._build(self._y0 - 2, self._y1)

    def _from_us(self, us: int) -> datetime:
        seconds, micro = divmod(us, US)
        t = datetime.fromtimestamp(seconds, self.tz)
        return t.replace(microsecond=micro) if micro else t

    def _pos(self, us: int) -> int:
        """Business microseconds from the table's start to ``us``."""
        i = bisect_right(self._closes, us)
        if i < len(self._opens) and us > self._opens[i]:
            return self._cum[i] + us - self._opens[i]
        return self._cum[i] if i < len(self._cum) else self._cum_end[-1]

    def _at_pos(self, pos: int) -> int:
        """The earliest instant at which ``pos`` business microseconds have passed."""
        j = bisect_left(self._cum_end, pos)
        if j >= len(self._cum_end):
            raise CalendarError("date out of the calendar's range")
        if pos <= self._cum[j]:  # exactly at an interval's start -> the previous closing
            if j > 0 and self._cum_end[j - 1] == pos:
                return self._closes[j - 1]
            return self._opens[j]
        return self._opens[j] + pos - self._cum[j]

    # -- the operations -----------------------------------------------------------

    def is_open(self, t: datetime) -> bool:
        """Whether ``t`` is inside a working span (spans are [open, close))."""
        us = _to_us(t)
        self._cover_us(us)
        i = bisect_right(self._closes, us)
        return i < len(self._opens) and self._opens[i] <= us

    def next_opening(self, t: datetime) -> datetime:
        """``t`` itself when it is working time, else the next opening (SPEC 3.2 snap)."""
        us = _to_us(t)
        self._cover_us(us)
        i = bisect_right(self._closes, us)
        while self._opens[i] == self._closes[i]:
            i += 1
        if self._opens[i] <= us:
            return t.astimezone(self.tz)
        return self._from_us(self._opens[i])

    def add(self, start: datetime, duration: Duration) -> datetime:
        """The deadline ``duration`` after ``start`` (SPEC 3.2), in the calendar's zone.

        Raises ``CalendarError`` when it would fall outside the years datetimes hold."""
        try:
            return self._add(start, duration)
        except OverflowError:
            raise CalendarError(
                "the deadline falls after the year 9999: give a shorter duration"
            ) from None

    def _add(self, start: datetime, duration: Duration) -> datetime:
        unit = duration.unit
        if unit in ("business_minutes", "business_hours"):
            return self._from_us(self._add_business_us(_to_us(start), duration.micros))
        if unit == "business_days":
            return self._add_business_days(start, int(duration.amount))
        if unit in ("minutes", "hours"):
            return (start.astimezone(UTC) + timedelta(microseconds=duration.micros)).astimezone(
                self.tz
            )
        days = int(duration.amount) * (7 if unit == "weeks" else 1)
        local = start.astimezone(self.tz)
        wall = local.replace(tzinfo=None) + timedelta(days=days)
        return _normalise(wall.replace(tzinfo=self.tz, fold=0))

    def _add_business_us(self, us: int, amount: int) -> int:
        self._cover_us(us)
        target = self._pos(us) + amount
        rest = target - self._cum_end[-1]
        if rest > 0:  # past the table: in which year after it does the deadline fall?
            # 53 weeks of the longest hours, a daylight-saving hour more on each day
            week = sum(b - a + 60 for spans in self.hours.values() for a, b in spans)
            year, rest = self._skip_years(rest, self._business_us_in, 53 * week * 60 * US)
            if year - self._y1 > _SKIP_AFTER_YEARS:
                self._build(year - 1, year + 1)
                first = self._day_first[bisect_left(self._days, date(year, 1, 1).toordinal())]
                target = self._cum[first] + rest
        while target > self._cum_end[-1] - _MARGIN_BEFORE:
            self._build(self._y0, self._y1 + 2)
        return self._at_pos(target)

    def _skip_years(self, rest: int, in_year: Callable[[int], int], most: int) -> tuple[int, int]:
        """The year after the table in which ``rest`` more business time (or working
        days, as ``in_year`` counts; a year holds at most ``most``) runs out, and what is
        left of ``rest`` within it."""
        year = self._y1 + 1
        too_far = CalendarError(
            f"the deadline falls after the year {LAST_DEADLINE_YEAR}: give a shorter duration"
        )
        if rest > (LAST_DEADLINE_YEAR + 1 - year) * most:  # out of range for sure: at once
            raise too_far
        while rest > in_year(year):
            rest -= in_year(year)
            year += 1
            if year > LAST_DEADLINE_YEAR:
                raise too_far
        return year, rest

    def _business_us_in(self, year: int) -> int:
        """Business microseconds in local ``year``, as ``_build`` would sum them."""
        got = self._year_us.get(year)
        if got is None:
            tz = self.tz
            closed = self.closed(year)
            total = 0
            d = date(year, 1, 1)
            one = timedelta(days=1)
            offset = datetime.combine(d, time(), tzinfo=tz).utcoffset()
            while d.year == year:
                following = datetime.combine(d + one, time(), tzinfo=tz).utcoffset()
                spans = self.hours.get(d.weekday())
                if spans and d not in closed:
                    if offset == following:  # no change of offset: wall time is real time
                        total += sum(b - a for a, b in spans) * 60 * US
                    else:
                        for a, b in spans:
                            o = _to_us(_local(d, a, tz))
                            total += max(_to_us(_local(d, b, tz)) - o, 0)
                offset = following
                d += one
            got = self._year_us[year] = total
        return got

    def _working_days_in(self, year: int) -> int:
        got = self._year_days.get(year)
        if got is None:
            closed = self.closed(year)
            d, one, got = date(year, 1, 1), timedelta(days=1), 0
            while d.year == year:
                got += d.weekday() in self.hours and d not in closed
                d += one
            self._year_days[year] = got
        return got

    def _add_business_days(self, start: datetime, n: int) -> datetime:
        s = self.next_opening(start)
        d = s.date()
        tod_naive = s.replace(tzinfo=None) - datetime.combine(d, time())
        k = bisect_left(self._days, d.toordinal())
        rest = k + n - (len(self._days) - 1)  # working days past the table's last one
        if rest > 0:
            year, rest = self._skip_years(rest, self._working_days_in, 53 * len(self.hours))
            if year - self._y1 > _SKIP_AFTER_YEARS:
                self._build(year - 1, year + 1)
                k = bisect_left(self._days, date(year, 1, 1).toordinal()) + rest - 1 - n
        while k + n >= len(self._days):
            self._build(self._y0, self._y1 + 2)
            k = bisect_left(self._days, d.toordinal())
        k += n
        day = date.fromordinal(self._days[k])
        first = self._day_first[k]
        last = first + self._day_count[k] - 1
        wall = (datetime.combine(day, time()) + tod_naive).replace(tzinfo=self.tz)
        us = _to_us(_normalise(wall))
        us = min(max(us, self._opens[first]), self._closes[last])
        return self._from_us(us)

    def elapsed(self, a: datetime, b: datetime) -> timedelta:
        """Business time between ``a`` and ``b`` (negative when ``b`` is before ``a``)."""
        ua, ub = _to_us(a), _to_us(b)
        self._cover_us(min(ua, ub))
        self._cover_us(max(ua, ub))
        return timedelta(microseconds=self._pos(ub) - self._pos(ua))

    def working_days(self, first: date, last: date) -> int:
        """How many working days there are from ``first`` to ``last``, both included."""
        if last < first:
            return 0
        self._cover(first.year)
        self._cover(last.year)
        return bisect_right(self._days, last.toordinal()) - bisect_left(
            self._days, first.toordinal()
        )

    def spans_on(self, d: date) -> list[tuple[datetime, datetime]]:
        """The working spans of local date ``d`` as (open, close) instants."""
        self._cover(d.year)
        k = bisect_left(self._days, d.toordinal())
        if k >= len(self._days) or self._days[k] != d.toordinal():
            return []
        first = self._day_first[k]
        return [
            (self._from_us(self._opens[i]), self._from_us(self._closes[i]))
            for i in range(first, first + self._day_count[k])
        ]

    # -- batch path ---------------------------------------------------------------

    def add_business_array(self, starts_us: Any, duration: Duration) -> Any:
        """``add`` for a numpy array of starts in UTC microseconds; returns the same.

        Vectorised: two ``searchsorted`` over the whole batch, no Python per element.
        """
        import numpy as np

        if duration.unit not in ("business_minutes", "business_hours"):
            raise ValueError("add_business_array takes business minutes or hours")
        arr = np.asarray(starts_us, dtype=np.int64)
        if arr.size == 0:
            return arr.copy()
        self._cover_us(int(arr.min()))
        self._cover_us(int(arr.max()))
        opens, closes, cum, cum_end = self._arrays()
        target = self._pos_array(arr) + duration.micros
        if int(target.max()) > int(cum_end[-1]) - _MARGIN_BEFORE:
            self._build(self._y0, self._y1 + 2)
            return self.add_business_array(arr, duration)
        j = np.searchsorted(cum_end, target, side="left")
        res = opens[j] + target - cum[j]
        # exactly at an interval's start: the previous interval's closing
        prev = np.maximum(j - 1, 0)
        at_start = (target <= cum[j]) & (j > 0) & (cum_end[prev] == target)
        return np.where(at_start, closes[prev], res)

    def elapsed_array(self, a_us: Any, b_us: Any) -> Any:
        """``elapsed`` for numpy arrays of UTC microseconds; returns microseconds."""
        import numpy as np

        a = np.asarray(a_us, dtype=np.int64)
        b = np.asarray(b_us, dtype=np.int64)
        if a.size == 0:
            return a.copy()
        self._cover_us(int(min(a.min(), b.min())))
        self._cover_us(int(max(a.max(), b.max())))
        return self._pos_array(b) - self._pos_array(a)

    def _arrays(self) -> tuple[Any, Any, Any, Any]:
        import numpy as np

        key = len(self._opens), self._y0, self._y1
        if getattr(self, "_np_key", None) != key:
            self._np = (
                np.asarray(self._opens, dtype=np.int64),
                np.asarray(self._closes, dtype=np.int64),
                np.asarray(self._cum, dtype=np.int64),
                np.asarray(self._cum_end, dtype=np.int64),
            )
            self._np_key = key
        return self._np

    def _pos_array(self, arr: Any) -> Any:
        import numpy as np

        opens, closes, cum, _ = self._arrays()
        i = np.searchsorted(closes, arr, side="right")
        return np.where(arr > opens[i], cum[i] + arr - opens[i], cum[i])

    def add_business_many(self, starts_us: Iterable[int], duration: Duration) -> list[int]:
        """``add_business_array`` for a plain iterable of UTC microseconds."""
        import numpy as np

        arr = np.fromiter(starts_us, dtype=np.int64)
        return [int(x) for x in self.add_business_array(arr, duration)]


def to_micros(t: datetime) -> int:
    """An aware instant as UTC microseconds since the epoch (for ``add_business_many``)."""
    return _to_us(t)


def from_micros(us: int, tz: tzinfo = UTC) -> datetime:
    return (_EPOCH + timedelta(microseconds=us)).astimezone(tz)
