"""The records every layer reads (pure data, no database): a lead and its fields, its
events and their kinds, its history; and what the compliance engine returns for it.

The ledger builds ``LeadHistory`` records, the agreement's conditions match ``Lead``s,
and the engine turns histories into ``Outcome`` records. This module imports nothing of
slactl, so everything can sit above it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any, NamedTuple

NO_EXTRA: Mapping[str, str] = MappingProxyType({})  # a lead without extra columns

# Lead columns of SPEC section 5, in order (``extra`` holds any other CSV column)
LEAD_FIELDS = (
    "external_id",
    "email",
    "first_name",
    "last_name",
    "company",
    "phone",
    "title",
    "source",
    "segment",
    "owner",
    "score",
    "created_at",
    "handed_off_at",
    "status",
)

_COLUMNS = frozenset((*LEAD_FIELDS, "extra"))
# the contact fields a ``complete_fields`` commitment may require (besides ``extra.*``)
CONTACT_FIELDS = ("first_name", "last_name", "company", "email", "phone", "title")

# Event kinds with a meaning of their own; any other kind is an activity (a touch when
# it is one of the agreement's touch_kinds).
DISPOSITION = "disposition"
HANDOFF = "handoff"
REASSIGN = "reassign"
REVIEW = "review"
PAUSE = "pause"  # SPEC 7.3: the lead's clocks stop (with a reason) until its next resume
RESUME = "resume"
ACCEPT = "accept"  # SPEC 7.4: sales accepted the MQL
# kinds that are events of their own and can never be a touch kind
RESERVED_KINDS = frozenset({DISPOSITION, HANDOFF, REASSIGN, REVIEW, PAUSE, RESUME, ACCEPT})


class Lead(NamedTuple):
    """A lead as the engine reads it (a named tuple, like ``Event``: a month is ~90,000)."""

    external_id: str
    created_at: datetime  # aware
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    phone: str | None = None
    title: str | None = None
    source: str | None = None
    segment: str | None = None
    owner: str | None = None  # the current owner
    score: float | None = None
    handed_off_at: datetime | None = None
    status: str | None = None
    extra: Mapping[str, str] = NO_EXTRA

    def get(self, name: str) -> Any:
        """A field by name as conditions see it; ``extra.industry`` reads an extra column."""
        if name.startswith("extra."):
            return self.extra.get(name[6:])
        # only the columns: a tuple's own attributes (count, index) are no lead field
        return getattr(self, name) if name in _COLUMNS else None


class Event(NamedTuple):
    """One ledger event as the engine reads it. A named tuple rather than a frozen
    dataclass: a month's report makes ~400,000 of them, at half the cost each."""

    kind: str  # a touch kind, one of RESERVED_KINDS, or another activity
    at: datetime  # aware
    rep: str | None = None  # for a reassign: the new owner
    outcome: str | None = None  # dispositions only
    note: str | None = None
    reason: str | None = None  # a disposition's or a pause's reason (SPEC 7.3, 7.4)
    duration: float | None = None  # minutes spent (SPEC 7.5)
    from_rep: str | None = None  # a reassign's previous owner (SPEC 7.2)


class Opportunity(NamedTuple):
    """An opportunity a lead turned into (SPEC section 9), as the engine reads it."""

    external_id: str
    created_at: datetime  # aware
    amount: float | None = None
    currency: str | None = None
    stage: str | None = None
    closed_at: datetime | None = None  # aware
    won: bool | None = None


class PipelineEntry(NamedTuple):
    """An opportunity created or closed in a report period, with its lead (SPEC 9):
    ``handoff`` is the lead's last handoff at or before the opportunity's creation (the
    clock start of the cycle it came from), None when it had none."""

    opportunity: Opportunity
    lead: Lead
    handoff: datetime | None = None


@dataclass(frozen=True, slots=True)
class LeadHistory:
    """A lead with everything the ledger holds about it: its events and opportunities."""

    lead: Lead
    events: tuple[Event, ...]  # sorted by ``at``
    opportunities: tuple[Opportunity, ...] = ()  # sorted by ``created_at``


class State(StrEnum):
    MET = "met"
    BREACHED = "breached"
    PENDING = "pending"
    AT_RISK = "at_risk"  # a pending outcome inside its warn window


class Outcome(NamedTuple):
    """One (lead, commitment) pair, or one (period window, commitment) for marketing/shared.
    A named tuple, like ``Event``: a month's report makes ~225,000."""

    commitment_id: str
    state: State
    reason: str  # in words, for `explain`
    lead_id: str | None = None  # external id; None for per-period outcomes
    owner: str | None = None  # the rep responsible (SPEC 7.2; without reassigns, the owner)
    clock_start: datetime | None = None
    deadline: datetime | None = None
    event_at: datetime | None = None  # the event that decided it, if any
    actual: float | None = None  # mql_volume: MQLs handed off; pipeline: the amount
    quota: float | None = None  # mql_volume, pipeline: the (pro-rated) quota
    cycle: int = 1  # which cycle of the lead (SPEC 7.1): 1 for its first handoff
    paused: bool = False  # pending because a pause is open at as_of (SPEC 7.3)


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def is_email(text: str) -> bool:
    """A well-formed address (``name@domain.tld``, no spaces): the one test of an email,
    for a lead's ``email`` field and for the addresses in team.yaml."""
    return _EMAIL.match(text.strip()) is not None
