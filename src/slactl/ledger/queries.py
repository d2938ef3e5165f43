"""Reads for compliance: rows in, ``compliance.model`` records out.

A period's leads are selected by their indexed clock start and their events fetched in
one ordered query, so a month of a million-lead ledger is two scans, not one query per
lead. Keyword-only ``conn`` first, as every ledger function.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Connection

from slactl.compliance.model import Event, Lead, LeadHistory
from slactl.ledger.types import to_utc_text

_LEAD_COLS = (
    "id, external_id, email, first_name, last_name, company, phone, title, source, segment,"
    " owner, score, created_at, handed_off_at, status, extra"
)


class _Times:
    def __init__(self, conn: Connection) -> None:
        self.pg = conn.dialect.name == "postgresql"
        self.ph = "%s" if self.pg else "?"

    def bind(self, t: datetime) -> Any:
        return t.astimezone(UTC) if self.pg else to_utc_text(t)

    def read(self, v: Any) -> datetime | None:
        if v is None:
            return None
        if isinstance(v, datetime):
            return v if v.tzinfo else v.replace(tzinfo=UTC)
        return datetime.fromisoformat(v).replace(tzinfo=UTC)


def _lead(row: Any, t: _Times) -> Lead:
    created = t.read(row[12])
    assert created is not None
    return Lead(
        external_id=row[1],
        email=row[2],
        first_name=row[3],
        last_name=row[4],
        company=row[5],
        phone=row[6],
        title=row[7],
        source=row[8],
        segment=row[9],
        owner=row[10],
        score=row[11],
        created_at=created,
        handed_off_at=t.read(row[13]),
        status=row[14],
        extra=json.loads(row[15]) if row[15] else {},
    )


def load_histories(
    *, conn: Connection, start: datetime, end: datetime, as_of: datetime, owner: str | None = None
) -> list[LeadHistory]:
    """Leads whose clock start is in [start, end), with their events up to ``as_of``."""
    t = _Times(conn)
    p = t.ph
    where = f"clock_start_at >= {p} AND clock_start_at < {p}"
    params: list[Any] = [t.bind(start), t.bind(end)]
    if owner is not None:
        where += f" AND owner = {p}"
        params.append(owner)
    leads = {
        row[0]: _lead(row, t)
        for row in conn.exec_driver_sql(
            f"SELECT {_LEAD_COLS} FROM lead WHERE {where}", tuple(params)
        )
    }
    events: dict[int, list[Event]] = {i: [] for i in leads}
    lead_where = where.replace("clock_start_at", "lead.clock_start_at").replace(
        "owner =", "lead.owner ="
    )
    rows = conn.exec_driver_sql(
        "SELECT e.lead_id, e.kind, e.at, e.rep, e.outcome, e.note FROM event e"
        f" JOIN lead ON lead.id = e.lead_id WHERE {lead_where}"
        f" AND e.at <= {p} ORDER BY e.lead_id, e.at, e.id",
        (*params, t.bind(as_of)),
    )
    read = t.read
    for lead_id, kind, at, rep, outcome, note in rows:
        events[lead_id].append(Event(kind, read(at), rep, outcome, note))  # type: ignore[arg-type]
    return [LeadHistory(leads[i], tuple(events[i])) for i in leads]


def count_leads_created(*, conn: Connection, start: datetime, end: datetime) -> int:
    t = _Times(conn)
    return int(
        conn.exec_driver_sql(
            f"SELECT COUNT(*) FROM lead WHERE created_at >= {t.ph} AND created_at < {t.ph}",
            (t.bind(start), t.bind(end)),
        ).scalar()
        or 0
    )


def load_reviews(*, conn: Connection, start: datetime, end: datetime) -> list[Event]:
    t = _Times(conn)
    rows = conn.exec_driver_sql(
        f"SELECT kind, at, rep, outcome, note FROM event WHERE kind = 'review'"
        f" AND at >= {t.ph} AND at < {t.ph} ORDER BY at",
        (t.bind(start), t.bind(end)),
    )
    return [Event(k, t.read(at), r, o, n) for k, at, r, o, n in rows]  # type: ignore[arg-type]


def lead_history(*, conn: Connection, key: str) -> LeadHistory | None:
    """One lead by external id or email, with all its events."""
    t = _Times(conn)
    row = conn.exec_driver_sql(
        f"SELECT {_LEAD_COLS} FROM lead WHERE external_id = {t.ph} OR email = {t.ph}",
        (key, key.lower()),
    ).first()
    if row is None:
        return None
    events = [
        Event(k, t.read(at), r, o, n)  # type: ignore[arg-type]
        for k, at, r, o, n in conn.exec_driver_sql(
            f"SELECT kind, at, rep, outcome, note FROM event WHERE lead_id = {t.ph}"
            " ORDER BY at, id",
            (row[0],),
        )
    ]
    return LeadHistory(_lead(row, t), tuple(events))


def open_histories(
    *, conn: Connection, owner: str, since: datetime, as_of: datetime
) -> list[LeadHistory]:
    """The owner's leads whose clock started since ``since`` (the engine decides which
    are still open)."""
    return load_histories(conn=conn, start=since, end=as_of, as_of=as_of, owner=owner)


def known_reps(*, conn: Connection) -> list[str]:
    names = {r[0] for r in conn.exec_driver_sql("SELECT name FROM rep")}
    names |= {
        r[0]
        for r in conn.exec_driver_sql("SELECT DISTINCT owner FROM lead WHERE owner IS NOT NULL")
    }
    return sorted(names)
