"""Notify's watch on each open lead: when it was last evaluated for alerts, under which
agreements, the ledger's high-water marks then, and the next instant an alert can come
due for it; a run evaluates again only the leads whose instant has come or whose data
changed (SPEC 8.2, docs/ledger.md).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from slactl.ledger.types import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notify_watch",
        sa.Column("lead", sa.Text, primary_key=True),  # the external id, as notification's
        sa.Column("fingerprint", sa.Text, nullable=False),
        sa.Column("as_of", UTCDateTime, nullable=False),
        sa.Column("next_at", UTCDateTime, nullable=True),
        sa.Column("event_high", sa.Integer, nullable=False),
        sa.Column("change_high", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("notify_watch")
