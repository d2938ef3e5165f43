"""Index leads by owner, clock start and creation time, in place of owner and creation
time: a rep's ``status`` finds the rep's leads whose clock starts in its window as one
range of the rep's entries (and reads their creation times from the index too), where
it walked every lead the rep ever held; the month's count of the rep's new leads reads
the rep's entries of the index without the table, and a look-up by owner alone reads
its first column as before.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_lead_owner_clock_start_at", "lead", ["owner", "clock_start_at", "created_at"]
    )
    op.drop_index("ix_lead_owner_created_at", "lead")


def downgrade() -> None:
    op.create_index("ix_lead_owner_created_at", "lead", ["owner", "created_at"])
    op.drop_index("ix_lead_owner_clock_start_at", "lead")
