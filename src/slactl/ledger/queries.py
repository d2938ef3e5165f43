"""Reads for compliance: rows in, ``compliance.model`` records out.

A period's leads are selected by their indexed clock start and their events fetched in
one query joined on the same condition, so a month of a million-lead ledger is two
scans, not one query per lead. Plain driver SQL (no ORM objects per row): a month is
~85,000 leads and ~425,000 events. Keyword-only ``conn`` first, as every ledger function.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Collection
from datetime import UTC, datetime
from itertools import groupby
from operator import attrgetter, itemgetter
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from slactl.ledger.connection import ReadConnection

from slactl.bulk import bulk
from slactl.ledger.utc import to_utc_text
from slactl.records import (
    NO_EXTRA,
    Event,
    Lead,
    LeadHistory,
    Opportunity,
    PipelineEntry,
)

# A lead row is the row id, then ``records.Lead``'s fields in its order, read into a Lead
# by position: a column added to the record (and the table) is read with no change here.
_INSTANTS = ("created_at", "handed_off_at")
_LEAD_COLS = ", ".join(("id", *Lead._fields))
# SQLite: instants with their offset appended, which fromisoformat reads 5x faster than it
# reads them bare and has the zone replaced
_LEAD_COLS_TEXT = ", ".join(
    ("id", *(f"{c} || '+00:00'" if c in _INSTANTS else c for c in Lead._fields))
)
_HANDED = 1 + Lead._fields.index("handed_off_at")
_EXTRA = 1 + Lead._fields.index("extra")
assert Lead._fields[:2] == ("external_id", "created_at") and _EXTRA == len(Lead._fields)


class _Times:
    """Binding and reading instants the way each engine stores them."""

    def __init__(self, conn: ReadConnection) -> None:
        self.pg = conn.dialect.name == "postgresql"
        self.ph = "%s" if self.pg else "?"

    def bind(self, t: datetime) -> Any:
        return t.astimezone(UTC) if self.pg else to_utc_text(t)

    def one_of(self, values: list[Any]) -> tuple[str, Any]:
        """``column {sql}`` tests a column against ``values``, bound as the one parameter:
        an array on PostgreSQL, a JSON list on SQLite (no statement a list length)."""
        if self.pg:
            return "= ANY(%s)", values
        return "IN (SELECT value FROM json_each(?))", json.dumps(values)

    def read(self, v: Any) -> datetime | None:
        if v is None:
            return None
        if isinstance(v, datetime):
            return v.astimezone(UTC) if v.tzinfo else v.replace(tzinfo=UTC)
        t = datetime.fromisoformat(v)
        return t if t.tzinfo else t.replace(tzinfo=UTC)


# an event's columns after kind and at, in ``records.Event``'s order
_EVENT_SAYS = "e.rep, e.outcome, e.note, e.reason, e.duration, e.from_rep"
_AT = attrgetter("at")
_LEAD_ID = itemgetter(0)


def _rows(conn: ReadConnection, sql: str, params: tuple[Any, ...]) -> Any:
    """The driver's own cursor: iterating SQLAlchemy's result costs ~3 µs a row, which is
    most of a month's load (~500,000 rows)."""
    cur = conn.connection.dbapi_connection.cursor()
    cur.execute(sql, params)
    return cur


def _lead_fast(row: Any, extras: dict[str, Any]) -> Lead:
    """``_lead`` for SQLite rows whose instants carry their offset (``_LEAD_COLS_TEXT``):
    positional, no per-field dispatch — a month is ~90,000 of them."""
    raw = row[_EXTRA]
    extra: Any = NO_EXTRA
    if raw and raw != "{}":
        extra = extras.get(raw)
        if extra is None:
            extra = extras[raw] = json.loads(raw)
    handed = row[_HANDED]
    return _new(  # Lead._make without its length check: the columns are Lead's fields
        Lead,
        (
            row[1],
            _fromiso(row[2]),
            *row[3:_HANDED],
            _fromiso(handed) if handed else None,
            *row[_HANDED + 1 : _EXTRA],
            extra,
        ),
    )


_fromiso = datetime.fromisoformat
_new = tuple.__new__


def _lead(row: Any, t: _Times, extras: dict[str, Any]) -> Lead:
    created = t.read(row[2])
    assert created is not None
    raw = row[_EXTRA]
    extra: Any = {}
    if raw and raw != "{}":
        # leads share few distinct extras: parse each once (the mapping is only read)
        extra = extras.get(raw)
        if extra is None:
            extra = extras[raw] = json.loads(raw)
    return Lead._make(
        (row[1], created, *row[3:_HANDED], t.read(row[_HANDED]), *row[_HANDED + 1 : _EXTRA], extra)
    )


