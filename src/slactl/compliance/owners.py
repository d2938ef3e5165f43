"""Who held a lead when (SPEC 7.2): the owner at an instant, from its reassignments."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from slactl.records import REASSIGN, Event, LeadHistory


def owner_among(owner: str | None, reassigns: Iterable[Event], t: datetime) -> str | None:
    """The owner at ``t`` given the lead's ``owner`` column and its ``reassign`` events
    (sorted by time, already cut at ``as_of``)."""
    current = None
    first = True
    for e in reassigns:
        if e.at > t:
            if first:
                return e.from_rep if e.from_rep is not None else owner
            break
        current, first = e.rep, False
    return owner if first else current


def reassigns_of(history: LeadHistory, as_of: datetime | None = None) -> tuple[Event, ...]:
    """The lead's reassignments known at ``as_of``."""
    return tuple(
        e for e in history.events if e.kind == REASSIGN and (as_of is None or e.at <= as_of)
    )


def owner_at(history: LeadHistory, t: datetime, as_of: datetime | None = None) -> str | None:
    """The ``rep`` of the lead's last ``reassign`` at or before ``t``; before its first
    ``reassign``, that event's ``from_rep`` if given, else the lead's ``owner`` column.
    Reassignments after ``as_of`` are not known yet and are ignored (their ``from_rep``
    too)."""
    return owner_among(history.lead.owner, reassigns_of(history, as_of), t)


def holders(
    owner: str | None, reassigns: Sequence[Event], start: datetime, end: datetime
) -> list[tuple[str | None, datetime, datetime]]:
    """Who held the lead from ``start`` to ``end``: (owner, from, to) in order."""
    out: list[tuple[str | None, datetime, datetime]] = []
    t = start
    current = owner_among(owner, reassigns, start)
    for e in reassigns:
        if e.at <= start:
            continue
        if e.at >= end:
            break
        if e.rep != current:
            out.append((current, t, e.at))
            t, current = e.at, e.rep
    out.append((current, t, end))
    return out
