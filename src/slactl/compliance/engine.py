"""Evaluate an agreement over lead histories as of a moment (SPEC section 4).

Pure: takes data, returns frozen outcome records; no database, no Rich, no reading of
the clock on the wall. The measures themselves are in ``measures.py``.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from operator import attrgetter
from typing import cast

from slactl.agreement.conditions import Condition
from slactl.agreement.model import Agreement, Commitment, Quotas
from slactl.clock import BusinessCalendar, Duration
from slactl.compliance.deadlines import PeriodCalendar, add_many
from slactl.compliance.measures import (
    LEAD_MEASURES,
    PERIOD_MEASURES,
    LeadFacts,
    LeadMeasure,
    Pause,
    PeriodFacts,
)
from slactl.compliance.pipeline import figures
from slactl.periods import Period
from slactl.records import (
    ACCEPT,
    DISPOSITION,
    HANDOFF,
    LEAD_FIELDS,
    PAUSE,
    REASSIGN,
    RESUME,
    Event,
    Lead,
    LeadHistory,
    Outcome,
    PipelineEntry,
)


def clock_start(history: LeadHistory, as_of: datetime | None = None) -> datetime:
    """The clock start of the lead's first cycle: its handoff if known at ``as_of`` (its
    ``handed_off_at``, else its first handoff event), else its creation."""
    lead = history.lead
    if lead.handed_off_at is not None and (as_of is None or lead.handed_off_at <= as_of):
        return lead.handed_off_at
    for e in history.events:
        if e.kind == HANDOFF and (as_of is None or e.at <= as_of):
            return e.at
    return lead.created_at


def handoffs(history: LeadHistory, as_of: datetime) -> list[datetime]:
    """The lead's handoffs known at ``as_of``, sorted: ``handed_off_at`` first when set (it
    is the first cycle's start, as in section 4), then its ``handoff`` events."""
    lead = history.lead
    out = [e.at for e in history.events if e.kind == HANDOFF and e.at <= as_of]
    if lead.handed_off_at is not None and lead.handed_off_at <= as_of:
        first = lead.handed_off_at
        out = [first, *(t for t in out if t > first)]
    return out


def cycles_of(
    agreement: Agreement,
    history: LeadHistory,
    as_of: datetime,
    mql: Matcher | Condition | None = None,
    *,
    why: bool = True,
) -> list[LeadFacts]:
    """The lead's cycles by ``as_of`` (SPEC 7.1), each with its own clock start, touches
    (up to the next cycle's start), disposition, accepts and pauses; empty when the lead
    is not an MQL. A cycle ends at its first disposition; a handoff after that end starts
    the next cycle, one while it is open moves nothing."""
    lead = history.lead
    events = history.events
    if history.opportunities:  # SPEC 9: each cycle takes its own (cycles_by_events)
        return cycles_by_events(agreement, history, as_of, mql, why=why)
    for e in events:
        if e.kind in _CYCLE_KINDS:
            break
    else:  # touches and dispositions only (most leads): one cycle, no loop over cycles
        handed = lead.handed_off_at
        first = _first_start(
            agreement, lead, handed if handed and handed <= as_of else None, as_of, mql
        )
        if first is None:
            return []
        kinds = agreement.definitions.touch_kinds
        touches = tuple([e for e in events if e.kind in kinds and first <= e.at <= as_of])
        disp = None
        for e in events:
            if e.kind == DISPOSITION and first <= e.at <= as_of:
                disp = e
                break
        return [LeadFacts(lead, first, touches, disp, why)]
    return cycles_by_events(agreement, history, as_of, mql, why=why)


def _first_start(
    agreement: Agreement,
    lead: Lead,
    handoff: datetime | None,
    as_of: datetime,
    mql: Matcher | Condition | None,
) -> datetime | None:
    """The first cycle's clock start by ``as_of``: the first handoff, or for a lead never
    handed off its creation when it matches the MQL definition; None when it has none."""
    if handoff is not None:
        return handoff
    test = mql or agreement.definitions.mql
    if test is None or not test.matches(lead) or lead.created_at > as_of:
        return None
    return lead.created_at


# the kinds that start, stop or hand over a cycle (a lead without them has one cycle)
_CYCLE_KINDS = frozenset({HANDOFF, REASSIGN, PAUSE, RESUME, ACCEPT})


