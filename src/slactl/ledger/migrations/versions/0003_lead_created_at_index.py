"""Index leads by creation time: a report counts a period's new leads by it, and a lead
whose recorded handoff is later than a report's ``as_of`` has its clock start at creation
then, so the report selects such leads by it too.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_lead_created_at", "lead", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_lead_created_at", "lead")
