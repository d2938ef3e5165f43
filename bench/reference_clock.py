"""A straightforward business clock: walk day by day, span by span.

The reference that ``slactl.clock`` is measured against (bench/bench_clock.py) and checked
against (tests/clock/test_properties.py). It shares nothing with ``slactl.clock`` but the
inputs: the weekday spans and the closed dates.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta, tzinfo


class ReferenceClock:
    def __init__(
        self,
        tz: tzinfo,
        hours: Mapping[int, Iterable[tuple[int, int]]],
        closed_dates: Callable[[int], Iterable[date]],
    ) -> None:
        self.tz = tz
        self.hours = {wd: sorted(spans) for wd, spans in hours.items()}
        self._closed_dates = closed_dates
        self._closed: dict[int, set[date]] = {}

    def _is_closed(self, d: date) -> bool:
        if d.year not in self._closed:
            self._closed[d.year] = set(self._closed_dates(d.year))
        return d in self._closed[d.year]

    def _wall(self, d: date, minute: int) -> datetime:
        naive = datetime.combine(d, time()) + timedelta(minutes=minute)
        # a wall time in a spring-forward gap is read as if the clock had not jumped
        return naive.replace(tzinfo=self.tz).astimezone(UTC)

    def spans(self, d: date) -> list[tuple[datetime, datetime]]:
        if self._is_closed(d):
            return []
        return [(self._wall(d, a), self._wall(d, b)) for a, b in self.hours.get(d.weekday(), [])]

    def add_business(self, start: datetime, amount: timedelta) -> datetime:
        t = start.astimezone(UTC)
        remaining = amount
        d = start.astimezone(self.tz).date()
        while True:
            for opening, closing in self.spans(d):
                if closing <= t:
                    continue
                s = max(opening, t)
                available = closing - s
                if remaining <= available:
                    return (s + remaining).astimezone(self.tz)
                remaining -= available
            d += timedelta(days=1)

    def next_opening(self, t: datetime) -> datetime:
        u = t.astimezone(UTC)
        d = t.astimezone(self.tz).date()
        while True:
            for opening, closing in self.spans(d):
                if u < closing:
                    return max(opening, u).astimezone(self.tz)
            d += timedelta(days=1)

    def elapsed(self, a: datetime, b: datetime) -> timedelta:
        if b < a:
            return -self.elapsed(b, a)
        ua, ub = a.astimezone(UTC), b.astimezone(UTC)
        total = timedelta()
        d = a.astimezone(self.tz).date() - timedelta(days=1)
        last = b.astimezone(self.tz).date() + timedelta(days=1)
        while d <= last:
            for opening, closing in self.spans(d):
                lo, hi = max(opening, ua), min(closing, ub)
                if hi > lo:
                    total += hi - lo
            d += timedelta(days=1)
        return total

    def add_business_days(self, start: datetime, n: int) -> datetime:
        s = self.next_opening(start)
        local = s.astimezone(self.tz)
        tod = local.replace(tzinfo=None) - datetime.combine(local.date(), time())
        d = local.date()
        while n:
            d += timedelta(days=1)
            if self.spans(d):
                n -= 1
        spans = self.spans(d)
        wall = (datetime.combine(d, time()) + tod).replace(tzinfo=self.tz).astimezone(UTC)
        wall = min(max(wall, spans[0][0]), spans[-1][1])
        return wall.astimezone(self.tz)
