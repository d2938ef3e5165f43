"""What the period's MQLs turned into (SPEC 9): the opportunities created in a period and
the ones won in it, from ``PipelineEntry`` records; read by the ``pipeline`` measure, the
funnel and ``slactl plan``. Pure, like the rest of ``compliance``.

An opportunity counts when its lead is an MQL (a handoff at or before its creation, or a
match of ``definitions.mql``) and its currency is the agreement's (or not given). Created
counts by its creation in the period, won by its close in the period; both by ``as_of``.
The sales cycle is from the clock start of the cycle it came from (the lead's last handoff
at or before its creation, else the lead's creation) to its close, in calendar days in the
agreement's time zone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from slactl.agreement.model import Agreement
from slactl.periods import Period
from slactl.records import PipelineEntry


@dataclass
class PipelineFigures:
    """The opportunities of a period (SPEC 9): created, their amount, and those won."""

    opportunities: int = 0  # created in the period
    pipeline: float = 0.0  # their amount
    won: int = 0  # won (closed) in the period
    won_amount: float = 0.0
    cycle_days: list[int] = field(default_factory=list)  # of each won opportunity

    def add(self, other: PipelineFigures) -> None:
        self.opportunities += other.opportunities
        self.pipeline += other.pipeline
        self.won += other.won
        self.won_amount += other.won_amount
        self.cycle_days += other.cycle_days


def figures(
    agreement: Agreement,
    entries: Iterable[PipelineEntry],
    *,
    period: Period,
    as_of: datetime,
    owner: str | None = None,
) -> PipelineFigures:
    """The period's opportunities under ``agreement`` (``owner``: only that rep's leads)."""
    lo, hi = period.bounds(agreement.calendar.tz)
    tz = agreement.calendar.tz
    mql = agreement.definitions.mql
    currency = agreement.definitions.currency
    out = PipelineFigures()
    for opp, lead, handoff in entries:
        if owner is not None and lead.owner != owner:
            continue
        if currency is not None and opp.currency not in (None, currency):
            continue
        if handoff is None or handoff > opp.created_at:
            if mql is None or not mql.matches(lead):
                continue
            handoff = None
        if lo <= opp.created_at < hi and opp.created_at <= as_of:
            out.opportunities += 1
            out.pipeline += opp.amount or 0.0
        closed = opp.closed_at
        if opp.won and closed is not None and lo <= closed < hi and closed <= as_of:
            out.won += 1
            out.won_amount += opp.amount or 0.0
            start = handoff or lead.created_at
            out.cycle_days.append((closed.astimezone(tz).date() - start.astimezone(tz).date()).days)
    return out
