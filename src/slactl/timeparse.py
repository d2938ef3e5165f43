"""Parsing instants typed by people or exported by CRMs.

A time without an offset is local to the agreement's time zone (SPEC section 6).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, tzinfo

_US = re.compile(
    r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?)?$"
)
_SF_OFFSET = re.compile(r"([+-]\d{2})(\d{2})$")


# what a time without an offset is read in: a zone, or the zone of a local date (the
# agreement in effect that day: ``AgreementSet.local_zones``)
ZoneRule = tzinfo | Callable[[date], tzinfo]


# The dates slactl works with: far enough inside what datetimes hold that a calendar year
# either side of any of them, in any zone, exists (docs/agreement.md)
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)


class TimeParseError(ValueError):
    """The text is not a time we understand."""


def parse_instant(text: str, default_tz: ZoneRule) -> datetime:
    """Parse ISO 8601 (with Z, offset or none), Salesforce's
    ``2024-05-03T14:22:00.000+0000``, ``2024-05-03 14:22`` and US ``05/03/2024 2:22 PM``.

    Returns an aware datetime; naive input is taken as local to ``default_tz``, or, when
    that is a function of the local date, to the zone it gives for the time's own date
    (the zone of the agreement in effect that day, which need not be today's).
    """
    s = text.strip()
    if not s:
        raise TimeParseError("empty time")
    dt: datetime | None = None
    try:
        dt = datetime.fromisoformat(s)
    except ValueError:
        m = _SF_OFFSET.search(s)
        if m and ("T" in s or " " in s):
            try:
                dt = datetime.fromisoformat(s[: m.start()] + f"{m.group(1)}:{m.group(2)}")
            except ValueError:
                dt = None
        if dt is None:
            dt = _parse_us(s)
    if dt is None:
        raise TimeParseError(
            f"cannot read time {text!r}: use ISO 8601 such as 2024-05-03T14:22"
            " or 2024-05-03T14:22-04:00"
        )
    try:
        if dt.tzinfo is None:
            if not isinstance(default_tz, tzinfo):
                default_tz = default_tz(dt.date())
            dt = dt.replace(tzinfo=default_tz)
            # normalise a wall time that does not exist (spring forward) or is ambiguous
            dt = dt.astimezone(UTC).astimezone(default_tz)
        in_range = FIRST_DAY <= dt.astimezone(UTC).date() <= LAST_DAY
    except OverflowError:  # an offset that takes it past the year 1 or 9999
        in_range = False
    if not in_range:
        raise TimeParseError(
            f"time {text[:40]!r} is outside {FIRST_DAY}..{LAST_DAY}, the dates slactl works with"
        )
    return dt


def _parse_us(s: str) -> datetime | None:
    m = _US.match(s)
    if not m:
        return None
    month, day, year, hh, mm, ss, ampm = m.groups()
    hour = int(hh) if hh else 0
    if ampm:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ampm.lower() == "pm" else 0)
    try:
        return datetime(int(year), int(month), int(day), hour, int(mm or 0), int(ss or 0))
    except ValueError:
        return None


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise TimeParseError(f"cannot read date {text!r}: use YYYY-MM-DD") from None
