"""One small function per measure of SPEC section 4, registered by name in ``MEASURES``.

A lead measure takes the commitment, the facts of one lead (``LeadFacts``), the calendar
and ``as_of``, and returns an ``Outcome`` or None when the commitment does not apply to
that lead. A period measure (``mql_volume``, ``review_meeting``) takes the commitment,
the facts of the period (``PeriodFacts``) and ``as_of``, and returns its outcomes (one per
period, one per review window). Adding a measure touches this file only (and the list of
names the agreement loader accepts).

Each measure decides the state first and writes the reason in words only when
``facts.why`` asks for it: a month's report over 85,000 leads needs the counts, not
the sentences, and formatting them is most of the cost.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache, partial
from operator import attrgetter
from typing import Any, NamedTuple

from slactl.agreement.model import MEASURE_SPECS, Agreement, Commitment, Quotas
from slactl.clock import BusinessCalendar, Duration
from slactl.compliance.deadlines import paused_deadline
from slactl.compliance.owners import owner_among
from slactl.periods import Period
from slactl.records import LEAD_FIELDS, Event, Lead, Opportunity, Outcome, State, is_email

_NOT_DIGIT = re.compile(r"\D")
RETURNED = "nurture"  # the disposition outcome that sends a lead back to marketing


class Pause(NamedTuple):
    """One pause of a cycle (SPEC 7.3): from its event to the next ``resume``, the end of
    the cycle or ``max`` after it, whichever is first; ``end`` None while it is open at
    ``as_of`` with no ``max`` to end it."""

    start: datetime
    end: datetime | None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class LeadFacts:
    """What every lead measure needs, computed once per (lead, cycle) (SPEC 7.1)."""

    lead: Lead
    start: datetime  # the cycle's clock start
    touches: tuple[Event, ...]  # touch kinds, from the start to the next cycle's, by as_of
    disposition: Event | None  # the first at or after the start, at or before as_of
    why: bool = True  # write the reasons (explain, status, what-if); a report skips them
    due: Mapping[Duration, datetime] | None = None  # start + duration, computed in bulk
    cycle: int = 1  # 1 for the first handoff, 2 for the first recycling, ...
    pauses: tuple[Pause, ...] = ()  # the cycle's pauses (none when pauses are off)
    reassigns: tuple[Event, ...] = ()  # the lead's reassignments by as_of (SPEC 7.2)
    accepts: tuple[Event, ...] = ()  # the cycle's accept events by as_of (SPEC 7.4)
    # SPEC 9: the opportunities created in the cycle (from its start to the next's) by as_of
    opportunities: tuple[Opportunity, ...] = ()

    def deadline(self, d: Duration, cal: BusinessCalendar) -> datetime:
        """``start + d`` on the calendar (from the bulk computation when there is one)."""
        if self.due is not None:
            got = self.due.get(d)
            if got is not None:
                return got
        return cal.add(self.start, d)

    def owner_at(self, t: datetime) -> str | None:
        """Who held the lead at ``t`` (SPEC 7.2)."""
        if not self.reassigns:
            return self.lead.owner
        return owner_among(self.lead.owner, self.reassigns, t)

    def paused_at(self, t: datetime) -> Pause | None:
        """The pause open at ``t``, if any."""
        for p in self.pauses:
            if p.start <= t and (p.end is None or t < p.end):
                return p
        return None

    def moved(
        self, c: Commitment, d: Duration, cal: BusinessCalendar, frm: datetime, due: datetime
    ) -> datetime | None:
        """``due`` (``frm + d`` without pauses) moved by the cycle's pauses when ``c`` is
        pausable; None while a pause with no end known holds it open."""
        if not c.pausable or not self.pauses:
            return due
        return paused_deadline(
            cal, frm, due, [(p.start, p.end) for p in self.pauses], business=d.business
        )


# -- words ------------------------------------------------------------------------------


@lru_cache(maxsize=8192)
def when(t: datetime, cal: BusinessCalendar) -> str:
    """An instant as the reasons write it, local to the calendar (remembered: leads share
    their deadlines, and a what-if writes ~30,000 reasons)."""
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


def skipped(cal: BusinessCalendar, start: datetime, deadline: datetime) -> str:
    """The closed days a business deadline stepped over: 'the weekend skipped',
    'the weekend and Mon 05-27 skipped (closed)'."""
    tz = cal.tz
    return _skipped_days(cal, start.astimezone(tz).date(), deadline.astimezone(tz).date())


@lru_cache(maxsize=4096)
def _skipped_days(cal: BusinessCalendar, d: date, last: date) -> str:
    """``skipped`` by local dates: leads share them, and a what-if writes ~30,000 reasons."""
    closed = []
    while d < last:
        if not cal.is_working_day(d):
            closed.append(d)
        d += timedelta(days=1)
    if not closed:
        return ""
    weekend = [c for c in closed if c.weekday() >= 5]
    others = [c for c in closed if c.weekday() < 5]
    parts = []
    if weekend:
        parts.append("the weekend" if len(weekend) <= 2 else f"{len(weekend) // 2} weekends")
    if others:
        parts.append(", ".join(f"{c:%a %m-%d}" for c in others) + " (closed)")
    return ", " + " and ".join(parts) + " skipped"


def deadline_words(facts: LeadFacts, cal: BusinessCalendar, d: Duration, deadline: datetime) -> str:
    """How a deadline came about: 'Fri 2024-05-03 16:30 + 4 business hours, the weekend
    skipped'."""
    text = f"{when(facts.start, cal)} + {d}"
    if d.business:
        snapped = cal.next_opening(facts.start)
        if snapped != facts.start:
            text += f", the clock starting {when(snapped, cal)}"
        text += skipped(cal, facts.start, deadline)
    return text


