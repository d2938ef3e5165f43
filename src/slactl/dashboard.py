"""The manager's dashboard: a period's report with its trend, speed to lead and the leads
behind each breach, computed once for ``render.dashboard`` to draw.

Every figure comes from the report machinery (``reports.make_report``): the trend is the
report of each earlier week (or month), the breached and at-risk leads are the report's
own outcomes with their ``explain`` reasons. No rule is evaluated here.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from slactl.agreement.loader import AgreementSet
from slactl.compliance.engine import clock_start, evaluate_lead
from slactl.compliance.report import Report
from slactl.periods import Period, month, week_of
from slactl.records import LeadHistory, Outcome, State
from slactl.reports import (
    PeriodData,
    check_rep,
    explain_lead,
    load_period,
    make_report,
    team_reps,
)

if TYPE_CHECKING:
    from sqlalchemy import Engine

TREND_WEEKS = 13
MAX_LEADS_PER_REP = 10  # per commitment; the rest are counted (`slactl status` lists them)
DAY = timedelta(days=1)
LONG_PERIOD_DAYS = 62  # longer than two months: the trend is by month over the year


@dataclass(frozen=True)
class TrendPoint:
    period: Period
    report: Report | None  # None: no agreement covers that week or month


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
class Dashboard:
    report: Report
    trend: tuple[TrendPoint, ...]
    trend_unit: str  # "week" or "month"
    speed: SpeedToLead | None
    leads: dict[str, tuple[LeadLine, ...]]  # commitment id -> breached/at-risk, by rep
    leads_left_out: dict[str, int]  # commitment id -> how many were not listed
    agreements: tuple[str, ...]  # names of the agreements the period is measured under


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


def _trend(
    engine: Engine,
    agreements: AgreementSet,
    periods: list[Period],
    as_of: datetime,
    rep: str | None,
) -> tuple[tuple[TrendPoint, ...], dict[str, LeadHistory]]:
    """Each period's report at ``as_of``, from one read of the whole span's leads: each
    period's report is made from the leads whose clock starts within a day of it (the
    engine keeps those that start in it), so the span's leads are evaluated once. Also
    the span's histories by lead, for the reasons of the leads listed."""
    covered = [p for p in periods if agreements.covering(p.start, p.end)]
    if not covered:
        return tuple(TrendPoint(p, None) for p in periods), {}
    span = Period(covered[0].start, covered[-1].end, "trend")
    data = load_period(engine, agreements, span, as_of=as_of)  # the team's: quotas count it
    starts = sorted((clock_start(h, as_of), k) for k, h in enumerate(data.histories))
    keys = [t for t, _ in starts]
    out = []
    for p in periods:
        if p not in covered:
            out.append(TrendPoint(p, None))
            continue
        lo, hi = p.bounds(agreements.zone_on(p.start))  # a day of margin: other zones
        near = starts[bisect_left(keys, lo - DAY) : bisect_left(keys, hi + DAY)]
        histories = [data.histories[k] for _, k in sorted(near, key=lambda x: x[1])]
        part = PeriodData(histories, data.reviews, 0, data.pipeline)
        r = make_report(engine, agreements, p, as_of=as_of, rep=rep, data=part, why=False)
        out.append(TrendPoint(p, r))
    return tuple(out), {h.lead.external_id: h for h in data.histories}


def _speed(agreements: AgreementSet, report: Report) -> SpeedToLead | None:
    parts = agreements.parts(report.period)
    first = next((c for a, _ in parts for c in a.commitments if c.measure == "first_touch"), None)
    if first is None:
        return None
    within = None
    if first.within is not None and first.within.unit in ("business_minutes", "business_hours"):
        within = float(first.within.amount) * (60 if first.within.unit == "business_hours" else 1)
    minutes: dict[str, list[float]] = {}
    untouched = 0
    for o in report.outcomes:
        if o.commitment_id != first.id or o.clock_start is None:
            continue
        if o.event_at is None:
            untouched += o.state is State.BREACHED
            continue
        a = agreements.at(o.clock_start)
        if a is None:
            continue
        elapsed = a.calendar.elapsed(o.clock_start, o.event_at)
        minutes.setdefault(o.owner or "—", []).append(max(0.0, elapsed.total_seconds() / 60))
    for v in minutes.values():
        v.sort()
    return SpeedToLead(first.id, within, dict(sorted(minutes.items())), untouched)


def _leads(
    report: Report,
) -> tuple[dict[str, list[LeadLine]], dict[str, int]]:
    """The breached and at-risk leads of each commitment, by rep then deadline (the first
    ``MAX_LEADS_PER_REP`` of each rep), without their reasons yet."""
    listed: dict[str, list[LeadLine]] = {c.id: [] for c in report.commitments}
    for o in report.outcomes:
        if o.lead_id is not None and o.state in (State.BREACHED, State.AT_RISK):
            listed.setdefault(o.commitment_id, []).append(LeadLine(o))
    far = datetime.max.replace(tzinfo=report.as_of.tzinfo)
    out, left = {}, {}
    for cid, lines in listed.items():
        lines.sort(
            key=lambda x: (x.outcome.owner or "", x.outcome.deadline or far, x.outcome.lead_id)
        )
        kept: list[LeadLine] = []
        per_rep: dict[str | None, int] = {}
        for line in lines:
            n = per_rep[line.outcome.owner] = per_rep.get(line.outcome.owner, 0) + 1
            if n <= MAX_LEADS_PER_REP:
                kept.append(line)
        if len(kept) < len(lines):
            left[cid] = len(lines) - len(kept)
        out[cid] = kept
    return out, left


def _with_reasons(
    engine: Engine,
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
    engine: Engine,
    agreements: AgreementSet,
    period: Period,
    *,
    as_of: datetime,
    rep: str | None = None,
) -> Dashboard:
    """The dashboard of ``period`` at ``as_of`` (with ``rep``, that rep's leads only)."""
    if rep is not None:
        check_rep(engine, rep, team_reps(agreements))
    report = make_report(engine, agreements, period, as_of=as_of, rep=rep, why=False)
    periods, unit = trend_periods(period, agreements.local_day(as_of))
    trend, histories = _trend(engine, agreements, periods, as_of, rep)
    lines, left = _leads(report)
    leads = _with_reasons(engine, agreements, lines, histories, as_of)
    names = tuple(dict.fromkeys(a.name for a, _ in agreements.parts(period)))
    return Dashboard(report, trend, unit, _speed(agreements, report), leads, left, names)
