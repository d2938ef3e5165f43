# ruff: noqa: E501  (the hand-worked tables are wider than a line of code)
"""End to end, SPEC section 7: 31 leads imported through the installed `slactl`, the May and
June 2024 reports, `explain` and `status` checked against outcomes worked out by hand below.

Calendar: America/New_York, Mon-Fri 09:00-17:00, US/NY holidays (Memorial Day, Mon 27 May
2024, is closed). as_of = Mon 10 June 2024 09:00. Every start is the lead's handed_off_at
(or a handoff event for a later cycle). Pauses: reasons callback-requested, out-of-office;
max 3 business days.

Commitments: ft = first touch within 4 business hours, pausable (warn 1 business hour);
acc = acceptance within 1 business day, pausable; time = 30 minutes of touches within 2
business days (an email without a duration counts 2 minutes), not pausable; disp =
disposition within 5 business days, not pausable. Points: met 10, breached -5.

The 16 plain leads S01-S16: handed off 09:00, accept 09:30, call 10:00 of 30 minutes, a
disposition the next day at 10:00: all four met; first touch after 60 business minutes.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

SLACTL = Path(sys.executable).parent / "slactl"

AGREEMENT = """\
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
    - {id: ft, measure: first_touch, within: 4 business hours, warn: 1 business hour, target: 90%, pausable: true}
    - {id: acc, measure: acceptance, within: 1 business day, target: 80%, pausable: true}
    - {id: time, measure: time_spent, minimum: 30 minutes, within: 2 business days, assume: {email: 2 minutes}, target: 80%}
    - {id: disp, measure: disposition, within: 5 business days, target: 90%}
