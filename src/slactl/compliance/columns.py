"""A period's lead measures evaluated column-wise: one array per fact over all the
cycles of the cohort, the deadlines in one batch call per duration, first touches and
cadence steps by grouped array operations.

The per-lead measure functions of ``measures.py`` are the reference: this module gives,
cycle by cycle and commitment by commitment, exactly the ``Outcome`` they give with
``why`` False (``tests/compliance/test_columns.py`` checks it on random histories with
recycles, reassignments, pauses, accepts and owner calendars). What it does not compute
column-wise it hands to them, pair by pair: a pausable commitment on a cycle with pauses,
a ``calendar: owner`` commitment, and the measures without a column version here
(``time_spent``, and any measure added later). Reasons are never written here: a report
that needs them (``explain``, ``status``) takes the per-lead path.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from slactl.agreement.model import Agreement, Commitment
from slactl.clock import BusinessCalendar, Duration, to_micros
from slactl.compliance.deadlines import add_us
from slactl.compliance.measures import (
    RETURNED,
    LeadFacts,
    LeadMeasure,
    _field_readers,
    valid_field,
)
from slactl.records import Outcome, State

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US = timedelta(microseconds=1)
NONE = np.iinfo(np.int64).max  # no such event: later than any instant
MET, BREACHED, PENDING, AT_RISK = State.MET, State.BREACHED, State.PENDING, State.AT_RISK
_STATES = (MET, BREACHED, PENDING, AT_RISK)  # the state codes of the columns: 0, 1, 2, 3


def _us(t: datetime) -> int:
    return (t - _EPOCH) // _ONE_US


def _instant(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


class Columns:
    """The cohort's facts as arrays, one row per cycle."""

    def __init__(self, cycles: Sequence[LeadFacts]) -> None:
        n = len(cycles)
        self.n = n
        self.cycles = cycles
        self.start = np.fromiter((_us(f.start) for f in cycles), dtype=np.int64, count=n)
        disp_at: list[datetime | None] = []
        touch_at: list[datetime] = []
        first_touch: list[datetime | None] = []
        accept_at: list[datetime | None] = []
        counts = np.zeros(n, dtype=np.int64)
        for i, f in enumerate(cycles):
            d = f.disposition
            disp_at.append(d.at if d is not None else None)
            ts = f.touches
            if ts:
                first_touch.append(ts[0].at)
                touch_at += [t.at for t in ts]
                counts[i] = len(ts)
            else:
                first_touch.append(None)
            accept_at.append(f.accepts[0].at if f.accepts else None)
        self.disp_obj = disp_at
        self.disp = _column(disp_at)
        self.first_obj = first_touch
        self.first = _column(first_touch)
        self.accept_obj = accept_at
        self.accept = _column(accept_at)
        # every touch of every cycle, cycle by cycle in time order (CSR: offsets per cycle)
        self.touch_obj = touch_at
        self.touch = np.fromiter(map(_us, touch_at), dtype=np.int64, count=len(touch_at))
        self.touch_count = counts
        self.offset = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(counts, out=self.offset[1:])
        self.touch_cycle = np.repeat(np.arange(n, dtype=np.int64), counts)
        self.touch_rank = (
            np.arange(len(touch_at), dtype=np.int64) - self.offset[:-1][self.touch_cycle]
        )
        self._due: dict[Duration, Any] = {}
        self.ext = [f.lead.external_id for f in cycles]
        self.owner = [f.lead.owner for f in cycles]
        self.start_obj = [f.start for f in cycles]
        self.cycle = [f.cycle for f in cycles]
        self.reassigned = any(f.reassigns for f in cycles)
        self._instants: dict[int, datetime] = {}

    def instant(self, us: int) -> datetime:
        """UTC microseconds as an instant (cycles share deadlines: a start outside
        business hours snaps to the next opening)."""
        got = self._instants.get(us)
        if got is None:
            got = self._instants[us] = _instant(us)
        return got

    def due(self, cal: BusinessCalendar, d: Duration) -> Any:
        """``start + d`` for every cycle, in microseconds."""
        got = self._due.get(d)
        if got is None:
            got = self._due[d] = add_us(cal, self.start, d)
        return got


def _column(values: list[datetime | None]) -> Any:
    return np.fromiter(
        (NONE if v is None else _us(v) for v in values), dtype=np.int64, count=len(values)
    )


