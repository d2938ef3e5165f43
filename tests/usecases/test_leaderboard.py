"""``usecases.leaderboard``: the leaderboard by rep and by team (SPEC 8.1), from a ledger
imported on disk: team.yaml places alice in east and bob in west, carol in none."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from slactl.agreement.directory import load_agreements
from slactl.compliance.teams import NO_TEAM
from slactl.ledger.engine import open_ledger
from slactl.ledger.ingest.pipeline import import_csv
from slactl.ledger.opening import open_for_reading
from slactl.periods import parse_period
from slactl.usecases.leaderboard import make_leaderboard
from tests.compliance.test_teams import AGREEMENT

AS_OF = datetime(2024, 7, 1, 4, tzinfo=UTC)


def _ledger(tmp_path: Path) -> tuple[Path, Path]:
    d = tmp_path / "agreements"
    d.mkdir()
    (d / "acme.yaml").write_text(AGREEMENT)
    (d / "team.yaml").write_text(
        "reps:\n  alice: {team: east}\n  bob: {team: west}\n"
        "teams:\n  east: {manager: maria@example.com}\n  west: {manager: li@example.com}\n"
        "  north: {manager: jo@example.com}\n"
    )
    (tmp_path / "leads.csv").write_text(
        "external_id,owner,created_at,handed_off_at\n"
        "L1,alice,2024-05-06T10:00:00-04:00,2024-05-06T10:00:00-04:00\n"
        "L2,bob,2024-05-06T10:00:00-04:00,2024-05-06T10:00:00-04:00\n"
        "L3,alice,2024-05-07T10:00:00-04:00,2024-05-07T10:00:00-04:00\n"
        "L4,carol,2024-05-08T10:00:00-04:00,2024-05-08T10:00:00-04:00\n"
    )
    (tmp_path / "acts.csv").write_text(
        "lead,kind,rep,at,outcome,note\n"
        "L1,call,alice,2024-05-06T11:00:00-04:00,,\n"
        "L3,call,alice,2024-05-07T12:00:00-04:00,,\n"
        "L4,call,carol,2024-05-08T11:00:00-04:00,,\n"
    )
    db = tmp_path / "l.db"
    engine = open_ledger(str(db))
    now = datetime(2024, 7, 1, tzinfo=UTC)
    import_csv(engine, tmp_path / "leads.csv", kind="leads", now=now)
    import_csv(engine, tmp_path / "acts.csv", kind="activities", now=now)
    engine.dispose()
    return db, d


def test_by_team_each_team_has_its_reps_points(tmp_path: Path) -> None:
    db, d = _ledger(tmp_path)
    engine = open_for_reading(str(db))
    try:
        board = make_leaderboard(
            engine, load_agreements(d), parse_period(quarter_="2024-Q2"), as_of=AS_OF, by_team=True
        )
    finally:
        engine.dispose()
    assert board.teams is not None
    # alice: two met (20 points), carol one met (10), bob one breached (-5)
    assert [(t.team, t.points, t.reps, t.met, t.breached) for t in board.teams] == [
        ("east", 20, ["alice"], 2, 0),
        (NO_TEAM, 10, ["carol"], 1, 0),
        ("north", 0, [], 0, 0),
        ("west", -5, ["bob"], 0, 1),
    ]
    assert board.report.winner is not None
    assert (board.report.winner.team, board.report.winner.points) == ("east", 20)


def test_by_rep_it_is_the_report_without_team_standings(tmp_path: Path) -> None:
    db, d = _ledger(tmp_path)
    engine = open_for_reading(str(db))
    try:
        board = make_leaderboard(
            engine, load_agreements(d), parse_period(month_="2024-05"), as_of=AS_OF
        )
    finally:
        engine.dispose()
    assert board.teams is None
    assert [(r.rep, r.points) for r in board.report.reps] == [
        ("alice", 20),
        ("bob", -5),
        ("carol", 10),
    ]
    assert board.report.names_winner is False
