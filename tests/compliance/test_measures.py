"""The measures of SPEC section 4, one cell of the table at a time, on an agreement written
inline. Calendar: America/New_York, Mon-Fri 09:00-17:00, US/NY holidays (Memorial Day,
Mon 27 May 2024, is closed). Every expected deadline is worked out in the comments.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from slactl.agreement.loader import load_agreement_text, read_quotas
from slactl.compliance.engine import evaluate, evaluate_lead
from slactl.compliance.measures import prorated_quota, review_windows
from slactl.compliance.report import CommitmentResult, build_report
from slactl.errors import SlactlError
from slactl.periods import Period, month, parse_period, quarter, week
from slactl.records import Event, Lead, LeadHistory, Outcome, State

NY = ZoneInfo("America/New_York")

AGREEMENT = load_agreement_text(
    """\
slactl: 1
name: unit
title: Unit SLA
period: {start: 2024-01-01, end: 2024-12-31}
calendar:
  timezone: America/New_York
  hours: {mon-fri: "09:00-17:00"}
  holidays: {country: US, subdivision: NY}
definitions:
  mql: {any: [{score: ">= 60"}, {source: [demo-request]}]}
  touch_kinds: [call, email, meeting]
  outcomes: [qualified, disqualified, nurture]
commitments:
  sales:
    - {id: ft, measure: first_touch, within: 4 business hours, warn: 1 business hour, target: 90%}
    - {id: ent, measure: first_touch, applies_to: {segment: enterprise},
       within: 1 business hour, target: 95%}
    - {id: disp, measure: disposition, within: 10 business days, target: 95%}
    - {id: pers, measure: touches_before_return, minimum: 3, open_for: 5 business days,
       target: 100%}
    - {id: cad, measure: touch_cadence, max_gap: 2 business days, until: 3,
       warn: 1 business hour, target: 90%}
  marketing:
    - {id: volume, measure: mql_volume, target: 100%}
    - {id: complete, measure: complete_fields, fields: [company, email, phone], target: 95%}
  shared:
    - {id: review, measure: review_meeting, every: 1 week, target: 100%}
