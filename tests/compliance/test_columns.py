"""The column-wise evaluation of a period (``compliance/columns.py``) gives, cycle by
cycle and commitment by commitment, exactly the outcome of the per-lead measures (the
reference): state, deadline, deciding event, responsible owner, cycle. Random histories
with recycles, reassignments, pauses (open, resumed, cut by ``max``), accepts, durations,
touches on the hour (deadlines met to the minute) and weekends, Memorial Day and the March
daylight-saving change; a ``calendar: owner`` commitment on team.yaml's calendars."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slactl.agreement.directory import load_agreements
from slactl.agreement.model import Agreement
from slactl.compliance import engine
from slactl.compliance.engine import (
    Evaluated,
    _column_outcomes,
    cycles_by_events,
    cycles_of,
    evaluate_period,
    lead_outcomes,
    lead_plan,
    mql_cohort,
)
from slactl.compliance.report import build_report
from slactl.periods import Period, month, week_of
from slactl.records import Event, Lead, LeadHistory, Outcome

AGREEMENT = """\
slactl: 1
name: cols
title: Columns
period: {start: 2024-01-01, end: 2024-12-31}
calendar:
  timezone: America/New_York
  hours: {mon-fri: "09:00-17:00"}
  holidays: {country: US, subdivision: NY}
definitions:
  mql: {score: ">= 60"}
  touch_kinds: [call, email, meeting]
  outcomes: [qualified, disqualified, nurture]
  pauses: {reasons: [callback-requested], max: 2 business days}
commitments:
  sales:
    - {id: ft, measure: first_touch, within: 4 business hours, warn: 1 business hour,
       target: 90%, pausable: true}
    - {id: ft-ent, measure: first_touch, within: 1 business hour, target: 95%,
       applies_to: {segment: enterprise}}
    - {id: ft-owner, measure: first_touch, within: 2 business hours, target: 90%,
       calendar: owner}
    - {id: disp, measure: disposition, within: 3 business days, warn: 1 business day,
       target: 95%, pausable: true}
    - {id: disp-hours, measure: disposition, within: 30 hours, warn: 2 hours, target: 90%}
    - {id: acc, measure: acceptance, within: 1 business day, target: 90%, pausable: true}
    - {id: time, measure: time_spent, minimum: 20 minutes, within: 2 business days,
       assume: {email: 2 minutes}, target: 80%}
    - {id: persist, measure: touches_before_return, minimum: 3, open_for: 2 business days,
       target: 100%}
    - {id: cad, measure: touch_cadence, max_gap: 1 business day, until: 3, target: 90%,
       pausable: true, warn: 2 business hours}
    - {id: cad-hours, measure: touch_cadence, max_gap: 3 business hours, until: 2,
       target: 90%}
  marketing:
    - {id: fields, measure: complete_fields, fields: [first_name, company, email, phone],
       target: 95%}
"""

TEAM = """\
reps:
  alice: {name: Alice, email: alice@example.com, team: east,
          hours: {mon-fri: "08:00-16:00"}, away: [2024-05-13..2024-05-17]}
  bob:   {name: Bob, email: bob@example.com, team: west, timezone: America/Los_Angeles}
  carol: {name: Carol, email: carol@example.com, team: east}
teams:
  east: {manager: maria@example.com}
  west: {manager: li@example.com}
