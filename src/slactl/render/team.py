"""``agreement show``'s team table (SPEC 8.1): each rep, their team, zone and away days."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slactl.render.safe import table

if TYPE_CHECKING:
    from rich.table import Table

    from slactl.agreement.team import Team


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
