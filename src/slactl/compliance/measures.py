"""One small function per measure of SPEC section 4, registered by name.

A lead measure takes the facts of one lead (``LeadFacts``), the commitment, the calendar
and ``as_of``, and returns an ``Outcome`` or None when the commitment does not apply.
Period measures (``mql_volume``, ``review_meeting``) live in ``engine.py`` because they
look at a whole period rather than one lead.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from slactl.agreement.model import Commitment
from slactl.clock import BusinessCalendar, Duration
from slactl.compliance.model import Event, Lead, Outcome, State

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True, slots=True)
class LeadFacts:
    """What every lead measure needs, computed once per lead."""

    lead: Lead
    start: datetime  # the clock start
    touches: tuple[Event, ...]  # touch kinds, at or after the start, at or before as_of
    disposition: Event | None  # the first at or after the start, at or before as_of


def when(t: datetime, cal: BusinessCalendar) -> str:
    return t.astimezone(cal.tz).strftime("%a %Y-%m-%d %H:%M")


def amount(delta: timedelta) -> str:
    """A business-time amount in words: '1 business minute', '2 business hours 5 minutes'."""
    minutes = int(abs(delta).total_seconds() // 60)
    seconds = abs(delta).total_seconds() - minutes * 60
    if minutes == 0 and seconds:
        return "less than a business minute"
    h, m = divmod(minutes, 60)
    if h == 0:
        return f"{m} business minute{'s' if m != 1 else ''}"
    text = f"{h} business hour{'s' if h != 1 else ''}"
    return text + (f" {m} minute{'s' if m != 1 else ''}" if m else "")


def _pending(
    c: Commitment,
    facts: LeadFacts,
    cal: BusinessCalendar,
    deadline: datetime,
    as_of: datetime,
    reason: str,
) -> Outcome:
    state = State.PENDING
    if c.warn is not None and deadline <= cal.add(as_of, c.warn):
        state = State.AT_RISK
        reason += f"; at risk: {amount(cal.elapsed(as_of, deadline))} left"
    return _outcome(c, facts, state, reason, deadline)


def _outcome(
    c: Commitment,
    facts: LeadFacts,
    state: State,
    reason: str,
    deadline: datetime | None = None,
    event_at: datetime | None = None,
) -> Outcome:
    return Outcome(
        commitment_id=c.id,
        state=state,
        reason=reason,
        lead_id=facts.lead.external_id,
        owner=facts.lead.owner,
        clock_start=facts.start,
        deadline=deadline,
        event_at=event_at,
    )


def _deadline_text(c: Commitment, facts: LeadFacts, cal: BusinessCalendar, d: Duration) -> str:
    snapped = cal.next_opening(facts.start) if d.business else facts.start
    text = f"{when(facts.start, cal)} + {d}"
    if snapped != facts.start:
        text += f", the clock starting {when(snapped, cal)}"
    return text


def first_touch(
    c: Commitment, facts: LeadFacts, cal: BusinessCalendar, as_of: datetime
) -> Outcome | None:
    assert c.within is not None
    deadline = cal.add(facts.start, c.within)
    how = _deadline_text(c, facts, cal, c.within)
    first: Event | None = facts.touches[0] if facts.touches else None
    what = "first touch"
    disp = facts.disposition
    if disp is not None and (first is None or disp.at < first.at):
        first, what = disp, f"disposition ({disp.outcome})"
    if first is not None:
        if first.at <= deadline:
            early = cal.elapsed(first.at, deadline)
            return _outcome(
                c,
                facts,
                State.MET,
                f"{what} {when(first.at, cal)} by {first.rep or 'unknown'} came"
                f" {amount(early)} before the deadline {when(deadline, cal)} ({how})"
                if early
                else f"{what} {when(first.at, cal)} came exactly at the deadline ({how})",
                deadline,
                first.at,
            )
        late = cal.elapsed(deadline, first.at)
        return _outcome(
            c,
            facts,
            State.BREACHED,
            f"{what} {when(first.at, cal)} came {amount(late)} after the deadline"
            f" {when(deadline, cal)} ({how})",
            deadline,
            first.at,
        )
    if as_of > deadline:
        return _outcome(
            c,
            facts,
            State.BREACHED,
            f"no touch by the deadline {when(deadline, cal)} ({how})",
            deadline,
        )
    return _pending(
        c, facts, cal, deadline, as_of, f"no touch yet; due {when(deadline, cal)} ({how})"
    )


def disposition(
    c: Commitment, facts: LeadFacts, cal: BusinessCalendar, as_of: datetime
) -> Outcome | None:
    assert c.within is not None
    deadline = cal.add(facts.start, c.within)
    how = _deadline_text(c, facts, cal, c.within)
    disp = facts.disposition
    if disp is not None:
        if disp.at <= deadline:
            return _outcome(
                c,
                facts,
                State.MET,
                f"{disp.outcome} {when(disp.at, cal)}, by the deadline"
                f" {when(deadline, cal)} ({how})",
                deadline,
                disp.at,
            )
        return _outcome(
            c,
            facts,
            State.BREACHED,
            f"{disp.outcome} {when(disp.at, cal)} came {amount(cal.elapsed(deadline, disp.at))}"
            f" after the deadline {when(deadline, cal)} ({how})",
            deadline,
            disp.at,
        )
    if as_of > deadline:
        return _outcome(
            c, facts, State.BREACHED, f"no disposition by {when(deadline, cal)} ({how})", deadline
        )
    return _pending(
        c, facts, cal, deadline, as_of, f"no disposition yet; due {when(deadline, cal)} ({how})"
    )


RETURNED = "nurture"


def touches_before_return(
    c: Commitment, facts: LeadFacts, cal: BusinessCalendar, as_of: datetime
) -> Outcome | None:
    disp = facts.disposition
    if disp is None or disp.outcome != RETURNED:
        return None
    assert c.open_for is not None and c.minimum is not None
    earliest = cal.add(facts.start, c.open_for)
    n = sum(1 for t in facts.touches if t.at <= disp.at)
    problems = []
    if n < c.minimum:
        problems.append(f"only {n} of {c.minimum} touches")
    if disp.at < earliest:
        problems.append(
            f"returned {when(disp.at, cal)}, before {when(earliest, cal)}"
            f" ({when(facts.start, cal)} + {c.open_for})"
        )
    if problems:
        return _outcome(
            c,
            facts,
            State.BREACHED,
            "returned to marketing with " + " and ".join(problems),
            earliest,
            disp.at,
        )
    return _outcome(
        c,
        facts,
        State.MET,
        f"{n} touches, returned {when(disp.at, cal)}, not before {when(earliest, cal)}",
        earliest,
        disp.at,
    )


def touch_cadence(
    c: Commitment, facts: LeadFacts, cal: BusinessCalendar, as_of: datetime
) -> Outcome | None:
    assert c.max_gap is not None and c.until is not None
    disp = facts.disposition
    steps: list[tuple[str, datetime]] = []
    ended = False
    for i, t in enumerate(facts.touches[: c.until], start=1):
        if disp is not None and disp.at < t.at:
            break
        steps.append((f"touch {i}", t.at))
        if i == c.until:
            ended = True
    if not ended and disp is not None:
        steps.append((f"disposition ({disp.outcome})", disp.at))
        ended = True
    prev_name, prev = "the clock start", facts.start
    for name, at in steps:
        deadline = cal.add(prev, c.max_gap)
        if at > deadline:
            return _outcome(
                c,
                facts,
                State.BREACHED,
                f"{name} {when(at, cal)} came {amount(cal.elapsed(deadline, at))} after"
                f" {when(deadline, cal)}, {c.max_gap} after {prev_name} {when(prev, cal)}",
                deadline,
                at,
            )
        prev_name, prev = name, at
    if ended:
        last = steps[-1][0] if steps else "the clock start"
        return _outcome(c, facts, State.MET, f"no gap over {c.max_gap} up to {last}", None, prev)
    deadline = cal.add(prev, c.max_gap)
    nxt = f"touch {len(steps) + 1}"
    if as_of > deadline:
        return _outcome(
            c,
            facts,
            State.BREACHED,
            f"no {nxt} by {when(deadline, cal)}, {c.max_gap} after {prev_name} {when(prev, cal)}",
            deadline,
        )
    return _pending(c, facts, cal, deadline, as_of, f"{nxt} due by {when(deadline, cal)}")


def valid_field(name: str, value: object) -> bool:
    if value is None or (isinstance(value, str) and not value.strip()):
        return False
    if name == "email":
        return bool(_EMAIL.match(str(value).strip()))
    if name == "phone":
        return sum(ch.isdigit() for ch in str(value)) >= 7
    return True


def complete_fields(
    c: Commitment, facts: LeadFacts, cal: BusinessCalendar, as_of: datetime
) -> Outcome | None:
    bad = [f for f in c.fields if not valid_field(f, facts.lead.get(f))]
    if bad:
        return _outcome(c, facts, State.BREACHED, "missing or invalid: " + ", ".join(bad))
    return _outcome(c, facts, State.MET, "all of " + ", ".join(c.fields) + " present")


LeadMeasure = Callable[[Commitment, LeadFacts, BusinessCalendar, datetime], Outcome | None]

LEAD_MEASURES: dict[str, LeadMeasure] = {
    "first_touch": first_touch,
    "disposition": disposition,
    "touches_before_return": touches_before_return,
    "touch_cadence": touch_cadence,
    "complete_fields": complete_fields,
}
PERIOD_MEASURES = ("mql_volume", "review_meeting")