"""

REPS = ["alice", "bob", "carol", "dave"]
KINDS = ["call", "email", "meeting", "linkedin-view"]


@pytest.fixture(scope="module")
def agreement(tmp_path_factory: pytest.TempPathFactory) -> Agreement:
    d: Path = tmp_path_factory.mktemp("cols")
    (d / "cols.yaml").write_text(AGREEMENT)
    (d / "team.yaml").write_text(TEAM)
    return load_agreements(d).agreements[0]


def histories(seed: int, n: int, first: datetime) -> list[LeadHistory]:
    """``n`` leads created within five weeks from ``first``, with every kind of event."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        created = first + timedelta(minutes=rng.randrange(0, 35 * 1440))
        if rng.random() < 0.3:  # on the hour: deadlines met or missed to the minute
            created = created.replace(minute=0)
        handed = None
        if rng.random() < 0.5:
            handed = created + timedelta(minutes=rng.choice([0, 30, 600, 2000]))
        events: list[Event] = []
        at = handed or created
        owner = rng.choice(REPS)
        cycles = 1 + (rng.random() < 0.25) + (rng.random() < 0.1)
        for cycle in range(cycles):
            for _ in range(rng.randrange(0, 6)):
                step = rng.choice([0, 60, 120, 240, 480, 1440, 2880, rng.randrange(0, 4000)])
                at += timedelta(minutes=step)
                kind = rng.choice(KINDS)
                duration = rng.choice([None, None, 5.0, 12.5, 20.0])
                events.append(Event(kind, at, rng.choice(REPS), duration=duration))
                if rng.random() < 0.1:
                    events.append(Event("accept", at + timedelta(minutes=5), owner))
                if rng.random() < 0.1:
                    to = rng.choice(REPS)
                    t = at + timedelta(minutes=rng.choice([0, 1, 90]))
                    events.append(Event("reassign", t, to, from_rep=owner))
                    owner = to
                if rng.random() < 0.1:
                    p = at + timedelta(minutes=rng.randrange(1, 600))
                    events.append(Event("pause", p, owner, reason="callback-requested"))
                    if rng.random() < 0.7:
                        back = p + timedelta(minutes=rng.randrange(1, 4000))
                        events.append(Event("resume", back, owner))
            if rng.random() < 0.75 or cycle < cycles - 1:
                at += timedelta(minutes=rng.randrange(0, 6 * 1440))
                outcome = rng.choice(["qualified", "disqualified", "nurture", "nurture"])
                events.append(Event("disposition", at, owner, outcome))
                if cycle < cycles - 1:
                    at += timedelta(minutes=rng.randrange(1, 10 * 1440))
                    events.append(Event("handoff", at, "mkt"))
        lead = Lead(
            f"L{i}",
            created,
            email=rng.choice(["a@example.com", "bad", None, f"l{i}@example.com"]),
            first_name=rng.choice(["Ana", "", None, "Ben"]),
            company=rng.choice(["Acme", "Globex", " "]),
            phone=rng.choice(["555-0100-12", "12", None]),
            segment=rng.choice(["smb", "enterprise"]),
            owner=owner,
            score=rng.choice([30, 70, 90]),
            handed_off_at=handed,
        )
        out.append(LeadHistory(lead, tuple(sorted(events, key=lambda e: e.at))))
    return out


def key(o: Outcome) -> tuple[Any, ...]:
    def utc(t: datetime | None) -> datetime | None:
        return None if t is None else t.astimezone(UTC)

    return (
        o.lead_id,
        o.cycle,
        o.commitment_id,
        o.state,
        utc(o.deadline),
        utc(o.event_at),
        o.owner,
        utc(o.clock_start),
        o.paused,
        o.reason,
    )


def compare(agreement: Agreement, seed: int, n: int, label: str, as_of: datetime) -> int:
    period = month(label)
    first = datetime.combine(period.start, datetime.min.time(), tzinfo=UTC) - timedelta(days=3)
    cohort = mql_cohort(agreement, histories(seed, n, first), as_of=as_of, period=period)
    plan = lead_plan(agreement, memo=True)
    reference = [o for f in cohort for o in lead_outcomes(agreement, replace(f, why=False), as_of)]
    columns = _column_outcomes(agreement, cohort, as_of, plan)
    assert [key(o) for o in columns] == [key(o) for o in reference]
    return len(reference)


@pytest.mark.parametrize(
    ("label", "as_of"),
    [
        ("2024-05", datetime(2024, 6, 3, 13, tzinfo=UTC)),  # Memorial Day, alice away
        ("2024-05", datetime(2024, 5, 20, 15, 30, tzinfo=UTC)),  # mid-month: open pairs
        ("2024-03", datetime(2024, 3, 20, 14, tzinfo=UTC)),  # the daylight-saving change
    ],
)
def test_columns_equal_the_per_lead_measures(
    agreement: Agreement, label: str, as_of: datetime
) -> None:
    n = compare(agreement, seed=2024, n=700, label=label, as_of=as_of)
    assert n > 2000  # enough pairs that every branch is taken many times


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10**9), hour=st.integers(0, 24 * 40))
def test_columns_equal_the_per_lead_measures_at_any_as_of(
    agreement: Agreement, seed: int, hour: int
) -> None:
    as_of = datetime(2024, 5, 1, 4, tzinfo=UTC) + timedelta(hours=hour)
    compare(agreement, seed=seed, n=60, label="2024-05", as_of=as_of)


def test_a_period_column_wise_is_the_period_lead_by_lead(
    agreement: Agreement, monkeypatch: pytest.MonkeyPatch
) -> None:
    hs = histories(7, 500, datetime(2024, 4, 28, tzinfo=UTC))
    as_of = datetime(2024, 6, 3, 13, tzinfo=UTC)
    period = month("2024-05")
    monkeypatch.setattr(engine, "COLUMNS", 10**9)
    lead_by_lead = evaluate_period(agreement, hs, as_of=as_of, period=period, why=False)
    monkeypatch.setattr(engine, "COLUMNS", 1)
    columns = evaluate_period(agreement, hs, as_of=as_of, period=period, why=False)
    assert [key(o) for o in columns.outcomes] == [key(o) for o in lead_by_lead.outcomes]
    assert (columns.mql, columns.recycled, columns.dispositions) == (
        lead_by_lead.mql,
        lead_by_lead.recycled,
        lead_by_lead.dispositions,
    )
    assert columns.recycled > 0 and columns.mql > 200


