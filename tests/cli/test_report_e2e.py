"""End to end: 32 leads imported through the installed `slactl`, the May 2024 report checked
against outcomes worked out by hand, lead by lead, below.

Calendar: America/New_York, Mon-Fri 09:00-17:00, US/NY holidays (Memorial Day, Monday
27 May 2024, is closed). as_of = Monday 3 June 2024 09:00.

Commitments: ft = first touch within 4 business hours (warn 1 business hour); ent = first
touch within 1 business hour for enterprise leads; disp = disposition within 10 business
days; pers = 3 touches and 5 business days before a lead goes back to marketing (nurture);
cad = at most 2 business days between start, touch 1, 2, 3 (or the disposition); complete
= name, company, email, phone present and valid; volume = 20 MQLs in May; review weekly.
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
name: e2e
title: E2E SLA
period: {start: 2024-01-01, end: 2024-12-31}
calendar:
  timezone: America/New_York
  hours: {mon-fri: "09:00-17:00"}
  holidays: {country: US, subdivision: NY}
definitions:
  mql:
    any:
      - score: ">= 60"
      - source: [demo-request]
  touch_kinds: [call, email, meeting]
  outcomes: [qualified, disqualified, nurture]
commitments:
  sales:
    - {id: ft, measure: first_touch, within: 4 business hours, warn: 1 business hour, target: 90%}
    - {id: ent, measure: first_touch, applies_to: {segment: enterprise}, within: 1 business hour, target: 95%}
    - {id: disp, measure: disposition, within: 10 business days, target: 95%}
    - {id: pers, measure: touches_before_return, minimum: 3, open_for: 5 business days, target: 100%}
    - {id: cad, measure: touch_cadence, max_gap: 2 business days, until: 3, target: 90%}
  marketing:
    - {id: volume, measure: mql_volume, target: 100%}
    - {id: complete, measure: complete_fields, fields: [first_name, last_name, company, email, phone], target: 95%}
  shared:
    - {id: review, measure: review_meeting, every: 1 week, target: 100%}
points: {met: 10, breached: -5}
"""

QUOTAS = "mql_volume:\n  2024-03: 3\n  2024-05: 20\n"