points: {met: 10, breached: -5}
""",
    Path("unit.yaml"),
)
QUOTAS, _ = read_quotas("mql_volume:\n  2024-05: 22\n  2024-06: 19\n", Path("quotas.yaml"))
CAL = AGREEMENT.calendar


def t(text: str) -> datetime:
    """A New York wall time."""
    return datetime.fromisoformat(text).replace(tzinfo=NY)


def history(
    created: str,
    *events: tuple[str, str] | tuple[str, str, str],
    handed: str | None = None,
    score: float = 70,
    segment: str = "smb",
    owner: str = "alice",
    **fields: str,
) -> LeadHistory:
    evs = tuple(
        Event(e[0], t(e[1]), "alice", e[2] if len(e) > 2 else None)  # type: ignore[misc]
        for e in events
    )
    lead = Lead(
        "L1",
        t(created),
        email=fields.get("email", "ana@example.com"),
        company=fields.get("company", "Acme"),
        phone=fields.get("phone", "+1 212 555 0100"),
        segment=segment,
        owner=owner,
        score=score,
        handed_off_at=t(handed) if handed else None,
    )
    return LeadHistory(lead, tuple(sorted(evs, key=lambda e: e.at)))


def outcome(h: LeadHistory, cid: str, as_of: str) -> Outcome | None:
    found = [o for o in evaluate_lead(AGREEMENT, h, t(as_of)) if o.commitment_id == cid]
    return found[0] if found else None


def state(h: LeadHistory, cid: str, as_of: str = "2024-06-28T09:00") -> State | None:
    o = outcome(h, cid, as_of)
    return o.state if o else None


# -- first_touch ---------------------------------------------------------------------------
# Handed off Fri 05-03 16:30: 30 minutes on Friday, the weekend skipped, 3 h 30 on Monday:
# the deadline is Mon 05-06 12:30.
FRIDAY = "2024-05-03T16:30"


def test_first_touch_one_minute_late_says_why() -> None:
    o = outcome(history(FRIDAY, ("call", "2024-05-06T12:31")), "ft", "2024-05-07T09:00")
    assert o is not None and o.state is State.BREACHED
    assert o.deadline == t("2024-05-06T12:30")
    assert o.reason == (
        "first touch Mon 2024-05-06 12:31 came 1 business minute after the deadline"
        " Mon 2024-05-06 12:30: Fri 2024-05-03 16:30 + 4 business hours, the weekend skipped"
    )


def test_first_touch_exactly_on_the_deadline_is_met() -> None:
    o = outcome(history(FRIDAY, ("call", "2024-05-06T12:30")), "ft", "2024-05-07T09:00")
    assert o is not None and o.state is State.MET and o.event_at == t("2024-05-06T12:30")
    assert o.reason.startswith("first touch Mon 2024-05-06 12:30 came exactly at the deadline")


def test_a_disposition_before_any_touch_meets_first_touch() -> None:
    h = history(FRIDAY, ("disposition", "2024-05-06T11:00", "disqualified"))
    o = outcome(h, "ft", "2024-05-07T09:00")
    assert o is not None and o.state is State.MET and o.event_at == t("2024-05-06T11:00")
    assert o.reason.startswith("disposition (disqualified) Mon 2024-05-06 11:00 came 1 business")


def test_touches_before_the_handoff_do_not_count() -> None:
    # created Fri 09:00, called 10:00, handed off 16:30: the clock starts at the handoff
    h = history("2024-05-03T09:00", ("call", "2024-05-03T10:00"), handed=FRIDAY)
    o = outcome(h, "ft", "2024-05-06T12:31")
    assert o is not None and o.state is State.BREACHED and o.event_at is None
    assert o.reason.startswith("no touch by the deadline Mon 2024-05-06 12:30")


def test_a_handoff_event_starts_the_clock_and_makes_an_mql() -> None:
    # score 10 is not an MQL by definition; the handoff event Fri 16:30 makes it one
    h = history("2024-05-03T09:00", ("handoff", FRIDAY), ("call", "2024-05-06T12:00"), score=10)
    o = outcome(h, "ft", "2024-05-07T09:00")
    assert o is not None and o.state is State.MET and o.clock_start == t(FRIDAY)
    assert evaluate_lead(AGREEMENT, history("2024-05-03T09:00", score=10), t("2024-06-01")) == []


def test_first_touch_pending_then_at_risk_then_breached() -> None:
    h = history(FRIDAY)
    # Mon 11:00 + 1 business hour = 12:00, before the 12:30 deadline: pending
    assert state(h, "ft", "2024-05-06T11:00") is State.PENDING
    # Mon 11:30 + 1 business hour = 12:30 <= 12:30: at risk
    o = outcome(h, "ft", "2024-05-06T11:30")
    assert o is not None and o.state is State.AT_RISK
    assert o.reason.endswith("at risk: 1 business hour left")
    assert state(h, "ft", "2024-05-06T12:30") is State.AT_RISK  # as_of on the deadline
    assert state(h, "ft", "2024-05-06T12:31") is State.BREACHED


def test_events_after_as_of_are_ignored() -> None:
    h = history(FRIDAY, ("call", "2024-05-06T10:00"))
    assert state(h, "ft", "2024-05-06T09:59") is State.PENDING
    assert state(h, "ft", "2024-05-06T10:00") is State.MET


def test_a_saturday_touch_counts_though_the_clock_starts_monday() -> None:
    # created Sat 05-04 10:00: the clock starts Mon 09:00, due Mon 13:00
    o = outcome(history("2024-05-04T10:00", ("call", "2024-05-04T11:00")), "ft", "2024-05-07")
    assert o is not None and o.state is State.MET and o.deadline == t("2024-05-06T13:00")
    assert o.reason == (
        "first touch Sat 2024-05-04 11:00 came 4 business hours before the deadline"
        " Mon 2024-05-06 13:00: Sat 2024-05-04 10:00 + 4 business hours, the clock starting"
        " Mon 2024-05-06 09:00, the weekend skipped"
    )


def test_memorial_day_is_skipped() -> None:
    # Fri 05-24 15:00: 2 h Friday, Sat-Mon closed, 2 h Tuesday: due Tue 05-28 11:00
    o = outcome(history("2024-05-24T15:00"), "ft", "2024-05-28T11:01")
    assert o is not None and o.state is State.BREACHED and o.deadline == t("2024-05-28T11:00")
    assert o.reason.endswith("the weekend and Mon 05-27 (closed) skipped")


def test_the_march_dst_weekend() -> None:
    # Fri 03-08 16:00 EST (21:00 UTC): 1 h Friday, 3 h Monday 03-11 in EDT: 12:00 EDT = 16:00 UTC
    o = outcome(history("2024-03-08T16:00", ("call", "2024-03-11T12:00")), "ft", "2024-04-01")
    assert o is not None and o.state is State.MET
    assert o.deadline == datetime(2024, 3, 11, 16, 0, tzinfo=UTC)


def test_applies_to_limits_a_commitment_to_a_segment() -> None:
    # enterprise: due Mon 09:00 + ... Fri 16:30 + 1 business hour = Mon 09:30
    h = history(FRIDAY, ("call", "2024-05-06T09:45"), segment="enterprise")
    assert state(h, "ent") is State.BREACHED
    assert state(h, "ft") is State.MET
    assert state(history(FRIDAY, ("call", "2024-05-06T09:45")), "ent") is None


# -- disposition ---------------------------------------------------------------------------
# Thu 05-02 10:00 + 10 business days: May 3, 6, 7, 8, 9, 10, 13, 14, 15, 16 -> Thu 05-16 10:00


def test_disposition_within_ten_business_days() -> None:
    on_time = history("2024-05-02T10:00", ("disposition", "2024-05-16T10:00", "qualified"))
    late = history("2024-05-02T10:00", ("disposition", "2024-05-16T10:01", "qualified"))
    assert state(on_time, "disp") is State.MET
    assert state(late, "disp") is State.BREACHED
    assert state(history("2024-05-02T10:00"), "disp", "2024-05-16T10:00") is State.PENDING
    assert state(history("2024-05-02T10:00"), "disp", "2024-05-16T10:01") is State.BREACHED


def test_a_disposition_before_the_clock_start_does_not_count() -> None:
    h = history(
        "2024-05-02T09:00",
        ("disposition", "2024-05-02T09:30", "disqualified"),
        handed="2024-05-02T10:00",
    )
    o = outcome(h, "disp", "2024-05-03T09:00")
    assert o is not None and o.state is State.PENDING and o.deadline == t("2024-05-16T10:00")


# -- touches_before_return -----------------------------------------------------------------
# Mon 05-06 09:00 + 5 business days = Mon 05-13 09:00; at least 3 touches before returning
MONDAY = "2024-05-06T09:00"
THREE = (("call", "2024-05-06T10:00"), ("email", "2024-05-07T10:00"), ("call", "2024-05-08T10:00"))


def test_persistence_counts_only_returned_leads() -> None:
    assert (
        state(history(MONDAY, *THREE, ("disposition", "2024-05-13T09:00", "qualified")), "pers")
        is None
    )
    assert state(history(MONDAY, *THREE), "pers") is None  # not returned (yet)


def test_persistence_met_breached_too_few_or_too_early() -> None:
    ok = history(MONDAY, *THREE, ("disposition", "2024-05-13T09:00", "nurture"))
    assert state(ok, "pers") is State.MET
    few = history(MONDAY, *THREE[:2], ("disposition", "2024-05-13T09:00", "nurture"))
    o = outcome(few, "pers", "2024-06-01")
    assert o is not None and o.state is State.BREACHED
    assert o.reason == "returned to marketing Mon 2024-05-13 09:00 after only 2 of 3 touches"
    early = history(MONDAY, *THREE, ("disposition", "2024-05-10T17:00", "nurture"))
    o = outcome(early, "pers", "2024-06-01")
    assert o is not None and o.state is State.BREACHED
    assert o.reason == (
        "returned to marketing Fri 2024-05-10 17:00 before Mon 2024-05-13 09:00:"
        " Mon 2024-05-06 09:00 + 5 business days, the weekend skipped"
    )
    both = history(MONDAY, *THREE[:1], ("disposition", "2024-05-07T09:00", "nurture"))
    o = outcome(both, "pers", "2024-06-01")
    assert o is not None and o.reason.startswith(
        "returned to marketing Tue 2024-05-07 09:00 after only 1 of 3 touches and before"
    )


def test_a_non_touch_activity_is_not_a_touch() -> None:
    h = history(
        MONDAY,
        *THREE[:2],
        ("linkedin-view", "2024-05-08T10:00"),
        ("disposition", "2024-05-13T09:00", "nurture"),
    )
    assert state(h, "pers") is State.BREACHED


def test_a_touch_by_another_rep_counts_for_the_owner() -> None:
    lead = Lead(
        "L9", t(MONDAY), email="a@b.co", company="A", phone="5551234", owner="alice", score=90
    )
    h = LeadHistory(lead, (Event("call", t("2024-05-06T10:00"), "bob"),))
    o = outcome(h, "ft", "2024-05-07")
    assert o is not None and o.state is State.MET and o.owner == "alice"


# -- touch_cadence -------------------------------------------------------------------------


def test_cadence_met_at_touch_until() -> None:
    # start Mon 09:00; touch 1 Tue 10:00 <= Wed 09:00; touch 2 Thu 10:00 <= Thu 10:00
    # (exactly); touch 3 Fri 09:00 <= Mon 10:00; touch 4 is past `until` and not judged
    h = history(
        MONDAY,
        ("call", "2024-05-07T10:00"),
        ("call", "2024-05-09T10:00"),
        ("call", "2024-05-10T09:00"),
        ("call", "2024-05-24T09:00"),
    )
    o = outcome(h, "cad", "2024-06-01")
    assert (
        o is not None
        and o.state is State.MET
        and o.reason == "no gap over 2 business days up to touch 3"
    )


def test_cadence_gap_breached() -> None:
    # touch 1 Mon 10:00, touch 2 Thu 10:01 > Wed 10:00
    h = history(MONDAY, ("call", "2024-05-06T10:00"), ("call", "2024-05-09T10:01"))
    o = outcome(h, "cad", "2024-06-01")
    assert o is not None and o.state is State.BREACHED and o.deadline == t("2024-05-08T10:00")
    assert o.reason == (
        "touch 2 Thu 2024-05-09 10:01 came 8 business hours 1 minute after Wed 2024-05-08 10:00,"
        " 2 business days after touch 1 Mon 2024-05-06 10:00"
    )


def test_cadence_ends_at_the_disposition() -> None:
    h = history(
        MONDAY, ("call", "2024-05-06T10:00"), ("disposition", "2024-05-07T10:00", "qualified")
    )
    assert state(h, "cad") is State.MET


def test_cadence_open_pending_at_risk_breached() -> None:
    h = history(MONDAY, ("call", "2024-05-06T10:00"))  # touch 2 due Wed 05-08 10:00
    assert state(h, "cad", "2024-05-07T12:00") is State.PENDING
    assert state(h, "cad", "2024-05-08T09:00") is State.AT_RISK  # 09:00 + 1 bh = 10:00
    o = outcome(h, "cad", "2024-05-08T10:01")
    assert o is not None and o.state is State.BREACHED
    assert o.reason == (
        "no touch 2 by Wed 2024-05-08 10:00, 2 business days after touch 1 Mon 2024-05-06 10:00"
    )


# -- complete_fields -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, State.MET),
        ({"email": "ana@example"}, State.BREACHED),  # no dot in the domain
        ({"email": "ana example.com"}, State.BREACHED),
        ({"phone": "555-123"}, State.BREACHED),  # 6 digits
        ({"phone": "555-1234"}, State.MET),  # 7 digits
        ({"company": "  "}, State.BREACHED),
    ],
)
def test_complete_fields(fields: dict[str, str], expected: State) -> None:
    assert state(history(MONDAY, **fields), "complete") is expected


# -- period measures -----------------------------------------------------------------------


def test_quota_prorated_by_working_days() -> None:
    assert QUOTAS is not None
    assert prorated_quota(AGREEMENT, QUOTAS, month("2024-05")) == 22
    # May 1-15: working days 1, 2, 3, 6, 7, 8, 9, 10, 13, 14, 15 = 11 of May's 22
    assert (
        prorated_quota(
            AGREEMENT, QUOTAS, Period(t("2024-05-01").date(), t("2024-05-15").date(), "")
        )
        == 11
    )
    # 2024-W22 (May 27 - Jun 2): May 28-31 = 4 of 22 (Memorial Day closed); June 1-2 is a
    # weekend: 0 of June's 19 -> 22 * 4 / 22 = 4
    assert prorated_quota(AGREEMENT, QUOTAS, week("2024-W22")) == 4
    assert prorated_quota(AGREEMENT, QUOTAS, month("2024-07")) is None  # no quota: not counted
    # 2024-W31 (Jul 29 - Aug 4) has working days in July, which has no quota
    assert prorated_quota(AGREEMENT, QUOTAS, week("2024-W31")) is None
    # 2024-W26 (Jun 24-30) is all June: 19 * 5 / 19 = 5 (Juneteenth is the 19th)
    assert prorated_quota(AGREEMENT, QUOTAS, week("2024-W26")) == 5


def test_mql_volume_met_pending_breached() -> None:
    leads = [history(f"2024-05-{d:02d}T10:00") for d in (6, 7, 8)]
    p = Period(t("2024-05-06").date(), t("2024-05-08").date(), "")  # 3 working days: quota 3
    [o] = [
        o
        for o in evaluate(AGREEMENT, leads, as_of=t("2024-05-09"), period=p, quotas=QUOTAS)
        if o.commitment_id == "volume"
    ]
    assert (o.state, o.actual, o.quota) == (State.MET, 3, 3)
    [o] = [
        o
        for o in evaluate(
            AGREEMENT, leads[:2], as_of=t("2024-05-08T12:00"), period=p, quotas=QUOTAS
        )
        if o.commitment_id == "volume"
    ]
    assert (o.state, o.actual) == (State.PENDING, 2)
    [o] = [
        o
        for o in evaluate(AGREEMENT, leads[:2], as_of=t("2024-05-09"), period=p, quotas=QUOTAS)
        if o.commitment_id == "volume"
    ]
    assert (o.state, o.actual) == (State.BREACHED, 2)


def test_review_windows_belong_to_the_period_they_start_in() -> None:
    c = AGREEMENT.commitment("review")
    starts = [ws.isoformat() for ws, _ in review_windows(AGREEMENT, c, month("2024-05"))]
    assert starts == ["2024-05-06", "2024-05-13", "2024-05-20", "2024-05-27"]  # not Apr 29


def test_review_meetings_met_breached_pending_and_not_started() -> None:
    reviews = [Event("review", t("2024-05-01T10:00")), Event("review", t("2024-05-07T10:00"))]

    def review_states(as_of: str) -> list[str]:
        out = evaluate(AGREEMENT, [], as_of=t(as_of), period=month("2024-05"), reviews=reviews)
        return [o.state.value for o in out if o.commitment_id == "review"]

    # the 05-01 review is in April's window (Apr 29 - May 5)
    assert review_states("2024-06-03T00:00") == ["met", "breached", "breached", "breached"]
    # as of Wed 05-22: the week of 05-20 is open, the week of 05-27 has not begun
    assert review_states("2024-05-22T12:00") == ["met", "breached", "pending"]


# -- the report ----------------------------------------------------------------------------


def test_compliance_is_rounded_but_passing_uses_the_exact_ratio() -> None:
    c = CommitmentResult("x", "sales", "first_touch", None, 0.95, met=94996, breached=5004)
    assert c.compliance == 0.95 and c.passed is False  # 0.94996 < 0.95
    c = CommitmentResult("x", "sales", "first_touch", None, 0.95, met=19, breached=1)
    assert c.compliance == 0.95 and c.passed is True
    c = CommitmentResult("x", "sales", "first_touch", None, 0.95, pending=3)
    assert c.compliance is None and c.passed is True
    assert c.to_json()["compliance"] is None


def test_report_cohort_points_funnel_and_rep_filter() -> None:
    def lead(
        ext: str, created: str, owner: str, *events: Event, handed: str | None = None
    ) -> LeadHistory:
        return LeadHistory(
            Lead(
                ext,
                t(created),
                owner=owner,
                score=70,
                email="a@b.co",
                company="A",
                phone="5551234",
                handed_off_at=t(handed) if handed else None,
            ),
            events,
        )

    histories = [
        # alice: touched in time and qualified (ft, disp, cad met)
        lead(
            "A",
            "2024-05-06T09:00",
            "alice",
            Event("call", t("2024-05-06T10:00")),
            Event("disposition", t("2024-05-06T11:00"), outcome="qualified"),
        ),
        # bob: created in April, handed off in May: May's cohort; touched late, disqualified
        lead(
            "B",
            "2024-04-30T09:00",
            "bob",
            Event("call", t("2024-05-01T15:00")),
            Event("disposition", t("2024-05-01T16:00"), outcome="disqualified"),
            handed="2024-05-01T09:00",
        ),
        # bob: started in April: not in May's report
        lead("C", "2024-04-30T10:00", "bob"),
    ]
    p = month("2024-05")
    r = build_report(
        [(AGREEMENT, p)], histories, as_of=t("2024-06-03T09:00"), period=p, leads_created=2
    )
    got = {c.id: (c.met, c.breached) for c in r.commitments}
    assert got["ft"] == (1, 1) and got["disp"] == (2, 0) and got["cad"] == (2, 0)
    assert {x.rep: x.points for x in r.reps} == {"alice": 30, "bob": 2 * 10 - 5}
    assert r.funnel.to_json() == {
        "leads": 2,
        "mql": 2,
        "sql": 1,
        "disqualified": 1,
        "nurture": 0,
        "recycled": 0,
        "opportunities": 0,
        "won": 0,
        "pipeline": 0,
        "won_amount": 0,
        "rates": {"mql_to_sql": 0.5, "sql_to_opportunity": 0.0, "opportunity_to_won": None},
        "median_sales_cycle_days": None,
    }
    assert r.as_of.isoformat() == "2024-06-03T09:00:00-04:00"
    bob = build_report(
        [(AGREEMENT, p)], histories, as_of=t("2024-06-03T09:00"), period=p, rep="bob"
    )
    assert {c.id: (c.met, c.breached) for c in bob.commitments}["ft"] == (0, 1)
    assert [x.rep for x in bob.reps] == ["bob"]
    assert (bob.funnel.mql, bob.funnel.disqualified, bob.funnel.sql) == (1, 1, 0)


# -- periods -------------------------------------------------------------------------------


def test_periods() -> None:
    assert month("2024-02") == Period(t("2024-02-01").date(), t("2024-02-29").date(), "2024-02")
    w = week("2024-W19")
    assert (w.start.isoformat(), w.end.isoformat(), w.label) == (
        "2024-05-06",
        "2024-05-12",
        "2024-W19",
    )
    q = quarter("2024-Q2")
    assert (q.start.isoformat(), q.end.isoformat()) == ("2024-04-01", "2024-06-30")
    r = parse_period(from_="2024-05-03", to="2024-05-09")
    assert (r.start.isoformat(), r.end.isoformat(), r.label) == (
        "2024-05-03",
        "2024-05-09",
        "2024-05-03..2024-05-09",
    )


ONE_PERIOD = (
    "name one period: --month 2024-05, --week 2024-W19, --quarter 2024-Q2"
    " or --from 2024-05-01 --to 2024-05-31"
)


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        (
            {},
            ONE_PERIOD,
        ),
        (
            {"month_": "2024-05", "week_": "2024-W19"},
            ONE_PERIOD,
        ),
        ({"month_": "2024-13"}, "--month '2024-13': use YYYY-MM, e.g. 2024-05"),
        ({"week_": "2024-W54"}, "--week '2024-W54': 2024 has no week 54"),
        ({"quarter_": "2024-Q5"}, "--quarter '2024-Q5': use YYYY-Qn, e.g. 2024-Q2"),
        ({"from_": "2024-05-01"}, "--from and --to go together: give both dates"),
        (
            {"from_": "2024-05-09", "to": "2024-05-01"},
            "--to 2024-05-01 is before --from 2024-05-09",
        ),
    ],
)
def test_bad_periods(kw: dict[str, str], message: str) -> None:
    with pytest.raises(SlactlError) as e:
        parse_period(**kw)
    assert str(e.value) == message