# -- building outcomes ------------------------------------------------------------------


def _outcome(
    c: Commitment,
    facts: LeadFacts,
    state: State,
    reason: Callable[[], str],
    deadline: datetime | None = None,
    event_at: datetime | None = None,
    *,
    held: datetime | None = None,
    paused: bool = False,
) -> Outcome:
    """``held``: the instant whose owner is responsible (SPEC 7.2), when not the rule's:
    the event that met it, the deadline that was missed, ``as_of`` for a pending pair
    (the measures pass that one)."""
    lead = facts.lead
    owner = lead.owner
    if facts.reassigns:
        t = held
        if t is None:
            t = event_at if state is State.MET else deadline
        if t is not None:
            owner = facts.owner_at(t)
    # positional: a month's report makes ~225,000 of them
    return Outcome(
        c.id,
        state,
        reason() if facts.why else "",
        lead.external_id,
        owner,
        facts.start,
        deadline,
        event_at,
        None,
        None,
        facts.cycle,
        paused,
    )


def _pending(
    c: Commitment,
    facts: LeadFacts,
    cal: BusinessCalendar,
    deadline: datetime | None,
    as_of: datetime,
    reason: Callable[[], str],
) -> Outcome:
    """Pending, or at risk when the deadline is at or before ``as_of + warn``; paused (and
    never at risk) when ``c`` is pausable and a pause is open at ``as_of``."""
    pause = facts.paused_at(as_of) if c.pausable and facts.pauses else None
    if pause is not None or deadline is None:

        def held() -> str:
            if pause is None:
                return reason()
            until = f"until {when(pause.end, cal)}" if pause.end is not None else "no end yet"
            return f"{reason()}; paused ({pause.reason or 'no reason'}, {until})"

        return _outcome(c, facts, State.PENDING, held, deadline, held=as_of, paused=True)
    if c.warn is not None and deadline <= cal.add(as_of, c.warn):

        def risky() -> str:
            return f"{reason()}; at risk: {amount(cal.elapsed(as_of, deadline))} left"

        return _outcome(c, facts, State.AT_RISK, risky, deadline, held=as_of)
    return _outcome(c, facts, State.PENDING, reason, deadline, held=as_of)


