"""The agreements directory as one ``AgreementSet``: every agreement sorted by period,
the quotas and the team, and the time logic over them (which agreement governs a day,
a period cut at agreement boundaries, the zone of a local date)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from slactl.agreement.loader import load_agreement, load_quotas
from slactl.agreement.model import (
    Agreement,
    Quotas,
)
from slactl.errors import AgreementError

if TYPE_CHECKING:
    from slactl.agreement.team import Team
    from slactl.periods import Period
    from slactl.timeparse import ZoneRule

QUOTAS_FILE = "quotas.yaml"
TEAM_FILE = "team.yaml"  # SPEC 8.1


@dataclass(frozen=True)
class AgreementSet:
    """Every agreement in a directory, sorted by period, and the quotas."""

    agreements: tuple[Agreement, ...]
    quotas: Quotas | None = None
    directory: Path | None = None
    team: Team | None = None  # team.yaml, when the directory has one (SPEC 8.1)
    _by_name: dict[str, Agreement] = field(default_factory=dict, compare=False, repr=False)
    _spans: list[tuple[datetime, datetime]] = field(
        default_factory=list, compare=False, repr=False
    )  # filled by spans() on first use

    def in_effect(self, d: date) -> Agreement:
        for a in self.agreements:
            if a.contains(d):
                return a
        where = f" in {self.directory}" if self.directory else ""
        raise AgreementError(
            f"no agreement{where} is in effect on {d.isoformat()}: add one whose period"
            " contains that date"
        )

    def find(self, d: date) -> Agreement | None:
        for a in self.agreements:
            if a.contains(d):
                return a
        return None

    def zone_on(self, d: date) -> tzinfo:
        """The time zone local times of day ``d`` are read in: that of the agreement in
        effect on ``d``, else of the last one before it, else of the first."""
        found = self.find(d)
        if found is None:
            before = [a for a in self.agreements if a.period_start <= d]
            found = before[-1] if before else self.agreements[0]
        return ZoneInfo(found.calendar_spec.timezone)

    def local_zones(self) -> ZoneRule:
        """What a time without an offset is read in: the one zone of every agreement, or,
        when they differ, the zone of the agreement in effect on the time's date."""
        zones = {a.calendar_spec.timezone for a in self.agreements}
        if len(zones) == 1:
            return ZoneInfo(zones.pop())
        return LocalZones(self)

    def spans(self) -> list[tuple[datetime, datetime]]:
        """The instants each agreement is in effect between, in order: from midnight of
        its first day in its own zone to midnight after its last day, or, when the next
        agreement starts the day after, to the instant that one starts (midnight in its
        zone). Agreements in different zones then neither overlap nor leave an hour
        between them: the new one takes over at its own midnight."""
        if self._spans or not self.agreements:
            return self._spans
        out = self._spans
        items = self.agreements
        for i, a in enumerate(items):
            tz = ZoneInfo(a.calendar_spec.timezone)
            lo = datetime.combine(a.period_start, time(), tzinfo=tz)
            hi = datetime.combine(a.period_end + timedelta(days=1), time(), tzinfo=tz)
            if i + 1 < len(items) and items[i + 1].period_start == a.period_end + timedelta(1):
                nxt = items[i + 1]
                hi = datetime.combine(
                    nxt.period_start, time(), tzinfo=ZoneInfo(nxt.calendar_spec.timezone)
                )
            out.append((lo, hi))
        return out

    def at(self, t: datetime) -> Agreement | None:
        """The agreement in effect at instant ``t`` (see ``spans``)."""
        for a, (lo, hi) in zip(self.agreements, self.spans(), strict=True):
            if lo <= t < hi:
                return a
        return None

    def zone_at(self, t: datetime) -> tzinfo:
        """The time zone of instant ``t``: that of the agreement in effect then (see
        ``spans``), else of the last one begun by then, else of the first."""
        chosen = self.agreements[0]
        for a, (lo, _) in zip(self.agreements, self.spans(), strict=True):
            if lo <= t:
                chosen = a
        return ZoneInfo(chosen.calendar_spec.timezone)

    def local_day(self, t: datetime) -> date:
        """The date of instant ``t`` in its zone (``zone_at``)."""
        return t.astimezone(self.zone_at(t)).date()

    def parts(self, period: Period) -> list[tuple[Agreement, Period]]:
        """``period`` cut where agreements begin and end (gaps left out), each part with
        the instants it starts and ends at where it meets another agreement."""
        from slactl.periods import Period

        spans = dict(zip((id(a) for a in self.agreements), self.spans(), strict=True))
        out = []
        for a, lo, hi in self.covering(period.start, period.end):
            span = spans[id(a)]
            cut = (
                span[0] if lo == a.period_start else None,
                span[1] if hi == a.period_end else None,
            )
            out.append((a, Period(lo, hi, period.label, cut)))
        return out

    def covering(self, start: date, end: date) -> list[tuple[Agreement, date, date]]:
        """The period [start, end] cut at agreement boundaries (gaps left out)."""
        out = []
        for a in self.agreements:
            lo, hi = max(start, a.period_start), min(end, a.period_end)
            if lo <= hi:
                out.append((a, lo, hi))
        return out