def _by_deadline(
    deadline: Any,
    deciding: Any,
    as_of_us: int,
    risk_us: int | None,
) -> Any:
    """``measures._by_deadline`` without pauses: met when the deciding event comes by
    the deadline, breached when after it or none and ``as_of`` is past it, else pending
    (at risk inside the warn window). State codes index ``_STATES``."""
    has = deciding != NONE
    state = np.where(
        has,
        np.where(deciding <= deadline, 0, 1),
        np.where(as_of_us > deadline, 1, 2),
    )
    if risk_us is not None:
        state = np.where((state == 2) & (deadline <= risk_us), 3, state)
    return state


def column_outcomes(
    agreement: Agreement,
    cycles: Sequence[LeadFacts],
    as_of: datetime,
    cal: BusinessCalendar,
    plan: Sequence[tuple[Commitment, LeadMeasure, Any]],
    *,
    per_lead: Callable[[Commitment, LeadMeasure, LeadFacts], Outcome | None],
    by_cycle: list[list[Outcome]] | None = None,
) -> list[Outcome]:
    """Every lead commitment's outcome for every cycle of ``cycles``, in the order the
    per-lead engine gives them (cycle by cycle, commitment by commitment); ``per_lead``
    evaluates one pair the per-lead way (for what is not computed here). ``by_cycle``:
    append each cycle's outcomes to it as a list instead (and return nothing)."""
    n = len(cycles)
    if n == 0:
        return []
    cols = Columns(cycles)
    base = agreement.calendar
    as_of_us = to_micros(as_of)
    team = agreement.team is not None
    leads = [f.lead for f in cycles]
    columns: list[list[Outcome | None]] = []
    for c, fn, test in plan:
        out: list[Outcome | None] = [None] * n
        applies = (
            np.ones(n, dtype=bool)
            if test is None
            else np.fromiter((test.matches(lead) for lead in leads), dtype=bool, count=n)
        )
        if c.calendar == "owner" and team:
            rows = np.flatnonzero(applies)
            for i in rows.tolist():
                out[i] = per_lead(c, fn, cycles[i])
            columns.append(out)
            continue
        compute = _COLUMN_MEASURES.get(c.measure)
        if compute is None:
            for i in np.flatnonzero(applies).tolist():
                out[i] = per_lead(c, fn, cycles[i])
            columns.append(out)
            continue
        if c.pausable:  # a cycle with pauses: the per-lead measure moves its deadlines
            paused = np.fromiter((bool(f.pauses) for f in cycles), dtype=bool, count=n)
            for i in np.flatnonzero(applies & paused).tolist():
                out[i] = per_lead(c, fn, cycles[i])
            applies &= ~paused
        rows = np.flatnonzero(applies)
        if len(rows):
            compute(c, cols, rows, base, as_of, as_of_us, out)
        columns.append(out)
    if by_cycle is not None:
        by_cycle += ([o for o in row if o is not None] for row in zip(*columns, strict=True))
        return []
    result: list[Outcome] = []
    for row in zip(*columns, strict=True):
        result += [o for o in row if o is not None]
    return result


def _emit(
    c: Commitment,
    cols: Columns,
    rows: Any,
    state: Any,
    deadline: Any,
    event: Sequence[datetime | None],
    out: list[Outcome | None],
    as_of: datetime,
    *,
    held: Sequence[datetime | None] | None = None,
) -> None:
    """The rows' ``Outcome`` records (``measures._outcome``): the owner is the lead's, or
    with reassignments the holder at ``held``, else at the event that met it, the deadline
    that was missed, ``as_of`` for a pending pair."""
    cid = c.id
    ext, owners, starts, cycle = cols.ext, cols.owner, cols.start_obj, cols.cycle
    instant = cols.instant
    index = rows.tolist()
    for i, s, d, at in zip(index, state.tolist(), deadline.tolist(), event, strict=True):
        out[i] = Outcome(
            cid,
            _STATES[s],
            "",
            ext[i],
            owners[i],
            starts[i],
            None if d == NONE else instant(d),
            at,
            None,
            None,
            cycle[i],
        )
    if not cols.reassigned:
        return
    for k, i in enumerate(index):
        f = cols.cycles[i]
        if not f.reassigns:
            continue
        o = out[i]
        assert o is not None
        t = held[k] if held is not None else None
        if t is None:
            if o.state is PENDING or o.state is AT_RISK:
                t = as_of
            else:
                t = o.event_at if o.state is MET else o.deadline
        if t is not None:
            out[i] = o._replace(owner=f.owner_at(t))


def _risk(cal: BusinessCalendar, c: Commitment, as_of: datetime) -> int | None:
    return None if c.warn is None else to_micros(cal.add(as_of, c.warn))