def cycles_by_events(
    agreement: Agreement,
    history: LeadHistory,
    as_of: datetime,
    mql: Matcher | Condition | None = None,
    *,
    why: bool = True,
) -> list[LeadFacts]:
    """``cycles_of`` walking the events, for any lead (the reference for its shortcut)."""
    lead = history.lead
    starts = handoffs(history, as_of)
    first = _first_start(agreement, lead, starts[0] if starts else None, as_of, mql)
    if first is None:
        return []
    kinds = agreement.definitions.touch_kinds
    rules = agreement.definitions.pauses
    out: list[LeadFacts] = []
    reassigns: list[Event] = []
    start = first
    touches: list[Event] = []
    accepts: list[Event] = []
    pauses: list[Event] = []
    resumes: list[datetime] = []
    disp: Event | None = None
    nxt: datetime | None = None

    def close() -> None:
        out.append(
            LeadFacts(
                lead,
                start,
                tuple(touches),
                disp,
                why,
                None,
                len(out) + 1,
                _pauses(agreement, pauses, resumes, disp, as_of) if rules else (),
                (),
                tuple(accepts),
            )
        )

    for e in history.events:
        at = e.at
        if at > as_of:
            break
        kind = e.kind
        if kind == REASSIGN:
            reassigns.append(e)
            continue
        if at < start:
            continue
        while nxt is not None and at >= nxt:
            close()
            start, nxt, disp = nxt, None, None
            touches, accepts, pauses, resumes = [], [], [], []
        if kind in kinds:
            touches.append(e)
        elif kind == DISPOSITION:
            if disp is None:
                disp = e
                i = bisect_right(starts, at)
                nxt = starts[i] if i < len(starts) else None
        elif kind == ACCEPT:
            accepts.append(e)
        elif kind == PAUSE:
            if disp is None:  # a pause after the cycle's end is outside every cycle
                pauses.append(e)
        elif kind == RESUME:
            resumes.append(at)
    close()
    while nxt is not None:
        start, nxt, disp = nxt, None, None
        touches, accepts, pauses, resumes = [], [], [], []
        close()
    if reassigns:
        held = tuple(reassigns)
        out = [replace(f, reassigns=held) for f in out]
    if history.opportunities:  # SPEC 9: each cycle's, from its start to the next's
        ends = [f.start for f in out[1:]]
        out = [
            replace(
                f,
                opportunities=tuple(
                    o
                    for o in history.opportunities
                    if f.start <= o.created_at <= as_of
                    and (i >= len(ends) or o.created_at < ends[i])
                ),
            )
            for i, f in enumerate(out)
        ]
    return out


def _pauses(
    agreement: Agreement,
    pauses: Sequence[Event],
    resumes: Sequence[datetime],
    disp: Event | None,
    as_of: datetime,
) -> tuple[Pause, ...]:
    """Each pause from its event to the next ``resume``, the cycle's end or ``max`` after
    it, whichever is first (SPEC 7.3); open (no end) when none of them is known."""
    if not pauses:
        return ()
    rules = agreement.definitions.pauses
    longest = rules.max if rules is not None else None
    out = []
    for p in pauses:
        ends = [t for t in resumes if t > p.at][:1]
        if disp is not None:
            ends.append(disp.at)
        if longest is not None:
            ends.append(agreement.calendar.add(p.at, longest))
        out.append(Pause(p.at, min(ends) if ends else None, p.reason))
    return tuple(out)


def is_mql(
    agreement: Agreement,
    history: LeadHistory,
    as_of: datetime,
    mql: Matcher | Condition | None = None,
) -> bool:
    """Subject to the sales commitments: a handoff recorded by ``as_of``, or a match of
    ``definitions.mql`` (``mql``: the same test, remembered)."""
    lead = history.lead
    if lead.handed_off_at is not None and lead.handed_off_at <= as_of:
        return True
    if any(e.kind == HANDOFF and e.at <= as_of for e in history.events):
        return True
    test = mql or agreement.definitions.mql
    return test is not None and test.matches(lead)