class LocalZones:
    """The zone of day ``d`` (``AgreementSet.zone_on``) as a function of the local date,
    for ``parse_instant``; its text names every agreement's start and zone, so that an
    import's row hashes change when the agreements' zones do."""

    def __init__(self, agreements: AgreementSet) -> None:
        self.agreements = agreements

    def __call__(self, d: date) -> tzinfo:
        return self.agreements.zone_on(d)

    def __str__(self) -> str:
        return ";".join(
            f"{a.period_start.isoformat()}={a.calendar_spec.timezone}"
            for a in self.agreements.agreements
        )


NOT_AGREEMENTS = (QUOTAS_FILE, "quotas.yml", TEAM_FILE, "team.yml")


def agreement_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.glob("*.y*ml") if p.name not in NOT_AGREEMENTS)


def load_agreements(directory: Path) -> AgreementSet:
    """Load every agreement in ``directory`` and its quotas; overlapping periods are an error."""
    if not directory.is_dir():
        raise AgreementError(
            f"{directory}: no agreements directory; run 'slactl init' or pass --agreements DIR"
        )
    files = agreement_files(directory)
    if not files:
        raise AgreementError(f"{directory}: no agreement files (*.yaml); run 'slactl init'")
    agreements = sorted((load_agreement(p) for p in files), key=lambda a: a.period_start)
    check_overlaps(agreements)
    team = team_in(directory)
    if team is not None:
        agreements = [replace(a, team=team) for a in agreements]
    quotas_path = directory / QUOTAS_FILE
    quotas = load_quotas(quotas_path) if quotas_path.is_file() else None
    if quotas is None:
        for a in agreements:
            for c in a.commitments:
                if c.measure in ("mql_volume", "pipeline"):
                    raise AgreementError(
                        f"{a.path}:{c.line}: commitment {c.id} measures {c.measure} but there"
                        f" is no {quotas_path}: add one with the monthly quotas"
                    )
    return AgreementSet(tuple(agreements), quotas, directory, team)


def overlaps(agreements: list[Agreement]) -> list[tuple[Agreement, Agreement]]:
    ordered = sorted(agreements, key=lambda a: a.period_start)
    return [
        (a, b)
        for i, a in enumerate(ordered)
        for b in ordered[i + 1 :]
        if b.period_start <= a.period_end
    ]


def check_overlaps(agreements: list[Agreement]) -> None:
    for a, b in overlaps(agreements):
        raise AgreementError(
            f"{b.path}:1: period {b.period_start}..{b.period_end} overlaps {a.path}"
            f" ({a.period_start}..{a.period_end}): agreements' periods must not overlap"
        )


def team_in(directory: Path) -> Team | None:
    """``directory``'s team.yaml, checked, or None when it has none (and its module, about
    2 ms of every command's start-up, is not imported)."""
    path = directory / TEAM_FILE
    if not path.is_file():
        return None
    from slactl.agreement.team import load_team

    return load_team(path)