def _deciding(
    c: Commitment,
    cols: Columns,
    rows: Any,
    cal: BusinessCalendar,
    as_of: datetime,
    as_of_us: int,
    out: list[Outcome | None],
    at: Any,
    obj: list[datetime | None],
) -> None:
    assert c.within is not None
    deadline = cols.due(cal, c.within)[rows]
    deciding = at[rows]
    state = _by_deadline(deadline, deciding, as_of_us, _risk(cal, c, as_of))
    events = [obj[i] for i in rows.tolist()]
    _emit(c, cols, rows, state, deadline, events, out, as_of)


def _earlier(a: Any, a_obj: list[Any], b: Any, b_obj: list[Any]) -> tuple[Any, list[Any]]:
    """Per row, ``b`` when it exists and comes strictly before ``a`` (or ``a`` is none),
    else ``a``: the disposition meeting a first-touch or acceptance deadline."""
    take_b = (b != NONE) & ((a == NONE) | (b < a))
    obj = [bo if t else ao for ao, bo, t in zip(a_obj, b_obj, take_b.tolist(), strict=True)]
    return np.where(take_b, b, a), obj


def _first_touch(
    c: Commitment,
    cols: Columns,
    rows: Any,
    cal: BusinessCalendar,
    as_of: datetime,
    as_of_us: int,
    out: list[Outcome | None],
) -> None:
    at, obj = _earlier(cols.first, cols.first_obj, cols.disp, cols.disp_obj)
    _deciding(c, cols, rows, cal, as_of, as_of_us, out, at, obj)


def _disposition(
    c: Commitment,
    cols: Columns,
    rows: Any,
    cal: BusinessCalendar,
    as_of: datetime,
    as_of_us: int,
    out: list[Outcome | None],
) -> None:
    _deciding(c, cols, rows, cal, as_of, as_of_us, out, cols.disp, cols.disp_obj)


def _acceptance(
    c: Commitment,
    cols: Columns,
    rows: Any,
    cal: BusinessCalendar,
    as_of: datetime,
    as_of_us: int,
    out: list[Outcome | None],
) -> None:
    at, obj = _earlier(cols.accept, cols.accept_obj, cols.disp, cols.disp_obj)
    _deciding(c, cols, rows, cal, as_of, as_of_us, out, at, obj)


def _touches_before_return(
    c: Commitment,
    cols: Columns,
    rows: Any,
    cal: BusinessCalendar,
    as_of: datetime,
    as_of_us: int,
    out: list[Outcome | None],
) -> None:
    """Only returned cycles: met with at least ``minimum`` touches by the return and the
    return no earlier than start + open_for; the owner is the one at the return."""
    assert c.open_for is not None and c.minimum is not None
    returned = [
        i
        for i in rows.tolist()
        if (d := cols.cycles[i].disposition) is not None and d.outcome == RETURNED
    ]
    if not returned:
        return
    r = np.asarray(returned, dtype=np.int64)
    disp = cols.disp[r]
    # touches at or before the return, counted per cycle
    by_touch = cols.touch <= cols.disp[cols.touch_cycle]
    counted = np.bincount(cols.touch_cycle[by_touch], minlength=cols.n)[r]
    earliest = cols.due(cal, c.open_for)[r]
    state = np.where((counted >= c.minimum) & (disp >= earliest), 0, 1)
    events = [cols.disp_obj[i] for i in returned]
    _emit(c, cols, r, state, earliest, events, out, as_of, held=events)


