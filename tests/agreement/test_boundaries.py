"""Agreements in different time zones, one after the other: which one a lead falls
under at the boundary, which report it is in, and the zone a time typed without an
offset is read in (that of the agreement in effect on its own date, not today's).

New York (ny) runs to 2024-12-31, Chicago (chi) from 2025-01-01 (to 2099, so that it is
also the agreement in effect on the day the test runs). First touch within 4 business
hours (warn 1 business hour), disposition within 10 business days, Mon-Fri 09:00-17:00,
US holidays (1 January closed).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from slactl.agreement.directory import load_agreements
from slactl.cli import app
from slactl.periods import month

AGREEMENT = """\
slactl: 1
name: {name}
title: {name} SLA
period: {{start: {start}, end: {end}}}
calendar:
  timezone: {tz}
  hours: {{mon-fri: "09:00-17:00"}}
  holidays: {{country: US}}
definitions:
  mql: {{score: ">= 60"}}
  touch_kinds: [call, email]
commitments:
  sales:
    - {{id: ft, activity: First touch, measure: first_touch, within: 4 business hours,
       warn: 1 business hour, target: 90%}}
    - {{id: disp, activity: Disposition, measure: disposition, within: 10 business days,
       target: 95%}}
"""

# G1: 2025-01-01 00:30 in New York is 2024-12-31 23:30 in Chicago: on neither agreement's
#     dates in its own zone. New York's agreement is in effect until Chicago's begins at
#     its own midnight (06:00 UTC), so G1 is New York's, in December's report.
# D1: Mon 2024-12-30 10:00 New York, called at 13:30 (typed without an offset: New York
#     time, the agreement in effect that day): first touch met (due 14:00).
# J1: Thu 2025-01-02 10:00 Chicago, called at 14:30 typed without an offset: Chicago time
#     (read as New York time it would be 13:30 Chicago, in time): breached (due 14:00).
LEADS = """\
external_id,email,owner,score,created_at
G1,g1@example.com,alice,70,2025-01-01T00:30-05:00
D1,d1@example.com,alice,70,2024-12-30T10:00-05:00
J1,j1@example.com,alice,70,2025-01-02T10:00-06:00
"""
ACTIVITIES = """\
lead,kind,rep,at,outcome,note
D1,call,alice,2024-12-30T13:30,,
J1,call,alice,2025-01-02T14:30,,
"""


def write_agreements(folder: Path, first_tz: str, second_tz: str) -> Path:
    folder.mkdir()
    (folder / "a.yaml").write_text(
        AGREEMENT.format(name="ny", start="2024-05-01", end="2024-12-31", tz=first_tz)
    )
    (folder / "b.yaml").write_text(
        AGREEMENT.format(name="chi", start="2025-01-01", end="2099-12-31", tz=second_tz)
    )
    return folder


@pytest.fixture
def env(tmp_path: Path) -> list[str]:
    agreements = write_agreements(tmp_path / "agreements", "America/New_York", "America/Chicago")
    (tmp_path / "leads.csv").write_text(LEADS)
    (tmp_path / "acts.csv").write_text(ACTIVITIES)
    base = ["--db", str(tmp_path / "l.db"), "--agreements", str(agreements)]
    for name in ("leads.csv", "acts.csv"):
        r = CliRunner().invoke(app, [*base, "import", str(tmp_path / name)])
        assert r.exit_code == 0, r.output
    return base


def report(base: list[str], *args: str) -> dict:  # type: ignore[type-arg]
    r = CliRunner().invoke(app, [*base, "report", *args, "--format", "json"])
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)  # type: ignore[no-any-return]


def counts(got: dict) -> list[tuple[str, int, int, int]]:  # type: ignore[type-arg]
    return [(c["id"], c["met"], c["breached"], c["pending"]) for c in got["commitments"]]


def test_the_lead_at_the_boundary_is_in_exactly_one_report(env: list[str]) -> None:
    dec = report(env, "--month", "2024-12", "--as-of", "2025-01-10T09:00")
    # D1 met; G1 (Wed 01-01 closed: due Thu 01-02 13:00 New York) breached
    assert dec["agreement"] == "ny"
    assert counts(dec) == [("ft", 1, 1, 0), ("disp", 0, 0, 2)]
    assert (dec["funnel"]["leads"], dec["funnel"]["mql"]) == (2, 2)
    jan = report(env, "--month", "2025-01", "--as-of", "2025-01-10T09:00")
    assert jan["agreement"] == "chi"
    assert counts(jan) == [("ft", 0, 1, 0), ("disp", 0, 0, 1)]  # J1 alone
    assert (jan["funnel"]["leads"], jan["funnel"]["mql"]) == (1, 1)
    r = CliRunner().invoke(app, [*env, "explain", "G1", "--as-of", "2025-01-10T09:00"])
    assert r.exit_code == 0, r.output
    assert "agreement ny" in r.stdout
    assert "Thu 2025-01-02 13:00 │ breached" in r.stdout


def test_a_naive_as_of_is_read_in_the_zone_of_its_own_date(env: list[str]) -> None:
    # 13:20 New York, the call at 13:30 not yet made: pending and at risk. Read in Chicago
    # (today's agreement) it would be 14:20 New York, after the call.
    dec = report(env, "--month", "2024-12", "--as-of", "2024-12-30T13:20")
    assert dec["as_of"] == "2024-12-30T13:20:00-05:00"
    assert [(c["id"], c["met"], c["pending"], c["at_risk"]) for c in dec["commitments"]][0] == (
        "ft",
        0,
        1,
        1,
    )


def test_spans_hand_over_at_the_new_agreements_midnight(tmp_path: Path) -> None:
    # Chicago, then New York: New York's midnight comes first, an hour before Chicago's
    s = load_agreements(write_agreements(tmp_path / "a", "America/Chicago", "America/New_York"))
    (lo1, hi1), (lo2, _) = s.spans()
    assert hi1 == lo2 == datetime(2025, 1, 1, 5, 0, tzinfo=UTC)
    assert lo1 == datetime(2024, 5, 1, 5, 0, tzinfo=UTC)
    assert s.at(datetime(2025, 1, 1, 5, 30, tzinfo=UTC)).name == "chi"  # type: ignore[union-attr]
    assert s.at(datetime(2025, 1, 1, 4, 59, tzinfo=UTC)).name == "ny"  # type: ignore[union-attr]
    assert s.at(datetime(2024, 5, 1, 4, 59, tzinfo=UTC)) is None
    ((a, dec),) = s.parts(month("2024-12"))
    assert dec.bounds(ZoneInfo("America/Chicago")) == (
        datetime(2024, 12, 1, 0, 0, tzinfo=ZoneInfo("America/Chicago")),
        datetime(2025, 1, 1, 5, 0, tzinfo=UTC),
    )
    assert s.local_day(datetime(2025, 1, 1, 5, 30, tzinfo=UTC)) == date(2025, 1, 1)
    assert s.zone_on(date(2024, 12, 31)) == ZoneInfo("America/Chicago")
    assert s.zone_on(date(2025, 1, 1)) == ZoneInfo("America/New_York")
    assert s.zone_on(date(2024, 1, 1)) == ZoneInfo("America/Chicago")  # before any: the first
    assert str(s.local_zones()) == "2024-05-01=America/Chicago;2025-01-01=America/New_York"


def test_status_takes_today_in_the_zone_of_the_agreement_in_effect(env: list[str]) -> None:
    # 05:30 UTC on 1 February is 00:30 in New York (the first agreement) but still
    # 23:30 on 31 January in Chicago, the agreement in effect: the month so far is
    # January, where J1 alone began (called late, no disposition by its 16 January due)
    r = CliRunner().invoke(
        app, [*env, "status", "--rep", "alice", "--as-of", "2025-02-01T05:30Z", "--format", "json"]
    )
    assert r.exit_code == 0, r.output
    got = json.loads(r.stdout)["month"]
    assert got["period"] == {"start": "2025-01-01", "end": "2025-01-31"}
    assert [(c["id"], c["met"], c["breached"]) for c in got["commitments"]] == [
        ("ft", 0, 1),
        ("disp", 0, 1),
    ]
