"""Who held a lead when (SPEC 7.2): the owner at an instant, from its reassignments."""

from __future__ import annotations

from datetime import datetime

from slactl.records import REASSIGN, LeadHistory


def owner_at(history: LeadHistory, t: datetime, as_of: datetime | None = None) -> str | None:
    """The ``rep`` of the lead's last ``reassign`` at or before ``t``; before its first
    ``reassign``, that event's ``from_rep`` if given, else the lead's ``owner`` column.
    Reassignments after ``as_of`` are not known yet and are ignored (their ``from_rep``
    too)."""
    owner = None
    first = True
    for e in history.events:
        if e.kind != REASSIGN or (as_of is not None and e.at > as_of):
            continue
        if e.at > t:
            if first:
                return e.from_rep if e.from_rep is not None else history.lead.owner
            break
        owner, first = e.rep, False
    return history.lead.owner if first else owner
