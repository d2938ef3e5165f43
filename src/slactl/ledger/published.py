"""Published periods: storing a period's report as published, finding it again, and what
has been recorded in the ledger since (docs/ledger.md, "Published periods").

Plain driver SQL over a connection of either engine (or ``lite``'s), like ``queries``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from slactl.errors import SlactlError
from slactl.ledger.queries import _Times

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from slactl.compliance.report import Report
    from slactl.ledger.connection import ReadConnection
    from slactl.periods import Period

_COLS = (
    "id, label, period_start, period_end, agreement, title, as_of, published_at,"
    " published_by, report_json, event_high, change_high, import_high"
)


@dataclass(frozen=True)
class Publication:
    id: int
    label: str
    period_start: date
    period_end: date
    agreement: str
    title: str
    as_of: datetime
    published_at: datetime
    published_by: str
    report: dict[str, Any]  # SPEC 6.1's JSON, as published
    event_high: int
    change_high: int
    import_high: int
    earlier: int = 0  # publications of the same period before this one

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "published_at": self.published_at.isoformat(),
            "published_by": self.published_by,
            "as_of": self.report["as_of"],
            "earlier_publications": self.earlier,
        }


@dataclass(frozen=True)
class Change:
    """A row recorded after the publication, on a lead of the period."""

    lead: str  # external id
    what: str  # "owner: alice -> bob", "call at 2024-04-12T15:00+00:00"
    source: str  # "import 7 (leads-0503.csv)", "cli"
    recorded_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "lead": self.lead,
            "what": self.what,
            "source": self.source,
            "recorded_at": self.recorded_at.isoformat(),
        }


def _publication(row: Any, t: _Times, earlier: int) -> Publication:
    as_of, published_at = t.read(row[6]), t.read(row[7])
    assert as_of is not None and published_at is not None
    return Publication(
        id=int(row[0]),
        label=row[1],
        period_start=date.fromisoformat(row[2]),
        period_end=date.fromisoformat(row[3]),
        agreement=row[4],
        title=row[5],
        as_of=as_of,
        published_at=published_at,
        published_by=row[8],
        report=json.loads(row[9]),
        event_high=int(row[10]),
        change_high=int(row[11]),
        import_high=int(row[12]),
        earlier=earlier,
    )


def find_publication(*, conn: ReadConnection, period: Period) -> Publication | None:
    """The newest publication of exactly ``period`` (same first and last day), or None."""
    t = _Times(conn)
    rows = conn.exec_driver_sql(
        f"SELECT {_COLS} FROM published_period WHERE period_start = {t.ph}"
        f" AND period_end = {t.ph} ORDER BY id DESC",
        (period.start.isoformat(), period.end.isoformat()),
    ).all()
    if not rows:
        return None
    return _publication(rows[0], t, earlier=len(rows) - 1)


def _high(conn: ReadConnection, table: str) -> int:
    return int(conn.exec_driver_sql(f"SELECT COALESCE(MAX(id), 0) FROM {table}").scalar())


def publish(
    engine: Engine,
    *,
    period: Period,
    compute: Callable[[], Report],
    now: datetime,
    by: str,
    force: bool = False,
) -> tuple[Publication, Report]:
    """Store the report ``compute`` makes as ``period``'s published report.

    The ledger is held still while it is computed (SQLite: the write lock; PostgreSQL: a
    SHARE lock on the tables a report reads, which lets readers on and makes writers
    wait), so the high-water marks stored with it are exactly the rows it saw. A period
    already published is refused unless ``force``; then a new row is added and the earlier
    ones are kept."""
    from sqlalchemy import insert

    from slactl.ledger.engine import write_transaction
    from slactl.ledger.models import PublishedPeriod

    with write_transaction(engine) as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(
                "LOCK TABLE lead, event, lead_change, import_run, published_period"
                " IN SHARE ROW EXCLUSIVE MODE"
            )
        before = find_publication(conn=conn, period=period)
        if before is not None and not force:
            raise SlactlError(
                f"{before.label} was published on {before.published_at:%Y-%m-%d %H:%M} UTC"
                f" by {before.published_by}: add --force to publish it again (the earlier"
                " figures stay in the ledger's history)"
            )
        marks = {name: _high(conn, name) for name in ("event", "lead_change", "import_run")}
        report = compute()
        row = {
            "label": period.label,
            "period_start": period.start.isoformat(),
            "period_end": period.end.isoformat(),
            "agreement": report.agreement,
            "title": report.title,
            "as_of": report.as_of,
            "published_at": now,
            "published_by": by,
            "report_json": json.dumps(report.to_json(), ensure_ascii=False),
            "event_high": marks["event"],
            "change_high": marks["lead_change"],
            "import_high": marks["import_run"],
        }
        conn.execute(insert(PublishedPeriod.__table__), row)  # type: ignore[attr-defined]
        stored = find_publication(conn=conn, period=period)
    assert stored is not None
    return stored, report


def changes_since(
    *,
    conn: ReadConnection,
    publication: Publication,
    start: datetime,
    end: datetime,
    limit: int = 1000,
) -> list[Change]:
    """Lead changes and events recorded after ``publication`` on leads whose clock start is
    in [start, end): what an import or a command has done to the period since."""
    t = _Times(conn)
    ph = t.ph
    changes = conn.exec_driver_sql(
        "SELECT l.external_id, c.field, c.old_value, c.new_value, c.import_id, r.path,"
        " c.recorded_at FROM lead_change c JOIN lead l ON l.id = c.lead_id"
        " LEFT JOIN import_run r ON r.id = c.import_id"
        f" WHERE c.id > {ph} AND l.clock_start_at >= {ph} AND l.clock_start_at < {ph}"
        f" ORDER BY c.id LIMIT {int(limit)}",
        (publication.change_high, t.bind(start), t.bind(end)),
    ).all()
    events = conn.exec_driver_sql(
        "SELECT l.external_id, e.kind, e.at, e.rep, e.outcome, e.origin, e.recorded_at"
        " FROM event e JOIN lead l ON l.id = e.lead_id"
        f" WHERE e.id > {ph} AND l.clock_start_at >= {ph} AND l.clock_start_at < {ph}"
        f" ORDER BY e.id LIMIT {int(limit)}",
        (publication.event_high, t.bind(start), t.bind(end)),
    ).all()
    # an imported event names no import run: it is the latest run begun by its recording
    runs = [
        (_at(t, began), f"import {run_id} ({PurePath(path).name})")
        for run_id, path, began in conn.exec_driver_sql(
            f"SELECT id, path, started_at FROM import_run WHERE id > {ph} ORDER BY id",
            (publication.import_high,),
        ).all()
    ]
    out = []
    for lead, field, old, new, import_id, path, recorded in changes:
        source = f"import {import_id} ({PurePath(path).name})" if import_id else "a command"
        what = f"{field}: {old or '—'} -> {new or '—'}"
        out.append(Change(lead, what, source, _at(t, recorded)))
    for lead, kind, at, rep, outcome, origin, recorded in events:
        when = _at(t, recorded)
        what = f"{kind}{': ' + outcome if outcome else ''} at {_at(t, at):%Y-%m-%d %H:%M} UTC"
        what += f" by {rep}" if rep else ""
        source = "a command" if origin == "cli" else origin
        if origin.startswith("import"):
            source = next((name for began, name in reversed(runs) if began <= when), "an import")
        out.append(Change(lead, what, source, when))
    out.sort(key=lambda c: c.recorded_at)
    return out


def _at(t: _Times, value: Any) -> datetime:
    got = t.read(value)
    assert got is not None
    return got
