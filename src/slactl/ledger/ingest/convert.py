"""A batch of cells (strings) to the ledger's columns, a column at a time with
``pyarrow.compute``; the rows that fail a check are set aside with their reason, which
is written (in Python) for those rows only."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from functools import reduce
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from slactl.ledger import opportunities, rules
from slactl.ledger.presets import DURATION_UNITS, OWNER_FIELDS
from slactl.ledger.rules import EventRules
from slactl.timecolumns import TimeColumn, why_not

MAX_KEY = 256  # characters of an external id or an activity's lead


class _Checks(list[tuple[Any, Callable[[int], str]]]):
    """(bad rows, the reason of row i), in the order a row's first fault is named."""

    def __call__(self, bad: Any, reason: str | Callable[[int], str]) -> None:
        self.append((bad, reason if callable(reason) else lambda i: reason))


@dataclass
class Converter:
    kind: str  # leads | activities | opportunities
    fields: dict[int, str]  # column position -> field, or extra.<key>
    times: TimeColumn  # the reading of times: the zone, the date order
    pg: bool
    outcomes: tuple[str, ...] | None = None
    rules: tuple[EventRules, ...] = ()  # the reasons each agreement allows (SPEC 7.3, 7.4)
    nul: bool = True  # a NUL byte may be in the cells

    def convert(self, raw: pa.RecordBatch) -> tuple[dict[str, Any], Any, list[tuple[int, str]]]:
        """(field -> the good rows' values, their positions in the batch, [(position of a
        bad row, its reason)])."""
        cells = {f: pc.utf8_trim_whitespace(raw.column(i)) for i, f in self.fields.items()}
        check = _Checks()
        nul = [pc.match_substring(c, "\x00") for c in raw.columns] if self.nul else []
        check(_any(nul, raw.num_rows), "a cell holds a NUL byte")
        # rows read but not for the ledger (another field's history)
        self.skip: Any = _any([], raw.num_rows)
        if self.kind == "opportunities":
            out = opportunities.columns(self, cells, check)
        elif self.kind == "leads":
            out = self._leads(cells, check)
        else:
            out = self._activities(cells, check)
        bad = pc.and_(_any([m for m, _ in check], raw.num_rows), pc.invert(self.skip))
        self.skipped = pc.sum(self.skip).as_py() or 0
        rejects = [
            (i, next(r(i) for m, r in check if m[i].as_py()))
            for i in pc.indices_nonzero(bad).to_pylist()
        ]
        good = pc.invert(pc.or_(bad, self.skip))
        return {f: pc.filter(a, good) for f, a in out.items()}, pc.indices_nonzero(good), rejects

    def digest(self, raw: pa.RecordBatch) -> Any:
        """Each row's digest (text): of its cells and of how they are read (the mapping,
        the zone, the date order). A lead stored with a row's digest is what the row says."""
        salt = f"{self.kind}|{sorted(self.fields.items())}|{self.times.tz}|{self.times.date_order}"
        short = hashlib.blake2b(salt.encode(), digest_size=6).hexdigest()
        columns = [raw.column(i) for i in sorted(self.fields)]
        return _hash(pc.binary_join_element_wise(short, *columns, "\x1f"))

    def _leads(self, cells: dict[str, Any], check: _Checks) -> dict[str, Any]:
        ident = cells["external_id"]
        check(pc.equal(ident, ""), "no external_id: every lead needs its CRM id")
        check(
            pc.greater(pc.utf8_length(ident), MAX_KEY),
            f"external_id longer than {MAX_KEY} characters",
        )
        check(
            pc.equal(cells["created_at"], ""), "no created_at: every lead needs its creation time"
        )
        out = {}
        for name, column in cells.items():
            if name in ("created_at", "handed_off_at"):
                out[name] = self._time(column, name, check)
            elif name == "score":
                number = pc.match_substring_regex(
                    column, r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
                )
                check(
                    pc.and_(pc.invert(number), pc.not_equal(column, "")),
                    lambda i, t=column: f"column score: {t[i].as_py()!r} is not a number",  # type: ignore[misc]
                )
                out[name] = pc.cast(pc.if_else(number, column, None), pa.float64())
            elif not name.startswith("extra."):
                out[name] = _null_if_empty(pc.utf8_lower(column) if name == "email" else column)
        extras = sorted((n[6:], a) for n, a in cells.items() if n.startswith("extra."))
        if extras:
            out["extra"] = _json_objects(extras)
        return out

    def _activities(self, cells: dict[str, Any], check: _Checks) -> dict[str, Any]:
        empty = pa.array([""] * len(cells["at"]), pa.string())
        given = {f: cells.get(f, empty) for f in ("kind", "lead", "rep", "note", "from_rep")}
        kind = pc.utf8_lower(given["kind"])
        if "history_field" in cells:
            kind = self._owner_changes(kind, cells)
        check(
            pc.equal(kind, ""), "no kind: say call, email, meeting, disposition, handoff or review"
        )
        check(pc.equal(cells["at"], ""), "no time in column at")
        at = self._time(cells["at"], "at", check)
        review = pc.equal(kind, "review")
        lead = pc.if_else(review, "", given["lead"])
        check(
            pc.and_(pc.equal(lead, ""), pc.invert(review)),
            lambda i: f"no lead for a {kind[i].as_py()}: give its external id or email",
        )
        check(pc.greater(pc.utf8_length(lead), MAX_KEY), f"lead longer than {MAX_KEY} characters")
        outcome, reason = (pc.utf8_lower(cells.get(f, empty)) for f in ("outcome", "reason"))
        disposition = pc.equal(kind, "disposition")
        check(pc.and_(disposition, pc.equal(outcome, "")), "a disposition needs an outcome")
        if self.outcomes:
            listed = ", ".join(self.outcomes)
            check(
                pc.and_(disposition, pc.invert(pc.is_in(outcome, pa.array((*self.outcomes, ""))))),
                lambda i: f"outcome '{outcome[i].as_py()}' is not one of the agreement's: {listed}",
            )
        rep = given["rep"]
        check(
            pc.and_(pc.equal(kind, "reassign"), pc.equal(rep, "")),
            "a reassign needs rep: the lead's new owner",
        )
        unit = next((u for u in DURATION_UNITS if u in cells), "duration")
        duration = rules.minutes_column(cells.get(unit, empty), DURATION_UNITS[unit], check)
        at_us = pc.cast(at, pa.timestamp("us"))
        if self.rules:
            check(
                rules.unlisted(self.rules, kind, outcome, reason, at_us),
                lambda i: str(
                    rules.fault(
                        self.rules,
                        kind[i].as_py(),
                        outcome[i].as_py(),
                        reason[i].as_py(),
                        at_us[i].as_py().replace(tzinfo=UTC),
                    )
                ),
            )
        key = pc.binary_join_element_wise(
            _utc_text(at_us), kind, pc.utf8_lower(rep), "", "\x1f", null_handling="replace"
        )
        given |= {"lead": lead, "lead_lower": pc.utf8_lower(lead), "kind": kind}
        given |= {"outcome": outcome, "reason": reason}
        out = {f: _null_if_empty(v) for f, v in given.items()}
        return out | {"at": at, "duration": duration, "key": key}

    def _owner_changes(self, kind: Any, cells: dict[str, Any]) -> Any:
        """A field-history export: its owner changes are reassigns, its other rows
        skipped; of an owner change written twice (Salesforce: once as user ids, once as
        names) the names are kept."""
        owner = pc.is_in(pc.utf8_lower(cells["history_field"]), pa.array(OWNER_FIELDS))
        skip = pc.invert(owner)
        if "history_type" in cells:
            ids = pc.equal(pc.utf8_lower(cells["history_type"]), "entityid")
            if pc.any(pc.and_(owner, pc.invert(ids))).as_py():
                skip = pc.or_(skip, ids)
        self.skip = skip
        return pc.if_else(owner, "reassign", kind)

    def _time(self, text: Any, column: str, check: _Checks) -> Any:
        """UTC instants (text on SQLite, timestamps on PostgreSQL) of a column of times;
        an empty cell is NULL, a cell that is no time a reject."""
        utc = self.times.read(text)
        check(
            pc.and_(pc.not_equal(text, ""), pc.is_null(utc)),
            lambda i: f"column {column}: {why_not(text[i].as_py())}",
        )
        if self.pg:
            return pc.cast(utc, pa.timestamp("us", tz="UTC"))
        return _utc_text(utc)