def _decided(
    c: Commitment,
    facts: LeadFacts,
    cal: BusinessCalendar,
    what: str,
    at: datetime,
    deadline: datetime,
    how: Callable[[], str],
) -> Outcome:
    """Met when ``at`` <= deadline, else breached; the reason says by how much."""
    if at <= deadline:

        def met() -> str:
            early = cal.elapsed(at, deadline)
            if not at < deadline:  # equal instants (== is False across zones in a DST fold)
                return f"{what} {when(at, cal)} came exactly at the deadline: {how()}"
            if not early:
                return (
                    f"{what} {when(at, cal)} came before the deadline {when(deadline, cal)}"
                    f" (outside business hours): {how()}"
                )
            return (
                f"{what} {when(at, cal)} came {amount(early)} before the deadline"
                f" {when(deadline, cal)}: {how()}"
            )

        return _outcome(c, facts, State.MET, met, deadline, at)

    def late() -> str:
        return (
            f"{what} {when(at, cal)} came {amount(cal.elapsed(deadline, at))} after the"
            f" deadline {when(deadline, cal)}: {how()}"
        )

    return _outcome(c, facts, State.BREACHED, late, deadline, at)


# -- the measures -----------------------------------------------------------------------


def moved_words(d: Duration, cal: BusinessCalendar, due: datetime, moved: datetime | None) -> str:
    """How far the cycle's pauses moved a deadline, in words ('' when they did not)."""
    if moved is None:
        return "; held open by a pause"
    if moved == due:
        return ""
    if d.business:
        by = amount(cal.elapsed(due, moved))
    else:
        by = amount(moved - due).replace("business ", "")
    return f"; moved {by} later by pauses, to {when(moved, cal)}"


def _by_deadline(
    c: Commitment,
    facts: LeadFacts,
    cal: BusinessCalendar,
    as_of: datetime,
    deciding: Event | None,
    what: str,
    missing: str,
) -> Outcome:
    """Met when ``deciding`` comes at or before ``start + within`` (moved by pauses when
    ``c`` is pausable), breached when after it or none and ``as_of`` is past it."""
    assert c.within is not None
    within = c.within
    due = facts.deadline(within, cal)
    deadline = facts.moved(c, within, cal, facts.start, due)

    def how() -> str:
        return deadline_words(facts, cal, within, due) + moved_words(within, cal, due, deadline)

    if deadline is None:  # a pause with no end known: only an event decides it, and meets it
        if deciding is not None:
            return _outcome(
                c,
                facts,
                State.MET,
                lambda: f"{what} {when(deciding.at, cal)}: {how()}",
                None,
                deciding.at,
            )
        return _pending(c, facts, cal, None, as_of, lambda: f"no {missing} yet: {how()}")
    if deciding is not None:
        return _decided(c, facts, cal, what, deciding.at, deadline, how)
    if as_of > deadline:
        return _outcome(
            c,
            facts,
            State.BREACHED,
            lambda: f"no {missing} by the deadline {when(deadline, cal)}: {how()}",
            deadline,
        )
    return _pending(
        c,
        facts,
        cal,
        deadline,
        as_of,
        lambda: f"no {missing} yet; due {when(deadline, cal)}: {how()}",
    )


def first_touch(
    c: Commitment, facts: LeadFacts, cal: BusinessCalendar, as_of: datetime
) -> Outcome | None:
    """Met by the first touch or the disposition, whichever comes first, by start + within."""
    first = facts.touches[0] if facts.touches else None
    disp = facts.disposition
    if disp is not None and (first is None or disp.at < first.at):
        return _by_deadline(c, facts, cal, as_of, disp, f"disposition ({disp.outcome})", "touch")
    return _by_deadline(c, facts, cal, as_of, first, "first touch", "touch")


def disposition(
    c: Commitment, facts: LeadFacts, cal: BusinessCalendar, as_of: datetime
) -> Outcome | None:
    """Met by a disposition at or before start + within."""
    disp = facts.disposition
    what = f"disposition ({disp.outcome})" if disp is not None else ""
    return _by_deadline(c, facts, cal, as_of, disp, what, "disposition")


def acceptance(
    c: Commitment, facts: LeadFacts, cal: BusinessCalendar, as_of: datetime
) -> Outcome | None:
    """Met by an ``accept`` or a disposition, whichever comes first, by start + within
    (SPEC 7.4)."""
    accept = facts.accepts[0] if facts.accepts else None
    disp = facts.disposition
    if disp is not None and (accept is None or disp.at < accept.at):
        return _by_deadline(
            c, facts, cal, as_of, disp, f"disposition ({disp.outcome})", "acceptance"
        )
    return _by_deadline(c, facts, cal, as_of, accept, "acceptance", "acceptance")


