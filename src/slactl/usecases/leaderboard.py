"""``slactl leaderboard``: the period's report ranked by rep, or its teams' standings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from slactl.compliance.teams import TeamStanding, team_standings
from slactl.usecases.reading import make_report

if TYPE_CHECKING:
    from slactl.agreement.directory import AgreementSet
    from slactl.compliance.report import Report
    from slactl.ledger.connection import ReadEngine
    from slactl.periods import Period


@dataclass
class Leaderboard:
    """``report`` ranks the reps (and names a quarter's winning team); ``teams`` are the
    teams' standings when asked for by team (``--by team``), else None."""

    report: Report
    teams: list[TeamStanding] | None = None


def make_leaderboard(
    engine: ReadEngine,
    agreements: AgreementSet,
    period: Period,
    *,
    as_of: datetime,
    by_team: bool = False,
) -> Leaderboard:
    """The period's leaderboard at ``as_of``: each team's points are its reps' points
    (team.yaml's teams; reps in none under ``teams.NO_TEAM``)."""
    report = make_report(engine, agreements, period, as_of=as_of, why=False)
    teams = team_standings(report.reps, agreements.team) if by_team else None
    return Leaderboard(report, teams)
