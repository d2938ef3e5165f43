"""A ``calendar: owner`` commitment's escalation steps run on the same calendar as its
deadline: the owner's at the cycle's clock start, even after the lead is reassigned to a
rep with another calendar (SPEC 8.1, 8.2)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from typer.testing import CliRunner

from slactl.agreement.directory import load_agreements
from slactl.cli import app
from slactl.ledger.opening import open_for_writing
from slactl.usecases.notify import ESCALATION, find_alerts

NY = ZoneInfo("America/New_York")

AGREEMENT = """\
slactl: 1
name: acme-2024
title: Acme
period: {start: 2024-01-01, end: 2024-12-31}
calendar:
  timezone: America/New_York
  hours: {mon-fri: "09:00-17:00"}
definitions:
  touch_kinds: [call, email]
  outcomes: [qualified, disqualified, nurture]
commitments:
  sales:
    - id: speed-to-lead
      measure: first_touch
      within: 4 business hours
      target: 90%
      calendar: owner
      escalate:
        - {after: 1 business day, to: manager}
"""

# alice works 09:00-17:00 in Los Angeles and is away on Tuesday May 7; bob is in New York
TEAM = """\
reps:
  alice: {email: alice@example.com, team: west, timezone: America/Los_Angeles, away: [2024-05-07]}
  bob: {email: bob@example.com, team: east}
teams:
  west: {manager: wes@example.com}
  east: {manager: eve@example.com}
"""

# handed off Monday May 6 09:00 Los Angeles (12:00 New York) to alice
LEADS = """\
external_id,owner,created_at,handed_off_at
L1,alice,2024-05-06T09:00:00-07:00,2024-05-06T09:00:00-07:00
"""


def test_escalation_counts_on_the_clock_start_owners_calendar(tmp_path: Path) -> None:
    d = tmp_path / "agreements"
    d.mkdir()
    (d / "acme.yaml").write_text(AGREEMENT)
    (d / "team.yaml").write_text(TEAM)
    (tmp_path / "leads.csv").write_text(LEADS)
    db = tmp_path / "ledger.db"
    base = ["--db", str(db), "--agreements", str(d)]
    runner = CliRunner()
    done = runner.invoke(app, [*base, "import", str(tmp_path / "leads.csv")])
    assert done.exit_code == 0, done.output
    # bob takes the lead at 10:00 Los Angeles, before the deadline: the breach is his
    done = runner.invoke(
        app, [*base, "reassign", "L1", "--to", "bob", "--at", "2024-05-06T10:00:00-07:00"]
    )
    assert done.exit_code == 0, done.output
    agreements = load_agreements(d)
    engine = open_for_writing(str(db))

    def escalations(as_of: datetime) -> list[tuple[str, datetime]]:
        found = find_alerts(engine, agreements, as_of)
        return [(a.recipient, a.deadline) for a in found.alerts if a.kind == ESCALATION]

    try:
        # deadline on alice's calendar: Monday 09:00 + 4 h = 13:00 Los Angeles (16:00 NY).
        # One business day later on her calendar skips her Tuesday away: Wednesday 13:00
        # Los Angeles = 16:00 New York. (On bob's it would be Tuesday 16:00 New York.)
        deadline = datetime(2024, 5, 6, 16, 0, tzinfo=NY)
        assert escalations(datetime(2024, 5, 7, 17, 0, tzinfo=NY)) == []
        assert escalations(datetime(2024, 5, 8, 15, 59, tzinfo=NY)) == []
        # the manager of the responsible rep (bob, owner at the missed deadline) is told
        assert escalations(datetime(2024, 5, 8, 16, 0, tzinfo=NY)) == [
            ("eve@example.com", deadline)
        ]
    finally:
        engine.dispose()


def test_notify_without_team_yaml_says_whom_it_lacks(tmp_path: Path) -> None:
    """Without team.yaml there is nobody to alert: one line, exit 2, nothing recorded."""
    d = tmp_path / "agreements"
    d.mkdir()
    (d / "acme.yaml").write_text(AGREEMENT.replace("      calendar: owner\n", ""))
    (tmp_path / "leads.csv").write_text(LEADS)
    db = tmp_path / "ledger.db"
    base = ["--db", str(db), "--agreements", str(d)]
    runner = CliRunner()
    assert runner.invoke(app, [*base, "import", str(tmp_path / "leads.csv")]).exit_code == 0
    before = db.read_bytes()
    done = runner.invoke(app, [*base, "notify", "--as-of", "2024-05-08T16:00"])
    assert done.exit_code == 2
    assert done.stderr == (
        f"Error: {d / 'team.yaml'}: no such file; notify sends to the reps and managers it"
        " names: add it (docs/team.md)\n"
    )
    assert db.read_bytes() == before