def facts_of(
    agreement: Agreement,
    history: LeadHistory,
    as_of: datetime,
    *,
    why: bool = True,
    start: datetime | None = None,
    due: Mapping[Duration, datetime] | None = None,
) -> LeadFacts:
    """The clock start, the touches and the disposition that count at ``as_of``."""
    if start is None:
        start = clock_start(history, as_of)
    kinds = agreement.definitions.touch_kinds
    touches = []
    disposition = None
    for e in history.events:
        if e.at < start or e.at > as_of:
            continue
        if e.kind in kinds:
            touches.append(e)
        elif e.kind == DISPOSITION and disposition is None:
            disposition = e
    return LeadFacts(history.lead, start, tuple(touches), disposition, why, due)


def applies(c: Commitment, history: LeadHistory) -> bool:
    return c.applies_to is None or c.applies_to.matches(history.lead)


class Matcher:
    """A condition's answers remembered by the values of the fields it reads: a month's
    leads share a few hundred (score, source) pairs, and a condition is pure."""

    def __init__(self, condition: Condition) -> None:
        self.condition = condition
        self.fields = tuple(sorted(condition.fields()))
        self.answers: dict[object, bool] = {}
        self.key: Callable[[Lead], object] = self._values
        if self.fields and all(f in LEAD_FIELDS for f in self.fields):
            # plain columns: one attrgetter (a value, or a tuple of them) per lead
            self.key = attrgetter(*self.fields)

    def _values(self, lead: Lead) -> tuple[object, ...]:
        return tuple(lead.get(f) for f in self.fields)

    def matches(self, lead: Lead) -> bool:
        try:
            key = self.key(lead)
            answer = self.answers.get(key)
        except TypeError:  # an unhashable extra value: just ask
            return self.condition.matches(lead)
        if answer is None:
            answer = self.answers[key] = self.condition.matches(lead)
        return answer


Plan = list[tuple[Commitment, LeadMeasure, "Matcher | Condition | None"]]


def lead_plan(agreement: Agreement, *, memo: bool = False) -> Plan:
    """The agreement's lead commitments with their measure and ``applies_to`` test."""
    plan: Plan = []
    for c in agreement.commitments:
        fn = LEAD_MEASURES.get(c.measure)
        if fn is not None:
            test = c.applies_to
            plan.append((c, fn, Matcher(test) if memo and test is not None else test))
    return plan


def lead_outcomes(
    agreement: Agreement,
    facts: LeadFacts,
    as_of: datetime,
    cal: BusinessCalendar | None = None,
    plan: Plan | None = None,
) -> list[Outcome]:
    """Every lead commitment's outcome for one MQL (``cal``: the agreement's calendar, or
    a faster stand-in for it over a period)."""
    cal = cal or agreement.calendar
    out = []
    for c, fn, test in plan if plan is not None else lead_plan(agreement):
        if test is not None and not test.matches(facts.lead):
            continue
        outcome = measured(agreement, c, fn, facts, as_of, cal)
        if outcome is not None:
            out.append(outcome)
    return out


def measured(
    agreement: Agreement,
    c: Commitment,
    fn: LeadMeasure,
    facts: LeadFacts,
    as_of: datetime,
    cal: BusinessCalendar,
) -> Outcome | None:
    """One commitment's outcome for one cycle: on ``cal`` (the agreement's calendar or a
    stand-in for it), or on the owner's for a ``calendar: owner`` commitment (SPEC 8.1)."""
    if c.calendar == "owner" and agreement.team is not None:
        return owner_calendar_outcome(agreement, c, fn, facts, as_of)
    return fn(c, facts, cal, as_of)


def owner_calendar_outcome(
    agreement: Agreement,
    c: Commitment,
    fn: LeadMeasure,
    facts: LeadFacts,
    as_of: datetime,
) -> Outcome | None:
    """A ``calendar: owner`` commitment: measured on the calendar of the owner at the
    clock start (``Team.calendar_for``), never with the bulk deadlines of the
    agreement's calendar."""
    from dataclasses import replace

    assert agreement.team is not None
    rep = facts.owner_at(facts.start)
    cal = agreement.owner_calendar(rep)
    outcome = fn(c, replace(facts, due=None), cal, as_of)
    if outcome is not None and facts.why:
        outcome = outcome._replace(
            reason=f"{outcome.reason}; {agreement.team.why(rep)}, the owner at the clock start"
        )
    return outcome


