"""Compare a period's outcomes under two agreements: which leads flip, and why."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slactl.compliance.model import Outcome
from slactl.compliance.report import Report

NOT_COUNTED = "not counted"


@dataclass(frozen=True)
class Flip:
    lead: str
    commitment: str
    owner: str | None
    before: str  # met, breached, pending, at_risk or "not counted"
    after: str
    reason_before: str
    reason_after: str

    def to_json(self) -> dict[str, Any]:
        return {
            "lead": self.lead,
            "commitment": self.commitment,
            "owner": self.owner,
            "current": self.before,
            "draft": self.after,
            "reason_current": self.reason_before,
            "reason_draft": self.reason_after,
        }


def _by_pair(outcomes: list[Outcome]) -> dict[tuple[str, str], Outcome]:
    return {(o.lead_id, o.commitment_id): o for o in outcomes if o.lead_id is not None}


def flips(current: Report, draft: Report) -> list[Flip]:
    """Every (lead, commitment) whose outcome differs, sorted by commitment and lead."""
    a, b = _by_pair(current.outcomes), _by_pair(draft.outcomes)
    out = []
    for key in sorted(set(a) | set(b), key=lambda k: (k[1], k[0])):
        oa, ob = a.get(key), b.get(key)
        sa = oa.state.value if oa else NOT_COUNTED
        sb = ob.state.value if ob else NOT_COUNTED
        if sa == sb:
            continue
        owner = (oa or ob).owner  # type: ignore[union-attr]
        out.append(
            Flip(key[0], key[1], owner, sa, sb, oa.reason if oa else "", ob.reason if ob else "")
        )
    return out


@dataclass(frozen=True)
class WhatIf:
    current: Report
    draft: Report
    flips: list[Flip]
    changes: list[str]  # agreement diff lines

    def to_json(self) -> dict[str, Any]:
        return {
            "current": self.current.to_json(),
            "draft": self.draft.to_json(),
            "changes": self.changes,
            "flips": [f.to_json() for f in self.flips],
        }