def _utc_text(utc: Any) -> Any:
    """The SQLite storage form of instants (``to_utc_text``): no fraction when it is 0."""
    try:
        return pc.cast(pc.cast(utc, pa.timestamp("s")), pa.string())  # (no fraction in it)
    except pa.ArrowInvalid:
        pass
    return pc.replace_substring_regex(pc.cast(utc, pa.string()), r"\.000000$", "")


def _null_if_empty(a: Any) -> Any:
    return pc.if_else(pc.equal(a, ""), None, a)


def _any(masks: list[Any], n: int) -> Any:
    return reduce(pc.or_, masks, pa.array([False] * n, pa.bool_()))


# as json.dumps(…, ensure_ascii=False) escapes: backslash first, then quote and controls
_JSON_ESCAPES = {"\\": "\\\\", '"': '\\"', **{chr(c): json.dumps(chr(c))[1:-1] for c in range(32)}}


def _json_objects(columns: list[tuple[str, Any]]) -> Any:
    """``{"key": "value", …}`` per row of the non-empty cells, keys sorted, as
    ``json.dumps(…, ensure_ascii=False)`` writes it; NULL for a row with none."""
    body = pa.array([""] * len(columns[0][1]), pa.string())
    for key, cells in columns:
        value = cells
        if pc.any(pc.match_substring_regex(cells, '[\\\\"\\x00-\\x1f]')).as_py():
            for old, new in _JSON_ESCAPES.items():
                value = pc.replace_substring(value, old, new)
        prefix = json.dumps(key, ensure_ascii=False) + ': "'
        member = pc.binary_join_element_wise(prefix, value, '"', "")
        # (not binary_join_element_wise's null_handling="skip": it drops whole rows)
        joined = pc.if_else(
            pc.equal(body, ""), member, pc.binary_join_element_wise(body, member, ", ")
        )
        body = pc.if_else(pc.equal(cells, ""), body, joined)
    return pc.if_else(pc.equal(body, ""), None, pc.binary_join_element_wise("{", body, "}", ""))


_P = 0x9E3779B97F4A7C15  # odd: its powers are units modulo 2**64
_POWERS: list[Any] = [np.ones(0, np.uint64), np.ones(0, np.uint64)]  # P**j and P**-j


def _hash(text: Any) -> Any:
    """A polynomial hash modulo 2**64 of each string (sum of byte j times P**j), in numpy
    over the Arrow buffers: a change of one byte always changes it."""
    if not len(text):
        return np.zeros(0, np.uint64)
    offsets = np.frombuffer(text.buffers()[1], np.int32)[: len(text) + 1].astype(np.intp)
    data = np.frombuffer(text.buffers()[2], np.uint8)[: offsets[-1]]
    if len(_POWERS[0]) < len(data) + 1:
        n = len(data) + (1 << 16)  # (batches differ a little in size)
        for k, p in enumerate((_P, pow(_P, -1, 2**64))):
            powers = np.full(n, p, np.uint64)
            powers[0] = 1
            _POWERS[k] = np.cumprod(powers, dtype=np.uint64)
    sums = np.add.reduceat(data * _POWERS[0][: len(data)], offsets[:-1])
    return sums * _POWERS[1][offsets[:-1]]
