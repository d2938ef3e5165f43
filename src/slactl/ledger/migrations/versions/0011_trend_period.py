"""The dashboard's stored trend figures: a closed week's (or month's) report counts, kept
when every pair of it was decided, with the agreements' fingerprint, the scope (the team
or one rep), the ``as_of`` and the ledger's high-water marks then; a later dashboard takes
them while nothing recorded since touches that period's cycles (docs/ledger.md).

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from slactl.ledger.types import UTCDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "trend_period",
        sa.Column("scope", sa.Text, primary_key=True),  # "" for the team, else the rep
        sa.Column("period_start", sa.Text, primary_key=True),  # ISO dates
        sa.Column("period_end", sa.Text, primary_key=True),
        sa.Column("fingerprint", sa.Text, nullable=False),
        sa.Column("as_of", UTCDateTime, nullable=False),
        sa.Column("event_high", sa.Integer, nullable=False),
        sa.Column("change_high", sa.Integer, nullable=False),
        sa.Column("lead_high", sa.Integer, nullable=False),
        sa.Column("opportunity_high", sa.Integer, nullable=False),
        sa.Column("opportunity_change_high", sa.Integer, nullable=False),
        sa.Column("figures", sa.Text, nullable=False),  # the report's JSON, without quality
    )


def downgrade() -> None:
    op.drop_table("trend_period")
