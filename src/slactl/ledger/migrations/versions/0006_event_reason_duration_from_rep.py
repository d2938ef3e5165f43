"""Events say more (SPEC section 7): ``reason`` (a disposition's or a pause's),
``duration`` (minutes spent on an activity) and ``from_rep`` (a reassignment's previous
owner). They are what an event says, not which event it is: every stored event keeps
its ``dedupe_key``, so re-importing a file imported before changes nothing.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

COLUMNS = (("reason", sa.Text), ("duration", sa.Float), ("from_rep", sa.Text))


def upgrade() -> None:
    for name, kind in COLUMNS:
        op.add_column("event", sa.Column(name, kind, nullable=True))


def downgrade() -> None:
    # (SQLite has dropped columns in place since 3.35; none of these is indexed)
    for name, _ in reversed(COLUMNS):
        op.drop_column("event", name)
