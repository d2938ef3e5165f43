"""The ledger schema's newest revision and the revision a ledger is at, apart from the
engine so that reading them imports neither Alembic nor SQLAlchemy (``lite`` reads with
them too)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from slactl.ledger.connection import ReadConnection

# The newest migration in migrations/versions. Kept as a constant so that opening a ledger
# does not import Alembic (0.2 s of every command's start-up); a test checks it against
# Alembic's own view of the scripts.
HEAD_REVISION = "0013"


def current_revision(connection: ReadConnection) -> str | None:
    """The schema revision stamped in the ledger, None when it has none; read with plain
    SQL rather than through Alembic, for start-up. ``connection``: SQLAlchemy's, or
    ``lite``'s."""
    if connection.dialect.name == "sqlite":
        exists = connection.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
        ).first()
    else:
        exists = connection.exec_driver_sql("SELECT to_regclass('alembic_version')").scalar()
    if not exists:
        return None
    revs = [r[0] for r in connection.exec_driver_sql("SELECT version_num FROM alembic_version")]
    return revs[0] if len(revs) == 1 else None
