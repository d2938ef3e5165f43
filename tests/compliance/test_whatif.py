"""The what-if comparison, pure: an agreement and a draft written inline, lead histories
built here, the flips worked out by hand.

Calendar: America/New_York, Mon-Fri 09:00-17:00, no holidays. as_of = Fri 10 May 2024 12:00.
Now: MQL = score >= 60, touches = call/email, first touch within 4 business hours,
disposition within 5 business days. Draft: score >= 70, sms counts as a touch, first touch
within 2 business hours.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from slactl.agreement.directory import load_agreements
from slactl.agreement.loader import load_agreement_text
from slactl.compliance.engine import Cohorts
from slactl.compliance.report import build_report
from slactl.compliance.whatif import Flip, WhatIf, explain_flips, flipped_leads, flips
from slactl.periods import Period
from slactl.records import Event, Lead, LeadHistory

NY = ZoneInfo("America/New_York")

CURRENT = """\
slactl: 1
name: now
title: Now
period: {start: 2024-01-01, end: 2024-12-31}
calendar:
  timezone: America/New_York
  hours: {mon-fri: "09:00-17:00"}
definitions:
  mql: {score: ">= 60"}
  touch_kinds: [call, email]
  outcomes: [qualified, disqualified, nurture]
commitments:
  sales:
    - {id: ft, measure: first_touch, within: 4 business hours, target: 90%}
    - {id: disp, measure: disposition, within: 5 business days, target: 90%}
