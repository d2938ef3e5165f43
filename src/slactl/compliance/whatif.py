"""Compare a period's outcomes under two agreements: which leads flip, and why.

Pure: takes two reports (SPEC 6.1) built from the same lead histories, returns data. The
reports are built without reasons (writing them costs as much as the rules themselves);
the reasons of the outcomes that flip are then written for those pairs alone, by the
same measure functions, so they are the text ``explain`` gives.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slactl.agreement.model import Agreement
from slactl.clock import BusinessCalendar
from slactl.compliance.engine import cycles_of, in_period, measured, period_calendar
from slactl.compliance.measures import LEAD_MEASURES, LeadFacts
from slactl.compliance.report import Report
from slactl.periods import Period
from slactl.records import LeadHistory, Outcome, State

NOT_COUNTED = "not counted"  # no outcome: not an MQL, not in the period, or not applicable


@dataclass(frozen=True)
class Flip:
    """One (lead, commitment) whose outcome differs between the agreements."""

    lead: str
    commitment: str
    owner: str | None
    before: str  # met, breached, pending, at_risk or "not counted"
    after: str
    reason_before: str = ""
    reason_after: str = ""
    cycle: int = 1  # the lead's cycle (SPEC 7.1)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "lead": self.lead,
            "commitment": self.commitment,
            "owner": self.owner,
            "current": self.before,
            "draft": self.after,
            "reason_current": self.reason_before,
            "reason_draft": self.reason_after,
        }
        if self.cycle > 1:  # a recycled lead's later cycle (SPEC 7.1)
            out["cycle"] = self.cycle
        return out


def _state(o: Outcome | None) -> str:
    return NOT_COUNTED if o is None else State(o.state).value


def flips(current: Report, draft: Report) -> list[Flip]:
    """Every (lead, commitment) whose outcome differs, in the order of the commitments
    (the draft's, then any it removed), then by lead; with the reasons the reports carry
    (empty when they were built without)."""
    before: dict[tuple[str, str, int], Outcome] = {
        (o.lead_id, o.commitment_id, o.cycle): o for o in current.outcomes if o.lead_id is not None
    }
    out = []
    for o in draft.outcomes:
        if o.lead_id is None:
            continue
        old = before.pop((o.lead_id, o.commitment_id, o.cycle), None)
        if old is None or old.state is not o.state:
            out.append(_flip(old, o))
    out += [_flip(old, None) for old in before.values()]
    order = {c.id: i for i, c in enumerate(draft.commitments)}
    for c in current.commitments:
        order.setdefault(c.id, len(order))
    out.sort(key=lambda f: (order.get(f.commitment, len(order)), f.lead, f.cycle))
    return out


def _flip(old: Outcome | None, new: Outcome | None) -> Flip:
    some = old or new
    assert some is not None and some.lead_id is not None
    return Flip(
        some.lead_id,
        some.commitment_id,
        some.owner,
        _state(old),
        _state(new),
        old.reason if old else "",
        new.reason if new else "",
        some.cycle,
    )


def flipped_leads(found: Iterable[Flip]) -> set[str]:
    return {f.lead for f in found}


class _Reasons:
    """The reason ``explain`` gives for a lead, cycle and commitment under one side's
    agreements: the measure of that commitment alone, under the agreement of the part of
    the period the cycle starts in."""

    def __init__(self, parts: Sequence[tuple[Agreement, Period]], as_of: datetime) -> None:
        self.parts = parts
        self.as_of = as_of
        self.cycles: dict[tuple[int, str], list[LeadFacts]] = {}  # a lead flips in several
        # each part's calendar as its report counted on: business days from the part's
        # table (the same instants, several times faster: a what-if writes ~30,000 reasons)
        self.calendars: dict[int, BusinessCalendar] = {}

    def __call__(self, history: LeadHistory, commitment: str, cycle: int) -> str:
        for i, (agreement, part) in enumerate(self.parts):
            key = (i, history.lead.external_id)
            got = self.cycles.get(key)
            if got is None:
                got = self.cycles[key] = cycles_of(agreement, history, self.as_of)
            for facts in got:
                if facts.cycle != cycle or not in_period(agreement, facts.start, part):
                    continue
                c = next((c for c in agreement.commitments if c.id == commitment), None)
                fn = LEAD_MEASURES.get(c.measure) if c else None
                if c is None or fn is None:
                    return ""
                cal = self.calendars.get(i)
                if cal is None:
                    cal = self.calendars[i] = period_calendar(agreement, part, self.as_of)
                outcome = measured(agreement, c, fn, facts, self.as_of, cal)
                return outcome.reason if outcome else ""
        return ""


def explain_flips(
    found: list[Flip],
    histories: Iterable[LeadHistory],
    current: Sequence[tuple[Agreement, Period]],
    draft: Sequence[tuple[Agreement, Period]],
    *,
    as_of: datetime,
) -> list[Flip]:
    """``found`` with the reasons of both sides, worked out for the flipped pairs only
    (writing the reasons of a whole month costs as much as evaluating it)."""
    leads = flipped_leads(found)
    by_id = {h.lead.external_id: h for h in histories if h.lead.external_id in leads}
    now = _Reasons(current, as_of)
    then = _Reasons(draft, as_of)
    out = []
    for f in found:
        h = by_id[f.lead]
        before = now(h, f.commitment, f.cycle) if f.before != NOT_COUNTED else ""
        after = then(h, f.commitment, f.cycle) if f.after != NOT_COUNTED else ""
        out.append(Flip(f.lead, f.commitment, f.owner, f.before, f.after, before, after, f.cycle))
    return out


@dataclass(frozen=True)
class WhatIf:
    current: Report
    draft: Report
    flips: list[Flip]
    changes: list[str]  # the agreement diff, in words

    def to_json(self) -> dict[str, Any]:
        return {
            "current": self.current.to_json(),
            "draft": self.draft.to_json(),
            "changes": self.changes,
            "flips": [f.to_json() for f in self.flips],
        }