QUALIFIED = "qualified"  # the disposition after which sales owes an opportunity (SPEC 9)


def opportunity(
    c: Commitment, facts: LeadFacts, cal: BusinessCalendar, as_of: datetime
) -> Outcome | None:
    """A qualified cycle: met by an opportunity created at or before the qualification
    + within (SPEC 9); not counted for a cycle not (yet) qualified."""
    disp = facts.disposition
    if disp is None or disp.outcome != QUALIFIED:
        return None
    assert c.within is not None
    within = c.within
    deadline = cal.add(disp.at, within)
    first = facts.opportunities[0] if facts.opportunities else None

    def how() -> str:
        return f"qualified {when(disp.at, cal)} + {within}"

    if first is not None and first.created_at <= as_of:
        return _decided(
            c, facts, cal, f"opportunity {first.external_id}", first.created_at, deadline, how
        )
    if as_of > deadline:
        return _outcome(
            c,
            facts,
            State.BREACHED,
            lambda: f"no opportunity by the deadline {when(deadline, cal)}: {how()}",
            deadline,
        )
    return _pending(
        c,
        facts,
        cal,
        deadline,
        as_of,
        lambda: f"no opportunity yet; due {when(deadline, cal)}: {how()}",
    )


def minutes_of(d: Duration) -> float:
    """A duration's length in minutes (a day is 1440, a week 7 days)."""
    if d.micros:
        return d.micros / 60_000_000
    return float(d.amount) * 1440 * (7 if d.unit == "weeks" else 1)


def time_spent(
    c: Commitment, facts: LeadFacts, cal: BusinessCalendar, as_of: datetime
) -> Outcome | None:
    """Met when the cycle's touches up to start + within add up to at least ``minimum``
    minutes (a touch without a duration counts what ``assume`` says for its kind, else
    nothing); a disposition does not end the count (SPEC 7.5)."""
    assert c.within is not None and c.minimum_time is not None
    within, minimum = c.within, c.minimum_time
    need = minutes_of(minimum)
    assumed = {kind: minutes_of(d) for kind, d in c.assume}
    due = facts.deadline(within, cal)
    deadline = facts.moved(c, within, cal, facts.start, due)

    def how() -> str:
        return deadline_words(facts, cal, within, due) + moved_words(within, cal, due, deadline)

    total = 0.0
    reached: Event | None = None
    for t in facts.touches:
        if deadline is not None and t.at > deadline:
            break
        total += t.duration if t.duration is not None else assumed.get(t.kind, 0.0)
        if total >= need - 1e-9:
            reached = t
            break
    if reached is not None:
        got, at = total, reached.at
        return _outcome(
            c,
            facts,
            State.MET,
            lambda: f"{_num(got)} minutes by {when(at, cal)} (at least {minimum}): {how()}",
            deadline,
            at,
        )
    spent = total
    if deadline is not None and as_of > deadline:
        return _outcome(
            c,
            facts,
            State.BREACHED,
            lambda: f"{_num(spent)} of {minimum} by the deadline {when(deadline, cal)}: {how()}",
            deadline,
        )
    return _pending(
        c,
        facts,
        cal,
        deadline,
        as_of,
        lambda: f"{_num(spent)} of {minimum} so far: {how()}",
    )