def evaluate_lead(
    agreement: Agreement, history: LeadHistory, as_of: datetime, *, why: bool = True
) -> list[Outcome]:
    """Every lead commitment's outcome for one lead, cycle by cycle (empty when it is not
    an MQL at ``as_of``, or its clock has not started yet)."""
    out: list[Outcome] = []
    for facts in cycles_of(agreement, history, as_of, why=why):
        out += lead_outcomes(agreement, facts, as_of)
    return out


def in_period(agreement: Agreement, t: datetime, period: Period) -> bool:
    """Whether instant ``t`` falls in ``period``: on one of its days in the agreement's time
    zone, or between the instants of a part cut at an agreement's edge."""
    lo, hi = period.bounds(agreement.calendar.tz)
    return lo <= t < hi


BULK = 5000  # cohorts from this size compute their deadlines with numpy
# cohorts from this size are evaluated column-wise (``columns.py``) when no reasons are
# written: numpy's import (0.1 s) and the arrays cost more than a small cohort's loop
COLUMNS = 2000


def start_deadlines(
    agreement: Agreement, starts: Sequence[datetime]
) -> dict[Duration, list[datetime]]:
    """``start + d`` for every duration the lead measures count from the clock start
    (``within``, ``open_for``), for all the cohort's starts at once."""
    durations = {
        d
        for c in agreement.commitments
        if c.measure in LEAD_MEASURES
        for d in (c.within, c.open_for)
        if d is not None
    }
    if len(starts) < BULK:  # importing numpy (0.1 s) costs more than the calendar calls
        return {}
    return {d: add_many(agreement.calendar, starts, d) for d in durations}


def cohort_calendar(
    agreement: Agreement, period: Period, as_of: datetime, size: int
) -> BusinessCalendar:
    """The calendar a cohort of ``size`` cycles of ``period`` is evaluated on: from 64
    cycles the period's table (``period_calendar``), below it the agreement's own (the
    table costs more than it saves)."""
    return period_calendar(agreement, period, as_of) if size >= 64 else agreement.calendar


def period_calendar(agreement: Agreement, period: Period, as_of: datetime) -> BusinessCalendar:
    """The agreement's calendar with business days added from a table of the period (the
    cadence adds one per touch)."""
    days = [
        int(d.amount)
        for c in agreement.commitments
        for d in (c.within, c.warn, c.open_for, c.max_gap)
        if d is not None and d.unit == "business_days"
    ]
    if not days:
        return agreement.calendar
    cal = agreement.calendar
    last = max(period.end, as_of.astimezone(cal.tz).date())
    fast = PeriodCalendar(cal, period.start - timedelta(days=1), last, max(days))
    return cast(BusinessCalendar, fast)


@dataclass
class PeriodResult:
    """A period's outcomes and the funnel counts of its MQL cohort (one per cycle)."""

    outcomes: list[Outcome] = field(default_factory=list)
    mql: int = 0  # cycles that start in the period
    dispositions: dict[str, int] = field(default_factory=dict)  # outcome -> cycles
    recycled: int = 0  # cycles after a lead's first that start in the period
    cycles: list[LeadFacts] = field(default_factory=list)  # the cohort (for `quality`)


def mql_cohort(
    agreement: Agreement,
    histories: Iterable[LeadHistory],
    *,
    as_of: datetime,
    period: Period,
    why: bool = True,
) -> list[LeadFacts]:
    """The cycles whose clock starts in ``period`` by ``as_of`` (SPEC 7.1); ``why``: their
    measures write reasons."""
    lo, hi = period.bounds(agreement.calendar.tz)
    cohort: list[LeadFacts] = []
    definition = agreement.definitions.mql
    mql = Matcher(definition) if definition is not None else None
    for h in histories:
        for f in cycles_of(agreement, h, as_of, mql, why=why):
            if lo <= f.start < hi:
                cohort.append(f)
    return cohort


