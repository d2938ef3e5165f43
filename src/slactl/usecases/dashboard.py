"""The manager's dashboard: a period's report with its trend, speed to lead and the leads
behind each breach, computed once for ``render.dashboard`` to draw.

Every figure comes from the report machinery (``reading.make_report``): the trend is the
report of each earlier week (or month), the breached and at-risk leads are the report's
own outcomes with their ``explain`` reasons. No rule is evaluated here. A trend period
settled when an earlier dashboard evaluated it (over, every pair decided) is taken from
the figures it stored while nothing recorded since concerns it (``ledger.trend_store``,
docs/dashboard.md): the same report's counts, without reading or evaluating it again.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np

from slactl.agreement.directory import AgreementSet
from slactl.agreement.model import Agreement
from slactl.bulk import bulk
from slactl.clock import to_micros
from slactl.compliance.engine import Evaluated, clock_start, evaluate_lead
from slactl.compliance.report import Report
from slactl.ledger import queries
from slactl.periods import Period, month, week_of
from slactl.records import LeadHistory, Outcome, State
from slactl.usecases.reading import (
    ENGINE_KINDS,
    PeriodData,
    check_rep,
    clock_start_bounds,
    created_bounds,
    explain_lead,
    load_period,
    make_report,
    report_from_json,
    team_reps,
)

if TYPE_CHECKING:
    from slactl.ledger.connection import ReadEngine
    from slactl.ledger.trend_store import Marks

TREND_WEEKS = 13
MAX_LEADS_PER_REP = 10  # per commitment; the rest are counted (`slactl status` lists them)
LONG_PERIOD_DAYS = 62  # longer than two months: the trend is by month over the year


@dataclass(frozen=True)
class TrendPoint:
    period: Period
    report: Report | None  # None: no agreement covers that week or month; no quality


@dataclass(frozen=True)
class SpeedToLead:
    """Business time from clock start to the first touch (or an earlier disposition) of
    the leads of one ``first_touch`` commitment, in business minutes, per rep."""

    commitment_id: str
    within_minutes: float | None  # the commitment's deadline, for the chart's line
    minutes: dict[str, list[float]]  # rep (owner, or "—") -> sorted business minutes
    untouched: int  # breached without a touch: not in the distribution


@dataclass(frozen=True)
class LeadLine:
    outcome: Outcome

    @property
    def state(self) -> str:
        return self.outcome.state.value


@dataclass(frozen=True)
class Settled:
    """The trend's periods evaluated this run whose figures are settled (closed, every
    pair decided), for ``store_settled`` to keep, with the marks taken before the read."""

    scope: str  # "" for the team, else the rep
    fingerprint: str
    as_of: datetime
    marks: Marks
    figures: tuple[tuple[date, date, dict[str, Any]], ...]


@dataclass(frozen=True)
class Dashboard:
    report: Report
    trend: tuple[TrendPoint, ...]
    trend_unit: str  # "week" or "month"
    speed: SpeedToLead | None
    leads: dict[str, tuple[LeadLine, ...]]  # commitment id -> breached/at-risk, by rep
    leads_left_out: dict[str, int]  # commitment id -> how many were not listed
    agreements: tuple[str, ...]  # names of the agreements the period is measured under
    settled: Settled | None = None  # what a later dashboard may take instead (``store``)
    stored: int = 0  # how many trend periods came from ``trend_period``


def percentile(values: list[float], q: float) -> float | None:
    """The ``q`` quantile (0..1) of sorted ``values`` by linear interpolation; None when
    empty."""
    if not values:
        return None
    k = (len(values) - 1) * q
    lo = int(k)
    hi = min(lo + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def trend_periods(period: Period, as_of_day: date) -> tuple[list[Period], str]:
    """The weeks (13, the last one holding the period's last day, or as-of's if earlier)
    or, for a period longer than two months, the months of its year up to that day."""
    last = min(period.end, max(as_of_day, period.start))
    if (period.end - period.start).days + 1 > LONG_PERIOD_DAYS:
        return [month(f"{last.year}-{m:02d}") for m in range(1, last.month + 1)], "month"
    end_week = week_of(last)
    weeks = [
        week_of(end_week.start - timedelta(days=7 * k)) for k in range(TREND_WEEKS - 1, -1, -1)
    ]
    return weeks, "week"


def _span(agreements: AgreementSet, period: Period, periods: list[Period]) -> Period | None:
    """The days from the first covered trend period (or the period) to the last."""
    covered = [p for p in periods if agreements.covering(p.start, p.end)]
    if not covered:
        return None
    start = min(covered[0].start, period.start)
    return Period(start, max(covered[-1].end, period.end), "dashboard")


def _trend(
    engine: ReadEngine,
    agreements: AgreementSet,
    periods: list[Period],
    as_of: datetime,
    rep: str | None,
    data: PeriodData,
    evaluated: Evaluated,
    stored: dict[tuple[date, date], Report],
) -> tuple[TrendPoint, ...]:
    """Each period's report at ``as_of``: its stored figures (``stored``) when they still
    hold, else its cycles and lead outcomes taken from the span's one evaluation
    (``evaluated``): nothing is evaluated twice."""
    out = []
    for p in periods:
        if not agreements.covering(p.start, p.end):
            out.append(TrendPoint(p, None))
            continue
        kept = stored.get((p.start, p.end))
        if kept is not None:
            out.append(TrendPoint(p, kept))
            continue
        lo, hi = created_bounds(agreements, p)
        with engine.connect() as conn:  # the funnel's new leads: one indexed count a week
            created = queries.count_leads_created(
                conn=conn, start=lo, end=hi, owner=rep, as_of=as_of
            )
        r = make_report(
            engine,
            agreements,
            p,
            as_of=as_of,
            rep=rep,
            data=PeriodData(data.histories, data.reviews, created, data.pipeline),
            why=False,
            evaluated=evaluated,
            with_quality=False,  # the page shows the month's, not a week's
        )
        out.append(TrendPoint(p, r))
    return tuple(out)


def _speed(agreements: AgreementSet, report: Report) -> SpeedToLead | None:
    parts = agreements.parts(report.period)
    first = next((c for a, _ in parts for c in a.commitments if c.measure == "first_touch"), None)
    if first is None:
        return None
    within = None
    if first.within is not None and first.within.unit in ("business_minutes", "business_hours"):
        within = float(first.within.amount) * (60 if first.within.unit == "business_hours" else 1)
    untouched = 0
    # per agreement (its calendar), the touched outcomes' owners, clock starts and events
    touched: dict[int, tuple[Agreement, list[str], list[int], list[int]]] = {}
    for o in report.outcomes:
        if o.commitment_id != first.id or o.clock_start is None:
            continue
        if o.event_at is None:
            untouched += o.state is State.BREACHED
            continue
        a = agreements.at(o.clock_start)
        if a is None:
            continue
        got = touched.get(id(a))
        if got is None:
            got = touched[id(a)] = (a, [], [], [])
        got[1].append(o.owner or "—")
        got[2].append(to_micros(o.clock_start))
        got[3].append(to_micros(o.event_at))
    minutes: dict[str, list[float]] = {}
    for a, owners, starts, events in touched.values():
        # one batch call per calendar (a month has ~50,000 touched leads); seconds, then
        # minutes, as ``timedelta.total_seconds() / 60`` rounds them
        took = np.maximum(a.calendar.elapsed_array(starts, events) / 1e6 / 60, 0.0).tolist()
        for owner, m in zip(owners, took, strict=True):
            minutes.setdefault(owner, []).append(m)
    for v in minutes.values():
        v.sort()
    return SpeedToLead(first.id, within, dict(sorted(minutes.items())), untouched)


def _leads(
    report: Report,
) -> tuple[dict[str, list[LeadLine]], dict[str, int]]:
    """The breached and at-risk leads of each commitment, by rep then deadline (the first
    ``MAX_LEADS_PER_REP`` of each rep), without their reasons yet."""
    far = datetime.max.replace(tzinfo=report.as_of.tzinfo)
    # per commitment and rep, the outcomes in report order (a month can breach ~100,000)
    groups: dict[str, dict[str | None, list[tuple[int, Outcome]]]] = {
        c.id: {} for c in report.commitments
    }
    for k, o in enumerate(report.outcomes):
        if o.lead_id is not None and (o.state is State.BREACHED or o.state is State.AT_RISK):
            groups.setdefault(o.commitment_id, {}).setdefault(o.owner, []).append((k, o))
    out, left = {}, {}
    for cid, by_rep in groups.items():
        kept: list[tuple[int, Outcome]] = []
        total = 0
        for items in by_rep.values():
            total += len(items)
            kept += heapq.nsmallest(
                MAX_LEADS_PER_REP, items, key=lambda x: (x[1].deadline or far, x[1].lead_id)
            )
        kept.sort(key=lambda x: (x[1].owner or "", x[1].deadline or far, x[1].lead_id, x[0]))
        if len(kept) < total:
            left[cid] = total - len(kept)
        out[cid] = [LeadLine(o) for _, o in kept]
    return out, left


def _with_reasons(
    engine: ReadEngine,
    agreements: AgreementSet,
    lines: dict[str, list[LeadLine]],
    histories: dict[str, LeadHistory],
    as_of: datetime,
) -> dict[str, tuple[LeadLine, ...]]:
    """Each listed outcome with the reason ``explain`` gives: the lead evaluated again
    with its reasons (the report itself is made without them: writing every outcome's
    reason would double its time), from the histories already read, else as ``explain``
    reads it."""
    reasons: dict[tuple[str, str], str] = {}
    for lead in {line.outcome.lead_id for v in lines.values() for line in v}:
        assert lead is not None
        history = histories.get(lead)
        if history is None:
            explained = explain_lead(engine, agreements, lead, as_of=as_of)
            outcomes = explained.outcomes
        else:
            start = clock_start(history, as_of)
            agreement = agreements.at(start) or agreements.in_effect(agreements.local_day(start))
            outcomes = evaluate_lead(agreement, history, as_of)
        for o in outcomes:
            reasons[(lead, o.commitment_id)] = o.reason
    return {
        cid: tuple(
            LeadLine(line.outcome._replace(reason=reasons.get((lead_of(line), cid), "")))
            for line in v
        )
        for cid, v in lines.items()
    }


def lead_of(line: LeadLine) -> str:
    return line.outcome.lead_id or ""


def build_dashboard(
    engine: ReadEngine,
    agreements: AgreementSet,
    period: Period,
    *,
    as_of: datetime,
    rep: str | None = None,
    store: str | None = None,
) -> Dashboard:
    """The dashboard of ``period`` at ``as_of`` (with ``rep``, that rep's leads only).
    ``store``: the agreements' fingerprint (``notify.fingerprint``); the trend takes each
    period's figures from ``trend_period`` while they still hold (``ledger.trend_store``)
    and returns those settled this run in ``Dashboard.settled``. None: every period is
    evaluated."""
    if rep is not None:
        check_rep(engine, rep, team_reps(agreements))
    with bulk():  # one collection-free stretch for the span's records, not fourteen
        return _build(engine, agreements, period, as_of, rep, store)


def _build(
    engine: ReadEngine,
    agreements: AgreementSet,
    period: Period,
    as_of: datetime,
    rep: str | None,
    store: str | None,
) -> Dashboard:
    periods, unit = trend_periods(period, agreements.local_day(as_of))
    marks = None
    stored: dict[tuple[date, date], Report] = {}
    if store is not None:
        from slactl.ledger import trend_store

        marks = trend_store.high_marks(engine)  # before anything is read
        stored = _stored(engine, agreements, periods, as_of, rep or "", store)
    evaluate = [p for p in periods if (p.start, p.end) not in stored]
    span = _span(agreements, period, evaluate) or period
    # one read of the span (the team's: quotas count it) and one evaluation of its
    # cycles; the month and each week of the trend not stored take theirs from it
    data = load_period(engine, agreements, span, as_of=as_of)
    evaluated = Evaluated(data.histories, as_of, span)
    lo, hi = created_bounds(agreements, period)
    with engine.connect() as conn:
        created = queries.count_leads_created(conn=conn, start=lo, end=hi, owner=rep, as_of=as_of)
    month_data = PeriodData(data.histories, data.reviews, created, data.pipeline)
    report = make_report(
        engine,
        agreements,
        period,
        as_of=as_of,
        rep=rep,
        data=month_data,
        why=False,
        evaluated=evaluated,
    )
    trend = _trend(engine, agreements, periods, as_of, rep, data, evaluated, stored)
    histories = {h.lead.external_id: h for h in data.histories}
    lines, left = _leads(report)
    leads = _with_reasons(engine, agreements, lines, histories, as_of)
    names = tuple(dict.fromkeys(a.name for a, _ in agreements.parts(period)))
    settled = None
    if store is not None and marks is not None:
        figures = tuple(
            (t.period.start, t.period.end, _figures(t.report))
            for t in trend
            if t.report is not None
            and (t.period.start, t.period.end) not in stored
            and _is_settled(agreements, t.period, t.report, as_of)
        )
        settled = Settled(rep or "", store, as_of, marks, figures)
    return Dashboard(
        report,
        trend,
        unit,
        _speed(agreements, report),
        leads,
        left,
        names,
        settled,
        len(stored),
    )


def _stored(
    engine: ReadEngine,
    agreements: AgreementSet,
    periods: list[Period],
    as_of: datetime,
    scope: str,
    fingerprint: str,
) -> dict[tuple[date, date], Report]:
    """The trend periods whose stored figures still hold, as reports (no outcomes)."""
    from slactl.ledger import trend_store

    rows = trend_store.load(engine, scope=scope, fingerprint=fingerprint, as_of=as_of)
    if not rows:
        return {}
    wanted = {(p.start, p.end): p for p in periods if agreements.covering(p.start, p.end)}
    bounds = {k: clock_start_bounds(agreements, p) for k, p in wanted.items()}
    kinds = {k for a in agreements.agreements for k in a.definitions.touch_kinds} | ENGINE_KINDS
    kept = trend_store.still_holding(engine, rows, bounds, as_of=as_of, kinds=kinds)
    return {
        (s.start, s.end): report_from_json(
            s.figures, agreements, wanted[(s.start, s.end)], title=""
        )
        for s in kept
    }


def _is_settled(agreements: AgreementSet, p: Period, r: Report, as_of: datetime) -> bool:
    """Whether ``p`` is over at ``as_of`` and every pair of it decided: then a later
    ``as_of`` gives the same figures unless something new is recorded about its leads."""
    over = clock_start_bounds(agreements, p)[1] <= as_of
    return over and all(c.pending == 0 for c in r.commitments)


def _figures(r: Report) -> dict[str, Any]:
    data = r.to_json()
    del data["quality"]  # a trend period has none
    return data


def store_settled(db: str, settled: Settled) -> bool:
    """Keep ``settled``'s figures in the ledger at ``db`` for later dashboards; False when
    the ledger cannot be written (a read-only file, a lock held too long): nothing is
    kept, and the next dashboard evaluates those periods again."""
    if not settled.figures:
        return True
    from sqlalchemy.exc import DBAPIError

    from slactl.errors import SlactlError
    from slactl.ledger import trend_store
    from slactl.ledger.opening import open_for_writing

    try:
        engine = open_for_writing(db, create=False)
    except (SlactlError, DBAPIError):
        return False
    try:
        trend_store.save(
            engine,
            scope=settled.scope,
            fingerprint=settled.fingerprint,
            as_of=settled.as_of,
            marks=settled.marks,
            figures=settled.figures,
        )
    except (SlactlError, DBAPIError):
        return False
    finally:
        engine.dispose()
    return True