def touches_before_return(
    c: Commitment, facts: LeadFacts, cal: BusinessCalendar, as_of: datetime
) -> Outcome | None:
    """Only for leads returned to marketing (disposition ``nurture``): at least ``minimum``
    touches by the return, and the return no earlier than start + open_for."""
    disp = facts.disposition
    if disp is None or disp.outcome != RETURNED:
        return None
    assert c.open_for is not None and c.minimum is not None
    minimum, open_for = c.minimum, c.open_for
    earliest = facts.deadline(open_for, cal)
    n = sum(1 for t in facts.touches if t.at <= disp.at)
    if n >= minimum and disp.at >= earliest:
        return _outcome(
            c,
            facts,
            State.MET,
            lambda: (
                f"{n} touches (at least {minimum}), returned {when(disp.at, cal)}, not before"
                f" {when(earliest, cal)}: {deadline_words(facts, cal, open_for, earliest)}"
            ),
            earliest,
            disp.at,
            held=disp.at,
        )

    def why() -> str:
        problems = []
        if n < minimum:
            problems.append(f"after only {n} of {minimum} touches")
        if disp.at < earliest:
            problems.append(
                f"before {when(earliest, cal)}: {deadline_words(facts, cal, open_for, earliest)}"
            )
        return f"returned to marketing {when(disp.at, cal)} " + " and ".join(problems)

    return _outcome(c, facts, State.BREACHED, why, earliest, disp.at, held=disp.at)


def surely_before(t: datetime, d: Duration, cal: BusinessCalendar) -> datetime:
    """An instant no later than ``t + d``, cheap to compute: for N business days, local
    midnight N days after ``t``'s date (the deadline falls on the N-th working day after
    the start's, inside its hours). An event before it meets the deadline without the
    calendar being asked — most steps of a cadence."""
    if d.unit != "business_days":
        return t
    local = t.astimezone(cal.tz).date() + timedelta(days=int(d.amount))
    return datetime.combine(local, time(), tzinfo=cal.tz)


def touch_cadence(
    c: Commitment, facts: LeadFacts, cal: BusinessCalendar, as_of: datetime
) -> Outcome | None:
    """Along start, touch 1, 2, … up to touch ``until`` (or the disposition, if that comes
    first), each step at or before the previous one + max_gap."""
    assert c.max_gap is not None and c.until is not None
    gap, until = c.max_gap, c.until
    disp = facts.disposition
    steps: list[tuple[str, datetime]] = []
    ended = False
    for i, t in enumerate(facts.touches[:until], start=1):
        if disp is not None and disp.at < t.at:
            break
        steps.append((f"touch {i}", t.at))
        if i == until:
            ended = True
    if not ended and disp is not None:
        steps.append((f"disposition ({disp.outcome})", disp.at))
        ended = True
    prev_name, prev = "the clock start", facts.start
    # (step, at, its deadline, that deadline without pauses)
    late: tuple[str, datetime, datetime, datetime] | None = None
    pausing = c.pausable and bool(facts.pauses)
    for name, at in steps:
        if at < surely_before(prev, gap, cal):  # a pause only moves a deadline later
            prev_name, prev = name, at
            continue
        unpaused = deadline = cal.add(prev, gap)
        if pausing:
            moved = facts.moved(c, gap, cal, prev, deadline)
            if moved is None:  # held open by a pause: the step came in time
                prev_name, prev = name, at
                continue
            deadline = moved
        if at > deadline:
            late = (name, at, deadline, unpaused)
            break
        prev_name, prev = name, at
    pn, p = prev_name, prev
    if late is not None:
        name, at, d, d0 = late
        return _outcome(
            c,
            facts,
            State.BREACHED,
            lambda: (
                f"{name} {when(at, cal)} came {amount(cal.elapsed(d, at))} after"
                f" {when(d, cal)}, {gap} after {pn} {when(p, cal)}{skipped(cal, p, d0)}"
                + moved_words(gap, cal, d0, d)
            ),
            d,
            at,
        )
    if ended:
        last = steps[-1][0]
        return _outcome(c, facts, State.MET, lambda: f"no gap over {gap} up to {last}", None, prev)
    deadline0 = cal.add(prev, gap)
    deadline1 = facts.moved(c, gap, cal, prev, deadline0) if pausing else deadline0
    nxt = f"touch {len(steps) + 1}"
    if deadline1 is None:
        return _pending(
            c, facts, cal, None, as_of, lambda: f"{nxt} due {gap} after {pn} {when(p, cal)}"
        )
    deadline = deadline1
    if as_of > deadline:
        return _outcome(
            c,
            facts,
            State.BREACHED,
            lambda: (
                f"no {nxt} by {when(deadline, cal)}, {gap} after {pn} {when(p, cal)}"
                f"{skipped(cal, p, deadline0)}" + moved_words(gap, cal, deadline0, deadline)
            ),
            deadline,
        )
    return _pending(
        c,
        facts,
        cal,
        deadline,
        as_of,
        lambda: (
            f"{nxt} due by {when(deadline, cal)}, {gap} after {pn} {when(p, cal)}"
            + moved_words(gap, cal, deadline0, deadline)
        ),
    )


