"""Evaluate an agreement over lead histories as of a moment (SPEC section 4).

Pure: takes data, returns frozen outcome records and the report; no database, no Rich,
no reading of the clock on the wall.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta

from slactl.agreement.model import Agreement, Commitment, Quotas
from slactl.compliance.measures import LEAD_MEASURES, LeadFacts, when
from slactl.compliance.model import HANDOFF, Event, LeadHistory, Outcome, State
from slactl.compliance.periods import Period


def clock_start(history: LeadHistory, as_of: datetime | None = None) -> datetime:
    """The lead's handoff if known (its attribute, else its first handoff event), else its
    creation."""
    lead = history.lead
    if lead.handed_off_at is not None and (as_of is None or lead.handed_off_at <= as_of):
        return lead.handed_off_at
    for e in history.events:
        if e.kind == HANDOFF and (as_of is None or e.at <= as_of):
            return e.at
    return lead.created_at


def is_mql(agreement: Agreement, history: LeadHistory, as_of: datetime) -> bool:
    lead = history.lead
    if lead.handed_off_at is not None and lead.handed_off_at <= as_of:
        return True
    if any(e.kind == HANDOFF and e.at <= as_of for e in history.events):
        return True
    mql = agreement.definitions.mql
    return mql is not None and mql.matches(lead)


def facts_of(agreement: Agreement, history: LeadHistory, as_of: datetime) -> LeadFacts:
    start = clock_start(history, as_of)
    kinds = agreement.definitions.touch_kinds
    touches = []
    disposition: Event | None = None
    for e in history.events:
        if e.at < start or e.at > as_of:
            continue
        if e.kind in kinds:
            touches.append(e)
        elif e.kind == "disposition" and disposition is None:
            disposition = e
    return LeadFacts(history.lead, start, tuple(touches), disposition)


def applies(c: Commitment, history: LeadHistory) -> bool:
    return c.applies_to is None or c.applies_to.matches(history.lead)


def evaluate_lead(agreement: Agreement, history: LeadHistory, as_of: datetime) -> list[Outcome]:
    """Every lead commitment's outcome for one lead (empty when it is not an MQL)."""
    if not is_mql(agreement, history, as_of):
        return []
    facts = facts_of(agreement, history, as_of)
    if facts.start > as_of:
        return []
    cal = agreement.calendar
    out = []
    for c in agreement.commitments:
        fn = LEAD_MEASURES.get(c.measure)
        if fn is None or not applies(c, history):
            continue
        outcome = fn(c, facts, cal, as_of)
        if outcome is not None:
            out.append(outcome)
    return out


def mql_volume(
    agreement: Agreement,
    c: Commitment,
    period: Period,
    actual: int,
    quotas: Quotas | None,
    as_of: datetime,
) -> Outcome | None:
    """MQLs handed off in the period against the quota, pro-rated by working days for
    months the period covers only in part."""
    if quotas is None:
        return None
    cal = agreement.calendar
    quota = 0.0
    for y, m in period.months():
        q = quotas.mql_volume.get((y, m))
        if q is None:
            return None
        first = date(y, m, 1)
        last = (date(y + 1, 1, 1) if m == 12 else date(y, m + 1, 1)) - timedelta(days=1)
        lo, hi = max(first, period.start), min(last, period.end)
        if (lo, hi) == (first, last):
            quota += q
        else:
            month_days = cal.working_days(first, last)
            quota += q * cal.working_days(lo, hi) / month_days if month_days else 0
    quota = round(quota, 2)
    period_over = as_of >= datetime.combine(period.end + timedelta(days=1), time(), tzinfo=cal.tz)
    if actual >= quota:
        state, reason = State.MET, f"{actual} MQLs against a quota of {_num(quota)}"
    elif period_over:
        state, reason = State.BREACHED, f"{actual} MQLs against a quota of {_num(quota)}"
    else:
        state = State.PENDING
        reason = f"{actual} MQLs so far against a quota of {_num(quota)}; the period is open"
    return Outcome(c.id, state, reason, actual=actual, quota=quota)


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:.2f}"


def review_windows(agreement: Agreement, c: Commitment, period: Period) -> list[tuple[date, date]]:
    """The ``every`` windows that start in the period: weeks run Monday to Sunday."""
    assert c.every is not None
    days = c.every.amount * (7 if c.every.unit == "weeks" else 1)
    if c.every.unit == "weeks":
        anchor = agreement.period_start - timedelta(days=agreement.period_start.weekday())
    else:
        anchor = agreement.period_start
    offset = (period.start - anchor).days
    k = -(-offset // days)  # first window starting on or after the period's start
    out = []
    ws = anchor + timedelta(days=k * days)
    while ws <= period.end:
        out.append((ws, ws + timedelta(days=days - 1)))
        ws += timedelta(days=days)
    return out


def review_meeting(
    agreement: Agreement,
    c: Commitment,
    period: Period,
    reviews: Sequence[Event],
    as_of: datetime,
) -> list[Outcome]:
    cal = agreement.calendar
    out = []
    for ws, we in review_windows(agreement, c, period):
        lo = datetime.combine(ws, time(), tzinfo=cal.tz)
        hi = datetime.combine(we + timedelta(days=1), time(), tzinfo=cal.tz)
        if lo > as_of:
            continue  # a window that has not started yet
        held = [r for r in reviews if lo <= r.at < hi and r.at <= as_of]
        label = f"{ws:%Y-%m-%d}..{we:%Y-%m-%d}"
        if held:
            out.append(
                Outcome(
                    c.id,
                    State.MET,
                    f"review {when(held[0].at, cal)} in {label}",
                    deadline=hi,
                    event_at=held[0].at,
                )
            )
        elif as_of >= hi:
            out.append(Outcome(c.id, State.BREACHED, f"no review in {label}", deadline=hi))
        else:
            out.append(Outcome(c.id, State.PENDING, f"no review yet in {label}", deadline=hi))
    return out


def in_period(agreement: Agreement, t: datetime, period: Period) -> bool:
    return period.contains(t.astimezone(agreement.calendar.tz).date())


def evaluate(
    agreement: Agreement,
    histories: Iterable[LeadHistory],
    *,
    as_of: datetime,
    period: Period,
    reviews: Sequence[Event] = (),
    quotas: Quotas | None = None,
) -> list[Outcome]:
    """Every outcome of the period: lead commitments for the MQLs whose clock starts in it,
    then the period commitments."""
    outcomes: list[Outcome] = []
    mqls = 0
    for h in histories:
        if not is_mql(agreement, h, as_of):
            continue
        start = clock_start(h, as_of)
        if start > as_of or not in_period(agreement, start, period):
            continue
        mqls += 1
        outcomes += evaluate_lead(agreement, h, as_of)
    for c in agreement.commitments:
        if c.measure == "mql_volume":
            o = mql_volume(agreement, c, period, mqls, quotas, as_of)
            if o is not None:
                outcomes.append(o)
        elif c.measure == "review_meeting":
            outcomes += review_meeting(agreement, c, period, reviews, as_of)
    return outcomes