points: {met: 10, breached: -5}
"""

DRAFT = (
    CURRENT.replace("4 business hours", "2 business hours")
    .replace('">= 60"', '">= 70"')
    .replace("[call, email]", "[call, email, sms]")
)

MAY = Period(date(2024, 5, 1), date(2024, 5, 31), "2024-05")
AS_OF = datetime(2024, 5, 10, 12, 0, tzinfo=NY)


def t(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=NY)


def lead(ext: str, created: str, score: float, *events: tuple[str, str], owner: str = "alice"):  # type: ignore[no-untyped-def]
    return LeadHistory(
        Lead(ext, t(created), score=score, owner=owner),
        tuple(
            Event("disposition", t(at), owner, "qualified")
            if kind == "qualified"
            else Event(kind, t(at), owner)
            for kind, at in events
        ),
    )


HISTORIES = [
    # A: call 1.5 h in, qualified next day: met under both
    lead(
        "A", "2024-05-06T09:00", 80, ("call", "2024-05-06T10:30"), ("qualified", "2024-05-07T10:00")
    ),
    # B: call at 12:00: inside 4 h (13:00), outside 2 h (11:00)
    lead("B", "2024-05-06T09:00", 80, ("call", "2024-05-06T12:00"), owner="bob"),
    # C: score 65 is an MQL now, not under the draft: both its outcomes are no longer counted
    lead(
        "C", "2024-05-07T09:00", 65, ("call", "2024-05-07T09:30"), ("qualified", "2024-05-07T10:00")
    ),
    # D: only an sms: no touch now (breached at 13:00), a touch at 10:00 under the draft
    lead("D", "2024-05-09T09:00", 80, ("sms", "2024-05-09T10:00")),
    # E: untouched; due 13:30 now (pending at 12:00), 11:30 under the draft (breached)
    lead("E", "2024-05-10T09:30", 80),
    # F: score 50 is an MQL under neither
    lead("F", "2024-05-06T09:00", 50),
]


def reports():  # type: ignore[no-untyped-def]
    now, draft = load_agreement_text(CURRENT), load_agreement_text(DRAFT)
    current = build_report([(now, MAY)], HISTORIES, as_of=AS_OF, period=MAY)
    proposed = build_report([(draft, MAY)], HISTORIES, as_of=AS_OF, period=MAY)
    return current, proposed


def test_flips_with_the_engines_reasons() -> None:
    current, proposed = reports()
    assert flips(current, proposed) == [
        Flip(
            "B",
            "ft",
            "bob",
            "met",
            "breached",
            "first touch Mon 2024-05-06 12:00 came 1 business hour before the deadline"
            " Mon 2024-05-06 13:00: Mon 2024-05-06 09:00 + 4 business hours",
            "first touch Mon 2024-05-06 12:00 came 1 business hour after the deadline"
            " Mon 2024-05-06 11:00: Mon 2024-05-06 09:00 + 2 business hours",
        ),
        Flip(
            "C",
            "ft",
            "alice",
            "met",
            "not counted",
            "first touch Tue 2024-05-07 09:30 came 3 business hours 30 minutes before the"
            " deadline Tue 2024-05-07 13:00: Tue 2024-05-07 09:00 + 4 business hours",
            "",
        ),
        Flip(
            "D",
            "ft",
            "alice",
            "breached",
            "met",
            "no touch by the deadline Thu 2024-05-09 13:00: Thu 2024-05-09 09:00"
            " + 4 business hours",
            "first touch Thu 2024-05-09 10:00 came 1 business hour before the deadline"
            " Thu 2024-05-09 11:00: Thu 2024-05-09 09:00 + 2 business hours",
        ),
        Flip(
            "E",
            "ft",
            "alice",
            "pending",
            "breached",
            "no touch yet; due Fri 2024-05-10 13:30: Fri 2024-05-10 09:30 + 4 business hours",
            "no touch by the deadline Fri 2024-05-10 11:30: Fri 2024-05-10 09:30"
            " + 2 business hours",
        ),
        Flip(
            "C",
            "disp",
            "alice",
            "met",
            "not counted",
            "disposition (qualified) Tue 2024-05-07 10:00 came 39 business hours before the"
            " deadline Tue 2024-05-14 09:00: Tue 2024-05-07 09:00 + 5 business days,"
            " the weekend skipped",
            "",
        ),
    ]


def test_reasons_written_for_the_flipped_pairs_alone() -> None:
    # the reports are built without reasons; explain_flips writes those of the flips only
    now, draft = load_agreement_text(CURRENT), load_agreement_text(DRAFT)
    current = build_report([(now, MAY)], HISTORIES, as_of=AS_OF, period=MAY, why=False)
    proposed = build_report([(draft, MAY)], HISTORIES, as_of=AS_OF, period=MAY, why=False)
    bare = flips(current, proposed)
    assert {f.reason_before + f.reason_after for f in bare} == {""}
    assert flipped_leads(bare) == {"B", "C", "D", "E"}
    explained = explain_flips(bare, HISTORIES, [(now, MAY)], [(draft, MAY)], as_of=AS_OF)
    assert explained == flips(*reports())


def test_reasons_under_the_agreement_of_each_part() -> None:
    # the draft's terms took effect on Wed 8 May: B (6 May) and C (7 May) are measured
    # under the old terms and flip as before; D (9 May) and E (10 May) are already under
    # the draft's terms and do not flip
    early = load_agreement_text(CURRENT.replace("end: 2024-12-31", "end: 2024-05-07"))
    late = load_agreement_text(DRAFT.replace("start: 2024-01-01", "start: 2024-05-08"))
    draft = load_agreement_text(DRAFT)
    parts = [
        (early, Period(MAY.start, date(2024, 5, 7), "2024-05")),
        (late, Period(date(2024, 5, 8), MAY.end, "2024-05")),
    ]
    current = build_report(parts, HISTORIES, as_of=AS_OF, period=MAY, why=False)
    proposed = build_report([(draft, MAY)], HISTORIES, as_of=AS_OF, period=MAY, why=False)
    found = explain_flips(flips(current, proposed), HISTORIES, parts, [(draft, MAY)], as_of=AS_OF)
    assert [(f.lead, f.commitment, f.before, f.after) for f in found] == [
        ("B", "ft", "met", "breached"),
        ("C", "ft", "met", "not counted"),
        ("C", "disp", "met", "not counted"),
    ]
    assert found[0].reason_before.endswith("Mon 2024-05-06 09:00 + 4 business hours")
    assert found[0].reason_after.endswith("Mon 2024-05-06 09:00 + 2 business hours")


def test_json_shape() -> None:
    current, proposed = reports()
    out = WhatIf(current, proposed, flips(current, proposed), ["ft: …"]).to_json()
    assert list(out) == ["current", "draft", "changes", "flips"]
    assert out["current"] == current.to_json()
    ft_now, ft_draft = out["current"]["commitments"][0], out["draft"]["commitments"][0]
    assert (ft_now["met"], ft_now["breached"], ft_now["pending"]) == (3, 1, 1)
    assert (ft_draft["met"], ft_draft["breached"], ft_draft["pending"]) == (2, 2, 0)
    assert [r["points"] for r in out["current"]["reps"]] == [35, 10]
    assert [r["points"] for r in out["draft"]["reps"]] == [25, -5]
    assert out["flips"][0] == {
        "lead": "B",
        "commitment": "ft",
        "owner": "bob",
        "current": "met",
        "draft": "breached",
        "reason_current": out["flips"][0]["reason_current"],
        "reason_draft": out["flips"][0]["reason_draft"],
    }
    assert out["flips"][0]["reason_draft"].startswith("first touch Mon 2024-05-06 12:00 came")


def test_the_same_agreement_flips_nothing() -> None:
    now = load_agreement_text(CURRENT)
    a = build_report([(now, MAY)], HISTORIES, as_of=AS_OF, period=MAY)
    b = build_report([(now, MAY)], HISTORIES, as_of=AS_OF, period=MAY)
    assert flips(a, b) == []


def built(text: str, cohorts: Cohorts | None = None):  # type: ignore[no-untyped-def]
    a = load_agreement_text(text)
    return build_report([(a, MAY)], HISTORIES, as_of=AS_OF, period=MAY, cohorts=cohorts)


def test_shared_cohorts_are_not_lent_to_other_definitions() -> None:
    # the draft counts sms as a touch and needs score >= 70: its cohort and facts differ
    # (D's sms, C left out), so it must not be served the current one
    cohorts = Cohorts(HISTORIES)
    current, proposed = built(CURRENT, cohorts), built(DRAFT, cohorts)
    assert len(cohorts.seen) == 2
    assert current.outcomes == built(CURRENT).outcomes
    assert proposed.outcomes == built(DRAFT).outcomes
    assert flips(current, proposed) == flips(*reports())


def test_a_draft_keeping_the_definitions_reuses_the_cohort() -> None:
    # only the window changes; a comment moves every line of the draft down, and where a
    # condition was written is not part of what it tests
    draft = "# draft: speed-to-lead in 2 hours\n" + CURRENT.replace(
        "4 business hours", "2 business hours"
    )
    assert load_agreement_text(draft).definitions == load_agreement_text(CURRENT).definitions
    cohorts = Cohorts(HISTORIES)
    current, proposed = built(CURRENT, cohorts), built(draft, cohorts)
    assert len(cohorts.seen) == 1
    assert proposed.outcomes == built(draft).outcomes
    assert [(f.lead, f.commitment, f.before, f.after) for f in flips(current, proposed)] == [
        ("B", "ft", "met", "breached"),
        ("E", "ft", "pending", "breached"),
    ]


def test_cohorts_of_other_histories_are_not_remembered() -> None:
    cohorts = Cohorts(HISTORIES)
    a = load_agreement_text(CURRENT)
    mine = [h for h in HISTORIES if h.lead.owner == "bob"]
    report = build_report([(a, MAY)], mine, as_of=AS_OF, period=MAY, cohorts=cohorts)
    assert report.funnel.mql == 1  # B alone
    assert cohorts.seen == {}
    assert built(CURRENT, cohorts).funnel.mql == 5  # A to E (F scores 50), not B alone


OWNERS_TEAM = """\
reps:
  alice: {email: alice@example.com}
  bob: {email: bob@example.com, timezone: America/Los_Angeles}
