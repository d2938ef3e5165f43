"""Instants of a column of time text, read a column at a time with ``pyarrow.compute``
as ``timeparse.parse_instant`` reads one: ISO 8601 with an offset, ``Z`` or none, the
US and day-first dates CRMs write, the years slactl works with; a time without an offset
in the zone its ``ZoneRule`` gives for its date, the hour skipped or repeated read as
``parse_instant`` reads it (which reads the few cells the casts do not). The two readers
sit side by side so that they agree. Only the import reads columns (and loads pyarrow).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, timedelta, tzinfo
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from slactl.timeparse import FIRST_DAY, LAST_DAY, TimeParseError, ZoneRule, parse_instant

_READ_HINT = "use ISO 8601 such as 2024-05-03T14:22 or 2024-05-03T14:22-04:00"


class Undecided(Exception):
    """Undecided(row, message): a time that cannot be read without the user's word (the
    zone of a time without an offset, the order of day and month)."""


@dataclass
class TimeColumn:
    tz: ZoneRule | None  # None: a time without an offset is Undecided
    date_order: str | None = None  # dmy | mdy, or None until a column settles it

    def read(self, text: Any) -> Any:
        """Naive UTC timestamps of a column of times; NULL where a cell is empty or is no
        time (``why_not`` says why)."""
        utc = self._read(pc.if_else(pc.equal(text, ""), None, text), text)
        year = pc.year(utc)
        ok = pc.and_(pc.greater_equal(year, FIRST_DAY.year), pc.less_equal(year, LAST_DAY.year))
        ok = pc.fill_null(ok, False)
        failed = pc.indices_nonzero(pc.and_(pc.not_equal(text, ""), pc.invert(ok)))
        if len(failed):
            utc, ok = self._by_python(text, failed.to_pylist(), utc, ok)
        return pc.if_else(ok, utc, None)

    def _read(self, cells: Any, text: Any) -> Any:
        """UTC of a column of times by a C cast when it is all ISO 8601 with offsets, or all
        without; else of its US or day-first dates (``strptime``). What neither reads is
        left NULL for ``_by_python``."""
        try:
            return pc.cast(pc.cast(cells, pa.timestamp("us", "UTC")), pa.timestamp("us"))
        except pa.ArrowInvalid:
            pass
        try:
            return self._localize(pc.cast(cells, pa.timestamp("us")), text)
        except pa.ArrowInvalid:
            pass
        slash = pc.fill_null(pc.match_substring_regex(cells, r"^\d{1,2}/\d{1,2}/\d{4}"), False)
        wall = pa.nulls(len(cells), pa.timestamp("us"))
        if pc.any(slash).as_py():
            dates = pc.replace_substring_regex(pc.filter(cells, slash), r",?\s+", " ")
            md = "%m/%d" if self._order(dates, text, slash) == "mdy" else "%d/%m"
            clocks = (" %I:%M %p", " %I:%M:%S %p", " %H:%M", " %H:%M:%S", "")
            forms = [pc.strptime(dates, f"{md}/%Y{c}", "us", error_is_null=True) for c in clocks]
            wall = pc.replace_with_mask(wall, slash, pc.coalesce(*forms))
        return self._localize(wall, text)

    def _by_python(self, text: Any, rows: list[int], utc: Any, ok: Any) -> tuple[Any, Any]:
        """The few times the columns above do not read (an ISO week date, …) read one by
        one as ``parse_instant`` reads them."""
        values: list[Any] = [None] * len(text)
        for i in rows:
            try:
                t = parse_instant(text[i].as_py(), self.tz or _no_zone)
                values[i] = t.astimezone(UTC).replace(tzinfo=None)
            except _Naive:
                raise Undecided(i, _naive_message(text[i].as_py())) from None
            except (TimeParseError, OverflowError, ValueError):
                pass
        fixed = pa.array(values, pa.timestamp("us"))
        return pc.coalesce(utc, fixed), pc.or_(ok, pc.is_valid(fixed))

    def _order(self, dates: Any, text: Any, slash: Any) -> str:
        """The file's day/month order, settled by the first batch with slashed dates: a
        first number above 12 is a day, a second one a day too; times with AM/PM are the
        US form every CRM writes (5/3/2024, 2:22 PM)."""
        if self.date_order is None:
            numbers = pc.extract_regex(dates, r"^(?P<a>\d+)/(?P<b>\d+)/")
            day_first, month_first = (
                pc.max(pc.cast(numbers.field(n), pa.int64())).as_py() > 12 for n in "ab"
            )
            if day_first != month_first:
                self.date_order = "dmy" if day_first else "mdy"
            elif not day_first and pc.all(pc.match_substring_regex(dates, "[AaPp][Mm]$")).as_py():
                self.date_order = "mdy"
            else:
                row = pc.index(slash, True).as_py()
                raise Undecided(
                    row,
                    f"is {text[row].as_py()!r} day-first or month-first? pass --date-order dmy"
                    " or --date-order mdy",
                )
        return self.date_order

    def _localize(self, naive: Any, text: Any) -> Any:
        """UTC of wall times in the zone of the agreement in effect on their date; a time
        that does not exist (the hour skipped in spring) is read with the offset before
        the change and an ambiguous one as the earlier, as ``parse_instant`` does."""
        if pc.all(pc.is_null(naive)).as_py():
            return naive
        if self.tz is None:
            row = pc.index(pc.is_valid(naive), True).as_py()
            raise Undecided(row, _naive_message(text[row].as_py()))
        zone = self.tz
        rule: Callable[[date], tzinfo] = (lambda d: zone) if isinstance(zone, tzinfo) else zone
        days = pc.cast(naive, pa.date32())
        distinct = pc.drop_null(pc.unique(days))
        names = pa.array([_zone_name(rule(d)) for d in distinct.to_pylist()])
        zones = pc.take(names, pc.index_in(days, distinct))
        out = naive
        for name in pc.unique(names).to_pylist():
            out = pc.if_else(pc.equal(zones, name), _assume(naive, name), out)
        return out


class _Naive(Exception):
    pass


def _no_zone(day: date) -> tzinfo:
    raise _Naive


def _naive_message(text: str) -> str:
    return (
        f"the time {text!r} has no UTC offset and no agreement gives a time zone:"
        " pass --tz ZONE (e.g. --tz America/New_York) or run slactl init"
    )


def _assume(naive: Any, zone: str) -> Any:
    first = pc.assume_timezone(naive, zone, ambiguous="earliest", nonexistent="earliest")
    # in a gap, "earliest" is the instant before it: add back the wall time it lost
    lost = pc.subtract(naive, pc.local_timestamp(first))
    return pc.cast(pc.add(first, lost), pa.timestamp("us"))


def _zone_name(tz: tzinfo) -> str:
    if getattr(tz, "key", None):
        return str(tz.key)  # type: ignore[attr-defined]
    minutes = int((tz.utcoffset(None) or timedelta(0)).total_seconds()) // 60
    return f"{'-' if minutes < 0 else '+'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def why_not(text: str) -> str:
    """Why a cell that ``TimeColumn.read`` leaves NULL is no time, in one line."""
    try:
        parse_instant(text, UTC).astimezone(UTC)
    except TimeParseError as exc:
        return str(exc)
    return f"cannot read time {text!r}: {_READ_HINT}"
