"""Teams on the leaderboard (SPEC 8.1): each team's points are its reps' points."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from slactl.agreement.team import Team
from slactl.compliance.report import RepResult

NO_TEAM = "(no team)"  # the reps team.yaml does not place in a team


@dataclass
class TeamStanding:
    team: str
    reps: list[str] = field(default_factory=list)
    points: int = 0
    met: int = 0
    breached: int = 0
    pending: int = 0

    @property
    def compliance(self) -> float | None:
        decided = self.met + self.breached
        return self.met / decided if decided else None


def team_standings(reps: Sequence[RepResult], team: Team | None) -> list[TeamStanding]:
    """Teams ranked by points (then compliance, then name); reps without a team are
    gathered under ``NO_TEAM``, which is ranked with the others but never wins."""
    by_team: dict[str, TeamStanding] = {}
    if team is not None:
        for name in team.teams:
            by_team[name] = TeamStanding(name)
    for r in reps:
        info = team.team_of(r.rep) if team is not None else None
        name = info.name if info is not None else NO_TEAM
        s = by_team.setdefault(name, TeamStanding(name))
        s.reps.append(r.rep)
        s.points += r.points
        s.met += r.met
        s.breached += r.breached
        s.pending += r.pending
    return sorted(by_team.values(), key=lambda s: (-s.points, -(s.compliance or 0), s.team))


def winning_team(standings: Sequence[TeamStanding]) -> TeamStanding | None:
    """The first team with reps and decided pairs, leaving out ``NO_TEAM``."""
    for s in standings:
        if s.team != NO_TEAM and s.reps and s.met + s.breached > 0:
            return s
    return None
