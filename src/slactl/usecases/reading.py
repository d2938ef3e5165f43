"""Glue between the ledger and the compliance engine: what each reading command asks.

Reads with ``slactl.ledger.queries``, evaluates with ``slactl.compliance``; no rules here
beyond choosing which agreement governs which part of a period.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from slactl.compliance.plan import Plan
    from slactl.compliance.whatif import WhatIf
    from slactl.ledger.connection import ReadEngine
    from slactl.ledger.published import Change, Publication

from slactl.agreement.directory import AgreementSet
from slactl.agreement.model import Agreement
from slactl.bulk import bulk
from slactl.compliance.engine import (
    BULK,
    Cohorts,
    Evaluated,
    Matcher,
    clock_start,
    cohort_outcomes,
    cycles_of,
    evaluate_lead,
    handoffs,
    is_mql,
    lead_plan,
)
from slactl.compliance.measures import QUALIFIED, LeadFacts, Pause
from slactl.compliance.report import Report, Winner, build_report, one_currency
from slactl.errors import SlactlError, UnknownLead
from slactl.ledger import queries
from slactl.periods import Period
from slactl.records import (
    ACCEPT,
    DISPOSITION,
    HANDOFF,
    PAUSE,
    REASSIGN,
    RESUME,
    Event,
    Lead,
    LeadHistory,
    Outcome,
    PipelineEntry,
    State,
)

# the kinds of event the engine reads besides the touch kinds
ENGINE_KINDS = frozenset({DISPOSITION, HANDOFF, REASSIGN, PAUSE, RESUME, ACCEPT})


def segments(agreements: AgreementSet, period: Period) -> list[tuple[Agreement, Period]]:
    parts = agreements.parts(period)
    if not parts:
        raise SlactlError(
            f"no agreement covers {period.label} ({period.start}..{period.end}):"
            " add one whose period includes it"
        )
    return parts


def clock_start_bounds(agreements: AgreementSet, period: Period) -> tuple[datetime, datetime]:
    """The instants a period's leads' clock starts fall between: its local midnights (a
    day wider each side when agreements in other zones cover part of it: the engine
    re-checks each lead against its own agreement's zone), widened to the instants its
    parts begin and end at where one agreement hands over to the next."""
    parts = agreements.parts(period)
    zones = {a.calendar_spec.timezone for a, _ in parts}
    lo, hi = period.bounds(ZoneInfo(min(zones)) if zones else ZoneInfo("UTC"))
    if len(zones) > 1:
        lo, hi = lo - timedelta(days=1), hi + timedelta(days=1)
    for a, part in parts:
        p_lo, p_hi = part.bounds(ZoneInfo(a.calendar_spec.timezone))
        lo, hi = min(lo, p_lo), max(hi, p_hi)
    return lo, hi


def created_bounds(agreements: AgreementSet, period: Period) -> tuple[datetime, datetime]:
    """The instants between which a lead created counts as the period's: its midnights in
    the zone of its first agreement, or where its agreements begin or end at another
    agreement's midnight, those instants (the same cut as the cohorts)."""
    parts = agreements.parts(period)
    if not parts:
        return period.bounds(ZoneInfo(agreements.agreements[0].calendar_spec.timezone))
    tz = ZoneInfo(parts[0][0].calendar_spec.timezone)
    lo, hi = period.bounds(tz)
    first, last = parts[0], parts[-1]
    if first[1].start == period.start:
        lo = first[1].bounds(ZoneInfo(first[0].calendar_spec.timezone))[0]
    if last[1].end == period.end:
        hi = last[1].bounds(ZoneInfo(last[0].calendar_spec.timezone))[1]
    return lo, hi


@dataclass(frozen=True)
class PeriodData:
    """What a period's report reads from the ledger, loaded once."""

    histories: list[LeadHistory]
    reviews: list[Event]
    leads_created: int
    pipeline: list[PipelineEntry] = field(default_factory=list)  # SPEC 9


def load_period(
    engine: ReadEngine,
    agreements: AgreementSet,
    period: Period,
    *,
    as_of: datetime,
    owner: str | None = None,
) -> PeriodData:
    """The leads whose clock start may fall in ``period`` (a day of margin each side, for
    agreements in other zones: the engine re-checks each lead), their events up to
    ``as_of``, the review meetings around it, and how many leads were created in it."""
    parts = segments(agreements, period)
    lo, hi = clock_start_bounds(agreements, period)
    exact_lo, exact_hi = created_bounds(agreements, period)
    # only the events the engine reads: touches, dispositions, handoffs
    kinds = {k for a, _ in parts for k in a.definitions.touch_kinds} | ENGINE_KINDS
    with engine.connect() as conn:
        histories = queries.load_histories(
            conn=conn,
            start=lo,
            end=hi,
            as_of=as_of,
            owner=owner,
            kinds=kinds,
            opportunities=any(c.measure == "opportunity" for a, _ in parts for c in a.commitments),
        )
        pipeline = queries.load_pipeline(conn=conn, start=lo, end=hi, as_of=as_of)
        reviews = queries.load_reviews(
            conn=conn, start=lo - timedelta(days=62), end=hi + timedelta(days=62)
        )
        created = queries.count_leads_created(
            conn=conn, start=exact_lo, end=exact_hi, owner=owner, as_of=as_of
        )
    return PeriodData(histories, reviews, created, pipeline)


def unmeasured(
    agreements: AgreementSet, period: Period, histories: list[LeadHistory], as_of: datetime
) -> list[str]:
    """Warnings for leads whose clock start falls in ``period`` on a day no agreement
    covers: they are left out of the report."""
    from slactl.compliance.engine import clock_start

    covered = sum((hi - lo).days + 1 for _, lo, hi in agreements.covering(period.start, period.end))
    if covered == (period.end - period.start).days + 1:
        return []  # every day of the period has its agreement
    days: dict[str, int] = {}
    for h in histories:
        start = clock_start(h, as_of)
        if start > as_of or agreements.at(start) is not None:
            continue
        d = agreements.local_day(start)
        if period.contains(d):
            days[d.isoformat()] = days.get(d.isoformat(), 0) + 1
    if not days:
        return []
    first, last = min(days), max(days)
    span = first if first == last else f"{first}..{last}"
    n = sum(days.values())
    return [
        f"{n} lead{'s' if n != 1 else ''} starting {span} skipped: no agreement is in effect"
        " then (add one whose period covers those dates)"
    ]


def make_report(
    engine: ReadEngine,
    agreements: AgreementSet,
    period: Period,
    *,
    as_of: datetime,
    rep: str | None = None,
    data: PeriodData | None = None,
    parts: list[tuple[Agreement, Period]] | None = None,
    why: bool = True,
    cohorts: Cohorts | None = None,
    evaluated: Evaluated | None = None,
    with_quality: bool = True,
) -> Report:
    """The report of ``period`` under the agreements in effect (or under ``parts``).

    ``why`` False skips writing each outcome's reason (a plain report shows counts).
    ``cohorts``: shared by reports of the same ``data`` (see ``engine.Cohorts``);
    ``evaluated``: the lead outcomes of a span holding the period (``engine.Evaluated``);
    ``with_quality`` False: no quality section (see ``build_report``)."""
    parts = parts or segments(agreements, period)
    if rep is not None:
        check_rep(engine, rep, team_reps(agreements))
    leads_created = None
    if data is None:
        data = load_period(engine, agreements, period, as_of=as_of)
        if rep is not None:  # the quota counts the team's MQLs; the funnel the rep's leads
            lo, hi = created_bounds(agreements, period)
            with engine.connect() as conn:
                leads_created = queries.count_leads_created(
                    conn=conn, start=lo, end=hi, owner=rep, as_of=as_of
                )
    with bulk():
        report = build_report(
            parts,
            data.histories,
            as_of=as_of,
            period=period,
            reviews=data.reviews,
            quotas=agreements.quotas,
            leads_created=data.leads_created if leads_created is None else leads_created,
            rep=rep,
            why=why,
            cohorts=cohorts,
            evaluated=evaluated,
            with_quality=with_quality,
            pipeline=data.pipeline,
        )
    report.warnings.extend(unmeasured(agreements, period, data.histories, as_of))
    report.warnings.extend(mixed_currencies(parts))
    name_winning_team(report, agreements)
    if len(parts) > 1:
        report.notes.append(
            "this period spans "
            + ", ".join(f"{a.name} ({p.start}..{p.end})" for a, p in parts)
            + ": each part is measured under its own agreement"
        )
    return report


def mixed_currencies(parts: Sequence[tuple[Agreement, Period]]) -> list[str]:
    """SPEC 9: one currency per agreement. A period that spans agreements counting
    different currencies adds their amounts in the pipeline figures: say so."""
    named = [(a, p) for a, p in parts if a.definitions.currency is not None]
    if len({a.definitions.currency for a, _ in named}) < 2:
        return []
    return [
        "the pipeline amounts add "
        + " and ".join(f"{a.definitions.currency} ({a.name}, {p.start}..{p.end})" for a, p in named)
        + ": their sum means nothing; report each agreement's part on its own (--from/--to)"
    ]


def name_winning_team(report: Report, agreements: AgreementSet) -> None:
    """SPEC 8.1: a whole quarter's report (of every rep) under a team.yaml with teams
    names the team with the most points among those with a decided pair."""
    team = agreements.team
    if report.rep_filter is not None or not report.period.is_quarter:
        return
    if team is None or not team.teams:
        return
    from slactl.compliance.teams import team_standings, winning_team

    winner = winning_team(team_standings(report.reps, team))
    report.names_winner = True
    report.winner = None if winner is None else Winner(winner.team, winner.points)


def revenue_plan(
    engine: ReadEngine,
    agreements: AgreementSet,
    *,
    revenue: float,
    months: Period,
    lookback: Period,
    as_of: datetime,
) -> Plan:
    """``slactl plan`` (SPEC 9): the MQLs and pipeline ``revenue`` over ``months`` needs,
    from the funnel of ``lookback`` as known at ``as_of`` (``compliance.plan``)."""
    measured = make_report(engine, agreements, lookback, as_of=as_of, why=False)
    from slactl.compliance.plan import make_plan

    return make_plan(revenue, months.months(), measured.funnel, lookback.label)


@dataclass(frozen=True)
class Explained:
    """What ``slactl explain`` shows of a lead: its history, cycles and outcomes."""

    agreement: Agreement
    history: LeadHistory
    outcomes: list[Outcome]
    mql: bool
    clock_start: datetime
    cycles: list[LeadFacts] = field(default_factory=list)  # SPEC 7.1, each with its pauses
    as_of: datetime | None = None
    owner: str | None = None  # at as_of, after any reassignment (SPEC 7.2)

    def holders(self, cycle: LeadFacts) -> list[tuple[str | None, datetime, datetime, timedelta]]:
        """Who held the lead during ``cycle`` (SPEC 7.2), up to its disposition or as_of:
        (owner, from, to, business time on the agreement's calendar)."""
        from slactl.compliance.owners import holders

        end = cycle.disposition.at if cycle.disposition is not None else self.as_of
        assert end is not None
        cal = self.agreement.calendar
        spans = holders(
            self.history.lead.owner, cycle.reassigns, cycle.start, max(end, cycle.start)
        )
        return [(who, lo, hi, cal.elapsed(lo, hi)) for who, lo, hi in spans]

    def paused_for(self, pause: Pause) -> timedelta | None:
        """A pause's business time on the agreement's calendar; None while it is open."""
        if pause.end is None:
            return None
        return self.agreement.calendar.elapsed(pause.start, pause.end)


def explain_lead(
    engine: ReadEngine, agreements: AgreementSet, key: str, *, as_of: datetime
) -> Explained:
    """One lead's history and outcomes at ``as_of``, with the reasons, under the agreement
    in effect on its clock start."""
    with engine.connect() as conn:
        history = queries.lead_history(conn=conn, key=key)
    if history is None:
        with engine.connect() as conn:
            close = queries.close_lead_ids(conn=conn, key=key)
        hint = f"; did you mean '{close[0]}'?" if close else ": check the external id or email"
        raise UnknownLead(f"no lead '{key}' in the ledger{hint}")
    start = clock_start(history, as_of)
    # no agreement then: in_effect says so (exit 2)
    agreement = agreements.at(start) or agreements.in_effect(agreements.local_day(start))
    from slactl.compliance.owners import owner_at

    return Explained(
        agreement,
        history,
        evaluate_lead(agreement, history, as_of),
        is_mql(agreement, history, as_of),
        start,
        cycles_of(agreement, history, as_of),
        as_of,
        owner_at(history, as_of, as_of),
    )


class StatusItem(NamedTuple):
    """One open (lead, commitment) pair of a rep, as ``slactl status`` lists it (a tuple:
    a rep's status makes thousands)."""

    outcome: Outcome
    lead: str
    company: str | None
    left: timedelta  # business time to the deadline; negative when overdue
    pause: Pause | None = None  # the pause open at as_of, when the pair is paused
    # the owner at the cycle's clock start: whose calendar a ``calendar: owner`` deadline,
    # and the escalation steps counted from it, run on (SPEC 8.1)
    calendar_rep: str | None = None


def check_rep(engine: ReadEngine, rep: str, team: Collection[str] = ()) -> bool:
    """Whether the ledger knows ``rep``. A name it does not know but that is close to one
    it does is a typo: raise (exit 2) with the closest name. Any other is a new rep, with
    nothing in the ledger yet: False. ``team``: the reps of team.yaml, known everywhere."""
    if rep in team:
        return True
    with engine.connect() as conn:
        if queries.rep_exists(conn=conn, name=rep):
            return True
        reps = [*queries.known_reps(conn=conn), *team]
    from difflib import get_close_matches

    close = get_close_matches(rep, reps, n=1)
    if close:
        raise SlactlError(f"no rep '{rep}' in the ledger; did you mean '{close[0]}'?")
    return False


def team_reps(agreements: AgreementSet) -> tuple[str, ...]:
    """The reps team.yaml names (SPEC 8.1): known reps for every command."""
    return tuple(agreements.team.reps) if agreements.team is not None else ()


def lookback(agreements: AgreementSet) -> int:
    """How many days back ``status`` looks for open work: 120 days (overdue work a rep
    never touched stays on the list that long), more when a deadline is longer than that
    allows."""
    longest = max(
        (
            int(d.amount) * (7 if d.unit == "weeks" else 1)
            for a in agreements.agreements
            for c in a.commitments
            if c.party == "sales"
            for d in (c.within, c.open_for, c.max_gap)
            if d is not None and d.unit in ("business_days", "days", "weeks")
        ),
        default=0,
    )
    return max(120, 2 * longest + 14)


def open_items(
    engine: ReadEngine,
    agreements: AgreementSet,
    *,
    as_of: datetime,
    rep: str | None = None,
    lookback_days: int | None = None,
    histories: list[LeadHistory] | None = None,
    evaluated: Evaluated | None = None,
) -> list[StatusItem]:
    """Sales work still open at ``as_of`` among the leads whose clock started in the last
    ``lookback_days`` (default ``lookback``): pending, at risk, or overdue with nothing
    done, by deadline. ``histories``: those leads, when the caller has read them;
    ``evaluated``: the outcomes of the cycles of a span, already evaluated (the month of
    ``status``), taken from there rather than evaluated again."""
    found = open_work(
        engine,
        agreements,
        as_of=as_of,
        rep=rep,
        lookback_days=lookback_days,
        histories=histories,
        evaluated=evaluated,
    )
    return [w.item for w in found.work]


class OpenPair(NamedTuple):
    """One open item with what it was computed from: its cycle's facts and agreement."""

    item: StatusItem
    facts: LeadFacts
    agreement: Agreement


@dataclass(frozen=True)
class OpenWork:
    """The open pairs at a moment, and the leads read to find them."""

    work: list[OpenPair]  # by deadline, then lead
    histories: list[LeadHistory]  # the leads read (for notify's watch: all were evaluated)


def open_work(
    engine: ReadEngine,
    agreements: AgreementSet,
    *,
    as_of: datetime,
    rep: str | None = None,
    lookback_days: int | None = None,
    histories: list[LeadHistory] | None = None,
    watch: str | None = None,
    evaluated: Evaluated | None = None,
) -> OpenWork:
    """``open_items`` with each item's facts. ``watch``: read only the leads whose notify
    watch row under this fingerprint no longer holds (``ledger.watch``)."""
    today = agreements.local_day(as_of)
    days = lookback(agreements) if lookback_days is None else lookback_days
    window = Period(today - timedelta(days=days), today, "open work")
    parts = agreements.parts(window)
    if not parts:
        return OpenWork([], [])
    if histories is None:
        histories = _read(engine, agreements, window, as_of=as_of, owner=rep, watch=watch)
    read = histories
    # a lead dispositioned by as_of has no open sales work: its first touch and disposition
    # are decided, a return is judged at the return, and its cadence ends there; but a
    # qualified one may still owe its opportunity (SPEC 9), and only that
    owed = _measures_opportunity(agreements)
    settled = {h.lead.external_id for h in histories if _settled(h, as_of)}
    owing = {
        h.lead.external_id
        for h in histories
        if owed and h.lead.external_id in settled and _owes_opportunity(h, as_of)
    }
    histories = [h for h in histories if h.lead.external_id not in settled - owing]
    work: list[OpenPair] = []
    with bulk():
        for agreement, part in parts:
            cal = agreement.calendar
            outcomes = _sales_outcomes(
                agreement, histories, as_of=as_of, period=part, evaluated=evaluated
            )
            for o, facts in outcomes:
                if o.deadline is None and not o.paused:
                    continue
                if rep is not None and o.owner != rep:
                    continue  # held by another rep then (SPEC 7.2)
                if o.lead_id in owing and o.commitment_id not in owed:
                    continue  # a qualified lead kept for its opportunity alone
                # overdue with nothing done: dispositioned leads were set aside above
                overdue_open = o.state is State.BREACHED and o.event_at is None
                if o.state in (State.PENDING, State.AT_RISK) or overdue_open:
                    left = cal.elapsed(as_of, o.deadline) if o.deadline else timedelta(0)
                    pause = facts.paused_at(as_of) if o.paused else None
                    lead = facts.lead
                    item = StatusItem(
                        o, lead.external_id, lead.company, left, pause, facts.owner_at(facts.start)
                    )
                    work.append(OpenPair(item, facts, agreement))
    far = datetime.max.replace(tzinfo=UTC)
    work.sort(key=lambda w: (w.item.outcome.deadline or far, w.item.lead))
    return OpenWork(work, read)


def _sales_outcomes(
    agreement: Agreement,
    histories: list[LeadHistory],
    *,
    as_of: datetime,
    period: Period,
    evaluated: Evaluated | None = None,
) -> Iterator[tuple[Outcome, LeadFacts]]:
    """The sales commitments' outcomes of the cycles whose clock starts in ``period``, each
    with its cycle's facts: ``evaluate_period``'s lead outcomes (the same cycles, measures
    and calendars), without the marketing and period commitments the open work never
    shows, and without the reasons in words. The cycles that start in ``evaluated``'s
    span are taken from it (a cycle's outcomes do not depend on the period it is counted
    in); the earlier ones are evaluated here."""
    sales = {c.id for c in agreement.commitments if c.party == "sales"}
    if evaluated is not None and period.end >= evaluated.span.start:
        first = evaluated.span.start
        late = period
        if period.start < first:
            late = Period(first, period.end, period.label, (None, period.cut[1]))
        pairs = evaluated.pairs(agreement, as_of, late)
        if pairs is not None:
            if period.start < first:
                day = first - timedelta(days=1)
                early = Period(period.start, day, period.label, (period.cut[0], None))
                yield from _evaluate_sales(agreement, histories, as_of, early, sales)
            kept = {id(h.lead) for h in histories}
            for f, each in pairs:
                if id(f.lead) in kept:
                    for o in each:
                        if o.commitment_id in sales:
                            yield o, f
            return
    yield from _evaluate_sales(agreement, histories, as_of, period, sales)


def _evaluate_sales(
    agreement: Agreement,
    histories: list[LeadHistory],
    as_of: datetime,
    period: Period,
    sales: set[str],
) -> Iterator[tuple[Outcome, LeadFacts]]:
    """``_sales_outcomes`` of the cycles starting in ``period``, evaluated."""
    lo, hi = period.bounds(agreement.calendar.tz)
    definition = agreement.definitions.mql
    mql = Matcher(definition) if definition is not None else None
    cohort = [
        f
        for h in histories
        # no cycle starts before the lead's clock start
        if clock_start(h, as_of) < hi
        for f in cycles_of(agreement, h, as_of, mql, why=False)
        if lo <= f.start < hi
    ]
    if not cohort:
        return
    plan = [step for step in lead_plan(agreement, memo=True) if step[0].id in sales]
    outcomes = cohort_outcomes(agreement, cohort, as_of, period, plan)
    for f, each in zip(cohort, outcomes, strict=True):
        for o in each:
            yield o, f


def _may_start_in(h: LeadHistory, start: datetime, as_of: datetime) -> bool:
    """Whether a cycle of the lead can start at or after ``start``: a cycle starts at a
    handoff by ``as_of`` or, with none, at the lead's creation."""
    lead = h.lead
    latest = lead.created_at
    if lead.handed_off_at is not None and lead.handed_off_at <= as_of:
        latest = max(latest, lead.handed_off_at)
    for e in h.events:
        if e.kind == HANDOFF and e.at <= as_of:
            latest = max(latest, e.at)
    return latest >= start


def _read(
    engine: ReadEngine,
    agreements: AgreementSet,
    window: Period,
    *,
    as_of: datetime,
    owner: str | None,
    all_from: datetime | None = None,
    watch: str | None = None,
) -> list[LeadHistory]:
    """The leads whose clock starts on a day of ``window`` and the events the engine reads;
    of those that start before ``all_from`` (default: all of them), only the ones not yet
    dispositioned: the others have no open work."""
    lo, hi = clock_start_bounds(agreements, window)
    parts = agreements.covering(window.start, window.end)
    kinds = {k for a, _, _ in parts for k in a.definitions.touch_kinds} | ENGINE_KINDS
    owed = {c.id for a, _, _ in parts for c in a.commitments if c.measure == "opportunity"}
    # a lead never handed off is measured only when it matches an MQL definition: the
    # others have no clock, no work, no events worth reading. Not for notify's watch: a
    # lead it reads gets a watch row and is skipped by the next runs, one left out here
    # would be looked at again by each
    tests = [Matcher(a.definitions.mql) for a, _, _ in parts if a.definitions.mql is not None]

    def may_start(lead: Lead) -> bool:
        return any(test.matches(lead) for test in tests)

    with engine.connect() as conn:
        return queries.load_histories(
            conn=conn,
            start=lo,
            end=hi,
            as_of=as_of,
            owner=owner,
            kinds=kinds,
            # a qualified lead may still owe its opportunity: every lead of the window
            unsettled_before=None if owed else hi if all_from is None else all_from,
            opportunities=bool(owed),
            watch=watch,
            may_start=may_start if watch is None else None,
        )


def by_urgency(items: list[StatusItem]) -> list[StatusItem]:
    """At risk first (soonest deadline first), then overdue (the most recently missed
    first: the ones still worth chasing), then the rest by deadline."""

    def key(i: StatusItem) -> tuple[int, float]:
        due = i.outcome.deadline.timestamp() if i.outcome.deadline else 0.0
        if i.outcome.state is State.AT_RISK:
            return (0, due)
        if i.left < timedelta(0):
            return (1, -due)
        return (2, due)

    return sorted(items, key=key)


def rep_status(
    engine: ReadEngine, agreements: AgreementSet, rep: str, *, as_of: datetime
) -> tuple[list[StatusItem], Report]:
    """The rep's open items by deadline (``by_urgency`` orders them for people) and the
    rep's report for the month so far."""
    from slactl.periods import month

    check_rep(engine, rep)
    today = agreements.local_day(as_of)
    this_month = month(f"{today:%Y-%m}")
    # one read of the rep's leads serves both: the open work and the month so far
    first = min(this_month.start, today - timedelta(days=lookback(agreements)))
    # the month's leads all (its report counts them), the earlier ones only while open
    month_from = clock_start_bounds(agreements, this_month)[0]
    histories = _read(
        engine, agreements, Period(first, today, ""), as_of=as_of, owner=rep, all_from=month_from
    )
    # the month's report reads the leads that can have a cycle starting in it (the
    # earlier months' open leads are read for the open work alone); the month's cycles
    # are evaluated once, for the report and the open work
    month_histories = [h for h in histories if _may_start_in(h, month_from, as_of)]
    evaluated = Evaluated(month_histories, as_of, this_month, columns=BULK)
    items = open_items(
        engine, agreements, as_of=as_of, rep=rep, histories=histories, evaluated=evaluated
    )
    with engine.connect() as conn:
        lo, hi = created_bounds(agreements, this_month)
        created = queries.count_leads_created(conn=conn, start=lo, end=hi, owner=rep, as_of=as_of)
    with bulk():
        report = build_report(
            segments(agreements, this_month),
            month_histories,
            as_of=as_of,
            period=this_month,
            reviews=(),
            leads_created=created,
            rep=rep,
            why=False,
            evaluated=evaluated,
        )
    return items, report


def _measures_opportunity(agreements: AgreementSet) -> set[str]:
    """The ids of the ``opportunity`` commitments (SPEC 9) of any agreement."""
    return {
        c.id for a in agreements.agreements for c in a.commitments if c.measure == "opportunity"
    }


def _owes_opportunity(h: LeadHistory, as_of: datetime) -> bool:
    """Whether the lead's last disposition by ``as_of`` is a qualification with no
    opportunity created since its cycle's start (the last handoff before it)."""
    last = None
    for e in h.events:
        if e.at > as_of:
            break
        if e.kind == DISPOSITION:
            last = e
    if last is None or last.outcome != QUALIFIED:
        return False
    start = max((t for t in handoffs(h, as_of) if t <= last.at), default=clock_start(h, as_of))
    return not any(start <= o.created_at <= as_of for o in h.opportunities)


def _settled(h: LeadHistory, as_of: datetime) -> bool:
    """Whether the lead's last cycle has its disposition by ``as_of`` (no handoff after
    it: that would start a new cycle, SPEC 7.1)."""
    start = None
    settled = False
    for e in h.events:
        if e.at > as_of:
            break
        if e.kind == DISPOSITION and not settled:
            if start is None:
                start = clock_start(h, as_of)
            settled = e.at >= start
        elif e.kind == HANDOFF and settled:
            settled = False
            start = e.at
    return settled


# -- published periods (slactl publish; docs/ledger.md) -----------------------------------


@dataclass(frozen=True)
class PublishedView:
    """A published period's report as published, today's computation of it, and what the
    ledger has recorded about its leads since."""

    publication: Publication
    published: Report
    current: Report
    changes: list[Change]


def report_from_publication(
    publication: Publication, agreements: AgreementSet, period: Period
) -> Report:
    """The stored SPEC 6.1 JSON as a ``Report`` (activities from today's agreements)."""
    return report_from_json(publication.report, agreements, period, title=publication.title)


def report_from_json(
    data: dict[str, Any], agreements: AgreementSet, period: Period, *, title: str
) -> Report:
    """A report's SPEC 6.1 JSON (``Report.to_json``) as a ``Report`` without outcomes
    (activities from today's agreements)."""
    from slactl.compliance.report import CommitmentResult, Funnel, RepResult

    activity = {c.id: c.activity for a in agreements.agreements for c in a.commitments}
    commitments = [
        CommitmentResult(
            c["id"],
            c["owner"],
            c["measure"],
            activity.get(c["id"]),
            c["target"],
            c["met"],
            c["breached"],
            c["pending"],
            c["at_risk"],
            c.get("actual"),
            c.get("quota"),
            c.get("paused", 0),
        )  # fmt: skip
        for c in data["commitments"]
    ]
    reps = []
    for r in data["reps"]:
        counts = r["commitments"]
        reps.append(
            RepResult(
                r["rep"],
                counts,
                r["points"],
                sum(x["met"] for x in counts.values()),
                sum(x["breached"] for x in counts.values()),
                sum(x["pending"] for x in counts.values()),
            )  # fmt: skip
        )
    return Report(
        agreement=data["agreement"],
        title=title,
        period=period,
        as_of=datetime.fromisoformat(data["as_of"]),
        commitments=commitments,
        reps=reps,
        funnel=Funnel.from_json(data["funnel"]),
        outcomes=[],
        published_quality=data.get("quality"),
        currency=one_currency(
            a for a in agreements.agreements if a.name in data["agreement"].split(" + ")
        ),
    )


def published_view(
    engine: ReadEngine, agreements: AgreementSet, period: Period, *, now: datetime
) -> PublishedView | None:
    """``period``'s published report beside today's, or None when it was never published."""
    from slactl.ledger.published import changes_since, find_publication

    with engine.connect() as conn:
        publication = find_publication(conn=conn, period=period)
    if publication is None:
        return None
    current = make_report(engine, agreements, period, as_of=now, why=False)
    lo, hi = clock_start_bounds(agreements, period)
    with engine.connect() as conn:
        changes = changes_since(conn=conn, publication=publication, start=lo, end=hi)
    published = report_from_publication(publication, agreements, period)
    return PublishedView(publication, published, current, changes)


def replay(
    engine: ReadEngine,
    agreements: AgreementSet,
    draft: Agreement,
    period: Period,
    *,
    as_of: datetime,
) -> WhatIf:
    """The period's report under the agreements in effect and under ``draft`` (for the
    whole period), from one read of the ledger; the flips with their reasons."""
    from slactl.agreement.diff import diff_agreements
    from slactl.compliance.whatif import WhatIf, explain_flips, flips

    parts = segments(agreements, period)
    with bulk():
        data = load_period(engine, agreements, period, as_of=as_of)
        # the draft's cohort is the current one when it keeps the definitions
        cohorts = Cohorts(data.histories)
        current = make_report(
            engine, agreements, period, as_of=as_of, data=data, why=False, cohorts=cohorts
        )
        proposed = make_report(
            engine,
            agreements,
            period,
            as_of=as_of,
            data=data,
            parts=[(draft, period)],
            why=False,
            cohorts=cohorts,
        )
        found = explain_flips(
            flips(current, proposed), data.histories, parts, [(draft, period)], as_of=as_of
        )
    changes: list[str] = []
    for old, part in parts:
        lines = diff_agreements(old, draft, terms_only=True)
        if len(parts) > 1:
            lines = [f"{part.start}..{part.end} ({old.name}): {x}" for x in lines or ["no changes"]]
        changes += lines
    return WhatIf(current, proposed, found, changes)
