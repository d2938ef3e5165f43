"""``agreement show``'s team table (SPEC 8.1): each rep, their team, zone and away days."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from slactl.render.report import pct
from slactl.render.safe import table

if TYPE_CHECKING:
    from rich.table import Table

    from slactl.agreement.team import Team
    from slactl.compliance.teams import TeamStanding


def render_team(team: Team) -> Table:
    t = table(title="Team (team.yaml)")
    for header in ("Rep", "Name", "Email", "Team", "Manager", "Time zone", "Away days"):
        t.add_column(header)
    for key in sorted(team.reps):
        r = team.reps[key]
        t.add_row(
            key,
            r.name or "",
            r.email or "",
            r.team or "",
            team.manager_of(key) or "",
            r.timezone or "(agreement's)",
            str(len(r.away)) if r.away else "",
        )
    return t


def render_team_leaderboard(label: str, standings: Sequence[TeamStanding]) -> Table:
    t = table(title=f"Team leaderboard — {label}", title_justify="left")
    for h in ("#", "Team", "Points", "Reps", "Met", "Breached", "Pending", "Compliance"):
        t.add_column(h, justify="left" if h == "Team" else "right")
    for n, s in enumerate(standings, start=1):
        t.add_row(
            str(n),
            s.team,
            str(s.points),
            str(len(s.reps)),
            str(s.met),
            str(s.breached),
            str(s.pending),
            pct(s.compliance),
        )
    return t
