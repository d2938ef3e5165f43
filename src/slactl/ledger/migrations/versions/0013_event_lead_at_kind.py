"""Index a lead's events by time, id and kind, in place of time alone: whether a lead has
a disposition since its clock start (the probe ``status --rep`` makes of each of the rep's
older leads) is read from the index without fetching each event's row, and the engine's
reads of a lead's events leave out the kinds it does not use before fetching any. The id
comes before the kind so that the index still hands a lead's events over in time order,
ties by id, as the engine reads them.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_event_lead_at_kind", "event", ["lead_id", "at", "id", "kind"])
    op.drop_index("ix_event_lead_at", "event")


def downgrade() -> None:
    op.create_index("ix_event_lead_at", "event", ["lead_id", "at"])
    op.drop_index("ix_event_lead_at_kind", "event")