# id, created (local), handed_off_at, score, source, segment, owner, (phone, email, company)
GOOD = ("+1 212 555 0100", None, "Acme")
LEADS = [
    # L01 Saturday arrival: clock starts Mon 05-06 09:00, ft due Mon 13:00. The Saturday
    # touch counts. cad: Sat 11:00 <= Wed 09:00; Tue 10:00 <= Wed 09:00; Thu 10:00 <= Thu
    # 10:00 (Tue 10:00 + 2 bd, exactly) -> met. disp Fri 05-10 <= Mon 05-20 09:00 -> met.
    ("L01", "2024-05-04T10:00", "", 70, "webinar", "smb", "alice", GOOD),
    # L02 Memorial Day arrival: starts Tue 05-28 09:00, ft due 13:00, touch at 13:00 exactly
    # -> met. cad: no touch 2 by Thu 05-30 13:00 -> breached. disp due Tue 06-11 -> pending.
    ("L02", "2024-05-27T11:00", "", 70, "webinar", "smb", "alice", GOOD),
    # L03 a disposition before any touch: disqualified 11:00 meets ft (due 14:00), disp and
    # cad (the disposition ends the sequence).
    ("L03", "2024-05-01T10:00", "", 70, "webinar", "smb", "alice", GOOD),
    # L04 handed off later than created (15:00); the 10:00 call before it does not count.
    # ft due Fri 11:00 (2 h Thu + 2 h Fri), email Fri 10:30 -> met; qualified Mon 16:00
    # <= Fri 10:30 + 2 bd -> cad met; disp met.
    ("L04", "2024-05-02T09:30", "2024-05-02T15:00", 70, "webinar", "smb", "alice", GOOD),
    # L05 not an MQL by score, but a handoff event Fri 12:00 makes it one. ft due Fri 16:00,
    # touch 16:01 -> breached by 1 business minute. No touch 2 by Tue 05-07 16:01 -> cad
    # breached. No disposition by Fri 05-17 12:00 -> disp breached.
    ("L05", "2024-05-03T08:00", "", 30, "webinar", "smb", "alice", GOOD),
    # L06 a linkedin-view at 10:00 is not a touch; call 13:30 > 13:00 -> ft breached.
    # qualified Tue 10:00 -> disp met; cad met (13:30 <= Wed 09:00, Tue 10:00 <= Wed 13:30).
    ("L06", "2024-05-06T09:00", "", 70, "webinar", "smb", "alice", GOOD),
    # L07 touched by bob, owned (and credited to) alice: ft, disp, cad met.
    ("L07", "2024-05-06T09:30", "", 70, "webinar", "smb", "alice", GOOD),
    # L08 returned with 2 touches of 3 -> pers breached. cad: return Wed 05-15 10:00 >
    # Wed 05-08 10:00 + 2 bd = Fri 05-10 10:00 -> breached. ft, disp met.
    ("L08", "2024-05-07T09:00", "", 70, "webinar", "smb", "alice", GOOD),
    # L09 returned too early: Fri 05-10 < Wed 05-15 09:00 (+5 bd) -> pers breached;
    # 3 touches in time -> cad met at touch 3. ft, disp met.
    ("L09", "2024-05-08T09:00", "", 70, "webinar", "smb", "alice", GOOD),
    # L10 returned right: 4 touches, return Thu 05-16 09:00 = start + 5 bd exactly -> pers
    # met; cad met; ft, disp met.
    ("L10", "2024-05-09T09:00", "", 70, "webinar", "smb", "alice", GOOD),
    # L11 a cadence gap: touch 2 Thu 10:00 > Mon 09:30 + 2 bd = Wed 09:30 -> cad breached.
    ("L11", "2024-05-13T09:00", "", 70, "webinar", "smb", "alice", GOOD),
    # L12 at risk: Fri 14:00 + 4 bh = Mon 06-03 10:00 <= as_of + 1 bh -> ft at_risk;
    # disp pending; cad pending (first touch due Tue 06-04 14:00).
    ("L12", "2024-05-31T14:00", "", 70, "webinar", "smb", "alice", GOOD),
    # L13 pending: ft due Mon 12:30, not within the warn hour. disp, cad pending.
    ("L13", "2024-05-31T16:30", "", 70, "webinar", "smb", "alice", GOOD),
    # March: the DST weekend (clocks spring forward Sun 03-10).
    # L14 Fri 15:00 EST + 4 bh = Mon 11:00 EDT; touch Mon 11:00 -> met.
    ("L14", "2024-03-08T15:00", "", 70, "webinar", "smb", "alice", GOOD),
    # L15 Sat 22:00 EST starts Mon 09:00 EDT, due 13:00; touch 12:59 -> met.
    ("L15", "2024-03-09T22:00", "", 70, "webinar", "smb", "alice", GOOD),
    # L16 Fri 16:00 EST + 4 bh = Mon 12:00 EDT; touch 12:01 -> breached.
    ("L16", "2024-03-08T16:00", "", 70, "webinar", "smb", "alice", GOOD),
    # L17 enterprise, touch 10:45 <= 11:00 -> ent met, ft met; qualified -> disp, cad met.
    ("L17", "2024-05-14T10:00", "", 70, "webinar", "enterprise", "alice", GOOD),
    # L18 enterprise Tue 16:30: ent due Wed 09:30, touch 09:45 -> breached; ft due Wed
    # 12:30 -> met. No disposition by Wed 05-29 16:30 (10 bd, Memorial Day skipped) ->
    # breached. No touch 2 by Fri 05-17 09:45 -> cad breached.
    ("L18", "2024-05-14T16:30", "", 70, "webinar", "enterprise", "alice", GOOD),
    # L19, L20 not MQLs (score 40 and 59): counted as leads only.
    ("L19", "2024-05-10T10:00", "", 40, "webinar", "smb", "alice", GOOD),
    ("L20", "2024-05-10T11:00", "", 59, "webinar", "smb", "alice", GOOD),
    # L21 score 60 is an MQL: three touches a day apart, qualified -> all met.
    ("L21", "2024-05-22T09:00", "", 60, "webinar", "smb", "alice", GOOD),
    # L22 demo-request with score 10 is an MQL: touch, disqualified -> all met.
    ("L22", "2024-05-23T10:00", "", 10, "demo-request", "smb", "alice", GOOD),
    # L23-L25 incomplete handoffs: a 5-digit phone, a malformed email, no company.
    ("L23", "2024-05-21T09:00", "", 70, "webinar", "smb", "alice", ("555-12", None, "Acme")),
    ("L24", "2024-05-21T11:00", "", 70, "webinar", "smb", "alice", (GOOD[0], "nope", "Acme")),
    ("L25", "2024-05-21T13:00", "", 70, "webinar", "smb", "carol", (GOOD[0], None, "")),
    # L26 bob: first touch Tue 09:00 > Mon 13:00 -> ft breached; disp, cad met.
    ("L26", "2024-05-20T09:00", "", 70, "webinar", "smb", "bob", GOOD),
    # L27 bob: 3 touches, returned Wed 05-22 < Tue 05-28 10:00 (5 bd past Memorial Day)
    # -> pers breached; ft, disp, cad met.
    ("L27", "2024-05-20T10:00", "", 70, "webinar", "smb", "bob", GOOD),
    # L28 carol: Wed 16:59 + 4 bh = Thu 12:59, touch 09:59 -> met; nothing more: disp
    # breached (due Wed 05-15 16:59), cad breached (touch 2 due Mon 05-06 09:59).
    ("L28", "2024-05-01T16:59", "", 70, "webinar", "smb", "carol", GOOD),
    # L29 carol: created in April, handed off 1 May -> May's cohort; all met.
    ("L29", "2024-04-30T10:00", "2024-05-01T09:00", 70, "webinar", "smb", "carol", GOOD),
    # L30 carol: created and started in April -> not in May's report at all.
    ("L30", "2024-04-30T16:00", "", 70, "webinar", "smb", "carol", GOOD),
    # L31 dave: the only touch comes after as_of and is ignored: ft breached (due Fri
    # 13:00); disp pending; cad pending (touch 1 due Tue 06-04 09:00).
    ("L31", "2024-05-31T09:00", "", 70, "webinar", "smb", "dave", GOOD),
    # L32 dave: a disposition before the handoff (12:00) does not count; the touch 13:00
    # and qualified Fri 10:00 meet ft, disp and cad.
    ("L32", "2024-05-16T09:00", "2024-05-16T12:00", 70, "webinar", "smb", "dave", GOOD),
]

