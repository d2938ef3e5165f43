"""The weekly digest: what a manager (or one rep) needs on Monday morning.

Built from reports; no SMTP here (see ``mail.py``) and no rendering (``render/digest.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from slactl.agreement.loader import AgreementSet
from slactl.compliance.periods import Period, month, week, week_of
from slactl.compliance.report import CommitmentResult, Report
from slactl.errors import SlactlError
from slactl.reports import StatusItem, check_rep, make_report, open_items


@dataclass(frozen=True)
class Digest:
    week: Report
    trend: list[Report]  # the four weeks before, oldest first
    month_to_date: Report
    upcoming: list[StatusItem]  # due or at risk in the coming week, or overdue
    rep: str | None
    tz: ZoneInfo

    @property
    def decided(self) -> list[CommitmentResult]:
        return [c for c in self.week.commitments if c.compliance is not None]

    @property
    def met_count(self) -> int:
        return sum(c.passed for c in self.decided)

    def subject(self) -> str:
        y, w = self.week.period.start.isocalendar()[:2]
        who = f" for {self.rep}" if self.rep else ""
        return f"SLA week {w}{who}: {self.met_count} of {len(self.decided)} commitments met"

    def trend_of(self, commitment_id: str) -> list[float | None]:
        out = []
        for r in (*self.trend, self.week):
            c = next((c for c in r.commitments if c.id == commitment_id), None)
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
    engine: Engine,
    agreements: AgreementSet,
    *,
    week_text: str,
    as_of: datetime,
    rep: str | None = None,
) -> Digest:
    tz = ZoneInfo(agreements.agreements[0].calendar_spec.timezone)
    period = resolve_week(week_text, as_of, tz)
    if rep is not None:
        check_rep(engine, rep)
    this = make_report(engine, agreements, period, as_of=as_of, rep=rep)
    trend = []
    for k in range(4, 0, -1):
        start = period.start - timedelta(days=7 * k)
        p = week_of(start)
        if agreements.covering(p.start, p.end):
            trend.append(make_report(engine, agreements, p, as_of=as_of, rep=rep))
    # marketing's MQLs against quota: the month of the week's last day, up to as_of
    last_day: date = min(period.end, as_of.astimezone(tz).date())
    mtd = make_report(engine, agreements, month(f"{last_day:%Y-%m}"), as_of=as_of, rep=rep)
    horizon = as_of + timedelta(days=7)
    upcoming = [
        i
        for i in open_items(engine, agreements, as_of=as_of, rep=rep)
        if i.outcome.deadline is not None and i.outcome.deadline <= horizon
    ]
    if not this.commitments:
        raise SlactlError(f"no commitments to report for {period.label}")
    return Digest(this, trend, mtd, upcoming, rep, tz)
