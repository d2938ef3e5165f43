"""``agreements/team.yaml`` (SPEC 8.1): who the reps are, their teams, their calendars.

Read here (``read_team``) with the agreements (``directory.load_agreements``); every error is
``FILE:LINE: message`` like the agreement's own. A rep not listed still works, without an email or a
calendar of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from slactl.agreement.yamlfile import (
    WEEKDAY_NAMES,
    LineDict,
    Reader,
    line_and_message,
    read_yaml,
    weekdays,
)
from slactl.clock import BusinessCalendar, CalendarError, parse_hours
from slactl.errors import AgreementError
from slactl.records import is_email


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


# -- reading team.yaml ------------------------------------------------------------------

REP_KEYS = ("name", "email", "team", "timezone", "hours", "away")
TEAM_KEYS = ("manager", "webhook")
MAX_AWAY_DAYS = 3660  # a range of ten years is a typo, not a vacation


def _team_hours(
    r: Reader, value: Any, line: int, where: str
) -> dict[int, tuple[tuple[int, int], ...]]:
    hours: dict[int, tuple[tuple[int, int], ...]] = {}
    errors_before = len(r.errors)
    if not isinstance(value, LineDict):
        r.fail(line, f'{where} hours must be a mapping such as {{mon-fri: "09:00-17:00"}}')
        return hours
    for key, spans_text in value.items():
        key_line = r.line(value, key)
        days = weekdays(str(key))
        if days is None:
            r.fail(
                key_line, f"bad day '{key}' in {where} hours: use mon..sun or a range like mon-fri"
            )
            continue
        try:
            closed = spans_text is None or str(spans_text).strip().lower() == "closed"
            spans = () if closed else parse_hours(str(spans_text))
        except CalendarError as exc:
            r.fail(key_line, f"{where} hours: {exc}")
            continue
        for d in days:
            if d in hours:
                r.fail(key_line, f"{where}: {WEEKDAY_NAMES[d]} is given working hours twice")
            if spans:
                hours[d] = spans
    if not hours and len(r.errors) == errors_before:
        r.fail(line, f"{where} hours names no working day: give some hours or leave hours out")
    return hours


def _away(r: Reader, value: Any, line: int, where: str) -> frozenset[date]:
    if not isinstance(value, list):
        r.fail(line, f"{where} away takes a list of dates and ranges like 2024-05-13..2024-05-17")
        return frozenset()
    days: set[date] = set()
    for item in value:
        text = item.isoformat() if isinstance(item, date) else str(item).strip()
        if ".." in text:
            a_text, _, b_text = text.partition("..")
            a = r.date(a_text, line, f"{where} away")
            b = r.date(b_text, line, f"{where} away")
            if a is None or b is None:
                continue
            if b < a:
                r.fail(line, f"{where} away range {text} ends before it starts: swap its dates")
                continue
            if (b - a).days > MAX_AWAY_DAYS:
                r.fail(line, f"{where} away range {text} is longer than ten years")
                continue
            days.update(a + timedelta(days=n) for n in range((b - a).days + 1))
        else:
            d = r.date(text, line, f"{where} away")
            if d is not None:
                days.add(d)
    return frozenset(days)


def _email(value: Any) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text if is_email(text) else None


def read_team(text: str, path: Path) -> tuple[Team | None, list[tuple[int, str]]]:
    """Parse ``team.yaml``, returning it (or None) and every (line, message) found."""
    from zoneinfo import ZoneInfoNotFoundError

    r = Reader(path)
    try:
        doc = read_yaml(text, path)
    except AgreementError as exc:
        return None, [line_and_message(str(exc))]
    if doc is None:
        return Team({}, {}, path), []
    if not isinstance(doc, LineDict):
        return None, [(1, "team.yaml must be a mapping with 'reps' and 'teams'")]
    r.check_keys(doc, ("reps", "teams"), "team.yaml")
    teams: dict[str, TeamInfo] = {}
    raw_teams = doc.get("teams") or LineDict()
    if not isinstance(raw_teams, LineDict):
        r.fail(r.line(doc, "teams"), "'teams' must be a mapping of team name -> {manager, webhook}")
        raw_teams = LineDict()
    reps: dict[str, Rep] = {}
    raw_reps = doc.get("reps") or LineDict()
    if not isinstance(raw_reps, LineDict):
        r.fail(r.line(doc, "reps"), "'reps' must be a mapping of rep -> {name, email, team, …}")
        raw_reps = LineDict()
    for key, item in raw_reps.items():
        line = r.line(raw_reps, key)
        where = f"rep {key}"
        if item is None:
            item = LineDict()
        if not isinstance(item, LineDict):
            r.fail(line, f"{where} must be a mapping such as {{email: a@example.com, team: east}}")
            continue
        r.check_keys(item, REP_KEYS, where)
        email = None
        if item.get("email") is not None:
            email = _email(item["email"])
            if email is None:
                r.fail(r.line(item, "email"), f"{where} email {item['email']!r} is not an address")
        team = item.get("team")
        if isinstance(team, list):
            r.fail(r.line(item, "team"), f"{where} is in {len(team)} teams: a rep has one team")
            team = None
        elif team is not None:
            team = str(team)
            if team not in raw_teams:
                r.fail(r.line(item, "team"), f"{where} team '{team}' is not under 'teams': add it")
        tz = item.get("timezone")
        if tz is not None:
            try:
                ZoneInfo(str(tz))
            except (ZoneInfoNotFoundError, ValueError):
                r.fail(
                    r.line(item, "timezone"),
                    f"{where}: unknown time zone '{tz}': use an IANA name such as America/New_York",
                )
                tz = None
        hours = None
        if "hours" in item:
            hours = _team_hours(r, item["hours"], r.line(item, "hours"), where)
        away: frozenset[date] = frozenset()
        if "away" in item:
            away = _away(r, item["away"], r.line(item, "away"), where)
        name = item.get("name")
        reps[str(key)] = Rep(
            str(key),
            str(name) if name is not None else None,
            email,
            team,
            str(tz) if tz is not None else None,
            hours,
            away,
            line,
        )
    for key, item in raw_teams.items():
        line = r.line(raw_teams, key)
        where = f"team {key}"
        if item is None:
            item = LineDict()
        if not isinstance(item, LineDict):
            r.fail(line, f"{where} must be a mapping such as {{manager: maria@example.com}}")
            continue
        r.check_keys(item, TEAM_KEYS, where)
        manager = None
        if item.get("manager") is not None:
            m = str(item["manager"]).strip()
            manager = _email(m)
            if manager is None and m in reps:
                manager = reps[m].email
            if manager is None:
                r.fail(
                    r.line(item, "manager"),
                    f"{where} manager '{m}' has no email: give an address, or a rep with an email",
                )
        webhook = item.get("webhook")
        if webhook is not None and not str(webhook).startswith(("http://", "https://")):
            r.fail(r.line(item, "webhook"), f"{where} webhook must be an http(s) URL")
            webhook = None
        teams[str(key)] = TeamInfo(
            str(key), manager, str(webhook) if webhook is not None else None, line
        )
    return Team(reps, teams, path), r.errors


def load_team(path: Path) -> Team:
    """``team.yaml`` read and checked; the first error raised as ``AgreementError``."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise AgreementError(f"{path}: cannot read: {exc}") from None
    team, errors = read_team(text, path)
    if errors:
        line, message = sorted(errors)[0]
        raise AgreementError(f"{path}:{line}: {message}")
    assert team is not None
    return team