def load_histories(
    *,
    conn: ReadConnection,
    start: datetime,
    end: datetime,
    as_of: datetime,
    owner: str | None = None,
    kinds: Collection[str] | None = None,
    unsettled_before: datetime | None = None,
    opportunities: bool = False,
    watch: str | None = None,
    may_start: Callable[[Lead], bool] | None = None,
) -> list[LeadHistory]:
    """Leads whose clock start is in [start, end) (optionally one owner's), with their
    events up to ``as_of`` (optionally only those ``kinds``) sorted by time. A lead whose
    recorded handoff is later than ``as_of`` is among them when its creation (or a handoff
    event by ``as_of``) is in the period: that is its clock start as of then.
    ``unsettled_before``: leave out the leads whose recorded clock start is before it and
    that have a disposition at or after that start by ``as_of`` (no open work is left on
    them; the effective clock start is never later than the recorded one, so no lead with
    open work is left out). ``opportunities``: with each lead's opportunities created by
    ``as_of`` (SPEC 9; only when an agreement measures them). ``watch``: a notify
    fingerprint; leave out the leads whose ``notify_watch`` row under it still holds at
    ``as_of`` (``ledger.watch``). ``may_start``: whether a lead never handed off can have a
    clock (it matches an MQL definition); with an owner, ``unsettled_before`` or ``watch``,
    the leads that cannot, and that have no handoff event by ``as_of`` either, are left
    out before any event is read (they have no cycle)."""
    with bulk():  # hundreds of thousands of small records, none of them cyclic
        histories = _load_histories(
            conn, start, end, as_of, owner, kinds, unsettled_before, watch, may_start
        )
        if opportunities:
            histories = _with_opportunities(conn, histories, as_of)
        return histories