def _touch_cadence(
    c: Commitment,
    cols: Columns,
    rows: Any,
    cal: BusinessCalendar,
    as_of: datetime,
    as_of_us: int,
    out: list[Outcome | None],
) -> None:
    """Steps: the first ``until`` touches up to the disposition (a touch at its instant
    counts), then the disposition when the touches stop short of ``until``; each step at
    or before the previous one (or the clock start) + ``max_gap``. All the steps' deadlines
    in one batch call."""
    assert c.max_gap is not None and c.until is not None
    gap, until = c.max_gap, c.until
    n = cols.n
    # the touch steps: rank < until, not after the cycle's disposition
    step = (cols.touch_rank < until) & (cols.touch <= cols.disp[cols.touch_cycle])
    keep = np.zeros(n, dtype=bool)
    keep[rows] = True
    step &= keep[cols.touch_cycle]
    touch_steps = np.bincount(cols.touch_cycle[step], minlength=n)
    has_disp = cols.disp != NONE
    disp_step = keep & (touch_steps < until) & has_disp
    ended = keep & ((touch_steps == until) | has_disp)
    # every step as (cycle, its instant, its position in the cycle): touches, then the
    # disposition step after them
    t_idx = np.flatnonzero(step)
    d_idx = np.flatnonzero(disp_step)
    s_cycle = np.concatenate([cols.touch_cycle[t_idx], d_idx])
    s_at = np.concatenate([cols.touch[t_idx], cols.disp[d_idx]])
    s_pos = np.concatenate([cols.touch_rank[t_idx], touch_steps[d_idx]])
    order = np.lexsort((s_pos, s_cycle))
    s_cycle, s_at, s_pos = s_cycle[order], s_at[order], s_pos[order]
    s_src = np.concatenate([t_idx, -1 - d_idx])[order]  # touch index, or -1 - cycle
    prev = np.where(s_pos == 0, cols.start[s_cycle], np.roll(s_at, 1))
    s_due = add_us(cal, prev, gap) if len(prev) else prev
    late_idx = np.flatnonzero(s_at > s_due)
    # the first late step of each cycle (steps are sorted by cycle, then position)
    first_late = np.full(n, -1, dtype=np.int64)
    late_cycles, first = np.unique(s_cycle[late_idx], return_index=True)
    first_late[late_cycles] = late_idx[first]
    # the last step of each cycle (the previous instant for the next step)
    count = np.bincount(s_cycle, minlength=n)
    ends = np.cumsum(count) - 1
    if len(s_at):
        last_at = np.where(count > 0, s_at[np.maximum(ends, 0)], cols.start)
        last_src = np.where(count > 0, s_src[np.maximum(ends, 0)], 0)
    else:  # no cycle has a step yet
        last_at, last_src = cols.start, np.zeros(n, dtype=np.int64)
    open_rows = rows[(first_late[rows] < 0) & ~ended[rows]]
    next_due = np.zeros(n, dtype=np.int64)
    if len(open_rows):
        next_due[open_rows] = add_us(cal, last_at[open_rows], gap)
    risk = _risk(cal, c, as_of)

    def at_obj(src: int, i: int) -> datetime:
        if src >= 0:
            return cols.touch_obj[src]
        at = cols.disp_obj[i]
        assert at is not None
        return at

    states: list[int] = []
    deadlines: list[int] = []
    events: list[datetime | None] = []
    for i in rows.tolist():
        j = int(first_late[i])
        if j >= 0:
            states.append(1)
            deadlines.append(int(s_due[j]))
            events.append(at_obj(int(s_src[j]), i))
        elif ended[i]:
            states.append(0)
            deadlines.append(NONE)
            events.append(at_obj(int(last_src[i]), i))
        else:
            due = int(next_due[i])
            if as_of_us > due:
                states.append(1)
            elif risk is not None and due <= risk:
                states.append(3)
            else:
                states.append(2)
            deadlines.append(due)
            events.append(None)
    _emit(
        c,
        cols,
        rows,
        np.asarray(states, dtype=np.int64),
        np.asarray(deadlines, dtype=np.int64),
        events,
        out,
        as_of,
    )


def _complete_fields(
    c: Commitment,
    cols: Columns,
    rows: Any,
    cal: BusinessCalendar,
    as_of: datetime,
    as_of_us: int,
    out: list[Outcome | None],
) -> None:
    """Every field present and valid, a field at a time; a value leads share (a name, a
    company) checked once."""
    leads = [cols.cycles[i].lead for i in rows.tolist()]
    ok = np.ones(len(leads), dtype=bool)
    for name, read in _field_readers(c.fields):
        values = list(map(read, leads))
        if name in ("email", "phone"):  # nearly one value per lead
            good = [valid_field(name, v) for v in values]
        else:
            seen: dict[object, bool] = {}
            good = []
            for v in values:
                try:
                    g = seen.get(v)
                    if g is None:
                        g = seen[v] = valid_field(name, v)
                except TypeError:  # an unhashable extra value: just check it
                    g = valid_field(name, v)
                good.append(g)
        ok &= np.fromiter(good, dtype=bool, count=len(good))
    none = np.full(len(rows), NONE, dtype=np.int64)
    _emit(c, cols, rows, np.where(ok, 0, 1), none, [None] * len(rows), out, as_of)


ColumnMeasure = Callable[
    [Commitment, Columns, Any, BusinessCalendar, datetime, int, list[Outcome | None]], None
]
_COLUMN_MEASURES: dict[str, ColumnMeasure] = {
    "first_touch": _first_touch,
    "disposition": _disposition,
    "acceptance": _acceptance,
    "touches_before_return": _touches_before_return,
    "touch_cadence": _touch_cadence,
    "complete_fields": _complete_fields,
}
