"""The ledger's tables (SPEC section 5). Append-only: rows are added, lead attributes are
updated in place only together with a ``lead_change`` row saying what changed, and nothing
is ever deleted.

Schema changes go through Alembic migrations in ``slactl/ledger/migrations/versions``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field
from sqlmodel import SQLModel as SQLModel  # re-exported: the metadata with every table

from slactl.ledger.types import UTCDateTime


class Lead(SQLModel, table=True):
    __tablename__ = "lead"
    __table_args__ = (
        Index("ix_lead_owner_clock_start_at", "owner", "clock_start_at", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    external_id: str = Field(sa_column=Column(Text, nullable=False, unique=True))
    email: str | None = Field(default=None, sa_column=Column(Text, index=True))
    first_name: str | None = Field(default=None, sa_column=Column(Text))
    last_name: str | None = Field(default=None, sa_column=Column(Text))
    company: str | None = Field(default=None, sa_column=Column(Text))
    phone: str | None = Field(default=None, sa_column=Column(Text))
    title: str | None = Field(default=None, sa_column=Column(Text))
    source: str | None = Field(default=None, sa_column=Column(Text))
    segment: str | None = Field(default=None, sa_column=Column(Text))
    owner: str | None = Field(default=None, sa_column=Column(Text))  # ix_lead_owner_clock_start_at
    score: float | None = None
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False, index=True))
    handed_off_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    # handed_off_at (or the earliest handoff event) else created_at; kept by the ledger so
    # a report can select a period's leads by index
    clock_start_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False, index=True))
    status: str | None = Field(default=None, sa_column=Column(Text))
    extra: str | None = Field(default=None, sa_column=Column(Text))  # JSON object of other columns
    row_hash: str | None = Field(default=None, sa_column=Column(Text))  # of the imported attributes
    recorded_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class Event(SQLModel, table=True):
    """Touches, other activities, dispositions, handoffs, reassignments and review meetings."""

    __tablename__ = "event"
    __table_args__ = (
        Index("ix_event_lead_at_kind", "lead_id", "at", "id", "kind"),
        Index("ix_event_kind_at", "kind", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    lead_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("lead.id"), nullable=True)
    )  # None for review meetings
    kind: str = Field(sa_column=Column(Text, nullable=False))
    at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    rep: str | None = Field(default=None, sa_column=Column(Text))
    outcome: str | None = Field(default=None, sa_column=Column(Text))
    note: str | None = Field(default=None, sa_column=Column(Text))
    origin: str = Field(sa_column=Column(Text, nullable=False))  # "cli" or "import:<id>"
    # the same fact however often recorded: its UTC time, kind, lower-cased rep and lead
    # (``record.event_key``); what the event says (outcome, note, reason, duration,
    # from_rep) is not part of it
    dedupe_key: str = Field(sa_column=Column(Text, nullable=False, unique=True))
    recorded_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    # SPEC 7 (migration 0006): a disposition's or a pause's reason, the minutes spent,
    # and a reassignment's previous owner (``rep`` is the new one)
    reason: str | None = Field(default=None, sa_column=Column(Text))
    duration: float | None = Field(default=None, sa_column=Column(Float))
    from_rep: str | None = Field(default=None, sa_column=Column(Text))


class LeadChange(SQLModel, table=True):
    """What an import or command changed on a lead: the old value is never lost."""

    __tablename__ = "lead_change"

    id: int | None = Field(default=None, primary_key=True)
    lead_id: int = Field(
        sa_column=Column(Integer, ForeignKey("lead.id"), nullable=False, index=True)
    )
    import_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("import_run.id"), nullable=True)
    )
    field: str = Field(sa_column=Column(Text, nullable=False))
    old_value: str | None = Field(default=None, sa_column=Column(Text))
    new_value: str | None = Field(default=None, sa_column=Column(Text))
    recorded_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class ImportRun(SQLModel, table=True):
    __tablename__ = "import_run"

    id: int | None = Field(default=None, primary_key=True)
    path: str = Field(sa_column=Column(Text, nullable=False))
    sha256: str = Field(sa_column=Column(Text, nullable=False))
    kind: str = Field(sa_column=Column(Text, nullable=False))  # leads | activities
    preset: str = Field(sa_column=Column(Text, nullable=False))  # generic | hubspot | salesforce
    started_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    finished_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    rows_read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0


class Rep(SQLModel, table=True):
    """Everyone seen as an owner or as the rep on an event."""

    __tablename__ = "rep"
    __table_args__ = (UniqueConstraint("name"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=Column(Text, nullable=False))
    email: str | None = Field(default=None, sa_column=Column(Text))
    first_seen_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class PublishedPeriod(SQLModel, table=True):
    """A period's report as it was published (``slactl publish``): the figures a review
    meeting saw, kept as they were. Imports never touch this table; publishing a period
    again adds a row (the newest is the period's published report, the others its history).
    The high-water marks say which ledger rows the figures had seen."""

    __tablename__ = "published_period"
    __table_args__ = (Index("ix_published_period_start_end", "period_start", "period_end"),)

    id: int | None = Field(default=None, primary_key=True)
    label: str = Field(sa_column=Column(Text, nullable=False))  # 2024-04, 2024-Q2, …
    period_start: str = Field(sa_column=Column(Text, nullable=False))  # ISO date
    period_end: str = Field(sa_column=Column(Text, nullable=False))  # ISO date, inclusive
    agreement: str = Field(sa_column=Column(Text, nullable=False))
    title: str = Field(sa_column=Column(Text, nullable=False))
    as_of: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    published_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    published_by: str = Field(sa_column=Column(Text, nullable=False))
    report_json: str = Field(sa_column=Column(Text, nullable=False))  # SPEC 6.1's shape
    # the highest ids in the ledger when published: later rows are "changed since"
    event_high: int = Field(sa_column=Column(Integer, nullable=False))
    change_high: int = Field(sa_column=Column(Integer, nullable=False))
    import_high: int = Field(sa_column=Column(Integer, nullable=False))


class Notification(SQLModel, table=True):
    """One alert of ``slactl notify`` (SPEC 8.2) to one recipient on one channel. The
    unique key is what makes a send happen once: a run claims a row by inserting it
    (``sending``), sends, then marks it ``sent`` or ``failed``; a ``failed`` row is claimed
    again by the next run (``attempts`` counts the tries). Rows are never deleted."""

    __tablename__ = "notification"
    __table_args__ = (
        UniqueConstraint(
            "lead",
            "commitment",
            "cycle",
            "kind",
            "step",
            "recipient",
            "channel",
            name="uq_notification_send",
        ),
        Index("ix_notification_status", "status"),
        Index("ix_notification_deadline", "deadline"),
    )

    id: int | None = Field(default=None, primary_key=True)
    lead: str = Field(sa_column=Column(Text, nullable=False))  # external id
    commitment: str = Field(sa_column=Column(Text, nullable=False))
    cycle: int = Field(sa_column=Column(Integer, nullable=False))
    kind: str = Field(sa_column=Column(Text, nullable=False))  # at_risk, breach, escalation
    step: int = Field(sa_column=Column(Integer, nullable=False))  # 0, or the escalate step
    recipient: str = Field(sa_column=Column(Text, nullable=False))  # address or team name
    channel: str = Field(sa_column=Column(Text, nullable=False))  # email, webhook
    status: str = Field(sa_column=Column(Text, nullable=False))  # sending, sent, failed
    attempts: int = Field(sa_column=Column(Integer, nullable=False))
    deadline: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    first_tried_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    last_tried_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    error: str | None = Field(default=None, sa_column=Column(Text))


class Opportunity(SQLModel, table=True):
    """An opportunity a lead turned into (SPEC section 9), by its CRM id. A re-import
    updates it in place with an ``opportunity_change`` row per changed field."""

    __tablename__ = "opportunity"
    __table_args__ = (
        Index("ix_opportunity_lead_id", "lead_id"),
        Index("ix_opportunity_created_at", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    external_id: str = Field(sa_column=Column(Text, nullable=False, unique=True))
    lead_id: int = Field(sa_column=Column(Integer, ForeignKey("lead.id"), nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    amount: float | None = Field(default=None, sa_column=Column(Float))
    currency: str | None = Field(default=None, sa_column=Column(Text))  # ISO 4217, upper case
    stage: str | None = Field(default=None, sa_column=Column(Text))
    closed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    won: bool | None = Field(default=None, sa_column=Column(Boolean))
    recorded_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class OpportunityChange(SQLModel, table=True):
    """What a re-import changed on an opportunity (as ``lead_change`` for leads)."""

    __tablename__ = "opportunity_change"

    id: int | None = Field(default=None, primary_key=True)
    opportunity_id: int = Field(
        sa_column=Column(Integer, ForeignKey("opportunity.id"), nullable=False, index=True)
    )
    import_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("import_run.id"), nullable=True)
    )
    field: str = Field(sa_column=Column(Text, nullable=False))
    old_value: str | None = Field(default=None, sa_column=Column(Text))
    new_value: str | None = Field(default=None, sa_column=Column(Text))
    recorded_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class NotifyWatch(SQLModel, table=True):
    """What ``slactl notify`` last found for an open lead (docs/ledger.md): evaluated as of
    ``as_of`` under the agreements ``fingerprint`` names, when the ledger's newest event and
    lead change were ``event_high`` and ``change_high``; no alert can newly come due for it
    up to ``next_at`` (ever, when None) unless the lead gains an event or a change. A
    later run evaluates it again only then. Rows are replaced, never needed for history."""

    __tablename__ = "notify_watch"

    lead: str = Field(sa_column=Column(Text, primary_key=True))  # external id
    fingerprint: str = Field(sa_column=Column(Text, nullable=False))
    as_of: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    next_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    event_high: int = Field(sa_column=Column(Integer, nullable=False))
    change_high: int = Field(sa_column=Column(Integer, nullable=False))


class TrendPeriod(SQLModel, table=True):
    """A dashboard trend's settled period (docs/ledger.md): the report counts of the week
    or month ``period_start``..``period_end`` for ``scope`` (the team: "", else one rep),
    made as of ``as_of`` under the agreements ``fingerprint`` names when every pair of it
    was decided, with the ledger's high-water marks then. A later dashboard takes them
    while nothing recorded since touches that period's cycles. Rows are replaced, never
    needed for history."""

    __tablename__ = "trend_period"

    scope: str = Field(sa_column=Column(Text, primary_key=True))
    period_start: str = Field(sa_column=Column(Text, primary_key=True))
    period_end: str = Field(sa_column=Column(Text, primary_key=True))
    fingerprint: str = Field(sa_column=Column(Text, nullable=False))
    as_of: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    event_high: int = Field(sa_column=Column(Integer, nullable=False))
    change_high: int = Field(sa_column=Column(Integer, nullable=False))
    lead_high: int = Field(sa_column=Column(Integer, nullable=False))
    opportunity_high: int = Field(sa_column=Column(Integer, nullable=False))
    opportunity_change_high: int = Field(sa_column=Column(Integer, nullable=False))
    figures: str = Field(sa_column=Column(Text, nullable=False))