def _load_histories(
    conn: ReadConnection,
    start: datetime,
    end: datetime,
    as_of: datetime,
    owner: str | None,
    kinds: Collection[str] | None,
    unsettled_before: datetime | None = None,
    watch: str | None = None,
    may_start: Callable[[Lead], bool] | None = None,
) -> list[LeadHistory]:
    t = _Times(conn)
    p = t.ph
    lo, hi, now = t.bind(start), t.bind(end), t.bind(as_of)
    # The stored clock start is the recorded handoff. A lead handed off after ``as_of``
    # had not been handed off then: its clock started at its creation, or at a handoff
    # event by ``as_of`` (the engine's ``clock_start``), so such leads are selected by
    # those too (both indexed); the engine then keeps those whose start is in the period.
    # A lead handed back after an earlier cycle ended starts a later cycle in the period
    # (SPEC 7.1): a handoff event in the period selects it whatever its first clock start.
    where = (
        f"((lead.clock_start_at >= {p} AND lead.clock_start_at < {p})"
        f" OR (lead.clock_start_at > {p} AND lead.created_at >= {p} AND lead.created_at < {p}"
        f" AND lead.created_at <= {p}) OR lead.id IN (SELECT h.lead_id FROM event h"
        f" WHERE h.kind = 'handoff' AND h.at >= {p} AND h.at < {p} AND h.at <= {p}))"
    )
    params: list[Any] = [lo, hi, now, lo, hi, now, lo, hi, now]
    if watch is not None:
        # before the dispositions are probed: most leads of a run are still as last seen
        where += (
            f" AND (lead.external_id IN (SELECT n.lead FROM notification n"
            f" WHERE n.status <> 'sent') OR NOT EXISTS (SELECT 1 FROM notify_watch w"
            f" WHERE w.lead = lead.external_id AND w.fingerprint = {p} AND w.as_of <= {p}"
            f" AND (w.next_at IS NULL OR w.next_at >= {p}) AND NOT EXISTS (SELECT 1 FROM"
            f" event e2 WHERE e2.lead_id = lead.id AND e2.id > w.event_high) AND NOT EXISTS"
            f" (SELECT 1 FROM lead_change c WHERE c.lead_id = lead.id AND c.id > w.change_high)))"
        )
        params += [watch, now, now]
    if owner is not None:
        # the rep's leads: owned now, or reassigned to them (SPEC 7.2: the engine credits
        # each pair to whoever held the lead then)
        where += (
            f" AND (lead.owner = {p} OR lead.id IN (SELECT r.lead_id FROM event r"
            f" WHERE r.kind = 'reassign' AND (r.rep = {p} OR r.from_rep = {p})))"
        )
        params += [owner, owner, owner]
    if unsettled_before is not None:
        where += (
            f" AND (lead.clock_start_at >= {p} OR NOT EXISTS (SELECT 1 FROM event d"
            f" WHERE d.lead_id = lead.id AND d.at >= lead.clock_start_at AND d.at <= {p}"
            # SQLite: + keeps it on ix_event_lead_at_kind (the lead's own events, their
            # kinds read from the index), not on every disposition of the window through
            # ix_event_kind_at
            f" AND {'' if t.pg else '+'}d.kind = 'disposition')"
            # handed back in the window: a later cycle may be open (SPEC 7.1)
            f" OR lead.id IN (SELECT h2.lead_id FROM event h2 WHERE h2.kind = 'handoff'"
            f" AND h2.at >= {p} AND h2.at <= {p}))"
        )
        params += [t.bind(unsettled_before), now, lo, now]
    extras: dict[str, Any] = {}
    cols = _LEAD_COLS if t.pg else _LEAD_COLS_TEXT
    build = _lead_fast if not t.pg else lambda row, extras: _lead(row, t, extras)
    cur = _rows(conn, f"SELECT {cols} FROM lead WHERE {where}", tuple(params))
    leads = {row[0]: build(row, extras) for row in cur}
    cur.close()
    if not leads:
        return []
    # SQLite walks ix_event_lead_at_kind (lead_id, at, id, kind) for each lead, so its
    # rows come grouped by lead, in time order, ties by id; ORDER BY would make it sort
    # ~400k rows again.
    # PostgreSQL may hash-join, so it is asked to order. Either way each lead's list is
    # sorted by time once more below (stable, and linear when already in order).
    at_col = "e.at" if t.pg else "e.at || '+00:00'"  # fromisoformat reads the offset fast
    order = " ORDER BY e.lead_id, e.at, e.id" if t.pg else ""
    if owner is not None or unsettled_before is not None or watch is not None:
        # a rep's or the open leads: found through the owner index or a probe of each
        # lead's dispositions, work the events query would do again for each of its rows;
        # their ids are known now, so their events are looked up by id
        # (ix_event_lead_at_kind)
        if may_start is not None:
            _drop_never_started(conn, t, leads, as_of, may_start)
            if not leads:
                return []
        inside, ids = t.one_of(list(leads))
        where = f"e.lead_id {inside}"
        params = [ids]
        join = ""
    else:
        join = " JOIN lead ON lead.id = e.lead_id"
    event_where = f"{where} AND e.at <= {p}"
    event_params = [*params, now]
    if kinds is not None:
        # SQLite: the unary + keeps the planner on ix_event_lead_at_kind (from the
        # period's leads; the kinds are tested in the index, before any row is read), not
        # on ix_event_kind_at (every event of those kinds since the start)
        plus = "" if t.pg else "+"
        event_where += f" AND {plus}e.kind IN ({', '.join([p] * len(kinds))})"
        event_params += sorted(kinds)
    rows = _rows(
        conn,
        f"SELECT e.lead_id, e.kind, {at_col}, {_EVENT_SAYS} FROM event e{join}"
        f" WHERE {event_where}{order}",
        tuple(event_params),
    )
    grouped: dict[int, list[Event]] = {}
    parse = t.read if t.pg else datetime.fromisoformat
    for lead_id, group in groupby(rows, key=_LEAD_ID):
        events = [
            Event(k, parse(at), r, o, n, why, d, f)  # type: ignore[arg-type]
            for _, k, at, r, o, n, why, d, f in group
        ]
        got = grouped.get(lead_id)
        if got is None:
            grouped[lead_id] = events
        else:  # an engine that does not hand a lead's events over together
            got += events
    rows.close()
    for events in grouped.values():
        if len(events) > 1:
            events.sort(key=_AT)
    empty: tuple[Event, ...] = ()
    return [
        LeadHistory(lead, tuple(grouped[i]) if i in grouped else empty) for i, lead in leads.items()
    ]