def valid_field(name: str, value: object) -> bool:
    """Present (not blank); an email well formed; a phone with at least 7 digits."""
    if value is None:
        return False
    text = value if isinstance(value, str) else str(value)
    if name == "email":
        return is_email(text)
    if name == "phone":
        return len(_NOT_DIGIT.sub("", text)) >= 7
    return bool(text) and not text.isspace()


@lru_cache(maxsize=64)
def _field_readers(fields: tuple[str, ...]) -> list[tuple[str, Callable[[Lead], Any]]]:
    """(name, reader) per field: a plain attribute read where the field is a column."""
    return [(f, attrgetter(f) if f in LEAD_FIELDS else partial(Lead.get, name=f)) for f in fields]


def complete_fields(
    c: Commitment, facts: LeadFacts, cal: BusinessCalendar, as_of: datetime
) -> Outcome | None:
    """Every MQL of the period arrives with all ``fields`` present and valid."""
    lead = facts.lead
    bad = [f for f, read in _field_readers(c.fields) if not valid_field(f, read(lead))]
    if bad:
        return _outcome(c, facts, State.BREACHED, lambda: "missing or invalid: " + ", ".join(bad))
    return _outcome(c, facts, State.MET, lambda: "all of " + ", ".join(c.fields) + " present")


# -- period measures --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PeriodFacts:
    """What the period measures need: one piece of a report period under one agreement."""

    agreement: Agreement
    period: Period
    mqls: int  # MQLs whose clock start falls in the period: the ones handed to sales
    reviews: Sequence[Event]  # review meetings around the period, sorted by ``at``
    quotas: Quotas | None
    why: bool = True
    pipeline: float = 0.0  # SPEC 9: the amount of the MQLs' opportunities created in it


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:.2f}"


def prorated_quota(
    agreement: Agreement, quotas: Quotas, period: Period, which: str = "mql_volume"
) -> float | None:
    """The quota of ``period``: whole months count whole; a month the period covers only
    in part counts quota × its working days in the period / its working days (nothing,
    and no quota needed, when that part has no working day). None when a month that
    counts has no quota."""
    cal = agreement.calendar
    quota = 0.0
    for y, m in period.months():
        first = date(y, m, 1)
        last = (date(y + 1, 1, 1) if m == 12 else date(y, m + 1, 1)) - timedelta(days=1)
        lo, hi = max(first, period.start), min(last, period.end)
        whole = (lo, hi) == (first, last)
        days = cal.working_days(lo, hi)
        if not whole and days == 0:
            continue  # a weekend at the end of a week: nothing to pro-rate
        q = getattr(quotas, which).get((y, m))
        if q is None:
            return None
        if whole:
            quota += q
        else:
            month_days = cal.working_days(first, last)
            quota += q * days / month_days if month_days else 0
    return round(quota, 2)


def mql_volume(c: Commitment, facts: PeriodFacts, as_of: datetime) -> list[Outcome]:
    """MQLs handed to sales in the period against the (pro-rated) quota: met once reached,
    breached when the period ended below it, pending while it is open."""
    if facts.quotas is None:
        return []
    quota = prorated_quota(facts.agreement, facts.quotas, facts.period)
    if quota is None:
        return []
    actual = facts.mqls
    end = facts.period.bounds(facts.agreement.calendar.tz)[1]
    if actual >= quota:
        state, reason = State.MET, f"{actual} MQLs against a quota of {_num(quota)}"
    elif as_of >= end:
        state, reason = State.BREACHED, f"{actual} MQLs against a quota of {_num(quota)}"
    else:
        state = State.PENDING
        reason = f"{actual} MQLs so far against a quota of {_num(quota)}; the period is open"
    return [Outcome(c.id, state, reason, deadline=end, actual=actual, quota=quota)]


