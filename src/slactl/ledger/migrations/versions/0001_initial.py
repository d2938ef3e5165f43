"""The first ledger schema: leads, events, lead changes, import runs.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from slactl.ledger.types import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lead",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("external_id", sa.Text, nullable=False, unique=True),
        sa.Column("email", sa.Text),
        sa.Column("first_name", sa.Text),
        sa.Column("last_name", sa.Text),
        sa.Column("company", sa.Text),
        sa.Column("phone", sa.Text),
        sa.Column("title", sa.Text),
        sa.Column("source", sa.Text),
        sa.Column("segment", sa.Text),
        sa.Column("owner", sa.Text),
        sa.Column("score", sa.Float),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("handed_off_at", UTCDateTime),
        sa.Column("status", sa.Text),
        sa.Column("extra", sa.Text),
        sa.Column("row_hash", sa.Text),
        sa.Column("recorded_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_lead_email", "lead", ["email"])
    op.create_index("ix_lead_owner", "lead", ["owner"])
    op.create_table(
        "import_run",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("sha256", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("preset", sa.Text, nullable=False),
        sa.Column("started_at", UTCDateTime, nullable=False),
        sa.Column("finished_at", UTCDateTime),
        sa.Column("rows_read", sa.Integer, nullable=False, server_default="0"),
        sa.Column("inserted", sa.Integer, nullable=False, server_default="0"),
        sa.Column("updated", sa.Integer, nullable=False, server_default="0"),
        sa.Column("unchanged", sa.Integer, nullable=False, server_default="0"),
        sa.Column("rejected", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_table(
        "event",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("lead_id", sa.Integer, sa.ForeignKey("lead.id"), nullable=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("rep", sa.Text),
        sa.Column("outcome", sa.Text),
        sa.Column("note", sa.Text),
        sa.Column("origin", sa.Text, nullable=False),
        sa.Column("dedupe_key", sa.Text, nullable=False, unique=True),
        sa.Column("recorded_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_event_lead_at", "event", ["lead_id", "at"])
    op.create_table(
        "lead_change",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("lead_id", sa.Integer, sa.ForeignKey("lead.id"), nullable=False),
        sa.Column("import_id", sa.Integer, sa.ForeignKey("import_run.id"), nullable=True),
        sa.Column("field", sa.Text, nullable=False),
        sa.Column("old_value", sa.Text),
        sa.Column("new_value", sa.Text),
        sa.Column("recorded_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_lead_change_lead_id", "lead_change", ["lead_id"])


def downgrade() -> None:
    op.drop_table("lead_change")
    op.drop_table("event")
    op.drop_table("import_run")
    op.drop_table("lead")
