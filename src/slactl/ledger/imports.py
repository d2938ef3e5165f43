"""CSV imports: leads and activities, generic or from a CRM's export (SPEC section 5).

One import is one transaction: it all lands or none of it does. The file is streamed,
line by line when it is plain (``plain``), else with ``csv.reader`` (rows read by
position), and written in batches through the driver's ``executemany`` (SQLAlchemy's ORM
per row is ~20x slower here). Leads into an empty SQLite ledger are converted a batch at a
time (``_LeadImport.fast``) and, from a large plain file, on two cores (``_Part``).

Leads are keyed by ``external_id``. Each lead keeps a hash of the row it was imported
from, so a re-import skips unchanged rows without parsing them; a row whose hash differs
is compared field by field, and a changed field updates the lead and writes a
``lead_change`` row with the old and new value. Events are inserted on their
``dedupe_key`` (a hash of lead, kind, rep, instant, outcome, note), so the same row
imported twice is one event.

Into a SQLite table that is still empty, the secondary indexes are dropped for the load
and built once at the end. Leads into a SQLite ledger with no leads yet, and activities
into one with no events yet (with no other connection to it), are loaded with a rollback
journal instead of the WAL: the new pages are then written once, into the file, not to
the WAL and again by its checkpoint (the pages that were there before and change are
kept in the journal, to undo them); the file is back in WAL mode
when the import ends, and a killed import is rolled back from the journal by the next
connection. Row by row, SQLite converts the common ISO 8601 forms with an offset to
UTC itself (``datetime()``), which saves Python two datetime conversions per lead; a batch
has numpy convert them.
"""

from __future__ import annotations

import codecs
import csv
import gc
import hashlib
import multiprocessing
import os
import re
import shutil
import sqlite3
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import repeat
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from operator import itemgetter
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import Engine
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from slactl.errors import ImportError_
from slactl.ledger.plain import NotUtf8, Plain, blocks, plain
from slactl.ledger.presets import ACTIVITY_COLUMNS, LEAD_COLUMNS, PRESETS, detect, norm
from slactl.ledger.types import to_utc_text
from slactl.timeparse import TimeParseError, ZoneRule, parse_instant

BATCH = 5000
# a plain leads file this large, into a ledger with no leads, is read in two halves on two
# cores (see _Part); below it the second process costs more than it saves
PARALLEL_FROM_BYTES = 16_000_000
CHUNK = 5000  # keys per "IN (…)" lookup on SQLite (its limit is 32,766 parameters)
KEPT_REJECTS = 100  # in memory for the summary; --rejects FILE gets all of them
SPECIAL_KINDS = ("disposition", "handoff", "review", "reassign")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_fromiso = datetime.fromisoformat
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
    # the first KEPT_REJECTS rejected rows: (line, row as header -> cell, reason)
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


class _Sequential(Exception):
    """Raised by the fast path to have the import rolled back and done by ``csv.reader``."""


def _open_csv(path: Path) -> tuple[TextIO, Any]:
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
    return f, dialect


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


def _hash(values: tuple[Any, ...]) -> str:
    text = "\x1f".join("" if v is None else str(v) for v in values)
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def dedupe_key(
    lead_id: int | None,
    kind: str,
    rep: str | None,
    at_utc: str,
    outcome: str | None,
    note: str | None,
) -> str:
    """The content key of an event: the same fact, however often recorded, is one row.

    The UTC time comes first, then a hash of the whole fact: exports are sorted by time
    more often than not, so the unique index grows at its end instead of everywhere
    (a third faster on 5M activities)."""
    text = (
        f"{'' if lead_id is None else lead_id}\x1f{kind}\x1f{rep or ''}\x1f{at_utc}"
        f"\x1f{outcome or ''}\x1f{note or ''}"
    )
    return at_utc[:19] + hashlib.blake2b(text.encode(), digest_size=10).hexdigest()


def _sqlite_can_convert(s: str) -> bool:
    """True when SQLite's ``datetime()`` turns this ISO text (already read by Python as an
    aware instant with no fraction of a second) into the same UTC text we would write:
    ``YYYY-MM-DD[T ]HH:MM[:SS]`` followed by ``Z`` or ``±HH:MM``."""
    if s[-1] == "Z":
        n = len(s) - 1
    elif len(s) > 6 and s[-3] == ":" and s[-6] in "+-":
        n = len(s) - 6
        # SQLite reads offsets up to ±14:59 with minutes under 60; Python also takes
        # +05:75 or +23:59, which SQLite turns into NULL
        if s[-5:-3] > "14" or s[-2:] > "59":
            return False
    else:
        return False
    # not an ISO week date (2024-W01-1T10:00Z), which SQLite does not read either
    return (n == 16 or n == 19) and s[10] in "T " and s[4] == "-" and s[7] == "-"


