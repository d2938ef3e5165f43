"""SPEC section 7 in the engine: cycles, owners, pauses, acceptance, time spent. Calendar:
America/New_York, Mon-Fri 09:00-17:00, US/NY holidays (Memorial Day, Mon 2024-05-27, is
closed). Every expected instant is worked out in the comments."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from slactl.agreement.loader import load_agreement_text
from slactl.compliance.deadlines import paused_deadline
from slactl.compliance.engine import cycles_of, evaluate_lead, evaluate_period
from slactl.compliance.report import build_report, percentile
from slactl.periods import month
from slactl.records import Event, Lead, LeadHistory, Outcome, State

NY = ZoneInfo("America/New_York")

AGREEMENT = load_agreement_text(
    """\
slactl: 1
name: life
title: Life SLA
period: {start: 2024-01-01, end: 2024-12-31}
calendar:
  timezone: America/New_York
  hours: {mon-fri: "09:00-17:00"}
  holidays: {country: US, subdivision: NY}
definitions:
  mql: {score: ">= 60"}
  touch_kinds: [call, email, meeting]
  outcomes: [qualified, disqualified, nurture]
  reasons: {disqualified: [no-budget, student], nurture: [not-ready]}
  pauses: {reasons: [callback-requested, out-of-office], max: 3 business days}
commitments:
  sales:
    - {id: ft, measure: first_touch, within: 4 business hours, warn: 1 business hour,
       target: 90%, pausable: true}
    - {id: disp, measure: disposition, within: 5 business days, target: 95%}
    - {id: acc, measure: acceptance, within: 1 business day, target: 90%, pausable: true}
    - {id: time, measure: time_spent, minimum: 30 minutes, within: 2 business days,
       assume: {email: 2 minutes}, target: 80%}
    - {id: cad, measure: touch_cadence, max_gap: 1 business day, until: 2, target: 90%,
       pausable: true}