def pipeline(c: Commitment, facts: PeriodFacts, as_of: datetime) -> list[Outcome]:
    """The amount of the opportunities created in the period from MQLs against the
    (pro-rated) ``pipeline`` quota (SPEC 9): met once reached, breached when the period
    ended below it, pending while it is open."""
    if facts.quotas is None:
        return []
    quota = prorated_quota(facts.agreement, facts.quotas, facts.period, "pipeline")
    if quota is None:
        return []
    actual = round(facts.pipeline, 2)
    currency = facts.agreement.definitions.currency or ""
    end = facts.period.bounds(facts.agreement.calendar.tz)[1]
    words = f"{_num(actual)} {currency} of pipeline against a quota of {_num(quota)}"
    if actual >= quota:
        state, reason = State.MET, words
    elif as_of >= end:
        state, reason = State.BREACHED, words
    else:
        state, reason = State.PENDING, f"{words}; the period is open"
    return [Outcome(c.id, state, reason, deadline=end, actual=actual, quota=quota)]


def review_windows(agreement: Agreement, c: Commitment, period: Period) -> list[tuple[date, date]]:
    """The ``every`` windows that start in the period (first and last day). Weeks run
    Monday to Sunday, counted from the Monday on or before the agreement's first day;
    days from the agreement's first day."""
    assert c.every is not None
    days = int(c.every.amount) * (7 if c.every.unit == "weeks" else 1)
    anchor = agreement.period_start
    if c.every.unit == "weeks":
        anchor -= timedelta(days=anchor.weekday())
    k = -(-(period.start - anchor).days // days)  # the first window starting in the period
    out = []
    ws = anchor + timedelta(days=k * days)
    while ws <= period.end:
        out.append((ws, ws + timedelta(days=days - 1)))
        ws += timedelta(days=days)
    return out


def review_meeting(c: Commitment, facts: PeriodFacts, as_of: datetime) -> list[Outcome]:
    """Per window: met by a review meeting in it, breached when it ended without one,
    pending while it is open. A window that has not started by ``as_of`` is not counted."""
    cal = facts.agreement.calendar
    out = []
    for ws, we in review_windows(facts.agreement, c, facts.period):
        lo = datetime.combine(ws, time(), tzinfo=cal.tz)
        hi = datetime.combine(we + timedelta(days=1), time(), tzinfo=cal.tz)
        if lo > as_of:
            continue
        label = f"{ws:%a %Y-%m-%d}..{we:%a %Y-%m-%d}"
        held = next((r for r in facts.reviews if lo <= r.at < hi and r.at <= as_of), None)
        if held is not None:
            state, reason = State.MET, f"review {when(held.at, cal)} in {label}"
        elif as_of >= hi:
            state, reason = State.BREACHED, f"no review in {label}"
        else:
            state, reason = State.PENDING, f"no review yet in {label}"
        out.append(Outcome(c.id, state, reason, deadline=hi, event_at=held.at if held else None))
    return out


# -- the registry -----------------------------------------------------------------------

LeadMeasure = Callable[[Commitment, LeadFacts, BusinessCalendar, datetime], Outcome | None]
PeriodMeasure = Callable[[Commitment, PeriodFacts, datetime], list[Outcome]]


# each measure's evaluation, under the name its ``agreement.model.MEASURE_SPECS`` entry
# gives it; the spec says whether it judges a lead or a period
MEASURES: dict[str, LeadMeasure | PeriodMeasure] = {
    "first_touch": first_touch,
    "disposition": disposition,
    "touches_before_return": touches_before_return,
    "touch_cadence": touch_cadence,
    "complete_fields": complete_fields,
    "acceptance": acceptance,
    "time_spent": time_spent,
    "opportunity": opportunity,
    "pipeline": pipeline,
    "mql_volume": mql_volume,
    "review_meeting": review_meeting,
}
LEAD_MEASURES: dict[str, LeadMeasure] = {
    n: fn  # type: ignore[misc]
    for n, fn in MEASURES.items()
    if MEASURE_SPECS[n].per == "lead"
}
PERIOD_MEASURES: dict[str, PeriodMeasure] = {
    n: fn  # type: ignore[misc]
    for n, fn in MEASURES.items()
    if MEASURE_SPECS[n].per == "period"
}