def import_csv(
    engine: Engine,
    path: Path,
    *,
    kind: str | None = None,
    preset: str | None = None,
    mapping: list[str] | None = None,
    dry_run: bool = False,
    strict: bool = False,
    rejects: Path | None = None,
    default_tz: ZoneRule = UTC,
    outcomes: tuple[str, ...] | None = None,
    now: datetime,
    progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Import one CSV file in one transaction; see the module docstring.

    ``rejects``: a CSV file to write every rejected row to (line, reason, the row).
    ``progress``: called now and then with the number of characters read so far.
    """
    if rejects is not None and rejects.resolve() == path.resolve():
        raise ImportError_(f"--rejects {rejects}: that is the file being imported; name another")
    f, dialect = _open_csv(path)
    with f:
        counter = _Counting(f, progress) if progress is not None else None
        reader = csv.reader(counter or f, dialect=dialect)
        try:
            headers = [h.strip() for h in next(reader)]
        except StopIteration:
            raise ImportError_(f"{path}: the file is empty") from None
        except csv.Error as exc:
            raise ImportError_(f"{path}:1: unreadable CSV header: {exc}") from None
        kind, preset, header_map = _resolve(path, headers, kind, preset, mapping)
        hasher = _FileHash(path) if not dry_run else None
        importer = _LeadImport if kind == "leads" else _ActivityImport
        lines = plain(path, dialect)
        while True:
            summary = ImportSummary(path, kind, preset, dry_run=dry_run)
            sink = _RejectSink(rejects, headers) if rejects is not None and not strict else None
            try:
                with engine.connect() as conn:
                    conn = conn.execution_options(write=True)
                    table = "lead" if kind == "leads" else "event"
                    solo = not dry_run and _rollback_journal_if_new(conn, table)
                    trans = conn.begin()
                    job = None
                    try:
                        job = importer(
                            conn, summary, headers, header_map, default_tz, strict, now, outcomes
                        )
                        job.sink = sink
                        job.hasher = hasher
                        job.flusher = _Flusher.of(conn) if solo else None
                        try:
                            with _gc_paused():
                                if lines is not None:
                                    job.run_plain(lines, progress)
                                else:
                                    if hasher is not None:
                                        hasher.start()
                                    job.run(reader)
                        except csv.Error as exc:
                            raise ImportError_(
                                f"{path}:{reader.line_num}: unreadable CSV: {exc}"
                            ) from None
                        except UnicodeDecodeError:
                            # the text layer decodes ahead of csv.reader: find the line
                            line = _first_bad_line(path) or reader.line_num + 1
                            raise _not_utf8(path, line) from None
                        job.finish(hasher)
                        if dry_run:
                            trans.rollback()
                        else:
                            trans.commit()
                    except BaseException:
                        trans.rollback()
                        raise
                    finally:
                        if job is not None:
                            job.close()
                            if job.flusher is not None:
                                job.flusher.close()
                        if solo:
                            _wal_again(conn)
            except _Sequential:
                # the two-process path found what it leaves to the careful one (a lead twice
                # in the file, a worker that failed): all of it rolled back, the file is
                # read again from its start by csv.reader
                if sink is not None:
                    sink.discard()
                lines = None
                f.seek(0)
                if counter is not None:
                    counter.chars = counter.lines = 0
                reader = csv.reader(counter or f, dialect=dialect)
                next(reader)
                continue
            except BaseException:
                if sink is not None:
                    sink.discard()
                if hasher is not None:
                    hasher.join()
                raise
            break
        if hasher is not None:
            hasher.join()
        if sink is not None:
            sink.close()
        if lines is not None and progress is not None:
            progress(lines.size)  # (the counter saw only the header)
        elif counter is not None:
            counter.done()
        return summary


@contextmanager
def _gc_paused() -> Iterator[None]:
    """The cyclic garbage collector paused while rows are read: a batch makes ~100,000
    short-lived objects, none in a cycle, and the collector would only walk them (and all
    else) again and again (measured: about 10% of a lead import, 7–13% of an activity
    import)."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def _rollback_journal_if_new(conn: Connection, table: str) -> bool:
    """Switch a SQLite ledger whose ``table`` (``lead`` or ``event``) holds no rows to a
    rollback journal for this import (see the module docstring); False, and the WAL kept,
    when it has rows or another connection has the file open (leaving WAL mode needs the
    file to itself)."""
    if conn.dialect.name != "sqlite":
        return False
    raw = conn.connection.driver_connection
    if raw is None or raw.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone() is not None:
        return False
    raw.execute("PRAGMA busy_timeout=0")  # another connection: keep the WAL, do not wait
    try:
        mode = raw.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
    except sqlite3.OperationalError:
        mode = "wal"
    finally:
        raw.execute("PRAGMA busy_timeout=30000")
    if mode != "delete":
        return False
    raw.execute("PRAGMA synchronous=FULL")  # NORMAL is safe with the WAL, not without it
    return True


def _wal_again(conn: Connection) -> None:
    """Back to WAL mode after ``_rollback_journal_if_new``; should that fail, the
    connection is discarded (a new one sets WAL mode as it connects)."""
    raw = conn.connection.driver_connection
    try:
        raw.execute("PRAGMA synchronous=NORMAL")
        if raw.execute("PRAGMA journal_mode=WAL").fetchone()[0] == "wal":
            return
    except sqlite3.Error:
        pass
    conn.invalidate()


def _resolve(
    path: Path,
    headers: list[str],
    kind: str | None,
    preset: str | None,
    mapping: list[str] | None,
) -> tuple[str, str, dict[str, str]]:
    """(kind, preset, header -> field) from the header and the options."""
    detected = detect(headers)
    if kind is None or preset is None:
        if detected is None and (kind is None or not mapping):
            raise ImportError_(
                f"{path}: cannot tell leads from activities by the header"
                f" ({', '.join(headers[:6])}{'…' if len(headers) > 6 else ''}):"
                " pass --kind and --preset, or --map 'Column=field'"
            )
        kind = kind or (detected[0] if detected else "leads")
        preset = preset or (detected[1] if detected else "generic")
    if preset not in PRESETS:
        raise ImportError_(f"--preset {preset}: use generic, hubspot or salesforce")
    if kind not in ("leads", "activities"):
        raise ImportError_(f"--kind {kind}: use leads or activities")
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
    return kind, preset, header_map


class _Counting:
    """A file's lines, counting the characters read (for the progress bar)."""

    def __init__(self, f: TextIO, report: Callable[[int], None]) -> None:
        self.f = f
        self.report = report
        self.chars = 0
        self.lines = 0

    def __iter__(self) -> _Counting:
        return self

    def __next__(self) -> str:
        line = next(self.f)
        self.chars += len(line)
        self.lines += 1
        if not self.lines & 0x3FFF:
            self.report(self.chars)
        return line

    def done(self) -> None:
        self.report(self.chars)


class _PlainReader:
    """A plain file's rows as ``csv.reader`` gives them, with its ``line_num``."""

    def __init__(self, p: Plain, progress: Callable[[int], None] | None) -> None:
        self.p = p
        self.progress = progress
        self.line_num = 1  # the header

    def __iter__(self) -> Iterator[list[str]]:
        d = self.p.delimiter
        n = 1
        try:
            for done, lines in blocks(self.p, self.p.start, self.p.size):
                for line in lines:
                    n += 1
                    self.line_num = n
                    yield line.split(d) if line else []
                if self.progress is not None:
                    self.progress(self.p.start + done)
        except NotUtf8 as exc:
            raise _not_utf8(self.p.path, n + 1 + exc.lines) from None


def _first_bad_line(path: Path) -> int | None:
    """The number of the first line of a file with bytes that are not UTF-8, if any."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    lines = 1
    try:
        with open(path, "rb") as f:
            while chunk := f.read(1 << 20):
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError as exc:
                    # exc.object may start with a held-over partial character: no \n in it
                    return lines + exc.object.count(b"\n", 0, exc.start)
                lines += chunk.count(b"\n")
    except OSError:
        return None
    return None


def _not_utf8(path: Path, line: int) -> ImportError_:
    return ImportError_(f"{path}:{line}: not UTF-8 text; save the export as CSV UTF-8")


class _FileHash:
    """The file's SHA-256 for ``import_run``, computed on the other core while we import
    (hashlib lets go of the GIL for large buffers). Started by ``start`` (a process forked
    for the other half of a file should not inherit a running thread) or by ``join``;
    or computed elsewhere (the worker of ``_Part``, once its half is done) and ``given``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.value: str | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.known = False

    def start(self) -> None:
        if self.thread.ident is None and not self.known:
            self.thread.start()

    def given(self, value: str | None) -> None:
        self.value, self.known = value, True

    def _run(self) -> None:
        self.value = _sha256(self.path)

    def join(self) -> str:
        if self.known:
            return self.value or ""
        self.start()
        self.thread.join()
        return self.value or ""


def _sha256(path: Path) -> str | None:
    h = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    except OSError:
        return None
    return h.hexdigest()


class _RejectSink:
    """Writes rejected rows to ``--rejects FILE`` as they come: line, reason, the row."""

    def __init__(self, target: Path, headers: list[str]) -> None:
        self.target = target
        self.headers = headers
        self.file: TextIO | None = None
        self.writer: Any = None

    def write(self, line: int, row: list[str], reason: str) -> None:
        if self.writer is None:
            try:
                self.file = open(self.target, "w", encoding="utf-8", newline="")  # noqa: SIM115
            except OSError as exc:
                raise ImportError_(f"--rejects {self.target}: {exc.strerror}") from None
            self.writer = csv.writer(self.file)
            self.writer.writerow(["line", "reason", *self.headers])
        self.writer.writerow([line, reason, *row])

    def close(self) -> None:
        if self.file is not None:
            self.file.close()

    def discard(self) -> None:
        if self.file is not None:
            self.file.close()
            self.target.unlink(missing_ok=True)


class _Job:
    sink: _RejectSink | None = None
    hasher: _FileHash | None = None
    flusher: _Flusher | None = None

    def __init__(
        self,
        conn: Connection,
        summary: ImportSummary,
        headers: list[str],
        header_map: dict[str, str],
        tz: ZoneRule,
        strict: bool,
        now: datetime,
        outcomes: tuple[str, ...] | None,
    ) -> None:
        self.conn = conn
        self.summary = summary
        self.headers = headers
        self.header_map = header_map
        self.tz = tz
        self.strict = strict
        self.outcomes = outcomes
        self.pg = conn.dialect.name == "postgresql"
        self.ph = "%s" if conn.dialect.paramstyle in ("format", "pyformat") else "?"
        self.now_db = self.db_time(now)
        self.reps: set[str] = set()
        self.width = len(headers)
        self.slots = [(i, header_map.get(h), h) for i, h in enumerate(headers)]
        self.pos = {t: i for i, t, _ in self.slots if t}
        # a row is read as row + [""]: a column the file lacks reads that empty cell
        self.pad = [""]
        self.changes_before = conn.exec_driver_sql("SELECT MAX(id) FROM lead_change").scalar()
        if not self.pg:
            # SQLite's 2 MiB default page cache spills the indexes to disk on a large
            # import; 64 MiB keeps them in memory and the process under 300 MB (no sorter
            # threads: each would take as much again for CREATE INDEX)
            conn.exec_driver_sql("PRAGMA cache_size = -65536")

    def db_time(self, t: datetime | None) -> Any:
        if t is None:
            return None
        return t.astimezone(UTC) if self.pg else to_utc_text(t)

    def sql(self, text: str) -> str:
        return text.replace("?", self.ph) if self.ph != "?" else text

    def reject(self, line: int, row: list[str], reason: str) -> None:
        if self.strict:
            raise ImportError_(f"{self.summary.path}:{line}: {reason}")
        s = self.summary
        s.rejected += 1
        if len(s.rejects) < KEPT_REJECTS:
            s.rejects.append((line, dict(zip(self.headers, row, strict=False)), reason))
        if self.sink is not None:
            self.sink.write(line, row, reason)

    def instant(self, text: str, column: str) -> datetime:
        try:
            dt = _fromiso(text)
        except ValueError:
            dt = None
        if dt is None or dt.tzinfo is None:
            try:
                return parse_instant(text, self.tz)
            except TimeParseError as exc:
                raise _Reject(f"column {column}: {exc}") from None
        return dt

    def run(self, reader: Any) -> None:
        """Read every row of the ``csv.reader`` (blank lines skipped) and write them."""
        raise NotImplementedError

    def run_plain(self, p: Plain, progress: Callable[[int], None] | None) -> None:
        """``run`` on a plain file, its lines split instead of parsed by ``csv.reader``."""
        if self.hasher is not None:
            self.hasher.start()
        self.run(_PlainReader(p, progress))

    def close(self) -> None:
        """Called once the transaction has ended, committed or not."""

    def finish(self, hasher: _FileHash | None) -> None:
        if self.reps:
            self.conn.exec_driver_sql(
                self.sql(
                    "INSERT INTO rep (name, first_seen_at) VALUES (?, ?)"
                    " ON CONFLICT (name) DO NOTHING"
                ),
                [(r, self.now_db) for r in sorted(self.reps)],
            )
        s = self.summary
        if (s.inserted or s.updated) and not s.dry_run:
            values = (
                str(s.path),
                hasher.join() if hasher else "",
                s.kind,
                s.preset,
                self.now_db,
                self.now_db,
                s.read,
                s.inserted,
                s.updated,
                s.unchanged,
                s.rejected,
            )
            self.conn.exec_driver_sql(
                self.sql(
                    "INSERT INTO import_run (path, sha256, kind, preset, started_at, finished_at,"
                    " rows_read, inserted, updated, unchanged, rejected)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                ),
                values,
            )
            if s.updated:
                run_id = self.conn.exec_driver_sql("SELECT MAX(id) FROM import_run").scalar()
                self.conn.exec_driver_sql(
                    self.sql("UPDATE lead_change SET import_id = ? WHERE id > ?"),
                    (run_id, self.changes_before or 0),
                )


# ----------------------------------------------------------------------------- leads

_STORED = (*LEAD_COLUMNS, "extra")  # the lead's attributes, in the order of the INSERT
_CREATED = LEAD_COLUMNS.index("created_at")
_HANDED = LEAD_COLUMNS.index("handed_off_at")
_SCORE = LEAD_COLUMNS.index("score")
_CONVERTED = (_CREATED, _HANDED, _SCORE)  # not text: None where empty
_EMAIL_AT = LEAD_COLUMNS.index("email")
_OWNER = LEAD_COLUMNS.index("owner")
_SECONDARY = (
    ("ix_lead_email", "email"),
    ("ix_lead_owner", "owner"),
    ("ix_lead_clock_start_at", "clock_start_at"),
    ("ix_lead_created_at", "created_at"),
)
_CLOCK_FROM_EVENTS = (
    "(SELECT MIN(e.at) FROM event e WHERE e.lead_id = lead.id AND e.kind = 'handoff')"
)


class _LeadImport(_Job):
    """A parsed row is a tuple: the ``_STORED`` attributes (text columns as read, ``""``
    for empty, which the INSERT turns into NULL), then on SQLite the raw text of
    created_at and handed_off_at when SQLite converts it itself (their stored slot is then
    None) and the row's hash; on PostgreSQL the clock start, the hash and now."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        get = self.pos.get
        self.order = [get(c, self.width) for c in LEAD_COLUMNS]
        self.key_at = self.order[0]
        self.pick = itemgetter(*self.order)
        extras: dict[str, int] = {}
        for i, t, h in self.slots:
            if t is None:
                extras[h] = i
            elif t.startswith("extra."):
                extras[t[6:]] = i
        # extra as JSON, keys sorted, built without json.dumps (3x faster per row)
        self.extra_slots = [(encode_basestring(k) + ": ", i) for k, i in sorted(extras.items())]
        # the row hash covers how the row is read: header, mapping, time zone
        self.salt = _hash((repr(self.headers), repr(sorted(self.header_map.items())), str(self.tz)))
        # a fresh ledger: no lookups, secondary indexes rebuilt once at the end
        self.fresh = self.conn.exec_driver_sql("SELECT 1 FROM lead LIMIT 1").first() is None
        self.rebuild = self.fresh and not self.pg
        if self.rebuild:
            for name, _ in _SECONDARY:
                self.conn.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")
        columns = ", ".join(_STORED)
        text = [c not in ("score", "created_at", "handed_off_at") for c in _STORED]
        if self.pg:
            values = ["NULLIF(%s, '')" if is_text else "%s" for is_text in text] + [
                "%s",
                "%s",
                "%s",
            ]
            self.insert_sql = (
                f"INSERT INTO lead ({columns}, clock_start_at, row_hash, recorded_at)"
                f" VALUES ({', '.join(values)}) ON CONFLICT (external_id) DO NOTHING"
            )
        else:
            # ?1..?15 the stored columns, ?16/?17 raw created/handed text for datetime(),
            # ?18 the row hash
            ci, hi = _CREATED + 1, _HANDED + 1
            values = [f"NULLIF(?{i + 1}, '')" if t else f"?{i + 1}" for i, t in enumerate(text)]
            values[_CREATED] = f"COALESCE(?{ci}, datetime(?16))"
            values[_HANDED] = f"COALESCE(?{hi}, datetime(?17))"
            clock = f"COALESCE(?{hi}, datetime(?17), ?{ci}, datetime(?16))"
            self.insert_sql = (
                f"INSERT INTO lead ({columns}, clock_start_at, row_hash, recorded_at)"
                f" VALUES ({', '.join(values)}, {clock}, ?18, '{self.now_db}')"
                " ON CONFLICT (external_id) DO NOTHING"
            )
        # into a table with no leads (or a part file): a lead already there is an
        # IntegrityError instead of a conflict looked for on every row
        self.fresh_sql = self.insert_sql.replace(" ON CONFLICT (external_id) DO NOTHING", "")
        self._batch_sql: dict[tuple[bool, ...], str] = {}
        self.part: _Part | None = None

    def parse(self, row: list[str], row_hash: str) -> tuple[Any, ...]:
        """A row as INSERT parameters (see the class docstring); ``_Reject`` if bad."""
        cells = list(map(str.strip, row))
        if len(cells) != self.width:
            if len(cells) > self.width:
                raise _Reject("more cells than the header has columns")
            cells.extend([""] * (self.width - len(cells)))
        cells.append("")  # what a column the file lacks reads
        values: list[Any] = list(self.pick(cells))
        if not values[0]:
            raise _Reject("no external_id: every lead needs its CRM id")
        created = values[_CREATED]
        if not created:
            raise _Reject("no created_at: every lead needs its creation time")
        raw_created = raw_handed = None
        dt = self.instant(created, "created_at")
        if self.pg:
            values[_CREATED] = dt
        elif dt.microsecond == 0 and dt.tzinfo is not None and _sqlite_can_convert(created):
            values[_CREATED] = None
            raw_created = created
        else:
            values[_CREATED] = to_utc_text(dt)
        handed = values[_HANDED]
        if handed:
            dt = self.instant(handed, "handed_off_at")
            if self.pg:
                values[_HANDED] = dt
            elif dt.microsecond == 0 and _sqlite_can_convert(handed):
                values[_HANDED] = None
                raw_handed = handed
            else:
                values[_HANDED] = to_utc_text(dt)
        else:
            values[_HANDED] = None
        score = values[_SCORE]
        if score:
            try:
                values[_SCORE] = float(score)
            except ValueError:
                raise _Reject(f"column score: {score!r} is not a number") from None
        else:
            values[_SCORE] = None
        email = values[_EMAIL_AT]
        if email:
            values[_EMAIL_AT] = email.lower()
        owner = values[_OWNER]
        if owner:
            self.reps.add(owner)
        parts = [k + encode_basestring(v) for k, i in self.extra_slots if (v := cells[i])]
        values.append("{" + ", ".join(parts) + "}" if parts else None)
        if self.pg:
            values.append(values[_HANDED] or values[_CREATED])
            values.append(row_hash)
            values.append(self.now_db)
        else:
            values.append(raw_created)
            values.append(raw_handed)
            values.append(row_hash)
        return tuple(values)

    def fast(
        self, lines: list[str], d: str, hashes: list[str]
    ) -> tuple[list[tuple[Any, ...]], str] | None:
        """``parse`` of a whole batch of ``lines`` of a plain file (delimiter ``d``, no
        blank line), column by column, when every row is of the common kind: as wide as
        the header, with an external_id, ISO 8601 times with ``Z`` or an
        offset, all of one form (``_utc_texts``), and a score that is a number or empty.
        None when any row is not: the batch is then parsed row by row, to the same values,
        and the bad rows are rejected with their reasons. On SQLite only.

        With the rows, the INSERT (into a table with no leads) that stores them
        (``batch_sql``). A row is the ``_STORED`` attributes and the row's hash, with
        ``""`` for every attribute that is to be NULL, never None: the ``sqlite3`` module
        passes None (an object not of a base type) through its adapter protocol, which
        costs ~3,000 instructions a value (the INSERT's ``NULLIF`` on the columns that have
        an empty cell turns ``""`` into NULL; ``as_parsed`` gives ``parse``'s form)."""
        width = self.width
        cols = None if self.pg else _columns(lines, d, width)
        if cols is None:
            return None
        n = len(lines)
        at = self.order

        def col(field: int) -> list[str] | None:
            i = at[field]
            return cols[i] if i < width else None

        keys = col(0)
        created = col(_CREATED)
        if keys is None or "" in keys or created is None:
            return None
        created_utc = _utc_texts(created, empty=False)
        if created_utc is None:
            return None
        handed = col(_HANDED)
        handed_utc: Any = repeat("", n)
        if handed is not None:
            handed_utc = _utc_texts(handed, empty=True, missing="")
            if handed_utc is None:
                return None
        score = col(_SCORE)
        scores: Any = repeat("", n)
        scores_full = False  # a number in every row
        if score is not None:
            try:
                scores, scores_full = list(map(float, score)), True
            except ValueError:  # an empty one, or one that is no number (reject)
                try:
                    scores = [float(v) if v else "" for v in score]
                except ValueError:
                    return None
        email = col(_EMAIL_AT)
        owner = col(_OWNER)
        if owner is not None:
            self.reps.update(owner)
            self.reps.discard("")
        # a column the file lacks is NULL (each its own iterator: zip takes turns)
        stored: list[Any] = [
            c if (c := col(i)) is not None else repeat("", n) for i in range(len(at))
        ]
        if email is not None:
            stored[_EMAIL_AT] = list(map(str.lower, email))
        stored[_SCORE] = scores
        stored[_CREATED] = created_utc  # converted here: no datetime() in SQL
        stored[_HANDED] = handed_utc
        stored.append(self.extras_of(cols, n))
        # the columns with an empty cell (``all`` tests each cell's truth, cheaper than
        # comparing it with ""; a score of 0.0 is false, so the scores say it themselves)
        empties = tuple(
            not isinstance(c, list) or not (scores_full if i == _SCORE else all(c))
            for i, c in enumerate(stored)
        )
        items = list(zip(*stored, hashes, strict=True))
        return items, self.batch_sql(empties)

    @staticmethod
    def as_parsed(v: tuple[Any, ...]) -> tuple[Any, ...]:
        """A row of ``fast`` in ``parse``'s form (None for the times and the score not
        given, no raw times for SQLite, the hash last), for the comparison with the
        ledger."""
        out = list(v[: len(_STORED)])
        for i in _CONVERTED:
            if out[i] == "":
                out[i] = None
        return (*out, None, None, v[len(_STORED)])

    def batch_sql(self, empties: tuple[bool, ...]) -> str:
        """The INSERT of ``fast``'s rows (times already in UTC, no ``datetime()``), with
        ``NULLIF`` only on the ``_STORED`` columns where ``empties`` says a cell is empty:
        a batch with none binds its cells as they are (about a microsecond a row less).
        Remembered: a file has few such shapes."""
        sql = self._batch_sql.get(empties)
        if sql is None:
            values = [
                f"NULLIF(?{i + 1}, '')" if empty else f"?{i + 1}" for i, empty in enumerate(empties)
            ]
            clock = f"COALESCE({values[_HANDED]}, {values[_CREATED]})"
            sql = self._batch_sql[empties] = (
                f"INSERT INTO lead ({', '.join(_STORED)}, clock_start_at, row_hash,"
                f" recorded_at) VALUES ({', '.join(values)}, {clock}, ?{len(_STORED) + 1},"
                f" '{self.now_db}')"
            )
        return sql

    def extras_of(self, cols: list[list[str]], n: int) -> Any:
        """The ``extra`` JSON of each row of a batch (``fast``), as ``parse`` writes it;
        ``""`` for a row with none."""
        slots = self.extra_slots
        if not slots:
            return repeat("", n)
        if len(slots) == 1:
            key, i = slots[0]
            head = "{" + key
            return [head + encode_basestring(v) + "}" if v else "" for v in cols[i]]
        keys = [k for k, _ in slots]
        out = []
        for values in zip(*(cols[i] for _, i in slots), strict=True):
            parts = [k + encode_basestring(v) for k, v in zip(keys, values, strict=True) if v]
            out.append("{" + ", ".join(parts) + "}" if parts else "")
        return out

    def run_plain(self, p: Plain, progress: Callable[[int], None] | None) -> None:
        """A plain file into a ledger with no leads (on SQLite): batches converted column
        by column (``fast``); a large file is read in two halves, the second by a forked
        process into a part file that is copied in at the end (``_Part``). Into a ledger
        with leads: ``reimport_plain``."""
        if not self.fresh:
            self.reimport_plain(p, progress)
            return
        if self.pg:
            super().run_plain(p, progress)
            return
        try:
            self._run_plain(p, progress)
        except _BadBytes as exc:
            raise _not_utf8(p.path, exc.line) from None

    def _run_plain(self, p: Plain, progress: Callable[[int], None] | None) -> None:
        if (
            p.size - p.start >= PARALLEL_FROM_BYTES
            and not self.summary.dry_run
            and sys.platform.startswith("linux")  # fork is safe with these libraries there
        ):
            middle = p.middle()
            part_dir = _part_dir(self.conn) if middle < p.size else None
            if part_dir is not None:
                # (the file's hash is the worker's, once its half is done: the two then end
                # at about the same time, where a thread here would slow this half)
                part = self.part = _Part(self, p, middle, part_dir)
                both = None if progress is None else lambda at: progress(at + part.done.value)
                line = self.load_plain(p, p.start, middle, 2, self.conn_insert, both)
                if self.flusher is not None:  # the first half to disk while the copy runs
                    self.flusher.kick()
                part.copy_in(line)
                return
        if self.hasher is not None:
            self.hasher.start()
        self.load_plain(p, p.start, p.size, 2, self.conn_insert, progress)

    def conn_insert(self, items: list[tuple[Any, ...]], sql: str) -> None:
        """Insert into the ledger's lead table, which held no leads: a lead twice in the
        file is an IntegrityError. Read in halves, the file goes back to ``csv.reader``
        (``_Sequential``); else the batch is compared row by row as ``run`` does."""
        if self.part is not None:
            try:  # the driver's own executemany: SQLAlchemy's costs more than it does here
                self.conn.connection.driver_connection.executemany(sql, items)
            except sqlite3.IntegrityError:
                raise _Sequential from None
            self.summary.inserted += len(items)
        elif self.fresh and self._insert_fresh(items, sql):
            return
        else:
            self.fresh = False
            if sql != self.fresh_sql:  # rows of ``fast``
                items = list(map(self.as_parsed, items))
            self._compare([(0, v) for v in items])

    def reimport_plain(self, p: Plain, progress: Callable[[int], None] | None) -> None:
        """A plain file into a ledger that has leads: each line is hashed as it is and
        looked up by its external id alone (``flush`` with the lines unsplit); only the
        lines whose hash the ledger does not have are split, parsed and compared. What
        ``run`` does with the same file, without splitting the unchanged rows."""
        if self.hasher is not None:
            self.hasher.start()
        d = p.delimiter
        at = self.key_at
        copy = hashlib.blake2b(self.salt.encode(), digest_size=12).copy
        try:
            for done, numbers, lines, _ in _batches(p, p.start, p.size, 2):
                self.summary.read += len(lines)
                hashes = _line_hashes(lines, d, copy)
                if at == 0:
                    keys = [s.partition(d)[0].strip() for s in lines]
                else:  # (a row too short for the key column has none)
                    keys = [
                        c[at].strip() if len(c := s.split(d, at + 1)) > at else "" for s in lines
                    ]
                todo = [
                    (numbers[i], lines[i].split(d), hashes[i]) for i in self._changed(keys, hashes)
                ]
                if todo:
                    self._compare(self.parsed(todo))
                if progress is not None:
                    progress(p.start + done)
        except _BadBytes as exc:
            raise _not_utf8(p.path, exc.line) from None

    def load_plain(
        self,
        p: Plain,
        start: int,
        stop: int,
        line: int,
        insert: Callable[[list[tuple[Any, ...]], str], None],
        progress: Callable[[int], None] | None,
        reject: Callable[[int, list[str], str], None] | None = None,
    ) -> int:
        """Convert and ``insert`` the lines in ``[start, stop)`` of a plain file, the first
        of them line number ``line``; the next line's number. ``reject`` (default: the
        job's own) takes the bad rows; ``_BadBytes`` names a line that is not UTF-8.
        ``insert`` takes the rows and the INSERT that stores them."""
        reject = reject or self.reject
        d = p.delimiter
        copy = hashlib.blake2b(self.salt.encode(), digest_size=12).copy  # salt absorbed once
        after = line  # the next line's number, returned
        for done, numbers, lines, after in _batches(p, start, stop, line):  # noqa: B007
            self.summary.read += len(lines)
            hashes = _line_hashes(lines, d, copy)
            batch = self.fast(lines, d, hashes)
            if batch is None:
                items, sql = [], self.fresh_sql
                rows = [s.split(d) for s in lines]
                for n, row, h in zip(numbers, rows, hashes, strict=True):
                    try:
                        items.append(self.parse(row, h))
                    except _Reject as exc:
                        reject(n, row, str(exc))
            else:
                items, sql = batch
            if items:
                insert(items, sql)
            if progress is not None:
                progress(start + done)
        return after

    def close(self) -> None:
        if self.part is not None:
            self.part.close()
            self.part = None

    def run(self, reader: Any) -> None:
        # a fresh ledger: rows parsed as read, inserted by batch; else (line, row, hash)
        # batched for the lookup that skips unchanged rows unparsed
        parsed: list[tuple[int, tuple[Any, ...]]] = []
        batch: list[tuple[int, list[str], str]] = []
        parse = self.parse
        # the salt absorbed once; a hasher copied per row (no keyword arguments to parse)
        copy = hashlib.blake2b(self.salt.encode(), digest_size=12).copy
        read = 0
        try:
            for row in reader:
                if not row:
                    continue
                read += 1
                hasher = copy()
                hasher.update("\x1f".join(row).encode())
                h = hasher.hexdigest()
                if self.fresh:
                    try:
                        parsed.append((reader.line_num, parse(row, h)))
                    except _Reject as exc:
                        self.reject(reader.line_num, row, str(exc))
                    if len(parsed) >= BATCH:
                        self.flush_fresh(parsed)
                        parsed = []
                else:
                    batch.append((reader.line_num, row, h))
                    if len(batch) >= BATCH:
                        self.flush(batch)
                        batch = []
            if parsed:
                self.flush_fresh(parsed)
            if batch:
                self.flush(batch)
        finally:
            self.summary.read += read

    def parsed(self, batch: list[tuple[int, list[str], str]]) -> list[tuple[int, tuple[Any, ...]]]:
        out = []
        parse = self.parse
        for line, row, h in batch:
            try:
                out.append((line, parse(row, h)))
            except _Reject as exc:
                self.reject(line, row, str(exc))
        return out

    def flush_fresh(self, items: list[tuple[int, tuple[Any, ...]]]) -> None:
        if self.fresh and self._insert_fresh([v for _, v in items]):
            return
        self.fresh = False  # a lead seen twice: compare rows from here on
        self._compare(items)

    def flush(self, batch: list[tuple[int, list[str], str]]) -> None:
        # an unchanged row (same hash) is skipped without being parsed
        at = self.key_at
        keys = [row[at].strip() if at < len(row) else "" for _, row, _ in batch]
        todo = [batch[i] for i in self._changed(keys, [h for _, _, h in batch])]
        if todo:
            self._compare(self.parsed(todo))

    def _changed(self, keys: list[str], hashes: list[str]) -> list[int]:
        """The positions of the rows (by external id and row hash) whose hash the ledger
        does not have; the others are counted unchanged."""
        known = self._lookup(keys, "row_hash")
        changed = [
            i
            for i, (k, h) in enumerate(zip(keys, hashes, strict=True))
            if k not in known or known[k][0] != h
        ]
        self.summary.unchanged += len(keys) - len(changed)
        return changed

    def _lookup(self, keys: list[str], column: str) -> dict[str, tuple[Any, ...]]:
        """external_id -> (``column``…) for the leads among ``keys`` in the ledger."""
        keys = sorted({k for k in keys if k})
        found: dict[str, tuple[Any, ...]] = {}
        step = max(len(keys), 1) if self.pg else CHUNK
        for start in range(0, len(keys), step):
            chunk = keys[start : start + step]
            if self.pg:
                rows = self.conn.exec_driver_sql(
                    f"SELECT external_id, {column} FROM lead WHERE external_id = ANY(%s)",
                    (chunk,),
                )
            else:
                rows = self.conn.exec_driver_sql(
                    f"SELECT external_id, {column} FROM lead"
                    f" WHERE external_id IN ({', '.join('?' * len(chunk))})",
                    tuple(chunk),
                )
            for r in rows:
                found[r[0]] = tuple(r[1:])
        return found

    def _insert_fresh(self, items: list[tuple[Any, ...]], sql: str | None = None) -> bool:
        """Insert rows into a ledger that had no leads (with ``sql``, by default the one of
        parsed rows); False (and nothing written) when a lead among them is already there,
        so that they are compared instead."""
        if not items:
            return True
        savepoint = self.conn.begin_nested()
        if not self.pg:
            try:
                self.conn.exec_driver_sql(sql or self.fresh_sql, items)
            except IntegrityError:
                savepoint.rollback()
                return False
            savepoint.commit()
            self.summary.inserted += len(items)
            return True
        result = self.conn.exec_driver_sql(self.insert_sql, items)
        if result.rowcount != len(items):
            savepoint.rollback()
            return False
        savepoint.commit()
        self.summary.inserted += len(items)
        return True

    def db_values(self, v: tuple[Any, ...]) -> tuple[Any, ...]:
        """The stored attributes of parsed row ``v`` as the database gives them back."""
        out = [x if x != "" else None for x in v[: len(_STORED)]]
        if not self.pg:
            if v[15] is not None:
                out[_CREATED] = to_utc_text(_fromiso(v[15]))
            if v[16] is not None:
                out[_HANDED] = to_utc_text(_fromiso(v[16]))
        return tuple(out)

    def _compare(self, items: list[tuple[int, tuple[Any, ...]]]) -> None:
        """Insert the new leads among ``items``, update the changed ones with their history."""
        # a lead twice among them: the later row is compared with the earlier one
        seen: set[str] = set()
        for i, (_, v) in enumerate(items):
            if v[0] in seen:
                self._compare(items[:i])
                self._compare(items[i:])
                return
            seen.add(v[0])
        columns = ", ".join(_STORED)
        existing = self._lookup([v[0] for _, v in items], f"id, {columns}")
        inserts = []
        updates = []
        changes = []
        for _, v in items:
            old = existing.get(v[0])
            if old is None:
                inserts.append(v)
                continue
            lead_id, old_values = old[0], old[1:]
            new_values = self.db_values(v)
            row_hash = v[16] if self.pg else v[17]
            changed = [
                (name, _text(o), _text(n))
                for name, n, o in zip(_STORED, new_values, old_values, strict=True)
                if _text(n) != _text(o)
            ]
            if not changed:
                self.summary.unchanged += 1
                continue
            self.summary.updated += 1
            for name, o, n in changed:
                changes.append((lead_id, name, o, n, self.now_db))
            handed = new_values[_HANDED]
            created = new_values[_CREATED]
            updates.append((*new_values[1:], handed, created, row_hash, lead_id))
        if inserts:
            self.conn.exec_driver_sql(self.insert_sql, inserts)
            self.summary.inserted += len(inserts)
        if updates:
            sets = ", ".join(f"{c} = ?" for c in _STORED[1:])
            self.conn.exec_driver_sql(
                self.sql(
                    f"UPDATE lead SET {sets},"
                    f" clock_start_at = COALESCE(?, {_CLOCK_FROM_EVENTS}, ?), row_hash = ?"
                    " WHERE id = ?"
                ),
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

    def finish(self, hasher: _FileHash | None) -> None:
        if self.rebuild:
            flush = self.flusher.kick if self.flusher is not None else None
            _build_indexes(self.conn, "lead", _SECONDARY, flush)
        super().finish(hasher)


_PART_COLUMNS = (*_STORED, "clock_start_at", "row_hash", "recorded_at")


def _batches(
    p: Plain, start: int, stop: int, line: int
) -> Iterator[tuple[int, Any, list[str], int]]:
    """``(bytes read, line numbers, lines, the next line's number)`` for the records that
    start in ``[start, stop)`` of a plain file, the first line numbered ``line``, blank
    lines (no rows) left out; ``_BadBytes`` names a line that is not UTF-8."""
    try:
        for done, lines in blocks(p, start, stop):
            numbers: Any = range(line, line + len(lines))
            line += len(lines)
            if "" in lines:
                pairs = [(n, s) for n, s in zip(numbers, lines, strict=True) if s]
                numbers = [n for n, _ in pairs]
                lines = [s for _, s in pairs]
            yield done, numbers, lines, line
    except NotUtf8 as exc:
        raise _BadBytes(line + exc.lines) from None


def _columns(lines: list[str], d: str, width: int) -> list[list[str]] | None:
    """The cells of a batch of plain ``lines`` (delimiter ``d``), stripped, a column at a
    time, when every line has ``width`` cells; None when one has not. The cells of all
    the lines come from one split, a column as every width-th of them (no list per row,
    no transposing)."""
    if not lines or set(map(str.count, lines, repeat(d))) != {width - 1}:
        return None
    cells = d.join(lines).split(d)
    return [list(map(str.strip, cells[i::width])) for i in range(width)]


def _line_hashes(lines: list[str], d: str, copy: Callable[[], Any]) -> list[str]:
    """The row hash of each line of a plain file: blake2b(salt + the cells joined by
    \x1f), as ``run`` has it, from ``copy`` (a hasher that has absorbed the salt)."""
    hashes = []
    for s in lines:
        h = copy()
        h.update(s.replace(d, "\x1f").encode())
        hashes.append(h.hexdigest())
    return hashes


class _Stop(Exception):
    pass


class _Orphan(Exception):
    pass


class _BadBytes(Exception):
    """Bytes that are not UTF-8 on line ``line`` (of the part, in a worker)."""

    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


class _Part:
    """The second half of a large plain leads file, read on the other core.

    A forked process converts the lines from ``middle`` on, as ``load_plain`` does, into a
    part file: a SQLite database of its own, in a directory of its own beside the ledger,
    with a bare lead table (no index, no journal). This process meanwhile reads the first
    half into the ledger. ``copy_in`` then takes the part's bad rows (their line numbers
    follow the first half's) and copies its rows into the ledger's lead table with one
    ``INSERT … SELECT``, SQLite's own loop: the Python work of the second half (split, hash,
    convert, bind) is done on the other core. The ledger is written by this process alone,
    in the import's transaction; the part file is deleted when it ends. A lead twice in
    the file (an IntegrityError in the first half, or in the copy) or a worker that fails
    sends the whole file back to ``csv.reader`` (``_Sequential``).
    """

    def __init__(self, job: _LeadImport, p: Plain, middle: int, directory: Path) -> None:
        self.job = job
        self.dir = directory
        self.db = self.dir / "part.db"
        self.attached = False
        ctx = multiprocessing.get_context("fork")
        self.done = ctx.Value("q", 0, lock=False)  # bytes the worker has read
        # one end each: the worker sends its summary on its end, then waits on it until
        # this end closes (this process done with the part file, or gone): only then does
        # it remove the part file, which is thus never left behind, even by a killed import
        self.end, theirs = ctx.Pipe()
        self.proc = ctx.Process(
            target=_part_main,
            args=(job, p, middle, self.db, theirs, self.end, os.getpid(), self.done),
            daemon=True,
        )
        self.proc.start()
        theirs.close()

    def copy_in(self, line: int) -> None:
        """Wait for the worker; its rejects (its first line is number ``line``), then its
        rows into the ledger."""
        try:
            out = self.end.recv()
        except EOFError:
            out = {"error": "the worker ended without a word"}
        if "bad_bytes" in out:
            raise _BadBytes(line + out["bad_bytes"])
        if "error" in out:
            raise _Sequential
        job = self.job
        for n, row, reason in out["rejects"]:
            job.reject(line + n, row, reason)
        job.summary.read += out["read"]
        job.reps |= out["reps"]
        if job.hasher is not None:
            job.hasher.given(out["sha256"])
        raw = job.conn.connection.driver_connection
        raw.execute("ATTACH DATABASE ? AS part", (str(self.db),)).close()
        self.attached = True
        columns = ", ".join(_PART_COLUMNS)
        try:
            raw.execute(
                f"INSERT INTO main.lead ({columns}) SELECT {columns} FROM part.lead ORDER BY rowid"
            ).close()
        except sqlite3.IntegrityError:
            raise _Sequential from None
        job.summary.inserted += out["inserted"]

    def close(self) -> None:
        """Once the transaction has ended: the part file detached and gone, the worker
        ended."""
        if self.attached:
            try:
                self.job.conn.connection.driver_connection.execute("DETACH DATABASE part")
            except sqlite3.Error:  # the connection is discarded instead
                self.job.conn.invalidate()
        self.end.close()  # the worker removes the part file and ends
        self.proc.join(10)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join()
        shutil.rmtree(self.dir, ignore_errors=True)


def _part_dir(conn: Connection) -> Path | None:
    """A new directory for a part file: beside the ledger (its file system has the room the
    ledger needs), else in the temporary directory; None if neither can be made (the file
    is then read by one process)."""
    row = conn.exec_driver_sql("PRAGMA database_list").first()
    ledger = Path(row[2]) if row is not None and row[2] else None
    for where in (ledger.parent if ledger else None, None):
        try:
            return Path(tempfile.mkdtemp(prefix=".slactl-import-", dir=where))
        except OSError:
            continue
    return None


def _part_main(
    job: _LeadImport,
    p: Plain,
    start: int,
    db: Path,
    end: Any,
    parents_end: Any,
    parent: int,
    done: Any,
) -> None:
    """The forked worker of ``_Part``: converts the lines of ``[start, end)`` into the part
    file, sends back what ``copy_in`` needs (or an error), waits for the parent to be done
    with the part file (or gone), removes it."""
    parents_end.close()  # so that the parent's end closing is an end of file here
    try:
        try:
            out = _load_part(job, p, start, db, parent, done)
        except BaseException as exc:  # noqa: BLE001 - reported to the parent, which falls back
            out = {"error": f"{type(exc).__name__}: {exc}"}
        end.send(out)
        end.recv()  # nothing is ever sent: this waits for the end of file
    except (OSError, EOFError):
        pass
    finally:
        shutil.rmtree(db.parent, ignore_errors=True)


def _load_part(
    job: _LeadImport, p: Plain, start: int, db: Path, parent: int, done: Any
) -> dict[str, Any]:
    job.conn = None  # type: ignore[assignment] # the parent's, never to be used here
    job.summary.read = 0
    job.reps = set()
    part = sqlite3.connect(db, isolation_level=None)
    part.execute("PRAGMA page_size = 16384")  # as a new ledger's (engine)
    part.execute("PRAGMA journal_mode = OFF")
    part.execute("PRAGMA synchronous = OFF")
    part.execute(f"CREATE TABLE lead ({', '.join(_PART_COLUMNS)})")
    part.execute("BEGIN")
    rejects: list[tuple[int, list[str], str]] = []
    inserted = 0

    def reject(line: int, row: list[str], reason: str) -> None:
        rejects.append((line, row, reason))
        if job.strict:
            raise _Stop

    def insert(items: list[tuple[Any, ...]], sql: str) -> None:
        nonlocal inserted
        part.executemany(sql, items)  # a bare table: no constraint to fail
        inserted += len(items)

    def progress(at: int) -> None:
        if os.getppid() != parent:  # the import was killed: no one will copy this in
            raise _Orphan
        done.value = at - start

    try:
        job.load_plain(p, start, p.size, 0, insert, progress, reject)
    except _Stop:
        pass
    except _BadBytes as exc:
        return {"bad_bytes": exc.line}
    part.execute("COMMIT")
    part.close()
    return {
        "read": job.summary.read,
        "inserted": inserted,
        "rejects": rejects,
        "reps": job.reps,
        "sha256": _sha256(p.path) if job.hasher is not None else None,
    }


def _build_indexes(
    conn: Connection,
    table: str,
    indexes: tuple[tuple[str, str], ...],
    before_each: Callable[[], None] | None = None,
) -> None:
    """Build the secondary indexes of a table loaded without them, calling ``before_each``
    (if given) before each one. SQLite sorts the keys of each on two cores when its page
    cache is small enough for the sort to come in runs (``PRAGMA threads``): with a 4 MiB
    cache the lead indexes of 1M rows are built in 60–85% of the time, the two event
    indexes of 5M rows in about half (6.8 s against 12.7 s alone; a whole import of 5M
    activities peaked at 194 MB instead of 250 MB)."""
    conn.exec_driver_sql("PRAGMA threads = 2")
    conn.exec_driver_sql("PRAGMA cache_size = -4096")
    try:
        for name, columns in indexes:
            if before_each is not None:
                before_each()
            conn.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({columns})")
    finally:
        conn.exec_driver_sql("PRAGMA threads = 0")
        conn.exec_driver_sql("PRAGMA cache_size = -65536")


class _Flusher:
    """What a first load (with the rollback journal, ``_rollback_journal_if_new``) has
    written to the ledger's file, sent to the disk by a thread while the import goes on
    (``kick``), so that the commit's ``fsync`` (``synchronous=FULL``) finds little left
    to write. It only makes the
    pages durable sooner; what is durable, and when the import is, is the commit's
    business, as before. Measured on 1M leads (kicked after the first half and before
    each index): the commit 0.56–0.71 s -> 0.05–0.06 s, the copy and the indexes no
    slower."""

    MIN_BYTES = 32 << 20  # a kick when the file has grown by less does nothing

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.flushed = 0  # the file's size when last flushed
        self.thread: threading.Thread | None = None

    @classmethod
    def of(cls, conn: Connection) -> _Flusher | None:
        """One for the ledger's file; None for a ledger in memory or a file not opened."""
        row = conn.exec_driver_sql("PRAGMA database_list").first()
        if row is None or not row[2]:
            return None
        try:
            return cls(os.open(row[2], os.O_RDONLY))
        except OSError:
            return None

    def kick(self) -> None:
        """A flush begun, unless one still runs or the file has grown by little since."""
        if self.thread is not None and self.thread.is_alive():
            return
        size = os.fstat(self.fd).st_size
        if size - self.flushed < self.MIN_BYTES:
            return
        self.flushed = size
        self.thread = threading.Thread(target=self._flush, name="slactl-flush", daemon=True)
        self.thread.start()

    def _flush(self) -> None:
        try:
            os.fdatasync(self.fd)
        except OSError:  # the commit's own fsync still makes it durable
            pass

    def close(self) -> None:
        if self.thread is not None:
            self.thread.join()
        os.close(self.fd)


_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _utc_texts(column: list[str], *, empty: bool, missing: Any = None) -> list[Any] | None:
    """What SQLite's ``datetime()`` gives for each time of a batch column, computed at once
    with numpy: ``YYYY-MM-DD`` ``T`` or space ``HH:MM[:SS]`` then ``Z`` or ``±HH:MM`` (up to
    ±14:59), a real date and time of the years 1900 to 2199, every cell of the same form
    (length); with ``empty``, empty cells too (``missing``). These are the times ``parse`` reads
    with ``fromisoformat`` and hands to SQLite as they are (``_sqlite_can_convert``). None
    when any cell is not: the batch is parsed row by row."""
    import numpy as np

    n = len(column)
    if empty and not any(column):
        return [missing] * n
    a = np.array(column)
    if n == 0 or a.dtype.kind != "U":
        return None
    w = a.dtype.itemsize // 4  # 16 or 19 characters, then Z or an offset of 6
    if w not in (17, 20, 22, 25):
        return None
    c = a.view(np.uint32).reshape(n, w)
    given = c[:, 0] != 0  # an empty cell is all NUL
    if not given.all():
        if not empty:
            return None
        c = c[given]
    if not c[:, -1].all():  # a shorter one, padded with NUL
        return None
    seconds, offset = w in (20, 25), w in (22, 25)
    digits = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15]
    if seconds:
        digits += [17, 18]
    if offset:
        digits += [w - 5, w - 4, w - 2, w - 1]
    d = c.astype(np.int64) - ord("0")
    if not ((d[:, digits] >= 0) & (d[:, digits] <= 9)).all():
        return None
    if not (
        (c[:, [4, 7]] == ord("-")).all()
        and ((c[:, 10] == ord("T")) | (c[:, 10] == ord(" "))).all()
        and (c[:, 13] == ord(":")).all()
        and (not seconds or (c[:, 16] == ord(":")).all())
        and (
            ((c[:, w - 6] == ord("+")) | (c[:, w - 6] == ord("-"))).all()
            and (c[:, w - 3] == ord(":")).all()
            if offset
            else (c[:, w - 1] == ord("Z")).all()
        )
    ):
        return None

    def num(at: int) -> Any:
        return d[:, at] * 10 + d[:, at + 1]

    y = num(0) * 100 + num(2)
    m, day, hour, minute = num(5), num(8), num(11), num(14)
    second = num(17) if seconds else 0
    leap = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
    month_days = np.array(_DAYS_IN_MONTH)[np.clip(m, 1, 12) - 1] + ((m == 2) & leap)
    valid = (y >= 1900) & (y <= 2199) & (m >= 1) & (m <= 12) & (day >= 1)
    valid &= (day <= month_days) & (hour <= 23) & (minute <= 59) & (second <= 59)
    if offset:
        valid &= (num(w - 5) <= 14) & (num(w - 2) <= 59)
    if not valid.all():
        return None
    # seconds since 1970 of a proleptic Gregorian date (H. Hinnant's days_from_civil)
    y = y - (m <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m + np.where(m > 2, -3, 9)) + 2) // 5 + day - 1
    t = (era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468) * 86400
    t += hour * 3600 + minute * 60 + second
    if offset:
        off = (num(w - 5) * 60 + num(w - 2)) * 60
        t -= np.where(c[:, w - 6] == ord("-"), -off, off)
    # and back to a date and time of day in UTC (civil_from_days)
    days, secs = np.divmod(t, 86400)
    z = days + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = mp + np.where(mp < 10, 3, -9)
    year = yoe + era * 400 + (month <= 2)
    hour, rest = np.divmod(secs, 3600)
    minute, second = np.divmod(rest, 60)
    out = np.empty((len(c), 19), np.uint32)  # YYYY-MM-DD HH:MM:SS as code points
    for at, value in ((0, year // 100), (2, year % 100), (5, month), (8, day), (11, hour)):
        out[:, at] = value // 10
        out[:, at + 1] = value % 10
    for at, value in ((14, minute), (17, second)):
        out[:, at] = value // 10
        out[:, at + 1] = value % 10
    out += ord("0")
    out[:, [4, 7]] = ord("-")
    out[:, 10] = ord(" ")
    out[:, [13, 16]] = ord(":")
    texts = out.view("U19").ravel()
    if len(c) == n:
        result: list[Any] = texts.tolist()
        return result
    full = np.full(n, missing, dtype=object)
    full[given] = texts
    result = full.tolist()
    return result


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return to_utc_text(value)
    if isinstance(value, float):
        return repr(value)
    return str(value)


# ------------------------------------------------------------------------ activities

_EVENT_SECONDARY = (
    ("ix_event_lead_at", "lead_id, at"),
    ("ix_event_kind_at", "kind, at"),
)


class _ActivityImport(_Job):
    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.times: dict[str, tuple[Any, str]] = {}  # raw text -> (stored value, UTC text)
        self.delimiter = ","  # a plain file's (run_plain)
        self.handoffs: set[int] = set()
        self.columns = tuple(self.pos.get(c, self.width) for c in ACTIVITY_COLUMNS)
        fresh = self.conn.exec_driver_sql("SELECT 1 FROM event LIMIT 1").first() is None
        self.rebuild = fresh and not self.pg
        if self.rebuild:
            for name, _ in _EVENT_SECONDARY:
                self.conn.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")
        if self.pg:
            self.insert_sql = (
                "INSERT INTO event (lead_id, kind, at, rep, outcome, note, origin, dedupe_key,"
                " recorded_at) VALUES (%s, %s, %s, %s, %s, %s, 'import', %s, %s)"
                " ON CONFLICT (dedupe_key) DO NOTHING"
            )
        else:
            # the time of the import written in (one parameter less per row), and "" bound
            # for a rep, outcome or note not given, NULL by NULLIF: the sqlite3 module
            # passes each None bound through its adapter protocol (~3,000 instructions)
            self.insert_sql = (
                "INSERT INTO event (lead_id, kind, at, rep, outcome, note, origin, dedupe_key,"
                " recorded_at) VALUES (?, ?, ?, NULLIF(?, ''), NULLIF(?, ''), NULLIF(?, ''),"
                f" 'import', ?, '{self.now_db}') ON CONFLICT (dedupe_key) DO NOTHING"
            )

    def at(self, text: str) -> tuple[Any, str]:
        """(stored value, UTC text) of a time, remembered: exports repeat their times."""
        found = self.times.get(text)
        if found is None:
            dt = self.instant(text, "at")
            utc = to_utc_text(dt)
            found = (dt.astimezone(UTC) if self.pg else utc, utc)
            if len(self.times) >= 50_000:  # bounded: a file sorted by time hits anyway
                self.times.clear()
            self.times[text] = found
        return found

    def resolve(self, texts: set[str]) -> None:
        """The times of a batch that are not remembered yet, converted at once with numpy
        (``_utc_texts``: the ISO 8601 forms with ``Z`` or an offset, one call per length)
        and remembered; a time it does not take is left to ``at``, one by one. On SQLite,
        where the stored time is the UTC text (a conversion by ``at`` costs ~16,000
        instructions: four datetime calls, two of them formatting)."""
        if len(self.times) + len(texts) > 50_000:  # bounded, as ``at`` keeps it
            self.times.clear()
        by_length: dict[int, list[str]] = {}
        for text in texts:
            by_length.setdefault(len(text), []).append(text)
        for group in by_length.values():
            utc = _utc_texts(group, empty=False)
            if utc is not None:
                self.times.update(zip(group, zip(utc, utc, strict=True), strict=True))

    def parse(self, row: list[str]) -> tuple[Any, ...]:
        """(lead key, kind, rep, stored time, UTC text, outcome, note); ``_Reject`` if bad.
        On SQLite a time not remembered yet is left for the batch (``resolve``): the
        stored time is then None and the UTC text the text as read."""
        if len(row) != self.width:
            if len(row) > self.width:
                raise _Reject("more cells than the header has columns")
            row = row + [""] * (self.width - len(row))
        cells = row + self.pad
        _, p_kind, _, p_at, _, _ = self.columns
        kind = cells[p_kind].strip().lower()
        if not kind:
            raise _Reject("no kind: say call, email, meeting, disposition, handoff or review")
        at_text = cells[p_at].strip()
        if not at_text:
            raise _Reject("no time in column at")
        found = self.times.get(at_text)
        if found is None:
            if self.pg:
                found = self.at(at_text)
            else:
                try:
                    return self._rest(cells, kind, None, at_text)
                except _Reject:
                    self.at(at_text)  # a bad time is the row's first fault, as it is read
                    raise
        return self._rest(cells, kind, *found)

    def _rest(self, cells: list[str], kind: str, at_db: Any, at_utc: str) -> tuple[Any, ...]:
        """``parse`` from the lead key on."""
        p_lead, _, p_rep, _, p_outcome, p_note = self.columns
        lead_key = cells[p_lead].strip() or None
        if kind == "review":
            lead_key = None
        elif not lead_key:
            raise _Reject(f"no lead for a {kind}: give its external id or email")
        outcome = cells[p_outcome].strip().lower() or None
        if kind == "disposition":
            if not outcome:
                raise _Reject("a disposition needs an outcome")
            if self.outcomes and outcome not in self.outcomes:
                raise _Reject(
                    f"outcome '{outcome}' is not one of the agreement's: {', '.join(self.outcomes)}"
                )
        rep = cells[p_rep].strip() or None
        if rep and at_db is not None:  # (else once its time is known good, in ``flush``)
            self.reps.add(rep)
        return (lead_key, kind, rep, at_db, at_utc, outcome, cells[p_note].strip() or None)

    def run_plain(self, p: Plain, progress: Callable[[int], None] | None) -> None:
        """A plain file a batch of lines at a time: converted column by column (``fast``)
        when the batch allows, else split and parsed row by row, as ``run`` does."""
        if self.hasher is not None:
            self.hasher.start()
        d = self.delimiter = p.delimiter
        parse = self.parse
        try:
            for done, numbers, lines, _ in _batches(p, p.start, p.size, 2):
                self.summary.read += len(lines)
                fast = self.fast(lines, d)
                batch: list[tuple[int, Any, tuple[Any, ...] | str]] = []
                if fast is not None:  # the line as it is: split only if it is rejected
                    batch = list(zip(numbers, lines, fast, strict=True))
                else:
                    for n, line in zip(numbers, lines, strict=True):
                        row = line.split(d)
                        try:
                            batch.append((n, row, parse(row)))
                        except _Reject as exc:
                            batch.append((n, row, str(exc)))
                self.flush(batch)
                if progress is not None:
                    progress(p.start + done)
        except _BadBytes as exc:
            raise _not_utf8(p.path, exc.line) from None

    def fast(self, lines: list[str], d: str) -> list[tuple[Any, ...]] | None:
        """``parse`` of a batch of plain lines (delimiter ``d``, no blank line), a column at
        a time, when every row passes its checks and every time is remembered or one
        ``resolve`` converts; None when any row does not (the batch then goes row by row,
        which names the bad rows). The same tuples as ``parse``, with ``""`` for a rep,
        outcome or note not given (``flush`` takes either). On SQLite only."""
        width = self.width
        cols = None if self.pg else _columns(lines, d, width)
        if cols is None:
            return None
        blank = [""] * len(lines)

        def col(i: int) -> list[str]:
            return cols[i] if i < width else blank

        p_lead, p_kind, p_rep, p_at, p_outcome, p_note = self.columns
        kinds = list(map(str.lower, col(p_kind)))
        ats = col(p_at)
        if not all(kinds) or not all(ats):
            return None
        keys = col(p_lead)
        if "review" in kinds:  # a review is of no lead
            keys = ["" if k == "review" else key for k, key in zip(kinds, keys, strict=True)]
            if not all(key for k, key in zip(kinds, keys, strict=True) if k != "review"):
                return None
        elif not all(keys):
            return None
        outcomes = list(map(str.lower, col(p_outcome)))
        if "disposition" in kinds:
            allowed = self.outcomes
            for k, outcome in zip(kinds, outcomes, strict=True):
                if k == "disposition" and (not outcome or (allowed and outcome not in allowed)):
                    return None
        # the times: those remembered, the others converted together
        times = self.times
        known = {t: times.get(t) for t in set(ats)}
        missing = {t for t, v in known.items() if v is None}
        if missing:
            self.resolve(missing)
            for t in missing:
                if (v := times.get(t)) is None:
                    return None  # a time numpy does not take: row by row
                known[t] = v
        at_db, at_utc = zip(*map(known.__getitem__, ats), strict=True)
        reps = col(p_rep)
        self.reps.update(reps)
        self.reps.discard("")
        return list(
            zip(
                [k or None for k in keys],
                kinds,
                reps,
                at_db,
                at_utc,
                outcomes,
                col(p_note),
                strict=True,
            )
        )

    def run(self, reader: Any) -> None:
        # (line, row, parsed row or the reason it is rejected), rejected in line order
        batch: list[tuple[int, list[str], tuple[Any, ...] | str]] = []
        parse = self.parse
        read = 0
        try:
            for row in reader:
                if not row:
                    continue
                read += 1
                try:
                    batch.append((reader.line_num, row, parse(row)))
                except _Reject as exc:
                    batch.append((reader.line_num, row, str(exc)))
                if len(batch) >= BATCH:
                    self.flush(batch)
                    batch = []
            if batch:
                self.flush(batch)
        finally:
            self.summary.read += read

    def lead_ids(self, keys: list[str]) -> dict[str, int]:
        """External id or email -> lead id, for the leads among ``keys`` in the ledger.

        By external id first; only the keys that are none are looked up as emails."""
        ids = self._ids("external_id", sorted(set(keys)))
        missing = sorted({k.lower() for k in keys if k not in ids})
        if missing:
            for email, lead_id in self._ids("email", missing).items():
                ids.setdefault(email, lead_id)
        return ids

    def _ids(self, column: str, keys: list[str]) -> dict[str, int]:
        ids: dict[str, int] = {}
        step = max(len(keys), 1) if self.pg else CHUNK
        for start in range(0, len(keys), step):
            chunk = keys[start : start + step]
            if self.pg:
                rows = self.conn.exec_driver_sql(
                    f"SELECT {column}, id FROM lead WHERE {column} = ANY(%s)", (chunk,)
                )
            else:
                rows = self.conn.exec_driver_sql(
                    f"SELECT {column}, id FROM lead WHERE {column} IN"
                    f" ({', '.join('?' * len(chunk))})",
                    tuple(chunk),
                )
            for key, lead_id in rows:
                ids[key] = lead_id
        return ids

    def flush(self, batch: list[tuple[int, Any, tuple[Any, ...] | str]]) -> None:
        """Insert a batch of parsed rows (line, row or its line unsplit, parsed or the reason
        it is rejected), rejecting in line order."""
        ids = self.lead_ids([p[0] for _, _, p in batch if not isinstance(p, str) and p[0]])
        inserts: list[tuple[Any, ...]] = []
        add = inserts.append
        # a new hasher copied per row: cheaper than blake2b(…, digest_size=10), whose
        # keyword argument is parsed each time
        new_hasher = hashlib.blake2b(digest_size=10).copy
        pg, now_db = self.pg, self.now_db
        times = self.times
        pending = {p[4] for _, _, p in batch if not isinstance(p, str) and p[3] is None}
        if pending:
            self.resolve(pending)
        for line, row, parsed in batch:
            if isinstance(parsed, str):
                self.reject(line, row, parsed)
                continue
            lead_key, kind, rep, at_db, at_utc, outcome, note = parsed
            if at_db is None:  # a time the batch converts (``resolve``), or ``at``
                try:
                    at_db, at_utc = times.get(at_utc) or self.at(at_utc)
                except _Reject as exc:
                    self.reject(line, row, str(exc))
                    continue
                if rep:
                    self.reps.add(rep)
            lead_id = None
            if lead_key:
                lead_id = ids.get(lead_key) or ids.get(lead_key.lower())
                if lead_id is None:
                    if isinstance(row, str):  # a line of ``fast``'s batch
                        row = row.split(self.delimiter)
                    self.reject(
                        line, row, f"no lead '{lead_key}' in the ledger: import the leads first"
                    )
                    continue
                if kind == "handoff":
                    self.handoffs.add(lead_id)
            # dedupe_key(), inlined: this loop runs once per activity
            text = (
                f"{'' if lead_id is None else lead_id}\x1f{kind}\x1f{rep or ''}\x1f{at_utc}"
                f"\x1f{outcome or ''}\x1f{note or ''}"
            )
            hasher = new_hasher()
            hasher.update(text.encode())
            key = at_utc[:19] + hasher.hexdigest()
            if pg:
                add((lead_id, kind, at_db, rep, outcome, note, key, now_db))
            else:
                add((lead_id, kind, at_db, rep or "", outcome or "", note or "", key))
        if not inserts:
            return
        result = self.conn.exec_driver_sql(self.insert_sql, inserts)
        added = result.rowcount if result.rowcount is not None and result.rowcount >= 0 else 0
        self.summary.inserted += added
        self.summary.unchanged += len(inserts) - added

    def finish(self, hasher: _FileHash | None) -> None:
        if self.rebuild:
            flush = self.flusher.kick if self.flusher is not None else None
            _build_indexes(self.conn, "event", _EVENT_SECONDARY, flush)
        # a lead without handed_off_at starts its clock at its first handoff
        ids = sorted(self.handoffs)
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            self.conn.exec_driver_sql(
                self.sql(
                    f"UPDATE lead SET clock_start_at = {_CLOCK_FROM_EVENTS}"
                    f" WHERE handed_off_at IS NULL AND id IN ({', '.join('?' * len(chunk))})"
                ),
                tuple(chunk),
            )
        super().finish(hasher)


def valid_email(text: str | None) -> bool:
    return bool(text and _EMAIL.match(text))
