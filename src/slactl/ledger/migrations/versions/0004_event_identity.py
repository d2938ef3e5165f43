"""An event's identity is its lead, kind, time and lower-cased rep (``event_key``): the
note and outcome are what it says, so a re-imported touch whose note was edited in the
CRM, or whose rep is spelt "Alice" instead of "alice", is the same event. The stored keys
are recomputed; where two stored events are now one, the earlier keeps the new key and
the later its old one (nothing is deleted).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from alembic import op
from sqlalchemy import text

from slactl.ledger.record import event_key
from slactl.ledger.utc import to_utc_text

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _events() -> tuple[Any, Sequence[Any]]:
    conn = op.get_bind()
    rows = conn.execute(
        text("SELECT id, lead_id, kind, at, rep, outcome, note FROM event ORDER BY id")
    ).all()
    return conn, rows


def _utc(at: Any) -> str:
    return to_utc_text(at) if isinstance(at, datetime) else str(at)


def _rekey(conn: Any, keys: list[dict[str, Any]]) -> None:
    if keys:
        conn.execute(text("UPDATE event SET dedupe_key = :key WHERE id = :id"), keys)


def upgrade() -> None:
    conn, rows = _events()
    seen: set[str] = set()
    keys = []
    for event_id, lead_id, kind, at, rep, _, _ in rows:
        key = event_key(lead_id, kind, rep, _utc(at))
        if key not in seen:
            seen.add(key)
            keys.append({"id": event_id, "key": key})
    _rekey(conn, keys)


def downgrade() -> None:
    conn, rows = _events()
    keys = []
    for event_id, lead_id, kind, at, rep, outcome, note in rows:
        utc = _utc(at)
        fact = (
            f"{'' if lead_id is None else lead_id}\x1f{kind}\x1f{rep or ''}\x1f{utc}"
            f"\x1f{outcome or ''}\x1f{note or ''}"
        )
        key = utc[:19] + hashlib.blake2b(fact.encode(), digest_size=10).hexdigest()
        keys.append({"id": event_id, "key": key})
    _rekey(conn, keys)