ACTIVITIES = [
    ("L01", "call", "alice", "2024-05-04T11:00", ""),
    ("L01", "email", "alice", "2024-05-07T10:00", ""),
    ("L01", "call", "alice", "2024-05-09T10:00", ""),
    ("L01", "disposition", "alice", "2024-05-10T12:00", "qualified"),
    ("L02", "call", "alice", "2024-05-28T13:00", ""),
    ("L03", "disposition", "alice", "2024-05-01T11:00", "disqualified"),
    ("L04", "call", "alice", "2024-05-02T10:00", ""),
    ("L04", "email", "alice", "2024-05-03T10:30", ""),
    ("L04", "disposition", "alice", "2024-05-06T16:00", "qualified"),
    ("L05", "handoff", "mkt", "2024-05-03T12:00", ""),
    ("L05", "call", "alice", "2024-05-03T16:01", ""),
    ("L06", "linkedin-view", "alice", "2024-05-06T10:00", ""),
    ("L06", "call", "alice", "2024-05-06T13:30", ""),
    ("L06", "disposition", "alice", "2024-05-07T10:00", "qualified"),
    ("L07", "call", "bob", "2024-05-06T10:00", ""),
    ("L07", "disposition", "alice", "2024-05-06T15:00", "qualified"),
    ("L08", "call", "alice", "2024-05-07T10:00", ""),
    ("L08", "call", "alice", "2024-05-08T10:00", ""),
    ("L08", "disposition", "alice", "2024-05-15T10:00", "nurture"),
    ("L09", "call", "alice", "2024-05-08T09:30", ""),
    ("L09", "email", "alice", "2024-05-08T11:00", ""),
    ("L09", "call", "alice", "2024-05-09T09:30", ""),
    ("L09", "disposition", "alice", "2024-05-10T10:00", "nurture"),
    ("L10", "call", "alice", "2024-05-09T09:10", ""),
    ("L10", "call", "alice", "2024-05-10T09:10", ""),
    ("L10", "call", "alice", "2024-05-13T09:10", ""),
    ("L10", "call", "alice", "2024-05-14T09:10", ""),
    ("L10", "disposition", "alice", "2024-05-16T09:00", "nurture"),
    ("L11", "call", "alice", "2024-05-13T09:30", ""),
    ("L11", "call", "alice", "2024-05-16T10:00", ""),
    ("L11", "call", "alice", "2024-05-17T10:00", ""),
    ("L11", "disposition", "alice", "2024-05-17T11:00", "qualified"),
    ("L14", "call", "alice", "2024-03-11T11:00", ""),
    ("L15", "call", "alice", "2024-03-11T12:59", ""),
    ("L16", "call", "alice", "2024-03-11T12:01", ""),
    ("L17", "meeting", "alice", "2024-05-14T10:45", ""),
    ("L17", "disposition", "alice", "2024-05-15T10:00", "qualified"),
    ("L18", "call", "alice", "2024-05-15T09:45", ""),
    ("L21", "call", "alice", "2024-05-22T09:05", ""),
    ("L21", "call", "alice", "2024-05-23T09:05", ""),
    ("L21", "call", "alice", "2024-05-24T09:05", ""),
    ("L21", "disposition", "alice", "2024-05-24T10:00", "qualified"),
    ("L22", "call", "alice", "2024-05-23T10:30", ""),
    ("L22", "disposition", "alice", "2024-05-23T11:00", "disqualified"),
    ("L23", "call", "alice", "2024-05-21T09:15", ""),
    ("L23", "disposition", "alice", "2024-05-21T10:00", "qualified"),
    ("L24", "call", "alice", "2024-05-21T11:05", ""),
    ("L24", "disposition", "alice", "2024-05-21T11:30", "qualified"),
    ("L25", "call", "carol", "2024-05-21T13:05", ""),
    ("L25", "disposition", "carol", "2024-05-21T13:30", "qualified"),
    ("L26", "call", "bob", "2024-05-21T09:00", ""),
    ("L26", "disposition", "bob", "2024-05-21T10:00", "qualified"),
    ("L27", "call", "bob", "2024-05-20T10:30", ""),
    ("L27", "call", "bob", "2024-05-20T11:30", ""),
    ("L27", "call", "bob", "2024-05-21T10:00", ""),
    ("L27", "disposition", "bob", "2024-05-22T10:00", "nurture"),
    ("L28", "call", "carol", "2024-05-02T09:59", ""),
    ("L29", "call", "carol", "2024-05-01T09:30", ""),
    ("L29", "disposition", "carol", "2024-05-01T10:00", "qualified"),
    ("L30", "call", "carol", "2024-05-01T09:00", ""),
    ("L31", "call", "dave", "2024-06-03T10:00", ""),
    ("L32", "disposition", "dave", "2024-05-16T10:00", "disqualified"),
    ("L32", "call", "dave", "2024-05-16T13:00", ""),
    ("L32", "disposition", "dave", "2024-05-17T10:00", "qualified"),
    # review meetings: weeks of 05-06, 05-13 and 05-27 have one; 05-20 has none
    ("", "review", "", "2024-05-07T10:00", ""),
    ("", "review", "", "2024-05-13T10:00", ""),
    ("", "review", "", "2024-05-30T10:00", ""),
]