"""
OWNERS_NOW = CURRENT.replace(
    "    - {id: disp,",
    "    - {id: ft-owner, measure: first_touch, within: 3 business hours, target: 90%,\n"
    "       calendar: owner}\n"
    "    - {id: disp,",
)
OWNERS_DRAFT = OWNERS_NOW.replace(
    "within: 3 business hours, target: 90%,", "within: 1 business hour, target: 90%,"
)


def test_flip_reasons_on_the_owners_calendar(tmp_path: Path) -> None:
    # a `calendar: owner` commitment runs on the calendar of the rep holding the lead at
    # its clock start (SPEC 8.1): a flip's reasons are the ones the reports with reasons
    # give (explain's), Bob's deadlines on his Los Angeles hours
    sides = []
    for name, text in (("now", OWNERS_NOW), ("draft", OWNERS_DRAFT)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "a.yaml").write_text(text)
        (tmp_path / name / "team.yaml").write_text(OWNERS_TEAM)
        sides.append(load_agreements(tmp_path / name).agreements[0])
    now, draft = sides
    rng = random.Random(7)
    histories = []
    for i in range(40):
        created = t("2024-05-06T08:00") + timedelta(minutes=rng.randrange(0, 4 * 1440))
        touch = created + timedelta(minutes=rng.choice([30, 90, 200, 400, 900]))
        touched = ("call", touch.isoformat()[:16]) if touch < AS_OF else None
        histories.append(
            lead(
                f"L{i}",
                created.isoformat()[:16],
                80,
                *([touched] if touched else []),
                owner=rng.choice(["alice", "bob"]),
            )
        )
    kw = {"as_of": AS_OF, "period": MAY}
    expected = flips(
        build_report([(now, MAY)], histories, **kw), build_report([(draft, MAY)], histories, **kw)
    )
    bare = flips(
        build_report([(now, MAY)], histories, why=False, **kw),
        build_report([(draft, MAY)], histories, why=False, **kw),
    )
    explained = explain_flips(bare, histories, [(now, MAY)], [(draft, MAY)], as_of=AS_OF)
    assert explained == expected
    on_bobs = [f for f in expected if f.commitment == "ft-owner" and f.owner == "bob"]
    assert on_bobs and all("America/Los_Angeles" in f.reason_before for f in on_bobs)
