"""Keep each lead's clock start (for selecting a period's leads by index), index events by
kind and time (review meetings), and a table of reps.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from slactl.ledger.types import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("lead") as batch:
        batch.add_column(sa.Column("clock_start_at", UTCDateTime, nullable=True))
    # the clock start of existing leads: their handoff (the column, else the earliest
    # handoff event), else their creation
    op.execute(
        "UPDATE lead SET clock_start_at = COALESCE(handed_off_at, (SELECT MIN(e.at) FROM event e"
        " WHERE e.lead_id = lead.id AND e.kind = 'handoff'), created_at)"
        " WHERE clock_start_at IS NULL"
    )
    with op.batch_alter_table("lead") as batch:
        batch.alter_column("clock_start_at", existing_type=UTCDateTime, nullable=False)
    op.create_index("ix_lead_clock_start_at", "lead", ["clock_start_at"])
    op.create_index("ix_event_kind_at", "event", ["kind", "at"])
    op.create_table(
        "rep",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.Text, nullable=False, unique=True),
        sa.Column("email", sa.Text),
        sa.Column("first_seen_at", UTCDateTime, nullable=False),
    )
    op.execute(
        "INSERT INTO rep (name, first_seen_at)"
        " SELECT name, MIN(at) FROM ("
        "  SELECT owner AS name, recorded_at AS at FROM lead WHERE owner IS NOT NULL"
        "  UNION ALL SELECT rep, recorded_at FROM event WHERE rep IS NOT NULL"
        " ) AS seen GROUP BY name"
    )


def downgrade() -> None:
    op.drop_table("rep")
    op.drop_index("ix_event_kind_at", "event")
    op.drop_index("ix_lead_clock_start_at", "lead")
    with op.batch_alter_table("lead") as batch:
        batch.drop_column("clock_start_at")