class Cohorts:
    """The cycles of one set of histories that start in a period, remembered for a second
    evaluation of the same histories (a what-if evaluates the period under two
    agreements). They depend on the agreement's definitions, the period's instants and
    ``as_of`` alone, but for the ends of their pauses: a pause ``max`` is counted on the
    calendar (SPEC 7.3). An agreement with other definitions gets its own; one with
    another calendar or ``max`` gets the same cycles, those with pauses worked out again."""

    def __init__(self, histories: Sequence[LeadHistory]) -> None:
        self.histories = histories
        # (definitions but the pauses' max, the period's instants, as_of)
        #   -> [((the pauses' max, the calendar), the cohort)] (a calendar is not hashable)
        self.seen: dict[object, list[tuple[object, list[LeadFacts]]]] = {}

    def of(
        self,
        agreement: Agreement,
        histories: Sequence[LeadHistory],
        as_of: datetime,
        period: Period,
    ) -> list[LeadFacts]:
        d = agreement.definitions
        rules = d.pauses
        shape = replace(d, pauses=replace(rules, max=None)) if rules is not None else d
        key = (shape, period.bounds(agreement.calendar.tz), as_of)
        ends = (rules.max, agreement.calendar_spec) if rules is not None else None
        same = histories is self.histories or (
            len(histories) == len(self.histories)
            and all(a is b for a, b in zip(histories, self.histories, strict=True))
        )
        try:
            known = self.seen.get(key) if same else None
        except TypeError:  # a definition with an unhashable value: not remembered
            return mql_cohort(agreement, histories, as_of=as_of, period=period)
        if known is None:
            got = mql_cohort(agreement, histories, as_of=as_of, period=period)
            if same:
                self.seen[key] = [(ends, got)]
            return got
        mine = next((cohort for e, cohort in known if e == ends), None)
        if mine is None:
            mine = _paused_again(agreement, known[0][1], histories, as_of)
            known.append((ends, mine))
        return mine


def _paused_again(
    agreement: Agreement,
    cohort: list[LeadFacts],
    histories: Sequence[LeadHistory],
    as_of: datetime,
) -> list[LeadFacts]:
    """``cohort``, found under another calendar or pause ``max``, under ``agreement``'s:
    the cycles with pauses worked out again (their ends may move), the others as they are
    (nothing else in a cycle depends on the calendar)."""
    definition = agreement.definitions.mql
    mql = Matcher(definition) if definition is not None else None
    lead_of: dict[int, LeadHistory] | None = None
    again: dict[int, dict[int, LeadFacts]] = {}
    out = []
    for f in cohort:
        if f.pauses:
            cycles = again.get(id(f.lead))
            if cycles is None:
                if lead_of is None:
                    lead_of = {id(h.lead): h for h in histories}
                found = cycles_of(agreement, lead_of[id(f.lead)], as_of, mql)
                cycles = again[id(f.lead)] = {c.cycle: c for c in found}
            f = cycles[f.cycle]
        out.append(f)
    return out


def evaluate_period(
    agreement: Agreement,
    histories: Iterable[LeadHistory],
    *,
    as_of: datetime,
    period: Period,
    reviews: Sequence[Event] = (),
    quotas: Quotas | None = None,
    why: bool = True,
    team_mqls: int | None = None,
    cohorts: Cohorts | None = None,
    evaluated: Evaluated | None = None,
    pipeline: Sequence[PipelineEntry] = (),
) -> PeriodResult:
    """Every outcome of ``period`` under ``agreement``: the lead commitments of the cycles
    whose clock starts in it (by ``as_of``), then the period commitments. ``team_mqls``:
    the MQL count the quota is judged on, when ``histories`` are one rep's. ``cohorts``:
    where the cohort of these same histories may be remembered (see ``Cohorts``).
    ``evaluated``: the lead outcomes of a span holding the period, evaluated once (see
    ``Evaluated``)."""
    result = PeriodResult()
    got = None
    if evaluated is not None and not why:
        got = evaluated.cycles(agreement, cast(Sequence[LeadHistory], histories), as_of, period)
    if got is not None:
        result.cycles, result.outcomes = got
        result.mql = len(result.cycles)
        _count_cycles(result, result.cycles)
        _period_outcomes(
            agreement, result, period, as_of, reviews, quotas, why, team_mqls, pipeline
        )
        return result
    if cohorts is not None:
        seen = cohorts.of(agreement, cast(Sequence[LeadHistory], histories), as_of, period)
    else:
        seen = mql_cohort(agreement, histories, as_of=as_of, period=period)
    result.mql = len(seen)
    result.cycles = seen
    plan = lead_plan(agreement, memo=True)
    if not why and len(seen) >= COLUMNS:
        _count_cycles(result, seen)
        result.outcomes += _column_outcomes(agreement, seen, as_of, plan)
        _period_outcomes(
            agreement, result, period, as_of, reviews, quotas, why, team_mqls, pipeline
        )
        return result
    due = start_deadlines(agreement, [f.start for f in seen])
    cal = cohort_calendar(agreement, period, as_of, len(seen))
    for n, f in enumerate(seen):
        mine = {d: v[n] for d, v in due.items()} if due else None
        if mine is not None or f.why != why:  # positional: a month has ~90,000 cycles
            facts = LeadFacts(
                f.lead,
                f.start,
                f.touches,
                f.disposition,
                why,
                mine,
                f.cycle,
                f.pauses,
                f.reassigns,
                f.accepts,
                f.opportunities,
            )
        else:
            facts = f
        if facts.cycle > 1:
            result.recycled += 1
        if facts.disposition is not None:
            key = facts.disposition.outcome or ""
            result.dispositions[key] = result.dispositions.get(key, 0) + 1
        result.outcomes += lead_outcomes(agreement, facts, as_of, cal, plan)
    _period_outcomes(agreement, result, period, as_of, reviews, quotas, why, team_mqls, pipeline)
    return result