def _drop_never_started(
    conn: ReadConnection,
    t: _Times,
    leads: dict[int, Lead],
    as_of: datetime,
    may_start: Callable[[Lead], bool],
) -> None:
    """Leave out of ``leads`` those whose clock cannot have started by ``as_of``: no
    handoff recorded by then (on the lead or as an event) and ``may_start`` false (the
    lead matches no MQL definition). Their events are never read."""
    rest = [
        i
        for i, lead in leads.items()
        if not (lead.handed_off_at is not None and lead.handed_off_at <= as_of)
        and not may_start(lead)
    ]
    if not rest:
        return
    inside, ids = t.one_of(rest)
    # the lead's entries of ix_event_lead_at_kind alone: no event row is read
    handed = {
        row[0]
        for row in conn.exec_driver_sql(
            f"SELECT DISTINCT e.lead_id FROM event e WHERE e.lead_id {inside}"
            f" AND e.at <= {t.ph} AND {'' if t.pg else '+'}e.kind = 'handoff'",
            (ids, t.bind(as_of)),
        )
    }
    for i in rest:
        if i not in handed:
            del leads[i]


_OPP_COLS = "o.external_id, o.created_at, o.amount, o.currency, o.stage, o.closed_at, o.won"


def _opportunity(row: Any, t: _Times) -> Opportunity:
    created = t.read(row[1])
    assert created is not None
    won = None if row[6] is None else bool(row[6])
    return Opportunity(row[0], created, row[2], row[3], row[4], t.read(row[5]), won)


def _with_opportunities(
    conn: ReadConnection, histories: list[LeadHistory], as_of: datetime
) -> list[LeadHistory]:
    """The histories with their leads' opportunities created by ``as_of``, by creation."""
    if not histories:
        return histories
    t = _Times(conn)
    ids = {h.lead.external_id: h for h in histories}
    found: dict[str, list[Opportunity]] = {}
    keys = list(ids)
    for i in range(0, len(keys), 500):
        chunk = keys[i : i + 500]
        rows = conn.exec_driver_sql(
            f"SELECT l.external_id, {_OPP_COLS} FROM opportunity o JOIN lead l"
            f" ON l.id = o.lead_id WHERE o.created_at <= {t.ph}"
            f" AND l.external_id IN ({', '.join([t.ph] * len(chunk))})"
            " ORDER BY o.created_at, o.id",
            (t.bind(as_of), *chunk),
        )
        for key, *rest in rows:
            found.setdefault(key, []).append(_opportunity(rest, t))
    if not found:
        return histories
    return [
        LeadHistory(h.lead, h.events, tuple(found[h.lead.external_id]))
        if h.lead.external_id in found
        else h
        for h in histories
    ]


def load_pipeline(
    *, conn: ReadConnection, start: datetime, end: datetime, as_of: datetime
) -> list[PipelineEntry]:
    """The opportunities created or closed in [start, end) by ``as_of`` (SPEC 9), each
    with its lead and the lead's last handoff at or before the opportunity's creation."""
    t = _Times(conn)
    p = t.ph
    lo, hi, now = t.bind(start), t.bind(end), t.bind(as_of)
    cols = ", ".join(f"l.{c.strip()}" for c in _LEAD_COLS.split(","))
    handoff = (
        f"(SELECT MAX(e.at) FROM event e WHERE e.lead_id = o.lead_id AND e.kind = 'handoff'"
        f" AND e.at <= o.created_at AND e.at <= {p})"
    )
    rows = list(
        conn.exec_driver_sql(
            f"SELECT {_OPP_COLS}, {handoff}, {cols} FROM opportunity o JOIN lead l"
            f" ON l.id = o.lead_id WHERE o.created_at <= {p} AND ((o.created_at >= {p}"
            f" AND o.created_at < {p}) OR (o.closed_at >= {p} AND o.closed_at < {p}))"
            " ORDER BY o.created_at, o.id",
            (now, now, lo, hi, lo, hi),
        )
    )
    out = []
    extras: dict[str, Any] = {}
    for row in rows:
        lead = _lead(row[8:], t, extras)
        handed = [x for x in (t.read(row[7]), lead.handed_off_at) if x is not None]
        created = t.read(row[1])
        assert created is not None
        last = max((x for x in handed if x <= created and x <= as_of), default=None)
        out.append(PipelineEntry(_opportunity(row[:7], t), lead, last))
    return out


