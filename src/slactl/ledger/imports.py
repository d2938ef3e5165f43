"""CSV imports: leads and activities, generic or from a CRM's export (SPEC section 5).

One import is one transaction: it all lands or none of it does. The file is streamed and
written in batches through the driver's ``executemany`` (SQLAlchemy's ORM per row is
~20x slower here). Leads are upserted on ``external_id``: a row whose attributes changed
updates the lead and records each change in ``lead_change``; events are inserted on
their ``dedupe_key``, so the same row imported twice is one event.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.engine import Connection

from slactl.errors import ImportError_
from slactl.ledger.presets import ACTIVITY_COLUMNS, LEAD_COLUMNS, PRESETS, detect, norm
from slactl.ledger.types import to_utc_text
from slactl.timeparse import TimeParseError, parse_instant

BATCH = 5000
SPECIAL_KINDS = ("disposition", "handoff", "review", "reassign")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


@dataclass
class ImportSummary:
    path: Path
    kind: str
    preset: str
    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    dry_run: bool = False
    rejects: list[tuple[int, dict[str, str], str]] = field(default_factory=list)

    def line(self) -> str:
        verb = "would import" if self.dry_run else "imported"
        return (
            f"{verb} {self.path.name} ({self.kind}, {self.preset}): {self.read} read,"
            f" {self.inserted} inserted, {self.updated} updated, {self.unchanged} unchanged,"
            f" {self.rejected} rejected"
        )


class _Reject(Exception):
    pass


def _open_csv(path: Path) -> tuple[Any, Any]:
    try:
        f = open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115 - closed by caller
    except OSError as exc:
        raise ImportError_(f"{path}: cannot read: {exc.strerror}") from None
    try:
        sample = f.read(64 * 1024)
    except UnicodeDecodeError:
        f.close()
        raise ImportError_(f"{path}: not UTF-8 text; save the export as CSV UTF-8") from None
    f.seek(0)
    if not sample.strip():
        f.close()
        raise ImportError_(f"{path}: the file is empty")
    try:
        dialect: Any = csv.Sniffer().sniff(sample.splitlines()[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return f, csv.reader(f, dialect=dialect)


def parse_mapping(pairs: list[str], kind: str) -> dict[str, str]:
    """``--map "Column=field"`` options: header (normalised) -> field."""
    allowed = LEAD_COLUMNS if kind == "leads" else ACTIVITY_COLUMNS
    out: dict[str, str] = {}
    for pair in pairs:
        column, sep, target = pair.partition("=")
        target = target.strip()
        if not sep or not column.strip() or not target:
            raise ImportError_(
                f"--map {pair!r}: write it as 'Column=field', e.g. 'Deal Owner=owner'"
            )
        if target not in allowed and not (kind == "leads" and target.startswith("extra.")):
            from difflib import get_close_matches

            close = get_close_matches(target, allowed, n=1)
            hint = (
                f"; did you mean '{close[0]}'?" if close else f"; use one of {', '.join(allowed)}"
            )
            raise ImportError_(f"--map {pair!r}: unknown field '{target}'{hint}")
        out[norm(column)] = target
    return out


def _instant(text: str, tz: tzinfo) -> datetime:
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        return parse_instant(text, tz)
    if dt.tzinfo is None:
        return parse_instant(text, tz)
    return dt


def _hash(values: tuple[Any, ...]) -> str:
    text = "\x1f".join("" if v is None else str(v) for v in values)
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def import_csv(
    engine: Engine,
    path: Path,
    *,
    kind: str | None = None,
    preset: str | None = None,
    mapping: list[str] | None = None,
    dry_run: bool = False,
    strict: bool = False,
    default_tz: tzinfo = UTC,
    outcomes: tuple[str, ...] | None = None,
    now: datetime,
    progress: Any = None,
) -> ImportSummary:
    """Import one CSV file in one transaction; see the module docstring."""
    f, reader = _open_csv(path)
    with f:
        try:
            headers = [h.strip() for h in next(reader)]
        except StopIteration:
            raise ImportError_(f"{path}: the file is empty") from None
        detected = detect(headers)
        if kind is None or preset is None:
            if detected is None and (kind is None or mapping is None):
                raise ImportError_(
                    f"{path}: cannot tell leads from activities by the header"
                    f" ({', '.join(headers[:6])}{'…' if len(headers) > 6 else ''}):"
                    " pass --kind and --preset, or --map 'Column=field'"
                )
            kind = kind or (detected[0] if detected else "leads")
            preset = preset or (detected[1] if detected else "generic")
        if preset not in PRESETS:
            raise ImportError_(f"--preset {preset}: use generic, hubspot or salesforce")
        columns = dict(PRESETS[preset][kind])
        columns.update(parse_mapping(mapping or [], kind))
        header_map: dict[str, str] = {}
        for h in headers:
            target = columns.get(norm(h))
            if target and target not in header_map.values():
                header_map[h] = target
        required = ("external_id", "created_at") if kind == "leads" else ("kind", "at")
        for r in required:
            if r not in header_map.values():
                raise ImportError_(
                    f"{path}: no column for '{r}' in the header; name one with --map 'Column={r}'"
                )
        summary = ImportSummary(path, kind, preset, dry_run=dry_run)
        importer = _LeadImport if kind == "leads" else _ActivityImport
        with engine.connect() as conn:
            conn = conn.execution_options(write=True)
            trans = conn.begin()
            try:
                job = importer(conn, summary, header_map, default_tz, strict, now, outcomes)
                job.headers = headers
                job.prepare()
                job.run(_rows(reader), progress)
                if dry_run:
                    trans.rollback()
                else:
                    trans.commit()
            except BaseException:
                trans.rollback()
                raise
        return summary


def _rows(reader: Any) -> Iterator[tuple[int, list[str]]]:
    try:
        for row in reader:
            yield reader.line_num, row
    except csv.Error as exc:
        raise ImportError_(f"line {reader.line_num}: unreadable CSV: {exc}") from None
    except UnicodeDecodeError:
        raise ImportError_(
            f"line {reader.line_num}: not UTF-8 text; save the export as CSV UTF-8"
        ) from None


class _Job:
    def __init__(
        self,
        conn: Connection,
        summary: ImportSummary,
        header_map: dict[str, str],
        tz: tzinfo,
        strict: bool,
        now: datetime,
        outcomes: tuple[str, ...] | None,
    ) -> None:
        self.conn = conn
        self.summary = summary
        self.header_map = header_map
        self.tz = tz
        self.strict = strict
        self.now = now
        self.outcomes = outcomes
        self.pg = conn.dialect.name == "postgresql"
        self.ph = "%s" if conn.dialect.paramstyle in ("format", "pyformat") else "?"
        self.now_db = self.db_time(now)
        self.reps: set[str] = set()
        if not self.pg:
            # SQLite's 2 MiB default page cache spills the indexes to disk on a large import
            conn.exec_driver_sql("PRAGMA cache_size = -131072")

    def db_time(self, t: datetime | None) -> Any:
        if t is None:
            return None
        return t.astimezone(UTC) if self.pg else to_utc_text(t)

    def sql(self, text: str) -> str:
        return text.replace("?", self.ph) if self.ph != "?" else text

    headers: list[str]

    def prepare(self) -> None:
        """Column positions, so that a row is read by index rather than as a dict."""
        self.width = len(self.headers)
        self.slots = [(i, self.header_map.get(h), h) for i, h in enumerate(self.headers)]
        self.pos = {t: i for i, t, _ in self.slots if t}

    def row_dict(self, row: list[str] | dict[str, str]) -> dict[str, str]:
        if isinstance(row, dict):
            return row
        return dict(zip(self.headers, row, strict=False))

    def reject(self, line: int, row: Any, reason: str) -> None:
        row = self.row_dict(row)
        if self.strict:
            raise ImportError_(f"{self.summary.path}:{line}: {reason}")
        self.summary.rejected += 1
        self.summary.rejects.append((line, row, reason))

    def time(self, text: str, column: str) -> datetime:
        try:
            return _instant(text, self.tz)
        except TimeParseError as exc:
            raise _Reject(f"column {column}: {exc}") from None

    def run(self, rows: Iterator[tuple[int, list[str]]], progress: Any) -> None:
        batch: list[Any] = []
        for line, row in rows:
            self.summary.read += 1
            try:
                item = self.parse(line, row)
            except _Reject as exc:
                self.reject(line, row, str(exc))
                continue
            batch.append(item)
            if len(batch) >= BATCH:
                self.flush(batch)
                batch = []
                if progress:
                    progress(self.summary.read)
        if batch:
            self.flush(batch)
        self.finish()

    def parse(self, line: int, row: dict[str, str]) -> Any:
        raise NotImplementedError

    def flush(self, batch: list[Any]) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        if self.reps:
            verb = "INSERT INTO rep (name, first_seen_at) VALUES (?, ?)"
            self.conn.exec_driver_sql(
                self.sql(verb + " ON CONFLICT (name) DO NOTHING"),
                [(r, self.now_db) for r in sorted(self.reps)],
            )
        s = self.summary
        if (s.inserted or s.updated) and not s.dry_run:
            self.conn.exec_driver_sql(
                self.sql(
                    "INSERT INTO import_run (path, sha256, kind, preset, started_at, finished_at,"
                    " rows_read, inserted, updated, unchanged, rejected)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                ),
                (
                    str(s.path),
                    _file_hash(s.path),
                    s.kind,
                    s.preset,
                    self.now_db,
                    self.now_db,
                    s.read,
                    s.inserted,
                    s.updated,
                    s.unchanged,
                    s.rejected,
                ),
            )
        self.fix_clock_starts()

    def fix_clock_starts(self) -> None:
        """A lead with no handed_off_at attribute starts its clock at its first handoff."""
        self.conn.exec_driver_sql(
            "UPDATE lead SET clock_start_at = (SELECT MIN(e.at) FROM event e"
            " WHERE e.lead_id = lead.id AND e.kind = 'handoff')"
            " WHERE handed_off_at IS NULL AND EXISTS (SELECT 1 FROM event e"
            " WHERE e.lead_id = lead.id AND e.kind = 'handoff')"
        )


def _file_hash(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# lead columns stored as they are, in the order of the INSERT
_SECONDARY = (
    ("ix_lead_email", "email"),
    ("ix_lead_owner", "owner"),
    ("ix_lead_clock_start_at", "clock_start_at"),
)
_STORED = (*LEAD_COLUMNS, "extra")


class _LeadImport(_Job):
    def prepare(self) -> None:
        super().prepare()
        get = self.pos.get
        self.order = [get(c) for c in _STORED[:-1]]  # positions of the stored columns
        self.extra_slots = [
            (i, t[6:] if t else h) for i, t, h in self.slots if t is None or t.startswith("extra.")
        ]
        # a fresh ledger: no lookups, secondary indexes rebuilt once at the end
        self.fresh = self.conn.exec_driver_sql("SELECT 1 FROM lead LIMIT 1").first() is None
        self.rebuild = self.fresh and not self.pg
        if self.rebuild:
            for ix in _SECONDARY:
                self.conn.exec_driver_sql(f"DROP INDEX IF EXISTS {ix[0]}")

    def finish(self) -> None:
        if self.rebuild:
            for name, column in _SECONDARY:
                self.conn.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS {name} ON lead ({column})")
        super().finish()

    def parse(self, line: int, row: list[str]) -> tuple[Any, ...]:
        if len(row) > self.width:
            raise _Reject("more cells than the header has columns")
        if len(row) < self.width:
            row = row + [""] * (self.width - len(row))
        values: list[Any] = [
            (row[i].strip() or None) if i is not None else None for i in self.order
        ]
        if not values[0]:
            raise _Reject("no external_id: every lead needs its CRM id")
        if not values[11]:
            raise _Reject("no created_at: every lead needs its creation time")
        values[11] = self.time(values[11], "created_at")
        if values[12]:
            values[12] = self.time(values[12], "handed_off_at")
        if values[10] is not None:
            try:
                values[10] = float(values[10])
            except ValueError:
                raise _Reject(f"column score: {values[10]!r} is not a number") from None
        if values[1]:
            values[1] = values[1].lower()
        if values[9]:
            self.reps.add(values[9])
        extra = {name: row[i].strip() for i, name in self.extra_slots if row[i].strip()}
        values.append(json.dumps(extra, sort_keys=True, ensure_ascii=False) if extra else None)
        return tuple(values)

    def flush(self, batch: list[tuple[Any, ...]]) -> None:
        if self.fresh:
            if self._insert_fresh(batch):
                return
            self.fresh = False  # a lead seen twice: compare rows from here on
        # a lead twice in one batch: the later row is compared with the earlier one
        seen: dict[str, int] = {}
        for i, item in enumerate(batch):
            if item[0] in seen:
                self.flush(batch[:i])
                self.flush(batch[i:])
                return
            seen[item[0]] = i
        ids = [item[0] for item in batch]
        existing: dict[str, tuple[Any, ...]] = {}
        for start in range(0, len(ids), 900 if not self.pg else len(ids)):
            chunk = ids[start : start + (900 if not self.pg else len(ids))]
            if self.pg:
                rows = self.conn.exec_driver_sql(
                    "SELECT id, row_hash, " + ", ".join(_STORED) + " FROM lead"
                    " WHERE external_id = ANY(%s)",
                    (chunk,),
                )
            else:
                rows = self.conn.exec_driver_sql(
                    "SELECT id, row_hash, " + ", ".join(_STORED) + " FROM lead"
                    f" WHERE external_id IN ({', '.join('?' * len(chunk))})",
                    tuple(chunk),
                )
            for r in rows:
                existing[r[2]] = tuple(r)
        inserts = []
        updates = []
        changes = []
        for item in batch:
            db_item = tuple(self.db_time(v) if isinstance(v, datetime) else v for v in item)
            h = _hash(db_item)
            old = existing.get(item[0])
            clock = item[12] or item[11]
            if old is None:
                inserts.append((*db_item, self.db_time(clock), h, self.now_db))
                self.summary.inserted += 1
            elif old[1] == h:
                self.summary.unchanged += 1
            else:
                self.summary.updated += 1
                updates.append((*db_item[1:], self.db_time(clock), h, old[0]))
                for name, new_value, old_value in zip(_STORED, db_item, old[2:], strict=True):
                    if _text(new_value) != _text(old_value):
                        changes.append(
                            (old[0], name, _text(old_value), _text(new_value), self.now_db)
                        )
        if inserts:
            self.conn.exec_driver_sql(
                self.sql(
                    "INSERT INTO lead (" + ", ".join(_STORED) + ", clock_start_at, row_hash,"
                    " recorded_at) VALUES (" + ", ".join("?" * (len(_STORED) + 3)) + ")"
                ),
                inserts,
            )
        if updates:
            sets = ", ".join(f"{c} = ?" for c in _STORED[1:])
            self.conn.exec_driver_sql(
                self.sql(f"UPDATE lead SET {sets}, clock_start_at = ?, row_hash = ? WHERE id = ?"),
                updates,
            )
        if changes:
            self.conn.exec_driver_sql(
                self.sql(
                    "INSERT INTO lead_change (lead_id, field, old_value, new_value, recorded_at)"
                    " VALUES (?, ?, ?, ?, ?)"
                ),
                changes,
            )

    def _insert_fresh(self, batch: list[tuple[Any, ...]]) -> bool:
        """Insert a batch into a ledger that had no leads; False (and nothing written) when
        a lead in it is already there, so that the batch is compared row by row instead."""
        rows = []
        now = self.now_db
        for item in batch:
            db_item = tuple(self.db_time(v) if isinstance(v, datetime) else v for v in item)
            clock = db_item[12] or db_item[11]
            rows.append((*db_item, clock, _hash(db_item), now))
        savepoint = self.conn.begin_nested()
        result = self.conn.exec_driver_sql(
            self.sql(
                "INSERT INTO lead (" + ", ".join(_STORED) + ", clock_start_at, row_hash,"
                " recorded_at) VALUES (" + ", ".join("?" * (len(_STORED) + 3)) + ")"
                " ON CONFLICT (external_id) DO NOTHING"
            ),
            rows,
        )
        if result.rowcount != len(rows):
            savepoint.rollback()
            return False
        savepoint.commit()
        self.summary.inserted += len(rows)
        return True


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return to_utc_text(value)
    if isinstance(value, float):
        return repr(value)
    return str(value)


def dedupe_key(
    lead_id: int | None,
    kind: str,
    rep: str | None,
    at_utc: str,
    outcome: str | None,
    note: str | None,
) -> str:
    return _hash((lead_id, kind, rep or "", at_utc, outcome or "", note or ""))


class _ActivityImport(_Job):
    def parse(self, line: int, row: list[str]) -> tuple[Any, ...]:
        if len(row) > self.width:
            raise _Reject("more cells than the header has columns")
        values: dict[str, str | None] = {
            t: (row[i].strip() or None) if i < len(row) else None for t, i in self.pos.items()
        }
        kind = (values.get("kind") or "").lower()
        if not kind:
            raise _Reject("no kind: say call, email, meeting, disposition, handoff or review")
        at_text = values.get("at")
        if not at_text:
            raise _Reject("no time in column at")
        at = self.time(at_text, "at")
        lead_key = values.get("lead")
        if kind == "review":
            lead_key = None
        elif not lead_key:
            raise _Reject(f"no lead for a {kind}: give its external id or email")
        outcome = (values.get("outcome") or "").lower() or None
        if kind == "disposition":
            if not outcome:
                raise _Reject("a disposition needs an outcome")
            if self.outcomes and outcome not in self.outcomes:
                raise _Reject(
                    f"outcome '{outcome}' is not one of the agreement's: {', '.join(self.outcomes)}"
                )
        rep = values.get("rep")
        if rep:
            self.reps.add(rep)
        return (line, lead_key, kind, rep, at, outcome, values.get("note"))

    def flush(self, batch: list[tuple[Any, ...]]) -> None:
        keys = sorted({item[1] for item in batch if item[1]})
        ids: dict[str, int] = {}
        step = len(keys) if self.pg else 450
        for start in range(0, len(keys), max(step, 1)):
            chunk = keys[start : start + max(step, 1)]
            lowered = [k.lower() for k in chunk]
            if self.pg:
                rows = self.conn.exec_driver_sql(
                    "SELECT id, external_id, email FROM lead"
                    " WHERE external_id = ANY(%s) OR email = ANY(%s)",
                    (chunk, lowered),
                )
            else:
                marks = ", ".join("?" * len(chunk))
                rows = self.conn.exec_driver_sql(
                    f"SELECT id, external_id, email FROM lead WHERE external_id IN ({marks})"
                    f" OR email IN ({marks})",
                    (*chunk, *lowered),
                )
            for lead_id, ext, email in rows:
                ids[ext] = lead_id
                if email:
                    ids.setdefault(email, lead_id)
        inserts = []
        for line, lead_key, kind, rep, at, outcome, note in batch:
            lead_id = None
            if lead_key:
                lead_id = ids.get(lead_key) or ids.get(lead_key.lower())
                if lead_id is None:
                    self.reject(
                        line,
                        {"lead": lead_key, "kind": kind, "rep": rep or "", "at": at.isoformat()},
                        f"no lead '{lead_key}' in the ledger: import the leads first",
                    )
                    continue
            at_text = to_utc_text(at)
            at_db = at.astimezone(UTC) if self.pg else at_text
            key = dedupe_key(lead_id, kind, rep, at_text, outcome, note)
            inserts.append((lead_id, kind, at_db, rep, outcome, note, "import", key, self.now_db))
        if not inserts:
            return
        result = self.conn.exec_driver_sql(
            self.sql(
                "INSERT INTO event (lead_id, kind, at, rep, outcome, note, origin, dedupe_key,"
                " recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (dedupe_key) DO NOTHING"
            ),
            inserts,
        )
        added = result.rowcount if result.rowcount is not None and result.rowcount >= 0 else 0
        self.summary.inserted += added
        self.summary.unchanged += len(inserts) - added


def write_rejects(summary: ImportSummary, target: Path) -> None:
    """The rejected rows, as they were, plus their line number and the reason."""
    rows = summary.rejects
    columns: list[str] = []
    for _, row, _ in rows:
        for k in row:
            if k is not None and k not in columns:
                columns.append(k)
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["line", "reason", *columns])
    for line, row, reason in rows:
        w.writerow([line, reason, *(row.get(c, "") for c in columns)])
    target.write_text(buf.getvalue(), encoding="utf-8")


def valid_email(text: str | None) -> bool:
    return bool(text and _EMAIL.match(text))
