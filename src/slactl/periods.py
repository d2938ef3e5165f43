"""Report periods: a month, an ISO week, a quarter, or any range of dates (inclusive)."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo

from slactl.errors import SlactlError


@dataclass(frozen=True)
class Period:
    """A named run of whole days (a month, a week, a quarter, or --from..--to)."""

    start: date
    end: date  # inclusive
    label: str
    # the instants a part of a period cut at an agreement's edge starts and ends at, where
    # they are not local midnights (``AgreementSet.parts``); None: the local midnight
    cut: tuple[datetime | None, datetime | None] = field(
        default=(None, None), compare=False, repr=False
    )

    def bounds(self, tz: tzinfo) -> tuple[datetime, datetime]:
        """[start, end) as instants: local midnight to the midnight after the last day (or
        the instants of ``cut``)."""
        lo = self.cut[0] or datetime.combine(self.start, time(), tzinfo=tz)
        hi = self.cut[1] or datetime.combine(self.end + timedelta(days=1), time(), tzinfo=tz)
        return lo, hi

    def contains(self, d: date) -> bool:
        return self.start <= d <= self.end

    @property
    def is_quarter(self) -> bool:
        """Exactly one calendar quarter (``--quarter``, or ``--from/--to`` spanning one)."""
        if self.start.day != 1 or self.start.month % 3 != 1:
            return False
        nxt = date(self.start.year + (self.start.month == 10), (self.start.month + 2) % 12 + 1, 1)
        return self.end == nxt - timedelta(days=1)

    def months(self) -> list[tuple[int, int]]:
        out = []
        y, m = self.start.year, self.start.month
        while (y, m) <= (self.end.year, self.end.month):
            out.append((y, m))
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out


def month(text: str) -> Period:
    m = re.fullmatch(r"\s*(\d{4})-(\d{1,2})\s*", text)
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise SlactlError(f"--month {text!r}: use YYYY-MM, e.g. 2024-05")
    y, mo = int(m.group(1)), int(m.group(2))
    last = calendar.monthrange(y, mo)[1]
    return Period(date(y, mo, 1), date(y, mo, last), f"{y}-{mo:02d}")


def week(text: str) -> Period:
    m = re.fullmatch(r"\s*(\d{4})-?W(\d{1,2})\s*", text, re.I)
    if not m:
        raise SlactlError(f"--week {text!r}: use an ISO week such as 2024-W19")
    y, w = int(m.group(1)), int(m.group(2))
    try:
        monday = date.fromisocalendar(y, w, 1)
    except ValueError:
        raise SlactlError(f"--week {text!r}: {y} has no week {w}") from None
    return Period(monday, monday + timedelta(days=6), f"{y}-W{w:02d}")


def week_of(d: date) -> Period:
    y, w, _ = d.isocalendar()
    return week(f"{y}-W{w:02d}")


def quarter(text: str) -> Period:
    m = re.fullmatch(r"\s*(\d{4})-?Q([1-4])\s*", text, re.I)
    if not m:
        raise SlactlError(f"--quarter {text!r}: use YYYY-Qn, e.g. 2024-Q2")
    y, q = int(m.group(1)), int(m.group(2))
    first = date(y, 3 * q - 2, 1)
    last_month = 3 * q
    last = date(y, last_month, calendar.monthrange(y, last_month)[1])
    return Period(first, last, f"{y}-Q{q}")


def parse_period(
    *,
    month_: str | None = None,
    week_: str | None = None,
    quarter_: str | None = None,
    from_: str | None = None,
    to: str | None = None,
) -> Period:
    """Exactly one of --month, --week, --quarter, or --from with --to."""
    given = [x for x in (month_, week_, quarter_) if x]
    ranged = from_ is not None or to is not None
    if len(given) + ranged != 1:
        raise SlactlError(
            "name one period: --month 2024-05, --week 2024-W19, --quarter 2024-Q2"
            " or --from 2024-05-01 --to 2024-05-31"
        )
    if month_:
        return _within_range(month(month_))
    if week_:
        return _within_range(week(week_))
    if quarter_:
        return _within_range(quarter(quarter_))
    if from_ is None or to is None:
        raise SlactlError("--from and --to go together: give both dates")
    try:
        lo, hi = date.fromisoformat(from_.strip()), date.fromisoformat(to.strip())
    except ValueError:
        raise SlactlError("--from/--to: use dates like 2024-05-01") from None
    if hi < lo:
        raise SlactlError(f"--to {hi} is before --from {lo}")
    return _within_range(Period(lo, hi, f"{lo}..{hi}"))


def _within_range(period: Period) -> Period:
    from slactl.timeparse import FIRST_DAY, LAST_DAY

    if not (FIRST_DAY <= period.start and period.end <= LAST_DAY):
        raise SlactlError(
            f"period {period.label} reaches outside {FIRST_DAY}..{LAST_DAY}, the dates slactl"
            " works with"
        )
    return period


def month_range(text: str, option: str) -> Period:
    """``2025-01..2025-12`` (or one month): the months from the first to the last, whole."""
    first, sep, last = text.partition("..")
    try:
        lo = month(first)
        hi = month(last) if sep else lo
    except SlactlError:
        raise SlactlError(
            f"{option} {text!r}: use YYYY-MM..YYYY-MM, e.g. 2025-01..2025-12"
        ) from None
    if hi.end < lo.start:
        raise SlactlError(f"{option} {text!r}: the last month is before the first")
    return Period(lo.start, hi.end, f"{lo.label}..{hi.label}" if sep else lo.label)