@pytest.mark.parametrize("hour", [0, 30, 200, 500, 900])
def test_the_one_cycle_shortcut_is_the_walk_over_the_events(
    agreement: Agreement, hour: int
) -> None:
    # leads with none of handoff/reassign/pause/resume/accept take cycles_of's shortcut
    as_of = datetime(2024, 5, 1, 4, tzinfo=UTC) + timedelta(hours=hour)
    hs = histories(11, 400, datetime(2024, 4, 28, tzinfo=UTC))
    plain = [
        h
        for h in hs
        if not {"handoff", "reassign", "pause", "resume", "accept"} & {e.kind for e in h.events}
    ]
    assert len(plain) > 100
    for h in hs:
        assert cycles_of(agreement, h, as_of, why=False) == cycles_by_events(
            agreement, h, as_of, why=False
        )


@pytest.mark.slow  # (four simulated ledgers: the full suite runs it)
@pytest.mark.parametrize("columns", [1, 10**9])
@pytest.mark.parametrize("rep", [None, "bob"])
def test_reports_taken_from_one_evaluation_of_a_span_are_the_reports(
    agreement: Agreement, rep: str | None, columns: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the dashboard's way: the span read and evaluated once, each period's report taken
    # from it (engine.Evaluated); the same figures as each report made on its own
    monkeypatch.setattr(engine, "COLUMNS", columns)
    hs = histories(5, 900, datetime(2024, 4, 1, tzinfo=UTC))
    as_of = datetime(2024, 6, 3, 13, tzinfo=UTC)
    span = Period(date(2024, 4, 1), date(2024, 6, 2), "span")
    evaluated = Evaluated(hs, as_of, span)
    periods = [month("2024-04"), month("2024-05"), week_of(date(2024, 5, 27))]
    periods += [week_of(date(2024, 4, 1) + timedelta(days=7 * k)) for k in range(8)]
    for p in periods:
        kw: dict[str, Any] = {"as_of": as_of, "period": p, "rep": rep, "why": False}
        alone = build_report([(agreement, p)], hs, **kw)
        shared = build_report([(agreement, p)], hs, evaluated=evaluated, **kw)
        assert shared.to_json() == alone.to_json(), p.label
        assert sorted(map(key, shared.outcomes)) == sorted(map(key, alone.outcomes))
    assert evaluated.done  # the span was evaluated (and only once per agreement)
    # a period outside the span, another as_of: not this evaluation's to answer
    assert evaluated.cycles(agreement, hs, as_of, month("2024-07")) is None
    assert evaluated.cycles(agreement, hs, as_of - timedelta(days=1), month("2024-05")) is None


def test_a_cohort_under_another_calendar_or_pause_max_is_its_own(
    agreement: Agreement, tmp_path: Path
) -> None:
    # a what-if's draft that changes the hours or a pause's max keeps the cycles, but
    # their pauses may end elsewhere (max is counted in business days): the cohort shared
    # between the two reports has those worked out again, and equals the draft's own
    variants = {
        "saturdays": AGREEMENT.replace(
            'hours: {mon-fri: "09:00-17:00"}', 'hours: {mon-fri: "09:00-17:00", sat: "10:00-14:00"}'
        ),
        "shorter max": AGREEMENT.replace("max: 2 business days", "max: 3 business hours"),
    }
    drafts = []
    for name, text in variants.items():
        assert text != AGREEMENT, name
        d = tmp_path / name.replace(" ", "-")
        d.mkdir()
        (d / "cols.yaml").write_text(text)
        (d / "team.yaml").write_text(TEAM)
        drafts.append(load_agreements(d).agreements[0])
    hs = histories(11, 700, datetime(2024, 3, 1, tzinfo=UTC))
    as_of = datetime(2024, 4, 8, 13, tzinfo=UTC)
    period = month("2024-03")
    cohorts = engine.Cohorts(hs)
    mine = cohorts.of(agreement, hs, as_of, period)
    assert mine == mql_cohort(agreement, hs, as_of=as_of, period=period)
    for draft in drafts:
        theirs = cohorts.of(draft, hs, as_of, period)
        assert theirs == mql_cohort(draft, hs, as_of=as_of, period=period)
        moved = [a for a, b in zip(mine, theirs, strict=True) if a.pauses != b.pauses]
        assert moved  # pauses end elsewhere: the shared cycles could not have been lent
        assert all(a.start == b.start for a, b in zip(mine, theirs, strict=True))
    assert len(cohorts.seen) == 1  # one set of cycles, its pauses worked out per variant
