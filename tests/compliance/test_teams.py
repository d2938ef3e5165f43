"""Teams on the leaderboard (SPEC 8.1): team points are the sum of their reps' points."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from slactl.agreement.team import Rep, Team, TeamInfo
from slactl.cli import app
from slactl.compliance.report import RepResult
from slactl.compliance.teams import NO_TEAM, team_standings, winning_team

TEAM = Team(
    {
        "alice": Rep("alice", team="east"),
        "bob": Rep("bob", team="west"),
        "carol": Rep("carol", team="east"),
    },
    {"east": TeamInfo("east"), "west": TeamInfo("west"), "north": TeamInfo("north")},
)


def test_team_points_are_their_reps_points() -> None:
    reps = [
        RepResult("alice", points=30, met=4, breached=2),  # 4 x 10 - 2 x 5
        RepResult("bob", points=45, met=5, breached=1),
        RepResult("carol", points=10, met=2, breached=2),
        RepResult("dave", points=100, met=10),  # not in team.yaml
    ]
    got = [(s.team, s.points, s.met, s.breached, s.reps) for s in team_standings(reps, TEAM)]
    assert got == [
        (NO_TEAM, 100, 10, 0, ["dave"]),
        ("west", 45, 5, 1, ["bob"]),
        ("east", 40, 6, 4, ["alice", "carol"]),
        ("north", 0, 0, 0, []),
    ]
    winner = winning_team(team_standings(reps, TEAM))
    assert winner is not None and (winner.team, winner.points) == ("west", 45)


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
points: {met: 10, breached: -5}
"""


def test_leaderboard_by_team_names_the_quarters_winner(tmp_path: Path) -> None:
    d = tmp_path / "agreements"
    d.mkdir()
    (d / "acme.yaml").write_text(AGREEMENT)
    (d / "team.yaml").write_text(
        "reps:\n  alice: {team: east}\n  bob: {team: west}\n"
        "teams:\n  east: {manager: maria@example.com}\n  west: {manager: li@example.com}\n"
    )
    (tmp_path / "leads.csv").write_text(
        "external_id,owner,created_at,handed_off_at\n"
        "L1,alice,2024-05-06T10:00:00-04:00,2024-05-06T10:00:00-04:00\n"
        "L2,bob,2024-05-06T10:00:00-04:00,2024-05-06T10:00:00-04:00\n"
        "L3,alice,2024-05-07T10:00:00-04:00,2024-05-07T10:00:00-04:00\n"
    )
    (tmp_path / "acts.csv").write_text(
        "lead,kind,rep,at,outcome,note\n"
        "L1,call,alice,2024-05-06T11:00:00-04:00,,\n"
        "L3,call,alice,2024-05-07T12:00:00-04:00,,\n"
    )
    base = ["--db", str(tmp_path / "l.db"), "--agreements", str(d)]
    runner = CliRunner()
    for f, kind in (("leads.csv", "leads"), ("acts.csv", "activities")):
        done = runner.invoke(app, [*base, "import", str(tmp_path / f), "--kind", kind])
        assert done.exit_code == 0, done.output
    done = runner.invoke(
        app, [*base, "leaderboard", "--quarter", "2024-Q2", "--by", "team", "--as-of", "2024-07-01"]
    )
    assert done.exit_code == 0, done.output
    rows = [line.split() for line in done.stdout.splitlines() if line.startswith("│")]
    # alice: two met (20 points); bob: one breached (-5)
    assert [r[1:10] for r in rows if r[1].isdigit()] == [
        ["1", "│", "east", "│", "20", "│", "1", "│", "2"],
        ["2", "│", "west", "│", "-5", "│", "1", "│", "0"],
    ]
    assert done.stdout.endswith("Winning team of 2024-Q2: east (20 points).\n")
    winner = "Winning team of 2024-Q2: east (20 points)."
    quarter = ["report", "--quarter", "2024-Q2", "--as-of", "2024-07-01"]
    done = runner.invoke(app, [*base, *quarter])
    assert done.exit_code == 0, done.output
    assert winner in done.stdout.splitlines()
    done = runner.invoke(app, [*base, *quarter, "--format", "markdown"])
    assert f"**{winner}**" in done.stdout.splitlines()
    done = runner.invoke(app, [*base, *quarter, "--format", "html"])
    assert f"<p><strong>{winner}</strong></p>" in done.stdout
    done = runner.invoke(app, [*base, *quarter, "--format", "json"])
    assert json.loads(done.stdout)["winning_team"] == {"team": "east", "points": 20}
    # the same quarter as --from/--to is a quarter; a month, or one rep's report, names none
    done = runner.invoke(
        app,
        [
            *base,
            "report",
            "--from",
            "2024-04-01",
            "--to",
            "2024-06-30",
            "--as-of",
            "2024-07-01",
            "--format",
            "json",
        ],
    )
    assert json.loads(done.stdout)["winning_team"] == {"team": "east", "points": 20}
    for other in (["--month", "2024-05"], ["--quarter", "2024-Q2", "--rep", "alice"]):
        done = runner.invoke(
            app, [*base, "report", *other, "--as-of", "2024-07-01", "--format", "json"]
        )
        assert done.exit_code == 0, done.output
        assert "winning_team" not in json.loads(done.stdout)