@pytest.fixture
def ledger(tmp_path: Path) -> dict[str, str]:
    agreements = tmp_path / "agreements"
    agreements.mkdir()
    (agreements / "e2e.yaml").write_text(AGREEMENT)
    (agreements / "quotas.yaml").write_text(QUOTAS)
    with open(tmp_path / "leads.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(
            [
                "external_id",
                "email",
                "first_name",
                "last_name",
                "company",
                "phone",
                "source",
                "segment",
                "owner",
                "score",
                "created_at",
                "handed_off_at",
            ]
        )
        for ext, created, handed, score, source, segment, owner, (phone, email, company) in LEADS:
            w.writerow(
                [
                    ext,
                    email or f"{ext.lower()}@example.com",
                    "Ana",
                    "Ng",
                    company,
                    phone,
                    source,
                    segment,
                    owner,
                    score,
                    created,
                    handed,
                ]
            )
    with open(tmp_path / "activities.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["lead", "kind", "rep", "at", "outcome", "note"])
        for lead, kind, rep, at, outcome in ACTIVITIES:
            w.writerow([lead, kind, rep, at, outcome, ""])
    env = {
        "SLACTL_DB": str(tmp_path / "ledger.db"),
        "SLACTL_AGREEMENTS": str(agreements),
        "PATH": "/usr/bin:/bin",
    }
    for name in ("leads.csv", "activities.csv"):
        proc = subprocess.run(
            [str(SLACTL), "import", str(tmp_path / name)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
    return env


def slactl(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SLACTL), *args], env=env, capture_output=True, text=True, check=False
    )


def test_may_report_matches_the_hand_worked_outcomes(ledger: dict[str, str]) -> None:
    proc = slactl(
        ledger, "report", "--month", "2024-05", "--as-of", "2024-06-03T09:00", "--format", "json"
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["agreement"] == "e2e"
    assert report["period"] == {"start": "2024-05-01", "end": "2024-05-31"}
    assert report["as_of"] == "2024-06-03T09:00:00-04:00"
    got = {c["id"]: c for c in report["commitments"]}

    def row(
        cid: str,
        met: int,
        breached: int,
        pending: int,
        at_risk: int,
        compliance: float | None,
        passed: bool,
    ) -> None:
        c = got[cid]
        assert (c["met"], c["breached"], c["pending"], c["at_risk"]) == (
            met,
            breached,
            pending,
            at_risk,
        ), cid
        assert c["compliance"] == compliance, cid
        assert c["passed"] is passed, cid

    # ft: met L01-04, 07-11, 17, 18, 21-25, 27-29, 32 (20); breached L05, 06, 26, 31;
    # pending L12 (at risk), L13
    row("ft", 20, 4, 2, 1, 0.8333, False)
    row("ent", 1, 1, 0, 0, 0.5, False)  # L17 met, L18 breached
    # disp: breached L05, L18, L28; pending L02, L12, L13, L31; 19 met
    row("disp", 19, 3, 4, 0, 0.8636, False)
    row("pers", 1, 3, 0, 0, 0.25, False)  # L10 met; L08, L09, L27 breached
    # cad: breached L02, 05, 08, 11, 18, 28; pending L12, 13, 31; 17 met
    row("cad", 17, 6, 3, 0, 0.7391, False)
    row("complete", 23, 3, 0, 0, 0.8846, False)  # L23, L24, L25
    row("volume", 1, 0, 0, 0, 1.0, True)
    assert (got["volume"]["actual"], got["volume"]["quota"]) == (26, 20)
    row("review", 3, 1, 0, 0, 0.75, False)  # no review in the week of 05-20
    assert report["funnel"] == {
        "leads": 27,
        "mql": 26,
        "sql": 13,
        "disqualified": 2,
        "nurture": 4,
        "recycled": 0,
        "opportunities": 0,
        "won": 0,
        "pipeline": 0,
        "won_amount": 0,
        "rates": {"mql_to_sql": 0.5, "sql_to_opportunity": 0.0, "opportunity_to_won": None},
        "median_sales_cycle_days": None,
    }
    reps = {r["rep"]: r for r in report["reps"]}
    assert sorted(reps) == ["alice", "bob", "carol", "dave"]
    # bob: L26 ft breached, disp + cad met; L27 ft, disp, cad met, pers breached
    assert reps["bob"]["commitments"] == {
        "ft": {"met": 1, "breached": 1, "pending": 0},
        "disp": {"met": 2, "breached": 0, "pending": 0},
        "cad": {"met": 2, "breached": 0, "pending": 0},
        "pers": {"met": 0, "breached": 1, "pending": 0},
    }
    assert reps["bob"]["points"] == 5 * 10 - 2 * 5
    assert reps["carol"]["points"] == 7 * 10 - 2 * 5  # L25, L28, L29
    assert reps["dave"]["points"] == 3 * 10 - 1 * 5  # L31, L32
    assert reps["alice"]["points"] == 43 * 10 - 12 * 5


def test_a_week_still_open(ledger: dict[str, str]) -> None:
    # 2024-W22 (Mon 05-27 .. Sun 06-02) as of Wed 05-29 12:00. Its only MQL by then is L02
    # (arrived on Memorial Day; L12, L13, L31 arrive on Friday 05-31). The quota: May 20 x 4
    # working days of the week in May (28-31; the 27th is closed) / 22 working days in May
    # = 3.64; June's part is a weekend, so June needs no quota. 1 < 3.64 and the week is
    # open: pending. The week's review (Thu 05-30) has not happened yet: pending.
    proc = slactl(
        ledger, "report", "--week", "2024-W22", "--as-of", "2024-05-29T12:00", "--format", "json"
    )
    assert proc.returncode == 0, proc.stderr
    got = {c["id"]: c for c in json.loads(proc.stdout)["commitments"]}
    volume, review = got["volume"], got["review"]
    assert (volume["met"], volume["breached"], volume["pending"]) == (0, 0, 1)
    assert (volume["actual"], volume["quota"], volume["compliance"]) == (1, 3.64, None)
    assert (review["met"], review["breached"], review["pending"]) == (0, 0, 1)
    # L02: ft met at 13:00 on Tuesday; disp due Tue 06-11 09:00: pending; cadence: touch 2
    # due Thu 05-30 13:00: pending
    assert (got["ft"]["met"], got["disp"]["pending"], got["cad"]["pending"]) == (1, 1, 1)


def test_march_dst_weekend(ledger: dict[str, str]) -> None:
    proc = slactl(
        ledger, "report", "--month", "2024-03", "--as-of", "2024-04-01T09:00", "--format", "json"
    )
    assert proc.returncode == 0, proc.stderr
    ft = next(c for c in json.loads(proc.stdout)["commitments"] if c["id"] == "ft")
    # L14 and L15 met, L16 breached by one minute
    assert (ft["met"], ft["breached"], ft["compliance"]) == (2, 1, 0.6667)


def test_explain_says_why(ledger: dict[str, str]) -> None:
    proc = slactl(ledger, "explain", "L05", "--as-of", "2024-06-03T09:00")
    assert proc.returncode == 0, proc.stderr
    text = " ".join(proc.stdout.split())
    assert (
        "first touch Fri 2024-05-03 16:01 came 1 business minute after the deadline"
        " Fri 2024-05-03 16:00: Fri 2024-05-03 12:00 + 4 business hours"
    ) in text
    # L02 arrived on Memorial Day: its clock starts Tuesday
    proc = slactl(ledger, "explain", "L02", "--as-of", "2024-06-03T09:00")
    text = " ".join(proc.stdout.split())
    assert (
        "ft: first touch Tue 2024-05-28 13:00 came exactly at the deadline: Mon 2024-05-27"
        " 11:00 + 4 business hours, the clock starting Tue 2024-05-28 09:00, Mon 05-27"
        " (closed) skipped"
    ) in text


def test_fail_on_breach_exit_code(ledger: dict[str, str]) -> None:
    proc = slactl(
        ledger,
        "report",
        "--month",
        "2024-05",
        "--as-of",
        "2024-06-03T09:00",
        "--format",
        "csv",
        "--fail-on-breach",
    )
    assert proc.returncode == 1
    assert proc.stderr == "below target: ft, ent, disp, pers, cad, complete, review\n"
    assert proc.stdout.startswith("agreement,period_start,period_end,as_of,party,commitment")


def test_rep_filter_and_unknown_rep(ledger: dict[str, str]) -> None:
    proc = slactl(
        ledger,
        "report",
        "--month",
        "2024-05",
        "--as-of",
        "2024-06-03T09:00",
        "--format",
        "json",
        "--rep",
        "bob",
    )
    got = {c["id"]: c for c in json.loads(proc.stdout)["commitments"]}
    assert (got["ft"]["met"], got["ft"]["breached"]) == (1, 1)
    proc = slactl(ledger, "report", "--month", "2024-05", "--rep", "bobb")
    assert proc.returncode == 2
    assert proc.stderr == "Error: no rep 'bobb' in the ledger; did you mean 'bob'?\n"


def test_a_month_without_a_quota_shows_what_came(ledger: dict[str, str]) -> None:
    # the same May without its quota: the 26 MQLs are still the actual; no quota, so
    # nothing is met or breached, and bob's report shows the team's 26 as well
    Path(ledger["SLACTL_AGREEMENTS"], "quotas.yaml").write_text("mql_volume:\n  2024-03: 3\n")
    for rep in ((), ("--rep", "bob")):
        proc = slactl(
            ledger, "report", "--month", "2024-05", "--as-of", "2024-06-03T09:00",
            "--format", "json", *rep,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        volume = {c["id"]: c for c in json.loads(proc.stdout)["commitments"]}["volume"]
        assert (volume["met"], volume["breached"], volume["pending"]) == (0, 0, 0)
        assert (volume["actual"], volume["quota"], volume["compliance"]) == (26, None, None)
    proc = slactl(ledger, "report", "--month", "2024-05", "--as-of", "2024-06-03T09:00")
    assert "(26, no quota)" in proc.stdout
