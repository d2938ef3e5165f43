"""``agreements/team.yaml`` (SPEC 8.1): who the reps are, their teams, their calendars.

Read by ``loader.read_team`` with the agreements (``load_agreements``); every error is
``FILE:LINE: message`` like the agreement's own. A rep not listed still works, without an email or a
calendar of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from slactl.clock import BusinessCalendar


@dataclass(frozen=True)
class Rep:
    key: str  # as the ledger names the rep (``--rep alice``)
    name: str | None = None
    email: str | None = None
    team: str | None = None
    timezone: str | None = None  # None: the agreement's
    hours: Mapping[int, tuple[tuple[int, int], ...]] | None = None  # None: the agreement's
    away: frozenset[date] = frozenset()
    line: int = 1


@dataclass(frozen=True)
class TeamInfo:
    name: str
    manager: str | None = None  # an email address
    webhook: str | None = None
    line: int = 1


@dataclass(frozen=True)
class Team:
    """The reps and teams of ``team.yaml``."""

    reps: Mapping[str, Rep]
    teams: Mapping[str, TeamInfo]
    path: Path = Path("team.yaml")
    _calendars: dict[tuple[str | None, int], BusinessCalendar] = field(
        default_factory=dict, compare=False, repr=False
    )

    def rep(self, key: str | None) -> Rep | None:
        return self.reps.get(key) if key is not None else None

    def team_of(self, rep: str | None) -> TeamInfo | None:
        r = self.rep(rep)
        return self.teams.get(r.team) if r is not None and r.team is not None else None

    def manager_of(self, rep: str | None) -> str | None:
        t = self.team_of(rep)
        return t.manager if t is not None else None

    def calendar_for(
        self,
        rep: str | None,
        base: BusinessCalendar,
        holidays: Callable[[int], frozenset[date]],
    ) -> BusinessCalendar:
        """The calendar a ``calendar: owner`` deadline of ``rep`` runs on: the rep's
        time zone and hours (``base``'s, the agreement's calendar, where the rep gives
        none), the agreement's ``holidays``, and the rep's ``away`` days closed. A rep
        not listed here (or none) gets ``base`` itself."""
        r = self.rep(rep)
        if r is None or (r.timezone is None and r.hours is None and not r.away):
            return base
        key = (rep, id(base))
        got = self._calendars.get(key)
        if got is None:
            from slactl.clock import BusinessCalendar

            away = r.away

            def closed(year: int) -> frozenset[date]:
                return holidays(year) | frozenset(d for d in away if d.year == year)

            got = BusinessCalendar(
                r.timezone or base.timezone,
                r.hours if r.hours is not None else base.hours,
                closed,
            )
            self._calendars[key] = got
        return got

    def why(self, rep: str | None) -> str:
        """Whose calendar ``calendar_for`` gave, in words (for ``explain``)."""
        r = self.rep(rep)
        if r is None:
            who = rep or "no owner"
            return f"{who} is not in team.yaml: on the agreement's calendar"
        parts = [r.timezone or "the agreement's zone"]
        parts.append("own hours" if r.hours is not None else "the agreement's hours")
        if r.away:
            parts.append(f"{len(r.away)} away days closed")
        return f"on {rep}'s calendar ({', '.join(parts)})"
