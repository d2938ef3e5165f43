"""Glue between the ledger and the compliance engine: what each reading command asks.

Reads with ``slactl.ledger.queries``, evaluates with ``slactl.compliance``; no rules here
beyond choosing which agreement governs which part of a period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from slactl.agreement.loader import AgreementSet
from slactl.agreement.model import Agreement
from slactl.compliance.engine import evaluate_lead
from slactl.compliance.model import Event, LeadHistory, Outcome, State
from slactl.compliance.periods import Period
from slactl.compliance.report import Report, build_report
from slactl.errors import SlactlError, UnknownLead
from slactl.ledger import queries


def segments(agreements: AgreementSet, period: Period) -> list[tuple[Agreement, Period]]:
    parts = agreements.covering(period.start, period.end)
    if not parts:
        raise SlactlError(
            f"no agreement covers {period.label} ({period.start}..{period.end}):"
            " add one whose period includes it"
        )
    return [(a, Period(lo, hi, period.label)) for a, lo, hi in parts]


def _bounds(agreements: AgreementSet, period: Period) -> tuple[datetime, datetime]:
    tzs = [
        ZoneInfo(a.calendar_spec.timezone)
        for a, _, _ in agreements.covering(period.start, period.end)
    ]
    tz = tzs[0] if tzs else ZoneInfo("UTC")
    lo, hi = period.bounds(tz)
    # zones of other agreements may differ by up to a day; the engine re-checks each lead
    return lo - timedelta(days=1), hi + timedelta(days=1)


@dataclass(frozen=True)
class PeriodData:
    """What a period's report reads from the ledger, loaded once."""

    histories: list[LeadHistory]
    reviews: list[Event]
    leads_created: int


def load_period(
    engine: Engine, agreements: AgreementSet, period: Period, *, as_of: datetime
) -> PeriodData:
    parts = segments(agreements, period)
    lo, hi = _bounds(agreements, period)
    tz = ZoneInfo(parts[0][0].calendar_spec.timezone)
    exact_lo, exact_hi = period.bounds(tz)
    with engine.connect() as conn:
        histories = queries.load_histories(conn=conn, start=lo, end=hi, as_of=as_of)
        reviews = queries.load_reviews(
            conn=conn, start=lo - timedelta(days=62), end=hi + timedelta(days=62)
        )
        created = queries.count_leads_created(conn=conn, start=exact_lo, end=exact_hi)
    return PeriodData(histories, reviews, created)


def make_report(
    engine: Engine,
    agreements: AgreementSet,
    period: Period,
    *,
    as_of: datetime,
    rep: str | None = None,
    data: PeriodData | None = None,
    parts: list[tuple[Agreement, Period]] | None = None,
) -> Report:
    """The report of ``period`` under the agreements in effect (or under ``parts``)."""
    parts = parts or segments(agreements, period)
    if rep is not None:
        check_rep(engine, rep)
    data = data or load_period(engine, agreements, period, as_of=as_of)
    report = build_report(
        parts,
        data.histories,
        as_of=as_of,
        period=period,
        reviews=data.reviews,
        quotas=agreements.quotas,
        leads_created=data.leads_created,
        rep=rep,
    )
    if len(parts) > 1:
        report.notes.append(
            "this period spans "
            + ", ".join(f"{a.name} ({p.start}..{p.end})" for a, p in parts)
            + ": each part is measured under its own agreement"
        )
    return report


@dataclass(frozen=True)
class Explained:
    agreement: Agreement
    history: LeadHistory
    outcomes: list[Outcome]
    mql: bool


def explain_lead(
    engine: Engine, agreements: AgreementSet, key: str, *, as_of: datetime
) -> Explained:
    from slactl.compliance.engine import clock_start, is_mql

    with engine.connect() as conn:
        history = queries.lead_history(conn=conn, key=key)
    if history is None:
        raise UnknownLead(f"no lead '{key}' in the ledger: check the external id or email")
    start = clock_start(history)
    tz = ZoneInfo(agreements.agreements[0].calendar_spec.timezone)
    agreement = agreements.in_effect(start.astimezone(tz).date())
    return Explained(
        agreement,
        history,
        evaluate_lead(agreement, history, as_of),
        is_mql(agreement, history, as_of),
    )


@dataclass(frozen=True)
class StatusItem:
    outcome: Outcome
    lead: str
    company: str | None
    left: timedelta  # business time to the deadline; negative when overdue


def check_rep(engine: Engine, rep: str) -> None:
    with engine.connect() as conn:
        reps = queries.known_reps(conn=conn)
    if rep not in reps:
        from difflib import get_close_matches

        close = get_close_matches(rep, reps, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise SlactlError(f"no rep '{rep}' in the ledger{hint}")


def open_items(
    engine: Engine,
    agreements: AgreementSet,
    *,
    as_of: datetime,
    rep: str | None = None,
    lookback_days: int = 120,
) -> list[StatusItem]:
    """Sales work still open at ``as_of`` (pending, at risk, or overdue with nothing done),
    most urgent first."""
    with engine.connect() as conn:
        histories = queries.load_histories(
            conn=conn,
            start=as_of - timedelta(days=lookback_days),
            end=as_of,
            as_of=as_of,
            owner=rep,
        )
    tz = ZoneInfo(agreements.agreements[0].calendar_spec.timezone)
    items: list[StatusItem] = []
    for h in histories:
        agreement = agreements.find(h.lead.created_at.astimezone(tz).date())
        if agreement is None:
            continue
        cal = agreement.calendar
        for o in evaluate_lead(agreement, h, as_of):
            party = agreement.commitment(o.commitment_id).party
            if party != "sales" or o.deadline is None:
                continue
            overdue_open = o.state is State.BREACHED and o.event_at is None
            if o.state in (State.PENDING, State.AT_RISK) or (
                overdue_open and not _dispositioned(h, o)
            ):
                items.append(
                    StatusItem(
                        o, h.lead.external_id, h.lead.company, cal.elapsed(as_of, o.deadline)
                    )
                )
    items.sort(key=lambda i: (i.outcome.deadline, i.lead))
    return items


def rep_status(
    engine: Engine, agreements: AgreementSet, rep: str, *, as_of: datetime
) -> tuple[list[StatusItem], Report]:
    """The rep's open items, most urgent first, and the rep's report for the month so far."""
    from slactl.compliance.periods import month

    check_rep(engine, rep)
    items = open_items(engine, agreements, as_of=as_of, rep=rep)
    local = as_of.astimezone(ZoneInfo(agreements.agreements[0].calendar_spec.timezone)).date()
    report = make_report(engine, agreements, month(f"{local:%Y-%m}"), as_of=as_of, rep=rep)
    return items, report


def _dispositioned(h: LeadHistory, o: Outcome) -> bool:
    return any(
        e.kind == "disposition" and o.clock_start and e.at >= o.clock_start for e in h.events
    )
