"""Published periods: a period's report as published, kept as it was (``slactl publish``).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from slactl.ledger.types import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "published_period",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("label", sa.Text, nullable=False),
        sa.Column("period_start", sa.Text, nullable=False),
        sa.Column("period_end", sa.Text, nullable=False),
        sa.Column("agreement", sa.Text, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("as_of", UTCDateTime, nullable=False),
        sa.Column("published_at", UTCDateTime, nullable=False),
        sa.Column("published_by", sa.Text, nullable=False),
        sa.Column("report_json", sa.Text, nullable=False),
        sa.Column("event_high", sa.Integer, nullable=False),
        sa.Column("change_high", sa.Integer, nullable=False),
        sa.Column("import_high", sa.Integer, nullable=False),
    )
    op.create_index(
        "ix_published_period_start_end", "published_period", ["period_start", "period_end"]
    )


def downgrade() -> None:
    op.drop_index("ix_published_period_start_end", "published_period")
    op.drop_table("published_period")