def _count_cycles(result: PeriodResult, seen: Sequence[LeadFacts]) -> None:
    """The funnel's counts of the cohort: recycled cycles, cycles by disposition."""
    for f in seen:
        if f.cycle > 1:
            result.recycled += 1
        if f.disposition is not None:
            key = f.disposition.outcome or ""
            result.dispositions[key] = result.dispositions.get(key, 0) + 1


def _column_outcomes(
    agreement: Agreement,
    seen: Sequence[LeadFacts],
    as_of: datetime,
    plan: Plan,
    by_cycle: list[list[Outcome]] | None = None,
) -> list[Outcome]:
    """The cohort's lead outcomes by ``columns.column_outcomes`` (numpy), each pair it
    leaves to the per-lead measures evaluated as ``lead_outcomes`` would."""
    from slactl.compliance.columns import column_outcomes

    cal = agreement.calendar

    def per_lead(c: Commitment, fn: LeadMeasure, f: LeadFacts) -> Outcome | None:
        return measured(agreement, c, fn, replace(f, why=False, due=None), as_of, cal)

    return column_outcomes(agreement, seen, as_of, cal, plan, per_lead=per_lead, by_cycle=by_cycle)


def cohort_outcomes(
    agreement: Agreement,
    cohort: Sequence[LeadFacts],
    as_of: datetime,
    period: Period,
    plan: Plan,
) -> list[list[Outcome]]:
    """Each cycle's outcomes under ``plan`` for a cohort of cycles without reasons (``why``
    False) that start in ``period``, cycle by cycle: column-wise (``columns.py``) from
    ``BULK`` cycles (the size from which the deadlines take numpy anyway), else lead by
    lead. The open work's plan is its few sales commitments: on a cohort below ``BULK``
    (one rep's) numpy's import costs more than the columns save (docs/performance.md)."""
    if len(cohort) >= BULK:
        out: list[list[Outcome]] = []
        _column_outcomes(agreement, cohort, as_of, plan, out)
        return out
    cal = cohort_calendar(agreement, period, as_of, len(cohort))
    return [lead_outcomes(agreement, f, as_of, cal, plan) for f in cohort]


