"""A batch of cells (strings) to the ledger's columns, a column at a time with
``pyarrow.compute``; the rows that fail a check are set aside with their reason, which
is written (in Python) for those rows only."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, timedelta, tzinfo
from functools import reduce
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from slactl.ledger import opportunities
from slactl.ledger.ingest.rules import CLOCK, MINUTES, EventRules, fault
from slactl.ledger.presets import DURATION_UNITS, OWNER_FIELDS
from slactl.timeparse import FIRST_DAY, LAST_DAY, TimeParseError, ZoneRule, parse_instant

MAX_KEY = 256  # characters of an external id or an activity's lead
_READ_HINT = "use ISO 8601 such as 2024-05-03T14:22 or 2024-05-03T14:22-04:00"


class Fatal(Exception):
    """A row that stops the whole import, not only itself: Fatal(row in batch, message)."""


class _Checks(list[tuple[Any, Callable[[int], str]]]):
    """(bad rows, the reason of row i), in the order a row's first fault is named."""

    def __call__(self, bad: Any, reason: str | Callable[[int], str]) -> None:
        self.append((bad, reason if callable(reason) else lambda i: reason))


@dataclass
class Converter:
    kind: str  # leads | activities | opportunities
    fields: dict[int, str]  # column position -> field, or extra.<key>
    tz: ZoneRule | None  # None: a time without an offset stops the import
    pg: bool
    outcomes: tuple[str, ...] | None = None
    date_order: str | None = None  # dmy | mdy, or None until the file settles it
    nul: bool = True  # a NUL byte may be in the cells
    rules: tuple[EventRules, ...] = ()  # the reasons each agreement allows (SPEC 7.3, 7.4)

    def convert(self, raw: pa.RecordBatch) -> tuple[dict[str, Any], Any, list[tuple[int, str]]]:
        """(field -> the good rows' values, their positions in the batch, [(position of a
        bad row, its reason)])."""
        cells = {f: pc.utf8_trim_whitespace(raw.column(i)) for i, f in self.fields.items()}
        check = _Checks()
        if self.nul:
            check(
                _any([pc.match_substring(c, "\x00") for c in raw.columns]),
                "a cell holds a NUL byte",
            )
        self.skip: Any = None  # rows read but not for the ledger (another field's history)
        if self.kind == "opportunities":
            out = opportunities.columns(self, cells, check)
        elif self.kind == "leads":
            out = self._leads(cells, check)
        else:
            out = self._activities(cells, check)
        bad = _any([m for m, _ in check], raw.num_rows)
        self.skipped = 0
        if self.skip is not None:
            bad = pc.and_(bad, pc.invert(self.skip))
            self.skipped = pc.sum(self.skip).as_py() or 0
        rejects = [
            (i, next(r(i) for m, r in check if m[i].as_py()))
            for i in pc.indices_nonzero(bad).to_pylist()
        ]
        good = pc.invert(bad if self.skip is None else pc.or_(bad, self.skip))
        return {f: pc.filter(a, good) for f, a in out.items()}, pc.indices_nonzero(good), rejects

    def _leads(self, cells: dict[str, Any], check: _Checks) -> dict[str, Any]:
        ident = cells["external_id"]
        check(pc.equal(ident, ""), "no external_id: every lead needs its CRM id")
        check(
            pc.greater(pc.utf8_length(ident), MAX_KEY),
            f"external_id longer than {MAX_KEY} characters",
        )
        check(
            pc.equal(cells["created_at"], ""), "no created_at: every lead needs its creation time"
        )
        out = {}
        for name, column in cells.items():
            if name in ("created_at", "handed_off_at"):
                out[name] = self._time(column, name, check)
            elif name == "score":
                number = pc.match_substring_regex(
                    column, r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
                )
                check(
                    pc.and_(pc.invert(number), pc.not_equal(column, "")),
                    lambda i, t=column: f"column score: {t[i].as_py()!r} is not a number",  # type: ignore[misc]
                )
                out[name] = pc.cast(pc.if_else(number, column, None), pa.float64())
            elif not name.startswith("extra."):
                out[name] = _null_if_empty(pc.utf8_lower(column) if name == "email" else column)
        extras = sorted((n[6:], a) for n, a in cells.items() if n.startswith("extra."))
        if extras:
            out["extra"] = _json_objects(extras)
        return out

    def _activities(self, cells: dict[str, Any], check: _Checks) -> dict[str, Any]:
        empty = pa.array([""] * len(cells["at"]), pa.string())
        kind = pc.utf8_lower(cells.get("kind", empty))
        if "history_field" in cells:
            kind = self._owner_changes(kind, cells)
        check(
            pc.equal(kind, ""), "no kind: say call, email, meeting, disposition, handoff or review"
        )
        check(pc.equal(cells["at"], ""), "no time in column at")
        at = self._time(cells["at"], "at", check)
        review = pc.equal(kind, "review")
        lead = pc.if_else(review, "", cells.get("lead", empty))
        check(
            pc.and_(pc.equal(lead, ""), pc.invert(review)),
            lambda i: f"no lead for a {kind[i].as_py()}: give its external id or email",
        )
        check(pc.greater(pc.utf8_length(lead), MAX_KEY), f"lead longer than {MAX_KEY} characters")
        outcome = pc.utf8_lower(cells.get("outcome", empty))
        disposition = pc.equal(kind, "disposition")
        check(pc.and_(disposition, pc.equal(outcome, "")), "a disposition needs an outcome")
        if self.outcomes:
            allowed = pa.array((*self.outcomes, ""))
            check(
                pc.and_(disposition, pc.invert(pc.is_in(outcome, allowed))),
                lambda i: (
                    f"outcome '{outcome[i].as_py()}' is not one of the agreement's:"
                    f" {', '.join(self.outcomes or ())}"
                ),
            )
        rep = cells.get("rep", empty)
        check(
            pc.and_(pc.equal(kind, "reassign"), pc.equal(rep, "")),
            "a reassign needs rep: the lead's new owner",
        )
        reason = pc.utf8_lower(cells.get("reason", empty))
        unit = next((u for u in DURATION_UNITS if u in cells), "duration")
        duration = _minutes(cells.get(unit, empty), DURATION_UNITS[unit], check)
        at_us = pc.cast(at, pa.timestamp("us"))
        if self.rules:
            check(
                self._unlisted(kind, outcome, reason, at_us),
                lambda i: str(
                    fault(
                        self.rules,
                        kind[i].as_py(),
                        outcome[i].as_py(),
                        reason[i].as_py(),
                        at_us[i].as_py().replace(tzinfo=UTC),
                    )
                ),
            )
        at_text = _utc_text(at_us)
        key = pc.binary_join_element_wise(
            at_text, kind, pc.utf8_lower(rep), "", "\x1f", null_handling="replace"
        )
        return {
            "lead": _null_if_empty(lead),
            "lead_lower": _null_if_empty(pc.utf8_lower(lead)),
            "kind": kind,
            "rep": _null_if_empty(rep),
            "at": at,
            "outcome": _null_if_empty(outcome),
            "note": _null_if_empty(cells.get("note", empty)),
            "reason": _null_if_empty(reason),
            "duration": duration,
            "from_rep": _null_if_empty(cells.get("from_rep", empty)),
            "key": key,
        }

    def _owner_changes(self, kind: Any, cells: dict[str, Any]) -> Any:
        """A field-history export: its owner changes are reassigns, its other rows
        skipped; of an owner change written twice (Salesforce: once as user ids, once as
        names) the names are kept."""
        owner = pc.is_in(pc.utf8_lower(cells["history_field"]), pa.array(OWNER_FIELDS))
        skip = pc.invert(owner)
        if "history_type" in cells:
            ids = pc.equal(pc.utf8_lower(cells["history_type"]), "entityid")
            if pc.any(pc.and_(owner, pc.invert(ids))).as_py():
                skip = pc.or_(skip, ids)
        self.skip = skip
        return pc.if_else(owner, "reassign", kind)

    def _unlisted(self, kind: Any, outcome: Any, reason: Any, at: Any) -> Any:
        """The dispositions and pauses whose reason the agreement of their time does not
        list (``rules.fault`` says why, for those rows only)."""
        pause, disposition = pc.equal(kind, "pause"), pc.equal(kind, "disposition")
        bad = covered = pa.array([False] * len(kind), pa.bool_())
        for rule in self.rules:
            start, end = (
                pa.scalar(t.replace(tzinfo=None), at.type) for t in (rule.start, rule.end)
            )
            here = pc.and_(pc.greater_equal(at, start), pc.less(at, end))
            covered = pc.or_(covered, here)
            wrong = pc.and_(pause, _not_in(reason, rule.pauses or ()))
            for name, allowed in rule.reasons:
                listed = pc.and_(disposition, pc.equal(outcome, name))
                wrong = pc.or_(wrong, pc.and_(listed, _not_in(reason, allowed)))
            bad = pc.or_(bad, pc.and_(here, wrong))
        return pc.fill_null(pc.or_(bad, pc.and_(pause, pc.invert(covered))), False)

    def _time(self, text: Any, column: str, check: _Checks) -> Any:
        """UTC instants (text on SQLite, timestamps on PostgreSQL) of a column of times;
        an empty cell is NULL, a cell that is no time a reject."""
        utc = self._read(pc.if_else(pc.equal(text, ""), None, text), text)
        year = pc.year(utc)
        ok = pc.and_(pc.greater_equal(year, FIRST_DAY.year), pc.less_equal(year, LAST_DAY.year))
        ok = pc.fill_null(ok, False)  # (the years slactl works with, as parse_instant)
        failed = pc.indices_nonzero(pc.and_(pc.not_equal(text, ""), pc.invert(ok)))
        if len(failed):
            utc, ok = self._by_python(text, failed.to_pylist(), utc, ok)
        check(
            pc.and_(pc.not_equal(text, ""), pc.invert(ok)),
            lambda i: _time_reason(column, text[i].as_py()),
        )
        utc = pc.if_else(ok, utc, None)
        if self.pg:
            return pc.cast(utc, pa.timestamp("us", tz="UTC"))
        return _utc_text(utc)

    def _read(self, cells: Any, text: Any) -> Any:
        """UTC of a column of times: by a C cast when it is all ISO 8601 with offsets, or
        all without; else each form where it stands (the US and day-first forms by
        ``strptime``); what none of them reads is left NULL for ``_by_python``."""
        try:
            return pc.cast(pc.cast(cells, pa.timestamp("us", "UTC")), pa.timestamp("us"))
        except pa.ArrowInvalid:
            pass
        try:
            return self._localize(pc.cast(cells, pa.timestamp("us")), text)
        except pa.ArrowInvalid:
            pass
        slash = pc.fill_null(pc.match_substring_regex(cells, r"^\d{1,2}/\d{1,2}/\d{4}"), False)
        aware = pc.match_substring_regex(cells, r"\d([Zz]|[+-]\d\d:?\d\d)$")
        aware = pc.and_(pc.fill_null(aware, False), pc.invert(slash))
        utc = wall = pa.nulls(len(cells), pa.timestamp("us"))
        for mask, tz in ((aware, "UTC"), (pc.invert(pc.or_(aware, slash)), None)):
            try:
                read = pc.cast(pc.filter(cells, mask), pa.timestamp("us", tz))
            except pa.ArrowInvalid:
                continue
            if tz:
                utc = pc.replace_with_mask(utc, mask, pc.cast(read, pa.timestamp("us")))
            else:
                wall = pc.replace_with_mask(wall, mask, read)
        if pc.any(slash).as_py():
            dates = pc.replace_substring_regex(pc.filter(cells, slash), r",?\s+", " ")
            md = "%m/%d" if self._order(dates, text, slash) == "mdy" else "%d/%m"
            clocks = (" %I:%M %p", " %I:%M:%S %p", " %H:%M", " %H:%M:%S", "")
            forms = [pc.strptime(dates, f"{md}/%Y{c}", "us", error_is_null=True) for c in clocks]
            wall = pc.replace_with_mask(wall, slash, pc.coalesce(*forms))
        return pc.coalesce(utc, self._localize(wall, text))

    def _by_python(self, text: Any, rows: list[int], utc: Any, ok: Any) -> tuple[Any, Any]:
        """The few times the columns above do not read (an ISO week date, …) read one by
        one as ``parse_instant`` reads them."""
        values: list[Any] = [None] * len(text)
        for i in rows:
            try:
                t = parse_instant(text[i].as_py(), self.tz or _no_zone)
                values[i] = t.astimezone(UTC).replace(tzinfo=None)
            except _Naive:
                raise Fatal(i, _naive_message(text[i].as_py())) from None
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
                raise Fatal(
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
            raise Fatal(row, _naive_message(text[row].as_py()))
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


def _time_reason(column: str, text: str) -> str:
    try:
        parse_instant(text, UTC).astimezone(UTC)
    except TimeParseError as exc:
        return f"column {column}: {exc}"
    return f"column {column}: cannot read time {text!r}: {_READ_HINT}"


def _utc_text(utc: Any) -> Any:
    """The SQLite storage form of instants (``to_utc_text``): no fraction when it is 0."""
    try:
        return pc.cast(pc.cast(utc, pa.timestamp("s")), pa.string())  # (no fraction in it)
    except pa.ArrowInvalid:
        pass
    return pc.replace_substring_regex(pc.cast(utc, pa.string()), r"\.000000$", "")


def _not_in(values: Any, allowed: tuple[str, ...]) -> Any:
    return pc.invert(pc.is_in(values, pa.array(allowed, pa.string())))


def _minutes(text: Any, per_minute: float, check: _Checks) -> Any:
    """Column ``duration`` in minutes: a number of 0 or more (12, 12.5, .5) in the
    column's unit (``per_minute`` of them make a minute), or a clock ``H:MM:SS``; empty
    is NULL."""
    number = pc.match_substring_regex(text, MINUTES)
    form = CLOCK
    is_clock = pc.match_substring_regex(text, form)
    check(
        pc.and_(pc.invert(pc.or_(number, is_clock)), pc.not_equal(text, "")),
        lambda i: _duration_reason(text[i].as_py()),
    )
    minutes = pc.divide(pc.cast(pc.if_else(number, text, None), pa.float64()), per_minute)
    if not pc.any(is_clock).as_py():
        return minutes
    clock = pc.extract_regex(pc.if_else(is_clock, text, "0:00:00"), form)
    h, m, sec = (pc.cast(clock.field(f), pa.float64()) for f in "hms")
    spent = pc.add(pc.add(pc.multiply(h, 60.0), m), pc.divide(sec, 60.0))
    return pc.coalesce(minutes, pc.if_else(is_clock, spent, None))


def _duration_reason(text: str) -> str:
    try:
        negative = float(text) < 0
    except ValueError:
        negative = False
    if negative:
        return f"column duration: {text!r} is negative: minutes spent are 0 or more"
    return (
        f"column duration: {text!r} is not a number of minutes: write e.g. 12 or 12.5 (or 0:12:30)"
    )


def _null_if_empty(a: Any) -> Any:
    return pc.if_else(pc.equal(a, ""), None, a)


def _any(masks: list[Any], n: int | None = None) -> Any:
    return reduce(pc.or_, masks, masks[0] if n is None else pa.array([False] * n, pa.bool_()))


# as json.dumps(…, ensure_ascii=False) escapes: backslash first, then quote and controls
_JSON_ESCAPES = {"\\": "\\\\", '"': '\\"', **{chr(c): json.dumps(chr(c))[1:-1] for c in range(32)}}


def _json_objects(columns: list[tuple[str, Any]]) -> Any:
    """``{"key": "value", …}`` per row of the non-empty cells, keys sorted, as
    ``json.dumps(…, ensure_ascii=False)`` writes it; NULL for a row with none."""
    body = pa.array([""] * len(columns[0][1]), pa.string())
    for key, cells in columns:
        value = cells
        if pc.any(pc.match_substring_regex(cells, '[\\\\"\\x00-\\x1f]')).as_py():
            for old, new in _JSON_ESCAPES.items():
                value = pc.replace_substring(value, old, new)
        prefix = json.dumps(key, ensure_ascii=False) + ': "'
        member = pc.binary_join_element_wise(prefix, value, '"', "")
        # (not binary_join_element_wise's null_handling="skip": it drops whole rows)
        joined = pc.if_else(
            pc.equal(body, ""), member, pc.binary_join_element_wise(body, member, ", ")
        )
        body = pc.if_else(pc.equal(cells, ""), body, joined)
    return pc.if_else(pc.equal(body, ""), None, pc.binary_join_element_wise("{", body, "}", ""))