""",
    Path("life.yaml"),
)
CAL = AGREEMENT.calendar


def t(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=NY)


def ev(kind: str, at: str, rep: str = "alice", **kw: object) -> Event:
    return Event(kind, t(at), rep, **kw)  # type: ignore[arg-type]


def lead(*events: Event, handed: str = "2024-05-06T09:00", owner: str = "alice") -> LeadHistory:
    return LeadHistory(
        Lead("L1", t("2024-05-01T08:00"), owner=owner, score=70, handed_off_at=t(handed)),
        tuple(sorted(events, key=lambda e: e.at)),
    )


def by(outcomes: list[Outcome], cid: str, cycle: int = 1) -> Outcome:
    return next(o for o in outcomes if o.commitment_id == cid and o.cycle == cycle)


# -- 7.3: the pausable deadline ------------------------------------------------------------


def test_pause_moves_the_deadline_by_the_paused_business_time() -> None:
    # start Mon 05-06 09:00, unpaused deadline 13:00; paused 10:00-11:30 (1.5 h) -> 14:30
    got = paused_deadline(
        CAL,
        t("2024-05-06T09:00"),
        t("2024-05-06T13:00"),
        [(t("2024-05-06T10:00"), t("2024-05-06T11:30"))],
        business=True,
    )
    assert got == t("2024-05-06T14:30")


def test_pause_after_the_unpaused_deadline_rescues_nothing() -> None:
    got = paused_deadline(
        CAL,
        t("2024-05-06T09:00"),
        t("2024-05-06T13:00"),
        [(t("2024-05-06T13:30"), t("2024-05-07T13:00"))],
        business=True,
    )
    assert got == t("2024-05-06T13:00")


def test_overlapping_pauses_count_once_and_an_open_one_holds() -> None:
    # 10:00-11:00 and 10:30-12:00 overlap: paused 10:00-12:00, 2 h -> 15:00
    got = paused_deadline(
        CAL,
        t("2024-05-06T09:00"),
        t("2024-05-06T13:00"),
        [
            (t("2024-05-06T10:00"), t("2024-05-06T11:00")),
            (t("2024-05-06T10:30"), t("2024-05-06T12:00")),
        ],
        business=True,
    )
    assert got == t("2024-05-06T15:00")
    assert (
        paused_deadline(
            CAL,
            t("2024-05-06T09:00"),
            t("2024-05-06T13:00"),
            [(t("2024-05-06T10:00"), None)],
            business=True,
        )
        is None
    )


def test_pause_across_a_weekend_and_a_holiday() -> None:
    # start Fri 05-24 15:00 + 4 business hours: Fri 2 h, Memorial Day closed, Tue 2 h ->
    # Tue 05-28 11:00. Paused Fri 16:00 .. Tue 10:00: business time paused = Fri 1 h + Tue
    # 1 h = 2 h -> Tue 13:00
    got = paused_deadline(
        CAL,
        t("2024-05-24T15:00"),
        t("2024-05-28T11:00"),
        [(t("2024-05-24T16:00"), t("2024-05-28T10:00"))],
        business=True,
    )
    assert got == t("2024-05-28T13:00")


def naive(start: datetime, deadline: datetime, pauses: list[tuple[datetime, datetime]]) -> datetime:
    """Minute by minute: count the business minutes that are not paused until they reach
    the business minutes from start to the unpaused deadline; never before that deadline."""
    need = int(CAL.elapsed(start, deadline) / timedelta(minutes=1))
    m = start
    done = 0
    while done < need:
        paused = any(a <= m < b for a, b in pauses)
        if not paused and CAL.is_open(m):
            done += 1
        m += timedelta(minutes=1)
    return max(m, deadline)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(0, 7 * 24 * 4 - 1),
    st.sampled_from(["1 business hour", "4 business hours", "1 business day"]),
    st.lists(st.tuples(st.integers(0, 10 * 24 * 4), st.integers(1, 3 * 24 * 4)), max_size=3),
)
def test_pausable_deadline_equals_a_minute_by_minute_walk(
    q: int, within: str, raw: list[tuple[int, int]]
) -> None:
    from slactl.clock import parse_duration

    base = t("2024-05-20T00:00")  # a week with Memorial Day
    start = base + timedelta(minutes=15 * q)
    deadline = CAL.add(start, parse_duration(within))
    pauses = [
        (base + timedelta(minutes=15 * a), base + timedelta(minutes=15 * (a + n))) for a, n in raw
    ]
    got = paused_deadline(CAL, start, deadline, pauses, business=True)
    # an instant of the minute grid: the earliest at which the minutes are reached
    assert got == naive(start, deadline, pauses)


# -- 7.1: cycles -----------------------------------------------------------------------------


def test_a_handoff_inside_an_open_cycle_moves_nothing_and_one_after_the_end_recycles() -> None:
    h = lead(
        ev("handoff", "2024-05-06T11:00"),  # cycle 1 is open: moves nothing
        ev("call", "2024-05-06T10:00"),
        ev("disposition", "2024-05-07T10:00", outcome="nurture", reason="not-ready"),
        ev("handoff", "2024-06-03T09:00"),  # after the end: cycle 2, in June
        ev("email", "2024-06-03T15:00"),
    )
    cycles = cycles_of(AGREEMENT, h, t("2024-06-10T09:00"))
    assert [(f.cycle, f.start) for f in cycles] == [
        (1, t("2024-05-06T09:00")),
        (2, t("2024-06-03T09:00")),
    ]
    assert [e.kind for e in cycles[0].touches] == ["call"]
    assert [e.kind for e in cycles[1].touches] == ["email"]
    may = evaluate_period(AGREEMENT, [h], as_of=t("2024-06-10T09:00"), period=month("2024-05"))
    june = evaluate_period(AGREEMENT, [h], as_of=t("2024-06-10T09:00"), period=month("2024-06"))
    assert (may.mql, may.recycled, june.mql, june.recycled) == (1, 0, 1, 1)
    # June's cycle: email 15:00 within 4 business hours of 09:00 (13:00)? no: breached
    assert by(june.outcomes, "ft", 2).state is State.BREACHED
    assert by(june.outcomes, "ft", 2).deadline == t("2024-06-03T13:00")


# -- 7.2: owners -----------------------------------------------------------------------------


def test_reassignment_exactly_at_the_deadline_leaves_the_breach_with_the_new_owner() -> None:
    # ft deadline Mon 13:00; reassigned alice -> bob at 13:00: the owner at 13:00 is bob
    h = lead(ev("reassign", "2024-05-06T13:00", rep="bob", from_rep="alice"))
    out = evaluate_lead(AGREEMENT, h, t("2024-05-06T14:00"))
    assert by(out, "ft").state is State.BREACHED
    assert by(out, "ft").owner == "bob"
    # a minute before the deadline is alice's time... a minute after, the breach was alice's
    h2 = lead(ev("reassign", "2024-05-06T13:01", rep="bob", from_rep="alice"))
    assert by(evaluate_lead(AGREEMENT, h2, t("2024-05-06T14:00")), "ft").owner == "alice"


def test_met_goes_to_the_owner_at_the_event_pending_to_the_owner_at_as_of() -> None:
    h = lead(
        ev("call", "2024-05-06T10:00", rep="carol"),  # alice held it: alice met it
        ev("reassign", "2024-05-06T11:00", rep="bob"),
    )
    out = evaluate_lead(AGREEMENT, h, t("2024-05-06T12:00"))
    assert by(out, "ft").owner == "alice"
    assert by(out, "disp").state is State.PENDING and by(out, "disp").owner == "bob"
    # a reassignment after as_of is not known yet
    assert by(evaluate_lead(AGREEMENT, h, t("2024-05-06T10:30")), "disp").owner == "alice"


# -- 7.3 in the measures ------------------------------------------------------------------


def test_an_open_pause_keeps_the_pair_pending_paused_and_not_at_risk() -> None:
    h = lead(ev("pause", "2024-05-06T12:30", reason="callback-requested"))
    out = evaluate_lead(AGREEMENT, h, t("2024-05-06T12:45"))
    ft = by(out, "ft")
    # at 12:45 the unpaused deadline 13:00 is 15 minutes away (inside warn), but paused
    assert ft.state is State.PENDING and ft.paused
    # max 3 business days: the pause ends Thu 05-09 12:30; 30 minutes were left -> 13:00
    assert ft.deadline == t("2024-05-09T13:00")
    assert not by(out, "disp").paused  # disposition is not pausable


def test_a_pause_cut_by_max() -> None:
    # paused Mon 10:00, no resume: ends at max, Thu 05-09 10:00; 3 of the 4 hours left
    h = lead(
        ev("pause", "2024-05-06T10:00", reason="out-of-office"), ev("call", "2024-05-09T12:30")
    )
    ft = by(evaluate_lead(AGREEMENT, h, t("2024-05-10T09:00")), "ft")
    assert ft.deadline == t("2024-05-09T13:00")
    assert ft.state is State.MET


# -- 7.4 and 7.5 ------------------------------------------------------------------------------


def test_acceptance_and_time_spent() -> None:
    h = lead(
        ev("accept", "2024-05-07T09:00"),  # exactly start + 1 business day: met
        ev("call", "2024-05-06T10:00", duration=20.0),
        ev("email", "2024-05-07T11:00"),  # assumed 2 minutes: 22
        ev("disposition", "2024-05-07T12:00", outcome="qualified"),
        ev("meeting", "2024-05-08T09:00", duration=8.0),  # after the disposition: counts; 30
    )
    out = evaluate_lead(AGREEMENT, h, t("2024-05-10T09:00"))
    assert by(out, "acc").state is State.MET and by(out, "acc").event_at == t("2024-05-07T09:00")
    spent = by(out, "time")
    assert spent.state is State.MET and spent.event_at == t("2024-05-08T09:00")


def test_quality_section_and_percentiles() -> None:
    assert percentile([4.0, 1.0, 3.0, 2.0], 50) == 2.0
    assert percentile([float(x) for x in range(1, 11)], 90) == 9.0
    assert percentile([], 90) is None
    h = lead(
        ev("accept", "2024-05-06T09:30"),
        ev("call", "2024-05-06T10:00"),
        ev("disposition", "2024-05-06T11:00", outcome="disqualified", reason="student"),
    )
    r = build_report(
        [(AGREEMENT, month("2024-05"))], [h], as_of=t("2024-06-01T09:00"), period=month("2024-05")
    )
    q = r.to_json()["quality"]
    assert q["sources"] == [
        {
            "source": "(none)",
            "cycles": 1,
            "accepted": 1,
            "qualified": 0,
            "disqualified": 1,
            "returned": 0,
            "reasons": {"disqualified": {"student": 1}},
            "acceptance_rate": 1.0,
            "sql_rate": 0.0,
        }
    ]
    assert q["first_touch"]["overall"] == {
        "touched": 1,
        "median_minutes": 60.0,
        "p90_minutes": 60.0,
    }


def test_cadence_gaps_are_measured_with_the_pauses() -> None:
    # cad: 1 business day per gap, up to touch 2. Touch 1 Mon 10:00; touch 2 due Tue 10:00,
    # paused Mon 16:00 .. Tue 11:00 (3 business hours) -> due Tue 13:00; touch 2 at 11:30
    h = lead(
        ev("call", "2024-05-06T10:00"),
        ev("pause", "2024-05-06T16:00", reason="callback-requested"),
        ev("resume", "2024-05-07T11:00"),
        ev("call", "2024-05-07T11:30"),
    )
    cad = by(evaluate_lead(AGREEMENT, h, t("2024-05-08T09:00")), "cad")
    assert cad.state is State.MET and cad.event_at == t("2024-05-07T11:30")


def test_a_cadence_gap_moved_by_pauses_says_how_far() -> None:
    # explain said "touch 2 due by Tue 13:00, 1 business day after touch 1 Mon 10:00" of a
    # gap the pause had moved, and not by how much (first_touch's reason says it). Touch 1
    # Mon 10:00, unpaused due Tue 10:00; paused Mon 16:00-17:00 and Tue 09:00-11:00 (3
    # business hours): 6 h used before the pause, 2 h from Tue 11:00: due Tue 13:00
    h = lead(
        ev("call", "2024-05-06T10:00"),
        ev("pause", "2024-05-06T16:00", reason="callback-requested"),
        ev("resume", "2024-05-07T11:00"),
    )
    cad = by(evaluate_lead(AGREEMENT, h, t("2024-05-07T11:30")), "cad")
    assert (cad.state, cad.deadline) == (State.PENDING, t("2024-05-07T13:00"))
    assert cad.reason == (
        "touch 2 due by Tue 2024-05-07 13:00, 1 business day after touch 1 Mon 2024-05-06"
        " 10:00; moved 3 business hours later by pauses, to Tue 2024-05-07 13:00"
    )
    cad = by(evaluate_lead(AGREEMENT, h, t("2024-05-07T13:30")), "cad")
    assert cad.reason == (
        "no touch 2 by Tue 2024-05-07 13:00, 1 business day after touch 1 Mon 2024-05-06"
        " 10:00; moved 3 business hours later by pauses, to Tue 2024-05-07 13:00"
    )
    late = lead(*h.events, ev("call", "2024-05-07T13:30"))
    cad = by(evaluate_lead(AGREEMENT, late, t("2024-05-08T09:00")), "cad")
    assert cad.reason == (
        "touch 2 Tue 2024-05-07 13:30 came 30 business minutes after Tue 2024-05-07 13:00,"
        " 1 business day after touch 1 Mon 2024-05-06 10:00; moved 3 business hours later"
        " by pauses, to Tue 2024-05-07 13:00"
    )


def test_a_draft_that_turns_pauses_on_shows_the_flips() -> None:
    from dataclasses import replace

    from slactl.compliance.whatif import flips

    plain = replace(
        AGREEMENT,
        commitments=tuple(replace(c, pausable=False) for c in AGREEMENT.commitments),
    )
    # paused Mon 10:00 .. 12:00: ft due 15:00 with pauses, 13:00 without; touch 14:00
    h = lead(
        ev("pause", "2024-05-06T10:00", reason="callback-requested"),
        ev("resume", "2024-05-06T12:00"),
        ev("call", "2024-05-06T14:00"),
    )
    may, as_of = month("2024-05"), t("2024-05-06T14:30")
    current = build_report([(plain, may)], [h], as_of=as_of, period=may)
    draft = build_report([(AGREEMENT, may)], [h], as_of=as_of, period=may)
    got = [(f.lead, f.commitment, f.before, f.after) for f in flips(current, draft)]
    assert got == [("L1", "ft", "breached", "met")]