points: {met: 10, breached: -5}
"""

# id, handed_off_at (local; created 08:00 that day), score, source, owner
LEADS = [
    # H1 a handoff event inside the open cycle (Thu 11:00) moves nothing. ft due Thu 13:00,
    # call 12:00 met. time due Mon 05-06 09:00: 10 + email 2 = 12 < 30: breached. acc due
    # Fri 05-03 09:00: no accept, disposition Fri 15:00 is later: breached. disp due Thu
    # 05-09 09:00: met. First touch after 180 minutes.
    ("H1", "2024-05-02T09:00", 70, "webinar", "alice"),
    # R1 recycled across months. Cycle 1 (May, Mon 05-13): call 09:30 of 30, accept 09:45,
    # returned Tue 10:00: all met (30 minutes to first touch). Cycle 2 (handoff Mon 06-03
    # 09:00, June): call 10:00 of 40, accept 10:30: ft, acc, time met; disp due Mon 06-10
    # 09:00 = as_of, not past: pending.
    ("R1", "2024-05-13T09:00", 70, "webinar", "alice"),
    # R2 recycled inside May. Cycle 1 (Wed 05-01): call 10:00 of 30 (60 minutes), accept
    # 10:00, disqualified (student) 11:00: all met. Cycle 2 (handoff Wed 05-15 09:00): no
    # touch; qualified 15:00: ft due 13:00 breached by the disposition; acc due Thu 09:00
    # met by it; time: nothing by Fri 05-17 09:00: breached; disp met.
    ("R2", "2024-05-01T09:00", 70, "webinar", "alice"),
    # X1 reassigned alice -> bob exactly at the ft deadline (Mon 05-06 13:00): the missed
    # deadline is bob's. bob's call 14:00 of 30 (300 minutes), accept 14:30, qualified Tue
    # 10:00: acc, time, disp met, all bob's.
    ("X1", "2024-05-06T09:00", 70, "webinar", "alice"),
    # X2 carol's call Tue 05-07 10:00 of 10 (60 minutes): ft met, carol's. Reassigned to dave
    # at 12:00 (no from_rep). acc due Wed 09:00, time due Thu 09:00 (10 < 30), disp due Tue
    # 05-14 09:00: all breached, dave's (the owner at each deadline).
    ("X2", "2024-05-07T09:00", 70, "webinar", "carol"),
    # Q1 a pause starting after the unpaused ft deadline rescues nothing: paused Mon 05-20
    # 14:00 (ft due 13:00), resumed Tue 09:00; call Tue 10:00 of 30: ft breached (540
    # minutes). acc (pausable) due Tue 09:00 unpaused; 5 h used before the pause, 3 h after
    # Tue 09:00: Tue 12:00; accept Tue 11:00: met. time due Wed 09:00: met. Qualified Tue
    # 11:30: met.
    ("Q1", "2024-05-20T09:00", 70, "webinar", "alice"),
    # Q2 a pause still open at as_of (June). Handed off Thu 06-06 09:00, paused 10:00, no
    # resume: the pause ends at max, Tue 06-11 10:00. ft: 1 h used, 3 h left: Tue 13:00,
    # pending and paused (not at risk though the unpaused deadline passed). acc: 7 h left:
    # Tue 17:00, pending, paused. time (not pausable) due Mon 06-10 09:00 = as_of: pending.
    # disp due Thu 06-13 09:00: pending.
    ("Q2", "2024-06-06T09:00", 70, "webinar", "alice"),
    # Q3 a pause cut by max across a weekend and Memorial Day: paused Wed 05-22 10:00, no
    # resume; max 3 business days: Thu, Fri, Tue -> Tue 05-28 10:00. ft: 1 h used, 3 h left:
    # Tue 13:00; call Tue 12:00 of 30: met (1620 minutes: 8 + 8 + 8 + 3 h). acc: 7 h left:
    # Tue 17:00; accept Tue 16:00: met. time (not pausable) due Fri 05-24 09:00: breached.
    # disp due Thu 05-30 09:00; qualified Wed 05-29 10:00: met.
    ("Q3", "2024-05-22T09:00", 70, "webinar", "alice"),
    # Q4 two pauses, Tue 05-14 09:30-10:00 and 11:00-12:00 (1.5 h): ft due 14:30, call 14:15
    # of 30 (315 minutes): met. acc due Wed 09:00 + 1.5 h = Wed 10:30; accept Wed 10:15:
    # met. time met; qualified Wed 11:00: met.
    ("Q4", "2024-05-14T09:00", 70, "webinar", "alice"),
    # Q5 a pause across a weekend and a holiday: handed off Fri 05-24 15:00 (ft due Tue
    # 05-28 11:00: Fri 2 h, Tue 2 h), paused Fri 16:00, resumed Tue 10:00 (paused 1 h Fri +
    # 1 h Tue): ft due Tue 13:00; call Tue 12:30 of 30 (330 minutes): met. acc due Tue 15:00
    # unpaused: 1 h used, 7 h from Tue 10:00: Tue 17:00; accept 16:30: met. time due Wed
    # 15:00: met. disp due Mon 06-03 15:00, qualified Thu 05-30 10:00: met.
    ("Q5", "2024-05-24T15:00", 70, "webinar", "alice"),
    # T1 durations summing exactly to the minimum: call Thu 05-09 10:00 of 12, meeting 14:00
    # of 16, email Fri 10:00 (2): 30 at Fri 10:00 <= Mon 05-13 09:00: met. No accept;
    # returned (not-ready) Mon 11:00 > Fri 09:00: acc breached. ft, disp met (60 minutes).
    ("T1", "2024-05-09T09:00", 70, "webinar", "alice"),
    # T2 one minute short: bob's call 09:10 of 27 (10 minutes) + email 2 = 29: time breached.
    # Accept 09:05, qualified Fri 10:00: ft, acc, disp met.
    ("T2", "2024-05-09T09:00", 70, "webinar", "bob"),
    # N1 not an MQL: no handoff, score 30. Counted as a lead created in May, nothing else.
    ("N1", "", 30, "webinar", "alice"),
    # B1 nothing at all: ft, acc, time, disp breached, dave's.
    ("B1", "2024-05-06T09:00", 70, "webinar", "dave"),
    # R3 cycle 1 (Mon 05-20): call 09:10 of 30 (10 minutes), accept 09:15, disqualified
    # (no-budget) 10:00: all met. A pause at 11:00 is outside every cycle: it does nothing.
    # Cycle 2 (handoff Tue 05-21 09:00): call 14:00 of 30 (300 minutes): ft breached (due
    # 13:00); accept 14:05 met; time met; qualified Wed 10:00 met.
    ("R3", "2024-05-20T09:00", 70, "webinar", "alice"),
]
# S01-S08 alice, webinar; S09-S12 bob, event; S13-S16 carol, event
PLAIN_DAYS = [
    "2024-05-01",
    "2024-05-02",
    "2024-05-06",
    "2024-05-07",
    "2024-05-08",
    "2024-05-13",
    "2024-05-14",
    "2024-05-15",
    "2024-05-16",
    "2024-05-20",
    "2024-05-21",
    "2024-05-22",
    "2024-05-23",
    "2024-05-28",
    "2024-05-29",
    "2024-05-30",
]
PLAIN_OUTCOMES = ["qualified"] * 12 + [
    ("disqualified", "no-budget"),
    ("disqualified", "student"),
    ("nurture", "not-ready"),
    ("nurture", "not-ready"),
]
NEXT_DAY = {
    "2024-05-01": "2024-05-02",
    "2024-05-02": "2024-05-03",
    "2024-05-06": "2024-05-07",
    "2024-05-07": "2024-05-08",
    "2024-05-08": "2024-05-09",
    "2024-05-13": "2024-05-14",
    "2024-05-14": "2024-05-15",
    "2024-05-15": "2024-05-16",
    "2024-05-16": "2024-05-17",
    "2024-05-20": "2024-05-21",
    "2024-05-21": "2024-05-22",
    "2024-05-22": "2024-05-23",
    "2024-05-23": "2024-05-24",
    "2024-05-28": "2024-05-29",
    "2024-05-29": "2024-05-30",
    "2024-05-30": "2024-05-31",
}

# lead, kind, rep, at, outcome, reason, duration, from_rep
ACTIVITIES = [
    ("H1", "handoff", "mkt", "2024-05-02T11:00", "", "", "", ""),
    ("H1", "call", "alice", "2024-05-02T12:00", "", "", "10", ""),
    ("H1", "email", "alice", "2024-05-03T10:00", "", "", "", ""),
    ("H1", "disposition", "alice", "2024-05-03T15:00", "disqualified", "no-budget", "", ""),
    ("R1", "call", "alice", "2024-05-13T09:30", "", "", "30", ""),
    ("R1", "accept", "alice", "2024-05-13T09:45", "", "", "", ""),
    ("R1", "disposition", "alice", "2024-05-14T10:00", "nurture", "not-ready", "", ""),
    ("R1", "handoff", "mkt", "2024-06-03T09:00", "", "", "", ""),
    ("R1", "call", "alice", "2024-06-03T10:00", "", "", "40", ""),
    ("R1", "accept", "alice", "2024-06-03T10:30", "", "", "", ""),
    ("R2", "call", "alice", "2024-05-01T10:00", "", "", "30", ""),
    ("R2", "accept", "alice", "2024-05-01T10:00", "", "", "", ""),
    ("R2", "disposition", "alice", "2024-05-01T11:00", "disqualified", "student", "", ""),
    ("R2", "handoff", "mkt", "2024-05-15T09:00", "", "", "", ""),
    ("R2", "disposition", "alice", "2024-05-15T15:00", "qualified", "", "", ""),
    ("X1", "reassign", "bob", "2024-05-06T13:00", "", "", "", "alice"),
    ("X1", "call", "bob", "2024-05-06T14:00", "", "", "30", ""),
    ("X1", "accept", "bob", "2024-05-06T14:30", "", "", "", ""),
    ("X1", "disposition", "bob", "2024-05-07T10:00", "qualified", "", "", ""),
    ("X2", "call", "carol", "2024-05-07T10:00", "", "", "10", ""),
    ("X2", "reassign", "dave", "2024-05-07T12:00", "", "", "", ""),
    ("Q1", "pause", "alice", "2024-05-20T14:00", "", "callback-requested", "", ""),
    ("Q1", "resume", "alice", "2024-05-21T09:00", "", "", "", ""),
    ("Q1", "call", "alice", "2024-05-21T10:00", "", "", "30", ""),
    ("Q1", "accept", "alice", "2024-05-21T11:00", "", "", "", ""),
    ("Q1", "disposition", "alice", "2024-05-21T11:30", "qualified", "", "", ""),
    ("Q2", "pause", "alice", "2024-06-06T10:00", "", "out-of-office", "", ""),
    ("Q3", "pause", "alice", "2024-05-22T10:00", "", "callback-requested", "", ""),
    ("Q3", "call", "alice", "2024-05-28T12:00", "", "", "30", ""),
    ("Q3", "accept", "alice", "2024-05-28T16:00", "", "", "", ""),
    ("Q3", "disposition", "alice", "2024-05-29T10:00", "qualified", "", "", ""),
    ("Q4", "pause", "alice", "2024-05-14T09:30", "", "callback-requested", "", ""),
    ("Q4", "resume", "alice", "2024-05-14T10:00", "", "", "", ""),
    ("Q4", "pause", "alice", "2024-05-14T11:00", "", "out-of-office", "", ""),
    ("Q4", "resume", "alice", "2024-05-14T12:00", "", "", "", ""),
    ("Q4", "call", "alice", "2024-05-14T14:15", "", "", "30", ""),
    ("Q4", "accept", "alice", "2024-05-15T10:15", "", "", "", ""),
    ("Q4", "disposition", "alice", "2024-05-15T11:00", "qualified", "", "", ""),
    ("Q5", "pause", "alice", "2024-05-24T16:00", "", "callback-requested", "", ""),
    ("Q5", "resume", "alice", "2024-05-28T10:00", "", "", "", ""),
    ("Q5", "call", "alice", "2024-05-28T12:30", "", "", "30", ""),
    ("Q5", "accept", "alice", "2024-05-28T16:30", "", "", "", ""),
    ("Q5", "disposition", "alice", "2024-05-30T10:00", "qualified", "", "", ""),
    ("T1", "call", "alice", "2024-05-09T10:00", "", "", "12", ""),
    ("T1", "meeting", "alice", "2024-05-09T14:00", "", "", "16", ""),
    ("T1", "email", "alice", "2024-05-10T10:00", "", "", "", ""),
    ("T1", "disposition", "alice", "2024-05-13T11:00", "nurture", "not-ready", "", ""),
    ("T2", "accept", "bob", "2024-05-09T09:05", "", "", "", ""),
    ("T2", "call", "bob", "2024-05-09T09:10", "", "", "27", ""),
    ("T2", "email", "bob", "2024-05-09T10:00", "", "", "", ""),
    ("T2", "disposition", "bob", "2024-05-10T10:00", "qualified", "", "", ""),
    ("R3", "call", "alice", "2024-05-20T09:10", "", "", "30", ""),
    ("R3", "accept", "alice", "2024-05-20T09:15", "", "", "", ""),
    ("R3", "disposition", "alice", "2024-05-20T10:00", "disqualified", "no-budget", "", ""),
    ("R3", "pause", "alice", "2024-05-20T11:00", "", "callback-requested", "", ""),
    ("R3", "handoff", "mkt", "2024-05-21T09:00", "", "", "", ""),
    ("R3", "call", "alice", "2024-05-21T14:00", "", "", "30", ""),
    ("R3", "accept", "alice", "2024-05-21T14:05", "", "", "", ""),
    ("R3", "disposition", "alice", "2024-05-22T10:00", "qualified", "", "", ""),
]


def _plain() -> None:
    for n, (day, outcome) in enumerate(zip(PLAIN_DAYS, PLAIN_OUTCOMES, strict=True), start=1):
        ext = f"S{n:02d}"
        owner = "alice" if n <= 8 else "bob" if n <= 12 else "carol"
        LEADS.append((ext, f"{day}T09:00", 70, "webinar" if n <= 8 else "event", owner))
        out, reason = (outcome, "") if isinstance(outcome, str) else outcome
        ACTIVITIES.extend(
            [
                (ext, "accept", owner, f"{day}T09:30", "", "", "", ""),
                (ext, "call", owner, f"{day}T10:00", "", "", "30", ""),
                (ext, "disposition", owner, f"{NEXT_DAY[day]}T10:00", out, reason, "", ""),
            ]
        )


_plain()
assert len(LEADS) == 31


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    tmp_path = tmp_path_factory.mktemp("life")
    agreements = tmp_path / "agreements"
    agreements.mkdir()
    (agreements / "life.yaml").write_text(AGREEMENT)
    with open(tmp_path / "leads.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(
            [
                "external_id",
                "email",
                "company",
                "source",
                "owner",
                "score",
                "created_at",
                "handed_off_at",
            ]
        )
        for ext, handed, score, source, owner in LEADS:
            created = (handed or "2024-05-10T10:00")[:10] + "T08:00"
            w.writerow(
                [ext, f"{ext.lower()}@example.com", "Acme", source, owner, score, created, handed]
            )
    with open(tmp_path / "activities.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["lead", "kind", "rep", "at", "outcome", "reason", "duration", "from_rep"])
        w.writerows(ACTIVITIES)
    env = {
        "SLACTL_DB": str(tmp_path / "ledger.db"),
        "SLACTL_AGREEMENTS": str(agreements),
        "PATH": "/usr/bin:/bin",
    }
    for name in ("leads.csv", "activities.csv"):
        proc = slactl(env, "import", str(tmp_path / name))
        assert proc.returncode == 0, proc.stderr
    return env


def slactl(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SLACTL), *args], env=env, capture_output=True, text=True, check=False
    )


def report(env: dict[str, str], month: str) -> dict:  # type: ignore[type-arg]
    proc = slactl(
        env, "report", "--month", month, "--as-of", "2024-06-10T09:00", "--format", "json"
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)  # type: ignore[no-any-return]


def counts(r: dict) -> dict[str, tuple[int, int, int, int, int]]:  # type: ignore[type-arg]
    return {
        c["id"]: (c["met"], c["breached"], c["pending"], c["at_risk"], c["paused"])
        for c in r["commitments"]
    }


def test_may(ledger: dict[str, str]) -> None:
    r = report(ledger, "2024-05")
    # 31 cycles start in May: 13 leads once (not N1, not Q2), R2 and R3 twice, S01-S16.
    # ft breached: R2 cycle 2, X1, Q1, B1, R3 cycle 2. acc breached: H1, X2, T1, B1. time
    # breached: H1, R2 cycle 2, X2, Q3, T2, B1. disp breached: X2, B1.
    assert counts(r) == {
        "ft": (26, 5, 0, 0, 0),
        "acc": (27, 4, 0, 0, 0),
        "time": (25, 6, 0, 0, 0),
        "disp": (29, 2, 0, 0, 0),
    }
    # created in May: all but Q2 (30). Dispositions of May's cycles: qualified R2/2, X1, Q1,
    # Q3, Q4, Q5, T2, R3/2 + S01-S12 = 20; disqualified H1, R2/1, R3/1, S13, S14 = 5;
    # nurture R1/1, T1, S15, S16 = 4; X2 and B1 none. Recycled: R2/2 and R3/2.
    assert r["funnel"] == {
        "leads": 30,
        "mql": 31,
        "sql": 20,
        "disqualified": 5,
        "nurture": 4,
        "recycled": 2,
        "opportunities": 0,
        "won": 0,
        "pipeline": 0,
        "won_amount": 0,
        "rates": {"mql_to_sql": 0.6452, "sql_to_opportunity": 0.0, "opportunity_to_won": None},
        "median_sales_cycle_days": None,
    }
    reps = {x["rep"]: x for x in r["reps"]}
    # alice: ft 16/3, acc 17/2, time 16/3, disp 19/0 -> 68 met, 8 breached
    assert reps["alice"]["commitments"] == {
        "ft": {"met": 16, "breached": 3, "pending": 0},
        "acc": {"met": 17, "breached": 2, "pending": 0},
        "time": {"met": 16, "breached": 3, "pending": 0},
        "disp": {"met": 19, "breached": 0, "pending": 0},
    }
    assert reps["alice"]["points"] == 68 * 10 - 8 * 5
    # bob: X1 (ft breached at the deadline he held it at; the rest met), T2 (time
    # breached), S09-S12: 22 met, 2 breached
    assert reps["bob"]["commitments"]["ft"] == {"met": 5, "breached": 1, "pending": 0}
    assert reps["bob"]["points"] == 22 * 10 - 2 * 5
    # carol: X2's ft and S13-S16: 17 met
    assert reps["carol"]["points"] == 17 * 10
    # dave: X2's acc, time, disp and B1's four: 7 breached
    assert reps["dave"]["points"] == -7 * 5
    q = r["quality"]
    assert q["sources"] == [
        {
            "source": "event",
            "cycles": 8,
            "accepted": 8,
            "qualified": 4,
            "disqualified": 2,
            "returned": 2,
            "reasons": {
                "disqualified": {"no-budget": 1, "student": 1},
                "nurture": {"not-ready": 2},
            },
            "acceptance_rate": 1.0,
            "sql_rate": 0.5,
        },
        # 23 cycles; accepted: all but H1, R2/2, X2, T1, B1 -> 18; 18/23 = 0.7826; 16/23 = 0.6957
        {
            "source": "webinar",
            "cycles": 23,
            "accepted": 18,
            "qualified": 16,
            "disqualified": 3,
            "returned": 2,
            "reasons": {
                "disqualified": {"no-budget": 2, "student": 1},
                "nurture": {"not-ready": 2},
            },
            "acceptance_rate": 0.7826,
            "sql_rate": 0.6957,
        },
    ]
    # minutes to first touch. alice (18): 10, 30, 60 x10, 180, 300, 315, 330, 540, 1620 ->
    # median the 9th (60), p90 the 17th (540). bob (6): 10, 60 x4, 300 -> 3rd (60), 6th
    # (300). carol (5): 60 x5. All 29: 10, 10, 30, 60 x19, 180, 300, 300, 315, 330, 540,
    # 1620 -> median the 15th (60), p90 the 27th (330).
    ft = q["first_touch"]
    assert ft["overall"] == {"touched": 29, "median_minutes": 60.0, "p90_minutes": 330.0}
    assert ft["reps"] == [
        {"rep": "alice", "touched": 18, "median_minutes": 60.0, "p90_minutes": 540.0},
        {"rep": "bob", "touched": 6, "median_minutes": 60.0, "p90_minutes": 300.0},
        {"rep": "carol", "touched": 5, "median_minutes": 60.0, "p90_minutes": 60.0},
    ]


def test_june(ledger: dict[str, str]) -> None:
    r = report(ledger, "2024-06")
    # R1 cycle 2: ft, acc, time met, disp pending. Q2: ft and acc pending and paused, time
    # and disp pending.
    assert counts(r) == {
        "ft": (1, 0, 1, 0, 1),
        "acc": (1, 0, 1, 0, 1),
        "time": (1, 0, 1, 0, 0),
        "disp": (0, 0, 2, 0, 0),
    }
    assert r["funnel"] == {
        "leads": 1,
        "mql": 2,
        "sql": 0,
        "disqualified": 0,
        "nurture": 0,
        "recycled": 1,
        "opportunities": 0,
        "won": 0,
        "pipeline": 0,
        "won_amount": 0,
        "rates": {"mql_to_sql": 0.0, "sql_to_opportunity": None, "opportunity_to_won": None},
        "median_sales_cycle_days": None,
    }


def test_explain_shows_each_cycle_holders_and_pauses(ledger: dict[str, str]) -> None:
    proc = slactl(ledger, "explain", "R2", "--as-of", "2024-06-10T09:00")
    assert proc.returncode == 0, proc.stderr
    text = " ".join(proc.stdout.split())
    assert "Cycle 1: Commitments (clock start Wed 2024-05-01 09:00)" in text
    assert "Cycle 2: Commitments (clock start Wed 2024-05-15 09:00)" in text
    proc = slactl(ledger, "explain", "Q4", "--as-of", "2024-06-10T09:00")
    text = " ".join(proc.stdout.split())
    assert "moved 1 business hour 30 minutes later by pauses, to Tue 2024-05-14 14:30" in text
    assert "callback-requested" in text and "out-of-office" in text
    proc = slactl(ledger, "explain", "X2", "--as-of", "2024-06-10T09:00")
    text = " ".join(proc.stdout.split())
    assert "Who held the lead" in text
    assert "X2 Acme owner dave" in text  # the owner at as_of, though the column says carol
    rows = [" ".join(c.strip() for c in line.split("│")[1:-1]) for line in proc.stdout.splitlines()]
    # carol Tue 09:00-12:00 (3 h); dave from Tue 12:00 to as_of: Tue 5 h + 22 working days
    # (05-08 .. 06-07: 17 in May less Memorial Day, 5 in June; 8 h each) = 181 h
    assert "carol Tue 2024-05-07 09:00 Tue 2024-05-07 12:00 3h00m" in rows
    assert "dave Tue 2024-05-07 12:00 Mon 2024-06-10 09:00 181h00m" in rows


def test_status_shows_the_paused_lead(ledger: dict[str, str]) -> None:
    proc = slactl(
        ledger, "status", "--rep", "alice", "--as-of", "2024-06-10T09:00", "--format", "json"
    )
    assert proc.returncode == 0, proc.stderr
    got = {(i["lead"], i["commitment"]): i for i in json.loads(proc.stdout)["open"]}
    # Q2's four pairs and R1's second-cycle disposition are open; nothing of May
    assert sorted(got) == [
        ("Q2", "acc"),
        ("Q2", "disp"),
        ("Q2", "ft"),
        ("Q2", "time"),
        ("R1", "disp"),
    ]
    ft = got[("Q2", "ft")]
    assert (ft["state"], ft["pause_reason"], ft["pause_until"]) == (
        "paused",
        "out-of-office",
        "2024-06-11T10:00:00-04:00",
    )
    assert ft["deadline"] == "2024-06-11T13:00:00-04:00"


def test_the_quality_section_in_every_format(ledger: dict[str, str]) -> None:
    def run(fmt: str) -> str:
        proc = slactl(
            ledger, "report", "--month", "2024-05", "--as-of", "2024-06-10T09:00", "--format", fmt
        )
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    table = " ".join(run("table").split())
    assert "Quality (per lead source)" in table and "Business minutes to first touch" in table
    assert "Recycled" in table
    markdown = run("markdown")
    assert (
        "| event | 8 | 8 | 4 | 2 | 2 | 100.0% | 50.0% | disqualified: no-budget 1, student 1; nurture: not-ready 2 |"
        in markdown
    )
    assert "| (all) | 29 | 60 | 330 |" in markdown
    assert "<th>MQL→SQL</th>" in run("html")


def test_status_table_shows_the_pause_whole_at_80_columns(ledger: dict[str, str]) -> None:
    # the reason and the pause's end on two lines: on one ("out-of-office, until Tue 06-11
    # 10:00") the cell was 36 wide and Rich cut the other columns to fit 80: "Q…", "PAU…";
    # the company under the lead's id (a column of its own was cut to "Comp…")
    proc = slactl(ledger, "status", "--rep", "alice", "--as-of", "2024-06-10T09:00")
    assert proc.returncode == 0, proc.stderr
    lines = [line.rstrip() for line in proc.stdout.splitlines()]
    assert lines[1:15] == [
        "┏━━━━━━┳━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━┓",
        "┃ Lead ┃ Commitment ┃ Due (local)     ┃ Business time         ┃ State  ┃",
        "┡━━━━━━╇━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━┩",
        "│ Q2   │ time       │ Mon 06-10 09:00 │ 0m left               │ due    │",
        "│ Acme │            │                 │                       │        │",
        "│ R1   │ disp       │ Mon 06-10 09:00 │ 0m left               │ due    │",
        "│ Acme │            │                 │                       │        │",
        "│ Q2   │ ft         │ Tue 06-11 13:00 │ out-of-office         │ PAUSED │",
        "│ Acme │            │                 │ until Tue 06-11 10:00 │        │",
        "│ Q2   │ acc        │ Tue 06-11 17:00 │ out-of-office         │ PAUSED │",
        "│ Acme │            │                 │ until Tue 06-11 10:00 │        │",
        "│ Q2   │ disp       │ Thu 06-13 09:00 │ 24h00m left           │ due    │",
        "│ Acme │            │                 │                       │        │",
        "└──────┴────────────┴─────────────────┴───────────────────────┴────────┘",
    ]


def test_explain_timeline_shows_reasons_durations_and_previous_owners(
    ledger: dict[str, str],
) -> None:
    # the timeline gave neither a disposition's reason nor a touch's minutes (time spent
    # adds them up) nor whom a reassignment took the lead from
    def timeline(lead: str) -> list[str]:
        proc = slactl(ledger, "explain", lead, "--as-of", "2024-06-10T09:00")
        assert proc.returncode == 0, proc.stderr
        return [
            " ".join(" ".join(c.split()) for c in line.split("│")[1:-1]).strip()
            for line in proc.stdout.splitlines()
            if line.startswith("│ ")
        ]

    rows = timeline("T1")
    assert "Thu 2024-05-09 10:00 call (touch), 12 min alice" in rows
    assert "Thu 2024-05-09 14:00 meeting (touch), 16 min alice" in rows
    assert "Fri 2024-05-10 10:00 email (touch) alice" in rows
    assert "Mon 2024-05-13 11:00 disposition: nurture, not-ready alice" in rows
    assert "Mon 2024-05-06 13:00 reassign (not a touch), from alice bob" in timeline("X1")
