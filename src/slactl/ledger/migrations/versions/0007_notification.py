"""Notifications: every alert ``slactl notify`` sends, once per pair, kind, step,
recipient and channel (SPEC 8.2).

Revision ID: 0007
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from slactl.ledger.types import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notification",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("lead", sa.Text, nullable=False),
        sa.Column("commitment", sa.Text, nullable=False),
        sa.Column("cycle", sa.Integer, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("step", sa.Integer, nullable=False),
        sa.Column("recipient", sa.Text, nullable=False),
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("deadline", UTCDateTime, nullable=False),
        sa.Column("first_tried_at", UTCDateTime, nullable=False),
        sa.Column("last_tried_at", UTCDateTime, nullable=False),
        sa.Column("sent_at", UTCDateTime, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.UniqueConstraint(
            "lead",
            "commitment",
            "cycle",
            "kind",
            "step",
            "recipient",
            "channel",
            name="uq_notification_send",
        ),
    )
    op.create_index("ix_notification_status", "notification", ["status"])
    op.create_index("ix_notification_deadline", "notification", ["deadline"])


def downgrade() -> None:
    op.drop_index("ix_notification_deadline", "notification")
    op.drop_index("ix_notification_status", "notification")
    op.drop_table("notification")
