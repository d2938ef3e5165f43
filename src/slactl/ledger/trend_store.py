"""The ``trend_period`` table (docs/ledger.md): a dashboard trend's settled weeks (or
months), so that a later dashboard reads and evaluates only the periods whose figures may
have changed.

A row is written only for a closed period whose every pair was decided as of the row's
``as_of`` (a decided pair stays decided at a later ``as_of`` unless something new is
recorded about its lead), with the ledger's high-water marks taken before the ledger was
read. It holds for a dashboard of the same scope (the team, or one rep) under the same
fingerprint (the agreements directory's files, the code's version and schema), at an
``as_of`` not before the row's, while nothing recorded since (an id above a mark) or
happening since (an instant between the row's ``as_of`` and the dashboard's) touches a
lead one of whose instants that select a period's cycles falls in the period: its
creation, its clock start, a handoff event, an opportunity's creation or close, or the old
value of such a field before a recorded change. Review meetings (events of no lead) count
for the periods around them. Everything else is evaluated as before.

On SQLite one writer at a time appends ids above every committed one; on PostgreSQL the
marks are read under a SHARE lock, which waits for the transactions writing those tables
to end (as ``ledger.watch``).
"""

from __future__ import annotations

import json
from bisect import bisect_left
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

from slactl.ledger.queries import _Times

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from slactl.ledger.connection import ReadConnection, ReadEngine

LOCK_TIMEOUT = "5s"  # a writer holding the tables longer: nothing is stored this run
REVIEW_WINDOW = timedelta(days=62)  # as far as a period's review meetings are read
_TABLES = ("event", "lead_change", "lead", "opportunity", "opportunity_change")


class Marks(NamedTuple):
    """The highest id of each table a period's figures are read from."""

    event_high: int
    change_high: int
    lead_high: int
    opportunity_high: int
    opportunity_change_high: int


@dataclass(frozen=True)
class Stored:
    """One row: a period's figures (the report's JSON without quality) and what they were
    computed under."""

    start: date
    end: date
    as_of: datetime
    marks: Marks
    figures: dict[str, Any]


def high_marks(engine: ReadEngine) -> Marks | None:
    """The newest id of each table, below which every row is committed; None when
    PostgreSQL's writers hold the tables longer than ``LOCK_TIMEOUT`` (or this session
    may not lock them)."""
    with engine.connect() as conn:
        if conn.dialect.name != "postgresql":
            return Marks(*(_max_id(conn, t) for t in _TABLES))
        from sqlalchemy.exc import DBAPIError

        try:  # in the connection's transaction, which its end rolls back (the locks too)
            conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
            conn.exec_driver_sql(f"LOCK TABLE {', '.join(_TABLES)} IN SHARE MODE")
            return Marks(*(_max_id(conn, t) for t in _TABLES))
        except DBAPIError:
            return None


def _max_id(conn: ReadConnection, table: str) -> int:
    return int(conn.exec_driver_sql(f"SELECT MAX(id) FROM {table}").scalar() or 0)


def load(engine: ReadEngine, *, scope: str, fingerprint: str, as_of: datetime) -> list[Stored]:
    """The rows of ``scope`` made under ``fingerprint`` as of ``as_of`` or before."""
    with engine.connect() as conn:
        t = _Times(conn)
        p = t.ph
        rows = conn.exec_driver_sql(
            "SELECT period_start, period_end, as_of, event_high, change_high, lead_high,"
            " opportunity_high, opportunity_change_high, figures FROM trend_period"
            f" WHERE scope = {p} AND fingerprint = {p} AND as_of <= {p}",
            (scope, fingerprint, t.bind(as_of)),
        ).all()
    out = []
    for start, end, at, *highs, figures in rows:
        when = t.read(at)
        assert when is not None
        marks = Marks(*(int(x) for x in highs))
        out.append(Stored(_day(start), _day(end), when, marks, json.loads(figures)))
    return out


def _day(v: Any) -> date:
    return v if isinstance(v, date) else date.fromisoformat(str(v))


def still_holding(
    engine: ReadEngine,
    stored: Sequence[Stored],
    bounds: dict[tuple[date, date], tuple[datetime, datetime]],
    *,
    as_of: datetime,
    kinds: Collection[str],
) -> list[Stored]:
    """The rows of ``stored`` that nothing recorded or happening since touches, given each
    period's ``bounds`` (the instants its cycles' starts are selected between) and the
    event ``kinds`` the engine reads."""
    groups: dict[tuple[Marks, datetime], list[Stored]] = {}
    for s in stored:
        if (s.start, s.end) in bounds:
            groups.setdefault((s.marks, s.as_of), []).append(s)
    kept = []
    with engine.connect() as conn:
        for (marks, since), rows in groups.items():
            found = _touched(conn, marks, since, as_of, kinds)
            if found is None:
                continue  # a changed value that is not an instant: nothing is taken
            instants, reviews = found
            for s in rows:
                lo, hi = bounds[(s.start, s.end)]
                if _any_in(instants, lo, hi):
                    continue
                if _any_in(reviews, lo - REVIEW_WINDOW, hi + REVIEW_WINDOW):
                    continue
                kept.append(s)
    return kept


def _any_in(ordered: list[datetime], lo: datetime, hi: datetime) -> bool:
    k = bisect_left(ordered, lo)
    return k < len(ordered) and ordered[k] < hi


