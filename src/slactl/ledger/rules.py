"""What an event may say under the agreement in effect at its time (SPEC 7.3, 7.4): a
disposition's reason from ``definitions.reasons``, a pause's from ``definitions.pauses``.

One source of the rules and their words, for the commands (``record`` asks ``fault``
for the one event, ``minutes`` reads a ``--duration``) and for the import (``unlisted``
and ``minutes_column`` check a column at a time; ``fault`` words the rows rejected).
pyarrow is imported inside those two only: logging an event does not load it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from difflib import get_close_matches
from typing import Any


@dataclass(frozen=True)
class EventRules:
    """One agreement's rules for the events in its period."""

    agreement: str
    start: datetime  # the period's first local midnight, in UTC
    end: datetime  # the local midnight after its last day, in UTC (exclusive)
    reasons: tuple[tuple[str, tuple[str, ...]], ...]  # outcome -> the reasons allowed
    pauses: tuple[str, ...] | None  # a pause's reasons; None: the agreement allows none
    currency: str | None = None  # definitions.currency: the opportunities' (SPEC 9)

    def reasons_for(self, outcome: str) -> tuple[str, ...] | None:
        return next((allowed for name, allowed in self.reasons if name == outcome), None)


def event_rules(agreements: Iterable[Any]) -> tuple[EventRules, ...]:
    """The rules of each ``agreement.model.Agreement`` (read by its attributes: the
    ledger sits beside the agreement layer, not above it)."""
    out = []
    for a in agreements:
        tz = a.calendar.tz
        pauses = a.definitions.pauses
        out.append(
            EventRules(
                a.name,
                datetime.combine(a.period_start, time(), tz).astimezone(UTC),
                datetime.combine(a.period_end + timedelta(days=1), time(), tz).astimezone(UTC),
                a.definitions.reasons,
                None if pauses is None else pauses.reasons,
                a.definitions.currency,
            )
        )
    return tuple(out)


def in_effect(rules: tuple[EventRules, ...], at: datetime) -> EventRules | None:
    return next((r for r in rules if r.start <= at < r.end), None)


def fault(
    rules: tuple[EventRules, ...], kind: str, outcome: str | None, reason: str | None, at: datetime
) -> str | None:
    """Why an event of ``kind`` with this outcome and reason at ``at`` (aware) may not be
    recorded, in one line; None when it may. Nothing is checked without agreements."""
    if not rules or kind not in ("disposition", "pause"):
        return None
    rule = in_effect(rules, at)
    if kind == "pause":
        if rule is None:
            return (
                f"no agreement is in effect on {at.date().isoformat()} to allow a pause:"
                " pauses need definitions.pauses in the agreement of their date"
            )
        if rule.pauses is None:
            return (
                f"agreement {rule.agreement} allows no pauses: add definitions.pauses"
                " (its reasons and max) to the agreement, or record a touch instead"
            )
        return _unlisted(reason, rule.pauses, "a pause", "definitions.pauses.reasons")
    allowed = None if rule is None or outcome is None else rule.reasons_for(outcome)
    if allowed is None:
        return None
    return _unlisted(
        reason, allowed, f"a disposition '{outcome}'", f"definitions.reasons.{outcome}"
    )


def _unlisted(reason: str | None, allowed: tuple[str, ...], what: str, key: str) -> str | None:
    if reason and reason in allowed:
        return None
    listed = ", ".join(allowed)
    if not reason:
        return f"{what} needs a reason: one of {listed} ({key})"
    close = get_close_matches(reason, allowed, n=1)
    hint = f"did you mean '{close[0]}'?" if close else f"use one of {listed}"
    return f"reason '{reason}' is not in {key}: {hint}"


MINUTES = r"^(\d+\.?\d*|\.\d+)$"  # a duration in minutes, as the import reads it too
CLOCK = r"^(?P<h>\d+):(?P<m>[0-5]\d):(?P<s>[0-5]\d)$"  # or as a clock, H:MM:SS


def minutes(text: str, option: str = "--duration") -> float:
    """A duration typed on the command line: minutes, a number of 0 or more (12, 12.5), or
    a clock (0:12:30), read as the import reads its ``duration`` column."""
    if re.match(MINUTES, text):
        return float(text)
    clock = re.match(CLOCK, text)
    if clock:
        return int(clock["h"]) * 60 + int(clock["m"]) + int(clock["s"]) / 60
    if re.match(r"^-(\d+\.?\d*|\.\d+)$", text):
        raise ValueError(f"{option} {text!r}: negative; minutes spent are 0 or more")
    raise ValueError(
        f"{option} {text!r}: not a number of minutes; write e.g. 12 or 12.5 (or 0:12:30)"
    )


def unlisted(rules: tuple[EventRules, ...], kind: Any, outcome: Any, reason: Any, at: Any) -> Any:
    """A column of ``fault``'s verdicts, without its words: whether each event (Arrow
    columns; ``at`` naive UTC timestamps) is a disposition or pause whose reason the
    agreement of its time does not list."""
    import pyarrow as pa
    import pyarrow.compute as pc

    def not_in(values: Any, allowed: tuple[str, ...]) -> Any:
        return pc.invert(pc.is_in(values, pa.array(allowed, pa.string())))

    pause, disposition = pc.equal(kind, "pause"), pc.equal(kind, "disposition")
    bad = covered = pa.array([False] * len(kind), pa.bool_())
    for rule in rules:
        start, end = (pa.scalar(t.replace(tzinfo=None), at.type) for t in (rule.start, rule.end))
        here = pc.and_(pc.greater_equal(at, start), pc.less(at, end))
        covered = pc.or_(covered, here)
        wrong = pc.and_(pause, not_in(reason, rule.pauses or ()))
        for name, allowed in rule.reasons:
            listed = pc.and_(disposition, pc.equal(outcome, name))
            wrong = pc.or_(wrong, pc.and_(listed, not_in(reason, allowed)))
        bad = pc.or_(bad, pc.and_(here, wrong))
    return pc.fill_null(pc.or_(bad, pc.and_(pause, pc.invert(covered))), False)


def minutes_column(text: Any, per_minute: float, check: Any) -> Any:
    """An import's column of durations (Arrow strings) in minutes, read as ``minutes``
    reads one: ``per_minute`` of the column's unit make a minute; empty is NULL; the
    others named in ``check(bad rows, reason of row i)``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    number = pc.match_substring_regex(text, MINUTES)
    is_clock = pc.match_substring_regex(text, CLOCK)
    check(
        pc.and_(pc.invert(pc.or_(number, is_clock)), pc.not_equal(text, "")),
        lambda i: _duration_reason(text[i].as_py()),
    )
    spent = pc.divide(pc.cast(pc.if_else(number, text, None), pa.float64()), per_minute)
    if not pc.any(is_clock).as_py():
        return spent
    clock = pc.extract_regex(pc.if_else(is_clock, text, "0:00:00"), CLOCK)
    h, m, sec = (pc.cast(clock.field(f), pa.float64()) for f in "hms")
    on_clock = pc.add(pc.add(pc.multiply(h, 60.0), m), pc.divide(sec, 60.0))
    return pc.coalesce(spent, pc.if_else(is_clock, on_clock, None))


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
