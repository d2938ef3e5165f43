"""Validated, frozen agreement objects (SPEC section 3). Built by ``slactl.agreement.load``.

This module is the contract between the agreement loader, the ledger and the compliance
engine: keep field names stable.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from slactl.agreement.conditions import Condition
    from slactl.agreement.team import Team
    from slactl.clock import BusinessCalendar, Duration

PARTIES = ("sales", "marketing", "shared")


@dataclass(frozen=True)
class Key:
    """One YAML key of a measure's commitments and how the loader reads it (``read``):
    ``duration`` (a ``Duration``), ``touches`` (a whole number of touches), ``minutes``
    (time spent: minutes or hours, not business time), ``assume`` (kind -> minutes),
    ``fields`` (lead fields) or ``every`` (calendar days or weeks, default 1 week). The
    value goes to the ``Commitment`` field ``field`` (the key's own name when empty)."""

    name: str
    read: Literal["duration", "touches", "minutes", "assume", "fields", "every"]
    required: bool = False
    field: str = ""


@dataclass(frozen=True)
class MeasureSpec:
    """What an agreement may say about one measure (SPEC section 4): the YAML keys it takes
    besides ``id``, ``activity``, ``measure`` and ``target``, in the order the loader reads
    them and names them (every lead measure also takes ``applies_to``); whether it judges
    each lead or the whole period; whether it sets a deadline a rep must meet (then it also
    takes ``pausable``, ``calendar`` and ``escalate``, and ``slactl notify`` warns about
    it); whether sales controls its outcome (lint warns when marketing signs for it); and
    its ``timeframe`` in words (the sign-off template, notify's alerts, ``agreement diff``).
    The compliance engine registers how each is evaluated under the same name
    (``compliance.measures.MEASURES``; a test checks the two registries agree)."""

    name: str
    per: Literal["lead", "period"]
    keys: tuple[Key, ...] = ()
    deadline: bool = False
    sales_controls: bool = False
    timeframe: Callable[[Commitment], str] = field(kw_only=True)

    @property
    def yaml_keys(self) -> tuple[str, ...]:
        names = tuple(k.name for k in self.keys)
        if self.per == "lead":
            names += ("applies_to",)
        return (*names, "pausable", "calendar", "escalate") if self.deadline else names


_WITHIN = Key("within", "duration", required=True)
_WARN = Key("warn", "duration")


def _within(c: Commitment) -> str:
    return f"within {c.within}" if c.within else ""


def _every(c: Commitment) -> str:
    every = str(c.every_text or c.every)
    return "every " + (every[2:] if every.startswith("1 ") else every)


MEASURE_SPECS: dict[str, MeasureSpec] = {
    m.name: m
    for m in (
        MeasureSpec("first_touch", "lead", (_WITHIN, _WARN), True, True, timeframe=_within),
        MeasureSpec("disposition", "lead", (_WITHIN, _WARN), True, True, timeframe=_within),
        MeasureSpec(
            "touches_before_return",
            "lead",
            (Key("minimum", "touches", required=True), Key("open_for", "duration", True)),
            False,
            True,
            timeframe=lambda c: f"at least {c.minimum} touches, open {c.open_for}",
        ),
        MeasureSpec(
            "touch_cadence",
            "lead",
            (Key("max_gap", "duration", True), Key("until", "touches", True), _WARN),
            True,
            True,
            timeframe=lambda c: f"at most {c.max_gap} between touches, up to touch {c.until}",
        ),
        MeasureSpec(
            "complete_fields",
            "lead",
            (Key("fields", "fields", True),),
            timeframe=lambda c: "at handoff: " + ", ".join(c.fields),
        ),
        MeasureSpec("mql_volume", "period", timeframe=lambda c: "monthly quota (quotas.yaml)"),
        MeasureSpec("review_meeting", "period", (Key("every", "every"),), timeframe=_every),
        MeasureSpec("acceptance", "lead", (_WITHIN, _WARN), True, timeframe=_within),
        MeasureSpec(
            "time_spent",
            "lead",
            (
                Key("minimum", "minutes", required=True, field="minimum_time"),
                _WITHIN,
                Key("assume", "assume"),
                _WARN,
            ),
            True,
            timeframe=lambda c: f"at least {c.minimum_time} within {c.within}" if c.within else "",
        ),
        # SPEC 9: an opportunity within a time of the qualification; its clock is the
        # disposition's, which no pause moves
        MeasureSpec(
            "opportunity",
            "lead",
            (_WITHIN, _WARN),
            False,
            True,
            timeframe=lambda c: f"within {c.within} of the qualification" if c.within else "",
        ),
        MeasureSpec(  # against quotas.yaml's pipeline
            "pipeline", "period", timeframe=lambda c: "monthly pipeline quota (quotas.yaml)"
        ),
    )
}
MEASURES = tuple(MEASURE_SPECS)
# measures whose deadlines a pause can move (SPEC 7.3)
PAUSABLE_MEASURES = tuple(m.name for m in MEASURE_SPECS.values() if m.deadline)


@dataclass(frozen=True)
class Signatory:
    """One who signs the agreement, and when they signed (None: not yet)."""

    name: str
    signed: date | None


@dataclass(frozen=True)
class CalendarSpec:
    """The agreement's ``calendar``: its zone, business hours and holidays."""

    timezone: str
    # weekday (0=Mon .. 6=Sun) -> spans in minutes from local midnight, sorted
    hours: Mapping[int, tuple[tuple[int, int], ...]]
    holiday_country: str | None
    holiday_subdivision: str | None
    holidays_add: tuple[date, ...] = ()
    holidays_remove: tuple[date, ...] = ()

    def holidays_for_year(self, year: int) -> frozenset[date]:
        """Closed dates of ``year``: the public calendar, plus ``add``, minus ``remove``."""
        return frozenset(self.holiday_names(year))

    def holiday_names(self, year: int) -> dict[date, str]:
        from slactl.agreement.public_holidays import public_holidays

        names: dict[date, str] = {}
        if self.holiday_country:
            names.update(public_holidays(self.holiday_country, self.holiday_subdivision, year))
        for d in self.holidays_add:
            if d.year == year:
                names.setdefault(d, "Company day off")
        for d in self.holidays_remove:
            names.pop(d, None)
        return names


@dataclass(frozen=True)
class Escalation:
    """One ``escalate`` step: ``after`` the deadline (on the commitment's calendar), a
    message ``to`` the rep's team manager (``manager``), the rep (``rep``) or an address."""

    after: Duration
    to: str


@dataclass(frozen=True)
class Commitment:
    """One commitment of the agreement: what its measure counts, by when, against what
    target; the fields its measure does not take stay at their defaults."""

    id: str
    party: str  # one of PARTIES
    measure: str  # one of MEASURES
    activity: str | None
    target: float  # 0.0 .. 1.0
    line: int  # line of the commitment in its YAML file
    within: Duration | None = None
    warn: Duration | None = None
    applies_to: Condition | None = None
    minimum: int | None = None  # touches_before_return
    minimum_time: Duration | None = None  # time_spent: the attention each cycle must get
    assume: tuple[tuple[str, Duration], ...] = ()  # time_spent: kind -> time when not logged
    pausable: bool = False  # SPEC 7.3: pauses move this commitment's deadlines
    open_for: Duration | None = None  # touches_before_return
    max_gap: Duration | None = None  # touch_cadence
    until: int | None = None  # touch_cadence
    fields: tuple[str, ...] = ()  # complete_fields
    every: Duration | None = None  # review_meeting ("1 week", "2 weeks", "1 month"?)
    every_text: str | None = None  # as written, for display
    calendar: str | None = None  # "owner": deadlines on the owner's calendar (SPEC 8.1)
    escalate: tuple[Escalation, ...] = ()  # notify's steps after a breach (SPEC 8.2)

    def timeframe(self) -> str:
        """The 'Timeframe' cell of the sign-off template, in words (its measure's spec)."""
        spec = MEASURE_SPECS.get(self.measure)
        return spec.timeframe(self) if spec is not None else ""


@dataclass(frozen=True)
class PauseRules:
    """``definitions.pauses`` (SPEC 7.3): the reasons a pause may give, its longest run."""

    reasons: tuple[str, ...]
    max: Duration | None = None
    line: int = field(default=1, compare=False)  # where the file says it (for the lint)


@dataclass(frozen=True)
class Definitions:
    """Hashable (a what-if remembers cohorts by it): tuples, not dicts."""

    mql: Condition | None
    touch_kinds: tuple[str, ...]
    outcomes: tuple[str, ...]
    # definitions.reasons (SPEC 7.4): outcome -> the reasons allowed; an outcome not
    # listed takes any reason or none
    reasons: tuple[tuple[str, tuple[str, ...]], ...] = ()
    pauses: PauseRules | None = None  # None: pause events are not allowed
    currency: str | None = None  # SPEC 9: the one currency of the agreement's opportunities

    def reasons_for(self, outcome: str) -> tuple[str, ...] | None:
        """The reasons allowed for ``outcome``, or None when it takes any."""
        for name, allowed in self.reasons:
            if name == outcome:
                return allowed
        return None


@dataclass(frozen=True)
class Points:
    """``points``: what a met and a breached outcome are worth on the leaderboard."""

    met: int = 0
    breached: int = 0


@dataclass(frozen=True)
class Agreement:
    """One agreement file, validated: its period, calendar, definitions, commitments."""

    name: str
    title: str
    period_start: date
    period_end: date  # inclusive
    signatories: Mapping[str, Signatory]
    calendar_spec: CalendarSpec
    definitions: Definitions
    commitments: tuple[Commitment, ...]
    points: Points | None
    path: Path
    format_version: int = 1
    extra: Mapping[str, Any] = field(default_factory=dict)
    team: Team | None = field(default=None, compare=False)  # team.yaml (SPEC 8.1)

    def contains(self, d: date) -> bool:
        return self.period_start <= d <= self.period_end

    @cached_property
    def calendar(self) -> BusinessCalendar:
        from slactl.clock import BusinessCalendar

        spec = self.calendar_spec
        return BusinessCalendar(spec.timezone, spec.hours, spec.holidays_for_year)

    def owner_calendar(self, rep: str | None) -> BusinessCalendar:
        """The calendar of a ``calendar: owner`` commitment whose owner at the clock start
        is ``rep`` (``Team.calendar_for``); the agreement's own without a team."""
        if self.team is None:
            return self.calendar
        return self.team.calendar_for(rep, self.calendar, self.calendar_spec.holidays_for_year)

    def commitment(self, commitment_id: str) -> Commitment:
        for c in self.commitments:
            if c.id == commitment_id:
                return c
        raise KeyError(commitment_id)


@dataclass(frozen=True)
class Quotas:
    """``quotas.yaml``: MQL quota per calendar month, keyed by (year, month)."""

    mql_volume: Mapping[tuple[int, int], int]
    path: Path | None = None
    # SPEC 9: the pipeline (opportunities' amount) quota per month, in the agreement's currency
    pipeline: Mapping[tuple[int, int], float] = field(default_factory=dict)
