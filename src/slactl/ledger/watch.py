"""The ``notify_watch`` table (docs/ledger.md): what ``slactl notify`` last found for each
open lead, so that a run evaluates again only the leads whose next alert instant has come
or that gained an event or a lead change since (``queries.load_histories(watch=…)``).

A watch row holds while its fingerprint (the agreements, team and code it was computed
under) is the run's, its ``as_of`` is not after the run's, its ``next_at`` (the last
instant the lead's alerts stay as they were) is not before the run's ``as_of``, and no
event or lead change of the lead has an id above the high-water marks taken before the
lead was read. Those marks are exact: on SQLite one writer at a time appends ids above
every committed one; on PostgreSQL they are read under a SHARE lock, which waits for the
transactions writing those tables to end.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from slactl.ledger.queries import _Times

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from slactl.ledger.connection import ReadEngine

LOCK_TIMEOUT = "5s"  # a writer holding the tables longer: this run saves no watch rows


class Marks(NamedTuple):
    event_high: int
    change_high: int


def high_marks(engine: Engine) -> Marks | None:
    """The newest event's and lead change's ids, below which every row is committed; None
    when PostgreSQL's writers hold the tables longer than ``LOCK_TIMEOUT``."""
    from sqlalchemy.exc import OperationalError

    try:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
                conn.exec_driver_sql("LOCK TABLE event, lead_change IN SHARE MODE")
            event = conn.exec_driver_sql("SELECT MAX(id) FROM event").scalar()
            change = conn.exec_driver_sql("SELECT MAX(id) FROM lead_change").scalar()
    except OperationalError:
        return None
    return Marks(int(event or 0), int(change or 0))


def next_events(engine: ReadEngine, leads: Iterable[str], as_of: datetime) -> dict[str, datetime]:
    """Each lead's first event after ``as_of`` (an evaluation as of then did not read it)."""
    keys = list(leads)
    if not keys:
        return {}
    with engine.connect() as conn:
        t = _Times(conn)
        chosen, arg = t.one_of(keys)
        rows = conn.exec_driver_sql(
            f"SELECT l.external_id, MIN(e.at) FROM lead l JOIN event e ON e.lead_id = l.id"
            f" WHERE l.external_id {chosen} AND e.at > {t.ph} GROUP BY l.external_id",
            (arg, t.bind(as_of)),
        )
        out: dict[str, datetime] = {}
        for lead, at in rows:
            when = t.read(at)
            assert when is not None
            out[lead] = when
        return out


def save(
    engine: Engine,
    *,
    fingerprint: str,
    as_of: datetime,
    marks: Marks,
    next_at: dict[str, datetime | None],
) -> None:
    """Replace the watch rows of the leads in ``next_at`` (one transaction)."""
    if not next_at:
        return
    from sqlalchemy import bindparam

    from slactl.ledger.models import NotifyWatch

    table = NotifyWatch.__table__  # type: ignore[attr-defined]
    if engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    stmt = insert(table).values(
        lead=bindparam("k"),
        fingerprint=fingerprint,
        as_of=as_of,
        next_at=bindparam("n", type_=table.c.next_at.type),
        event_high=marks.event_high,
        change_high=marks.change_high,
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.lead],
        set_={
            "fingerprint": stmt.excluded.fingerprint,
            "as_of": stmt.excluded.as_of,
            "next_at": stmt.excluded.next_at,
            "event_high": stmt.excluded.event_high,
            "change_high": stmt.excluded.change_high,
        },
    )
    rows: list[dict[str, Any]] = [{"k": k, "n": n} for k, n in next_at.items()]
    with engine.begin() as conn:
        conn.execute(stmt, rows)