class Evaluated:
    """The lead outcomes of one set of histories at one ``as_of``, evaluated once per
    agreement for every cycle that starts in ``span``, then handed out period by period:
    a dashboard's month and the thirteen weeks of its trend are one evaluation, not
    fourteen. A cycle's lead outcomes do not depend on the period it is reported in.
    Used only for reports without reasons (``why`` False). ``columns``: from how many
    cycles they are evaluated column-wise (``status``, which has not imported numpy for
    anything else, waits as long as ``cohort_outcomes`` does)."""

    def __init__(
        self,
        histories: Sequence[LeadHistory],
        as_of: datetime,
        span: Period,
        *,
        columns: int = COLUMNS,
    ) -> None:
        self.histories = histories
        self.as_of = as_of
        self.span = span
        self.columns = columns
        self.held: set[int] | None = None  # the leads of ``histories``, when asked
        # id(agreement) -> (it, its cycles, their starts sorted, the cycles' indices in
        # that order, each cycle's outcomes)
        self.done: dict[
            int,
            tuple[Agreement, list[LeadFacts], list[datetime], list[int], list[list[Outcome]]],
        ] = {}

    def _of(
        self, agreement: Agreement
    ) -> tuple[list[LeadFacts], list[datetime], list[int], list[list[Outcome]]]:
        got = self.done.get(id(agreement))
        if got is None:
            cycles = mql_cohort(
                agreement, self.histories, as_of=self.as_of, period=self.span, why=False
            )
            plan = lead_plan(agreement, memo=True)
            outcomes: list[list[Outcome]] = []
            if len(cycles) >= self.columns:
                _column_outcomes(agreement, cycles, self.as_of, plan, outcomes)
            else:
                cal = cohort_calendar(agreement, self.span, self.as_of, len(cycles))
                for f in cycles:
                    outcomes.append(lead_outcomes(agreement, f, self.as_of, cal, plan))
            order = sorted(range(len(cycles)), key=lambda i: cycles[i].start)
            starts = [cycles[i].start for i in order]
            got = (agreement, cycles, starts, order, outcomes)
            self.done[id(agreement)] = got
        return got[1], got[2], got[3], got[4]

    def cycles(
        self,
        agreement: Agreement,
        histories: Sequence[LeadHistory],
        as_of: datetime,
        period: Period,
    ) -> tuple[list[LeadFacts], list[Outcome]] | None:
        """The cycles of ``histories`` that start in ``period`` and their lead outcomes,
        in the order ``evaluate_period`` gives them; None when this evaluation cannot say
        (another ``as_of``, a period outside the span, histories it does not hold)."""
        leads: set[int] | None = None
        same = histories is self.histories or (
            len(histories) == len(self.histories)
            and all(a is b for a, b in zip(histories, self.histories, strict=True))
        )
        if not same:
            leads = {id(h.lead) for h in histories}
            if self.held is None:
                self.held = {id(h.lead) for h in self.histories}
            if not leads <= self.held:
                return None
        pairs = self.pairs(agreement, as_of, period)
        if pairs is None:
            return None
        seen: list[LeadFacts] = []
        out: list[Outcome] = []
        for f, each in pairs:
            if leads is None or id(f.lead) in leads:
                seen.append(f)
                out += each
        return seen, out

    def pairs(
        self, agreement: Agreement, as_of: datetime, period: Period
    ) -> list[tuple[LeadFacts, list[Outcome]]] | None:
        """Each cycle of all the histories that starts in ``period``, with its lead
        outcomes, in cohort order; None when this evaluation cannot say (another
        ``as_of``, a period outside the span)."""
        tz = agreement.calendar.tz
        lo, hi = period.bounds(tz)
        span_lo, span_hi = self.span.bounds(tz)
        if as_of != self.as_of or lo < span_lo or hi > span_hi:
            return None
        cycles, starts, order, outcomes = self._of(agreement)
        # the cycles starting in [lo, hi), by bisection on the sorted starts, in cohort order
        return [
            (cycles[i], outcomes[i])
            for i in sorted(order[bisect_left(starts, lo) : bisect_left(starts, hi)])
        ]


def _period_outcomes(
    agreement: Agreement,
    result: PeriodResult,
    period: Period,
    as_of: datetime,
    reviews: Sequence[Event],
    quotas: Quotas | None,
    why: bool,
    team_mqls: int | None,
    pipeline: Sequence[PipelineEntry],
) -> None:
    mqls = result.mql if team_mqls is None else team_mqls
    amount = 0.0
    if pipeline and any(c.measure == "pipeline" for c in agreement.commitments):
        amount = figures(agreement, pipeline, period=period, as_of=as_of).pipeline
    pfacts = PeriodFacts(agreement, period, mqls, reviews, quotas, why, amount)
    for c in agreement.commitments:
        fn = PERIOD_MEASURES.get(c.measure)
        if fn is not None:
            result.outcomes += fn(c, pfacts, as_of)


def evaluate(
    agreement: Agreement,
    histories: Iterable[LeadHistory],
    *,
    as_of: datetime,
    period: Period,
    reviews: Sequence[Event] = (),
    quotas: Quotas | None = None,
    why: bool = True,
) -> list[Outcome]:
    """Every outcome of the period (see ``evaluate_period``)."""
    return evaluate_period(
        agreement,
        histories,
        as_of=as_of,
        period=period,
        reviews=reviews,
        quotas=quotas,
        why=why,
    ).outcomes