def count_leads_created(
    *,
    conn: ReadConnection,
    start: datetime,
    end: datetime,
    owner: str | None = None,
    as_of: datetime | None = None,
) -> int:
    """How many leads were created in [start, end) (optionally owned by ``owner``), and
    known by ``as_of``: a lead created after it is not in a report as of then."""
    t = _Times(conn)
    sql = f"SELECT COUNT(*) FROM lead WHERE created_at >= {t.ph} AND created_at < {t.ph}"
    params: list[Any] = [t.bind(start), t.bind(end)]
    if owner is not None:
        sql += f" AND owner = {t.ph}"
        params.append(owner)
    if as_of is not None:
        sql += f" AND created_at <= {t.ph}"
        params.append(t.bind(as_of))
    return int(conn.exec_driver_sql(sql, tuple(params)).scalar() or 0)


def load_reviews(*, conn: ReadConnection, start: datetime, end: datetime) -> list[Event]:
    """Review meetings in [start, end), sorted by time."""
    t = _Times(conn)
    rows = conn.exec_driver_sql(
        f"SELECT e.kind, e.at, {_EVENT_SAYS} FROM event e WHERE e.kind = 'review'"
        f" AND e.at >= {t.ph} AND e.at < {t.ph} ORDER BY e.at, e.id",
        (t.bind(start), t.bind(end)),
    )
    return [Event(k, t.read(at), *says) for k, at, *says in rows]  # type: ignore[arg-type]


def lead_history(*, conn: ReadConnection, key: str) -> LeadHistory | None:
    """One lead by external id or email (case-insensitive), with all its events."""
    t = _Times(conn)
    row = conn.exec_driver_sql(
        f"SELECT {_LEAD_COLS} FROM lead WHERE external_id = {t.ph}", (key,)
    ).first()
    if row is None:
        row = conn.exec_driver_sql(
            f"SELECT {_LEAD_COLS} FROM lead WHERE email = {t.ph} ORDER BY id",
            (key.strip().lower(),),
        ).first()
    if row is None:
        return None
    events = [
        Event(k, t.read(at), *says)  # type: ignore[arg-type]
        for k, at, *says in conn.exec_driver_sql(
            f"SELECT e.kind, e.at, {_EVENT_SAYS} FROM event e WHERE e.lead_id = {t.ph}"
            " ORDER BY e.at, e.id",
            (row[0],),
        )
    ]
    opportunities = tuple(
        _opportunity(r, t)
        for r in conn.exec_driver_sql(
            f"SELECT {_OPP_COLS} FROM opportunity o WHERE o.lead_id = {t.ph}"
            " ORDER BY o.created_at, o.id",
            (row[0],),
        )
    )
    return LeadHistory(_lead(row, t, {}), tuple(events), opportunities)


def open_histories(
    *, conn: ReadConnection, owner: str, since: datetime, as_of: datetime
) -> list[LeadHistory]:
    """The owner's leads whose clock started since ``since`` (the engine decides which
    are still open)."""
    return load_histories(conn=conn, start=since, end=as_of, as_of=as_of, owner=owner)


def rep_exists(*, conn: ReadConnection, name: str) -> bool:
    """Whether ``name`` is a rep the ledger has seen (as an owner or on an event)."""
    t = _Times(conn)
    if conn.exec_driver_sql(f"SELECT 1 FROM rep WHERE name = {t.ph}", (name,)).first():
        return True
    return (
        conn.exec_driver_sql(f"SELECT 1 FROM lead WHERE owner = {t.ph} LIMIT 1", (name,)).first()
        is not None
    )


def known_reps(*, conn: ReadConnection) -> list[str]:
    """Every rep name the ledger knows, sorted."""
    names = {r[0] for r in conn.exec_driver_sql("SELECT name FROM rep")}
    names |= {
        r[0]
        for r in conn.exec_driver_sql("SELECT DISTINCT owner FROM lead WHERE owner IS NOT NULL")
    }
    return sorted(names)


def close_lead_ids(*, conn: ReadConnection, key: str) -> list[str]:
    """The external id closest to ``key`` (a mistyped id), among those that start with its
    first two characters: the same number without (or with other) zero padding first."""
    from difflib import get_close_matches

    t = _Times(conn)
    candidates = [
        r[0]
        for r in conn.exec_driver_sql(
            f"SELECT external_id FROM lead WHERE external_id LIKE {t.ph} LIMIT 2000",
            (key[:2].replace("%", "").replace("_", "") + "%",),
        )
    ]
    same_number = [c for c in candidates if _unpadded(c) == _unpadded(key)]  # L-4 is L-0004
    return same_number[:1] or get_close_matches(key, candidates, n=1)


def _unpadded(text: str) -> str:
    return re.sub(r"\d+", lambda m: str(int(m.group())), text)
