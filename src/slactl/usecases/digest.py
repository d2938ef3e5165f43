"""The weekly digest: what a manager (or one rep) needs on Monday morning.

Built from reports; no SMTP here (see ``mail.py``) and no rendering (``render/digest.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from slactl.ledger.connection import ReadEngine

from slactl.agreement.directory import AgreementSet
from slactl.compliance.report import CommitmentResult, Report
from slactl.errors import SlactlError
from slactl.periods import Period, month, week, week_of
from slactl.usecases.reading import StatusItem, check_rep, make_report, open_items, team_reps


@dataclass(frozen=True)
class Digest:
    week: Report
    trend: list[Report | None]  # the four weeks before, oldest first; None: no agreement
    month_to_date: Report
    upcoming: list[StatusItem]  # due or at risk in the coming week, or overdue
    rep: str | None
    tz: ZoneInfo

    @property
    def commitments(self) -> list[CommitmentResult]:
        """What the digest reports: every commitment, or a rep's sales commitments."""
        return [c for c in self.week.commitments if self.rep is None or c.owner == "sales"]

    @property
    def decided(self) -> list[CommitmentResult]:
        return [c for c in self.commitments if c.compliance is not None]

    @property
    def met_count(self) -> int:
        return sum(c.passed for c in self.decided)

    def subject(self) -> str:
        w = self.week.period.start.isocalendar()[1]
        who = f" for {self.rep}" if self.rep else ""
        n = len(self.decided)
        return f"SLA week {w}{who}: {self.met_count} of {n} commitment{'s' * (n != 1)} met"

    def trend_periods(self) -> list[Period]:
        """The four weeks before, oldest first, then this week."""
        start = self.week.period.start
        before = [week_of(start - timedelta(days=7 * k)) for k in range(4, 0, -1)]
        return [*before, self.week.period]

    def trend_of(self, commitment_id: str) -> list[float | None]:
        """The commitment's compliance in each of the four weeks before, then this week."""
        out: list[float | None] = []
        for r in (*self.trend, self.week):
            c = next((c for c in r.commitments if c.id == commitment_id), None) if r else None
            out.append(c.compliance if c else None)
        return out


def resolve_week(text: str, as_of: datetime, tz: ZoneInfo) -> Period:
    """``last`` is the ISO week before the one holding ``as_of``; else ``2024-W19``."""
    if text.strip().lower() == "last":
        return week_of(as_of.astimezone(tz).date() - timedelta(days=7))
    if text.strip().lower() == "this":
        return week_of(as_of.astimezone(tz).date())
    return week(text)


def build_digest(
    engine: ReadEngine,
    agreements: AgreementSet,
    *,
    week_text: str,
    as_of: datetime,
    rep: str | None = None,
) -> Digest:
    """The digest of the ISO week ``week_text`` (``last``, ``this`` or ``2024-W19``) as it
    stands at ``as_of``; with ``rep``, that rep's leads only (the quota stays the team's)."""
    first = ZoneInfo(agreements.agreements[0].calendar_spec.timezone)
    in_effect = agreements.find(as_of.astimezone(first).date())
    tz = ZoneInfo(in_effect.calendar_spec.timezone) if in_effect else first
    period = resolve_week(week_text, as_of, tz)
    if rep is not None:
        check_rep(engine, rep, team_reps(agreements))
    this = make_report(engine, agreements, period, as_of=as_of, rep=rep, why=False)
    if not this.commitments:
        raise SlactlError(f"no commitments to report for {period.label}")
    trend: list[Report | None] = []
    for k in range(4, 0, -1):
        p = week_of(period.start - timedelta(days=7 * k))
        covered = agreements.covering(p.start, p.end)
        trend.append(
            make_report(engine, agreements, p, as_of=as_of, rep=rep, why=False) if covered else None
        )
    # marketing's MQLs against quota: the month of the week's last day, up to as_of
    last_day: date = min(period.end, as_of.astimezone(tz).date())
    mtd = make_report(
        engine, agreements, month(f"{last_day:%Y-%m}"), as_of=as_of, rep=rep, why=False
    )
    horizon = as_of + timedelta(days=7)
    upcoming = [
        i
        for i in open_items(engine, agreements, as_of=as_of, rep=rep)
        if i.outcome.deadline is not None and i.outcome.deadline <= horizon
    ]
    return Digest(this, trend, mtd, upcoming, rep, tz)
