"""Index leads by owner and creation time, in place of the owner alone: a rep's status
and the digest count the rep's new leads of a month by it (a range of one rep's index
entries instead of every lead of the month), and a look-up by owner alone reads the
index's first column as before.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_lead_owner_created_at", "lead", ["owner", "created_at"])
    op.drop_index("ix_lead_owner", "lead")


def downgrade() -> None:
    op.create_index("ix_lead_owner", "lead", ["owner"])
    op.drop_index("ix_lead_owner_created_at", "lead")
