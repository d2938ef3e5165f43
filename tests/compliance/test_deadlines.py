"""The bulk deadline path gives exactly ``calendar.add``'s answers, and a period evaluated
in bulk gives exactly the outcomes of its leads evaluated one by one."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from slactl.agreement.loader import load_agreement_text
from slactl.clock import parse_duration
from slactl.compliance import engine
from slactl.compliance.deadlines import PeriodCalendar, add_many
from slactl.compliance.engine import evaluate_lead, evaluate_period, in_period
from slactl.periods import month
from slactl.records import Event, Lead, LeadHistory, Outcome

CALENDARS = {
    "new-york": """
  timezone: America/New_York
  hours: {mon-fri: "09:00-17:00"}
  holidays: {country: US, subdivision: NY, add: [2024-12-24]}""",
    # split spans, a short Saturday, and a zone whose DST dates differ from New York's
    "berlin-split": """
  timezone: Europe/Berlin
  hours: {mon-fri: "08:30-12:00, 13:00-17:30", sat: "10:00-14:00"}
  holidays: {country: DE}""",
    # working hours across the 02:00 DST change: the days the bulk path leaves to the clock
    "night-shift": """
  timezone: America/New_York
  hours: {mon-sun: "00:30-04:00, 20:00-23:30"}""",
}


def agreement(calendar: str):  # type: ignore[no-untyped-def]
    return load_agreement_text(
        f"""\
slactl: 1
name: bulk
title: Bulk
period: {{start: 2024-01-01, end: 2024-12-31}}
calendar:{calendar}
definitions: {{mql: {{score: ">= 60"}}, touch_kinds: [call, email]}}
commitments:
  sales:
    - {{id: ft, measure: first_touch, within: 4 business hours, warn: 1 business hour,
       target: 90%}}
    - {{id: disp, measure: disposition, within: 10 business days, warn: 1 business day,
       target: 95%}}
    - {{id: pers, measure: touches_before_return, minimum: 2, open_for: 3 business days,
       target: 100%}}
    - {{id: cad, measure: touch_cadence, max_gap: 1 business day, until: 3, target: 90%}}
""",
        Path("bulk.yaml"),
    )


def utc(instants: list[datetime]) -> list[datetime]:
    """The same instants in UTC: the bulk path answers in UTC, the calendar in its zone,
    and == between zones is False for a wall time in a DST fold (PEP 495)."""
    return [t.astimezone(UTC) for t in instants]


def in_utc(o: Outcome) -> Outcome:
    return o._replace(
        deadline=o.deadline.astimezone(UTC) if o.deadline else None,
        clock_start=o.clock_start.astimezone(UTC) if o.clock_start else None,
        event_at=o.event_at.astimezone(UTC) if o.event_at else None,
    )


def random_starts(n: int, seed: int) -> list[datetime]:
    rng = random.Random(seed)
    base = datetime(2024, 1, 1, tzinfo=UTC)
    starts = [base + timedelta(seconds=rng.randrange(0, 366 * 86400)) for _ in range(n)]
    # both DST weekends, minute by minute around the changes
    for day in (datetime(2024, 3, 10, 5, tzinfo=UTC), datetime(2024, 11, 3, 4, tzinfo=UTC)):
        starts += [day + timedelta(minutes=17 * k) for k in range(400)]
    return starts


@pytest.mark.parametrize("name", sorted(CALENDARS))
@pytest.mark.parametrize(
    "duration",
    ["1 business day", "3 business days", "10 business days", "4 business hours", "2 days"],
)
def test_add_many_is_calendar_add(name: str, duration: str) -> None:
    cal = agreement(CALENDARS[name]).calendar
    d = parse_duration(duration)
    starts = random_starts(3000, seed=len(name) + len(duration))
    assert utc(add_many(cal, starts, d)) == utc([cal.add(s, d) for s in starts])


@pytest.mark.parametrize("name", sorted(CALENDARS))
def test_a_period_in_bulk_equals_lead_by_lead(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # the numpy path starts at engine.BULK leads; this cohort is ~200 strong
    monkeypatch.setattr(engine, "BULK", 50)
    a = agreement(CALENDARS[name])
    rng = random.Random(7)
    histories = []
    may = datetime(2024, 5, 1, 4, tzinfo=UTC)
    for i in range(300):
        created = may + timedelta(minutes=rng.randrange(0, 31 * 1440))
        events = []
        at = created
        for _ in range(rng.randrange(0, 6)):
            at += timedelta(minutes=rng.randrange(0, 3 * 1440))
            events.append(Event(rng.choice(["call", "email", "linkedin-view"]), at, "bob"))
        if rng.random() < 0.7:
            at += timedelta(minutes=rng.randrange(0, 5 * 1440))
            outcome = rng.choice(["qualified", "disqualified", "nurture"])
            events.append(Event("disposition", at, "bob", outcome))
        lead = Lead(f"L{i}", created, owner="bob", score=rng.choice([30, 70, 90]))
        histories.append(LeadHistory(lead, tuple(events)))
    as_of = datetime(2024, 6, 3, 13, tzinfo=UTC)
    bulk = evaluate_period(a, histories, as_of=as_of, period=month("2024-05"), why=True).outcomes
    in_may = [h for h in histories if in_period(a, h.lead.created_at, month("2024-05"))]
    one_by_one = [o for h in in_may for o in evaluate_lead(a, h, as_of)]
    assert len(bulk) > 300
    assert [in_utc(o) for o in bulk] == [in_utc(o) for o in one_by_one]


@pytest.mark.parametrize("name", sorted(CALENDARS))
def test_period_calendar_adds_business_days_as_the_calendar_does(name: str) -> None:
    cal = agreement(CALENDARS[name]).calendar
    fast = PeriodCalendar(cal, date(2024, 2, 28), date(2024, 11, 30), 10)
    starts = random_starts(3000, seed=len(name))
    for duration in ("1 business day", "2 business days", "10 business days", "3 hours"):
        d = parse_duration(duration)
        assert utc([fast.add(s, d) for s in starts]) == utc([cal.add(s, d) for s in starts])
