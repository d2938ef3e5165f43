"""Evaluate an agreement over lead histories as of a moment (SPEC section 4).

Pure: takes data, returns frozen outcome records; no database, no Rich, no reading of
the clock on the wall. The measures themselves are in ``measures.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
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
    PeriodFacts,
)
from slactl.periods import Period
from slactl.records import DISPOSITION, HANDOFF, Event, Lead, LeadHistory, Outcome


def clock_start(history: LeadHistory, as_of: datetime | None = None) -> datetime:
    """The lead's handoff if known at ``as_of`` (its ``handed_off_at``, else its first
    handoff event), else its creation."""
    lead = history.lead
    if lead.handed_off_at is not None and (as_of is None or lead.handed_off_at <= as_of):
        return lead.handed_off_at
    for e in history.events:
        if e.kind == HANDOFF and (as_of is None or e.at <= as_of):
            return e.at
    return lead.created_at


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
        self.answers: dict[tuple[object, ...], bool] = {}

    def matches(self, lead: Lead) -> bool:
        try:
            key = tuple(lead.get(f) for f in self.fields)
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
    history: LeadHistory | None = None,
) -> list[Outcome]:
    """Every lead commitment's outcome for one MQL (``cal``: the agreement's calendar, or
    a faster stand-in for it over a period)."""
    cal = cal or agreement.calendar
    out = []
    for c, fn, test in plan if plan is not None else lead_plan(agreement):
        if test is not None and not test.matches(facts.lead):
            continue
        if c.calendar == "owner" and agreement.team is not None:  # SPEC 8.1
            outcome = owner_calendar_outcome(agreement, c, fn, facts, as_of, history)
        else:
            outcome = fn(c, facts, cal, as_of)
        if outcome is not None:
            out.append(outcome)
    return out


def owner_calendar_outcome(
    agreement: Agreement,
    c: Commitment,
    fn: LeadMeasure,
    facts: LeadFacts,
    as_of: datetime,
    history: LeadHistory | None,
) -> Outcome | None:
    """A ``calendar: owner`` commitment: measured on the calendar of the owner at the
    clock start (``Team.calendar_for``), never with the bulk deadlines of the
    agreement's calendar."""
    from dataclasses import replace

    from slactl.compliance.owners import owner_at

    assert agreement.team is not None
    rep = owner_at(history, facts.start, as_of) if history is not None else facts.lead.owner
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
    """Every lead commitment's outcome for one lead (empty when it is not an MQL at
    ``as_of``, or its clock has not started yet)."""
    if not is_mql(agreement, history, as_of):
        return []
    facts = facts_of(agreement, history, as_of, why=why)
    if facts.start > as_of:
        return []
    return lead_outcomes(agreement, facts, as_of, history=history)


def in_period(agreement: Agreement, t: datetime, period: Period) -> bool:
    """Whether instant ``t`` falls in ``period``: on one of its days in the agreement's time
    zone, or between the instants of a part cut at an agreement's edge."""
    lo, hi = period.bounds(agreement.calendar.tz)
    return lo <= t < hi


BULK = 5000  # cohorts from this size compute their deadlines with numpy


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
    """A period's outcomes and the funnel counts of its MQL cohort."""

    outcomes: list[Outcome] = field(default_factory=list)
    mql: int = 0
    dispositions: dict[str, int] = field(default_factory=dict)  # outcome -> MQLs


def mql_cohort(
    agreement: Agreement, histories: Iterable[LeadHistory], *, as_of: datetime, period: Period
) -> list[tuple[LeadHistory, datetime]]:
    """The MQLs whose clock starts in ``period`` by ``as_of``, with their clock start."""
    lo, hi = period.bounds(agreement.calendar.tz)
    cohort: list[tuple[LeadHistory, datetime]] = []
    definition = agreement.definitions.mql
    mql = Matcher(definition) if definition is not None else None
    for h in histories:
        start = clock_start(h, as_of)
        if start > as_of or not lo <= start < hi:
            continue
        if is_mql(agreement, h, as_of, mql):
            cohort.append((h, start))
    return cohort


Seen = tuple[LeadHistory, datetime, tuple[Event, ...], "Event | None"]


class Cohorts:
    """The MQL cohorts of one set of histories with each lead's clock start, touches and
    disposition, remembered for a second evaluation of the same histories (a what-if
    evaluates the period under two agreements). They depend on the agreement's
    definitions, the period's instants and ``as_of`` alone, not on its calendar or
    commitments: an agreement with other definitions gets its own."""

    def __init__(self, histories: Sequence[LeadHistory]) -> None:
        self.histories = histories
        self.seen: dict[object, list[Seen]] = {}

    def of(
        self,
        agreement: Agreement,
        histories: Sequence[LeadHistory],
        as_of: datetime,
        period: Period,
    ) -> list[Seen]:
        key = (agreement.definitions, period.bounds(agreement.calendar.tz), as_of)
        try:
            got = self.seen.get(key)
        except TypeError:  # a definition with an unhashable value: not remembered
            return _seen(agreement, histories, as_of, period)
        same = len(histories) == len(self.histories) and all(
            a is b for a, b in zip(histories, self.histories, strict=True)
        )
        if got is None or not same:
            got = _seen(agreement, histories, as_of, period)
            if same:
                self.seen[key] = got
        return got


def _seen(
    agreement: Agreement, histories: Iterable[LeadHistory], as_of: datetime, period: Period
) -> list[Seen]:
    out = []
    for h, start in mql_cohort(agreement, histories, as_of=as_of, period=period):
        f = facts_of(agreement, h, as_of, start=start)
        out.append((h, start, f.touches, f.disposition))
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
) -> PeriodResult:
    """Every outcome of ``period`` under ``agreement``: the lead commitments of the MQLs
    whose clock starts in it (by ``as_of``), then the period commitments. ``team_mqls``:
    the MQL count the quota is judged on, when ``histories`` are one rep's. ``cohorts``:
    where the cohort of these same histories may be remembered (see ``Cohorts``)."""
    result = PeriodResult()
    if cohorts is not None:
        seen = cohorts.of(agreement, cast(Sequence[LeadHistory], histories), as_of, period)
    else:
        seen = _seen(agreement, histories, as_of, period)
    result.mql = len(seen)
    due = start_deadlines(agreement, [s for _, s, _, _ in seen])
    cal = period_calendar(agreement, period, as_of) if len(seen) >= 64 else agreement.calendar
    plan = lead_plan(agreement, memo=True)
    for n, (h, start, touches, disposition) in enumerate(seen):
        mine = {d: v[n] for d, v in due.items()} if due else None
        facts = LeadFacts(h.lead, start, touches, disposition, why, mine)
        if facts.disposition is not None:
            key = facts.disposition.outcome or ""
            result.dispositions[key] = result.dispositions.get(key, 0) + 1
        result.outcomes += lead_outcomes(agreement, facts, as_of, cal, plan, h)
    mqls = result.mql if team_mqls is None else team_mqls
    pfacts = PeriodFacts(agreement, period, mqls, reviews, quotas, why)
    for c in agreement.commitments:
        fn = PERIOD_MEASURES.get(c.measure)
        if fn is not None:
            result.outcomes += fn(c, pfacts, as_of)
    return result


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
