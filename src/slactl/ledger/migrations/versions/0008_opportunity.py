"""Opportunities (SPEC section 9): what a lead turned into, by its CRM id, and what a
re-import changed on one.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from slactl.ledger.types import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "opportunity",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("external_id", sa.Text, nullable=False, unique=True),
        sa.Column("lead_id", sa.Integer, sa.ForeignKey("lead.id"), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("amount", sa.Float, nullable=True),
        sa.Column("currency", sa.Text, nullable=True),
        sa.Column("stage", sa.Text, nullable=True),
        sa.Column("closed_at", UTCDateTime, nullable=True),
        sa.Column("won", sa.Boolean, nullable=True),
        sa.Column("recorded_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_opportunity_lead_id", "opportunity", ["lead_id"])
    op.create_index("ix_opportunity_created_at", "opportunity", ["created_at"])
    op.create_table(
        "opportunity_change",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("opportunity_id", sa.Integer, sa.ForeignKey("opportunity.id"), nullable=False),
        sa.Column("import_id", sa.Integer, sa.ForeignKey("import_run.id"), nullable=True),
        sa.Column("field", sa.Text, nullable=False),
        sa.Column("old_value", sa.Text, nullable=True),
        sa.Column("new_value", sa.Text, nullable=True),
        sa.Column("recorded_at", UTCDateTime, nullable=False),
    )
    op.create_index(
        "ix_opportunity_change_opportunity_id", "opportunity_change", ["opportunity_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_opportunity_change_opportunity_id", "opportunity_change")
    op.drop_table("opportunity_change")
    op.drop_index("ix_opportunity_created_at", "opportunity")
    op.drop_index("ix_opportunity_lead_id", "opportunity")
    op.drop_table("opportunity")