def _touched(
    conn: ReadConnection, marks: Marks, since: datetime, as_of: datetime, kinds: Collection[str]
) -> tuple[list[datetime], list[datetime]] | None:
    """The instants that select cycles of the leads something was recorded about after
    ``marks`` or happened to in (``since``, ``as_of``], and the instants of review meetings
    recorded or held then, each sorted; None when a recorded change's old value is not an
    instant or empty (the row cannot be proven to hold)."""
    t = _Times(conn)
    p = t.ph
    leads: set[int] = set()
    instants: list[datetime] = []
    reviews: list[datetime] = []

    def rows(sql: str, *params: Any) -> list[Any]:
        return list(conn.exec_driver_sql(sql, params).all())

    def at(v: Any) -> datetime | None:
        try:
            return t.read(v)
        except (TypeError, ValueError):
            return None

    def event(lead_id: int | None, kind: str, when: Any) -> None:
        if kind == "review":  # a period commitment's: counted for the periods around it
            reviews.append(t.read(when))  # type: ignore[arg-type]
        if lead_id is not None:
            leads.add(lead_id)

    for lead_id, kind, when in rows(
        f"SELECT lead_id, kind, at FROM event WHERE id > {p}", marks.event_high
    ):
        event(lead_id, kind, when)
    leads.update(x for (x,) in rows(f"SELECT id FROM lead WHERE id > {p}", marks.lead_high))
    changed = rows(f"SELECT lead_id, old_value FROM lead_change WHERE id > {p}", marks.change_high)
    changed += rows(
        f"SELECT o.lead_id, c.old_value FROM opportunity_change c JOIN opportunity o"
        f" ON o.id = c.opportunity_id WHERE c.id > {p}",
        marks.opportunity_change_high,
    )
    for lead_id, old in changed:
        leads.add(lead_id)
        if old is not None and _looks_like_instant(old):
            when = at(old)
            if when is None:
                return None
            instants.append(when)
    leads.update(
        x
        for (x,) in rows(f"SELECT lead_id FROM opportunity WHERE id > {p}", marks.opportunity_high)
    )
    if as_of > since:
        a, b = t.bind(since), t.bind(as_of)
        # the kinds the engine reads, each a range of ix_event_kind_at
        chosen = sorted({*kinds, "review"})
        marks_in = ", ".join([p] * len(chosen))
        for lead_id, kind, when in rows(
            f"SELECT lead_id, kind, at FROM event WHERE kind IN ({marks_in})"
            f" AND at > {p} AND at <= {p}",
            *chosen,
            a,
            b,
        ):
            event(lead_id, kind, when)
        for column in ("clock_start_at", "created_at"):
            leads.update(
                x
                for (x,) in rows(
                    f"SELECT id FROM lead WHERE {column} > {p} AND {column} <= {p}", a, b
                )
            )
        leads.update(
            x
            for (x,) in rows(
                f"SELECT lead_id FROM opportunity WHERE (created_at > {p} AND created_at <= {p})"
                f" OR (closed_at > {p} AND closed_at <= {p})",
                a,
                b,
                a,
                b,
            )
        )
    ids = sorted(leads)
    for k in range(0, len(ids), 50_000):
        chosen_ids, arg = t.one_of(ids[k : k + 50_000])
        for values in (
            rows(f"SELECT created_at, clock_start_at FROM lead WHERE id {chosen_ids}", arg),
            rows(f"SELECT at, at FROM event WHERE lead_id {chosen_ids} AND kind = 'handoff'", arg),
            rows(f"SELECT created_at, closed_at FROM opportunity WHERE lead_id {chosen_ids}", arg),
        ):
            for row in values:
                instants += (x for x in (t.read(v) for v in row) if x is not None)
    instants.sort()
    reviews.sort()
    return instants, reviews


def _looks_like_instant(text: Any) -> bool:
    """Whether a changed field's old value is a date or instant (a creation, a handoff, a
    close): ``YYYY-MM-DD`` at its start."""
    s = str(text)
    return len(s) >= 10 and s[4] == "-" and s[7] == "-" and s[:4].isdigit()


def save(
    engine: Engine,
    *,
    scope: str,
    fingerprint: str,
    as_of: datetime,
    marks: Marks,
    figures: Iterable[tuple[date, date, dict[str, Any]]],
) -> None:
    """Replace the rows of these periods of ``scope`` (one transaction)."""
    values = [
        {
            "scope": scope,
            "period_start": start.isoformat(),
            "period_end": end.isoformat(),
            "fingerprint": fingerprint,
            "as_of": as_of,
            **marks._asdict(),
            "figures": json.dumps(data, sort_keys=True, separators=(",", ":")),
        }
        for start, end, data in figures
    ]
    if not values:
        return
    from slactl.ledger.models import TrendPeriod

    table = TrendPeriod.__table__  # type: ignore[attr-defined]
    if engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    stmt = insert(table)
    keys = [table.c.scope, table.c.period_start, table.c.period_end]
    stmt = stmt.on_conflict_do_update(
        index_elements=keys,
        set_={c.name: stmt.excluded[c.name] for c in table.c if c not in keys},
    )
    with engine.begin() as conn:
        conn.execute(stmt, values)
