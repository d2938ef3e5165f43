"""The ledger side: one ADBC connection and one transaction per import; rows bulk-loaded
(SQLite's C API, PostgreSQL's ``COPY``) into the table of a first load, else into a
staging table merged into the ledger with set-based SQL, the same on both engines."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from adbc_driver_sqlite.dbapi import Error as DriverError  # (both drivers raise it)

from slactl.errors import ImportError_, TemporaryFailure
from slactl.ledger.presets import DURATION_UNITS
from slactl.ledger.utc import to_utc_text
from slactl.records import LEAD_FIELDS

STAGE = "slactl_stage"
# the file stays in WAL mode: readers go on reading the last commit, other writers wait
# for the lock (the busy timeout) while an import holds it; a larger cache is no faster
_SQLITE_BEGIN: tuple[str, ...] = ("PRAGMA busy_timeout=30000", "PRAGMA synchronous=NORMAL")
_SQLITE_BEGIN += ("PRAGMA cache_size=-16384", "BEGIN IMMEDIATE")
_PG_BEGIN = ("BEGIN", "SET LOCAL maintenance_work_mem = '256MB'")  # the index builds' sort
_SAYS = ("note", "outcome", "reason", "duration", "from_rep")  # what an event says
_LAST = 2**64 - 1
_TIMES = ("handed_off_at", "created_at")  # a lead's clock starts at the first of them given
_FIRST_HANDOFF = "(SELECT MIN(e.at) FROM event e WHERE e.lead_id = lead.id AND e.kind = 'handoff')"


def lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class Ledger:
    """The import's connection: ``with Ledger(…)`` is its transaction, rolled back unless
    a ``COMMIT`` ends it. ``engine``: SQLAlchemy's, or ``lite.LiteEngine``."""

    def __init__(self, engine: Any, now: datetime) -> None:
        url: Any = getattr(engine, "url", None)
        self.pg = url is not None and url.get_backend_name() == "postgresql"
        database = str(engine.path) if url is None else url.database
        if not self.pg and (not database or database == ":memory:"):
            raise ImportError_("a ledger in memory cannot take an import; name a file")
        self.at = now if self.pg else to_utc_text(now)
        self.now = f"CAST({lit(now.isoformat())} AS timestamptz)" if self.pg else lit(str(self.at))
        self.dropped: list[str] = []  # the statements that build them again
        self.digests: Any = None  # the stored leads' digests, once asked (``known``)
        try:
            if self.pg:
                import adbc_driver_postgresql.dbapi as postgresql

                uri = url.set(drivername="postgresql").render_as_string(hide_password=False)
                base, sep, query = uri.partition("?")  # (libpq reads no "+" as a space)
                uri = base + sep + query.replace("+", "%20")
                self.conn = postgresql.connect(uri, autocommit=True)
            else:
                import adbc_driver_sqlite.dbapi as sqlite

                # the part directories an older slactl's killed import left behind
                for part in Path(str(database)).resolve().parent.glob(".slactl-import-*"):
                    shutil.rmtree(part, ignore_errors=True)
                self.conn = sqlite.connect(database, autocommit=True)
        except DriverError as exc:
            raise _failure(exc) from None
        self.cur = self.conn.cursor()

    def __enter__(self) -> Ledger:
        try:
            for statement in _PG_BEGIN if self.pg else _SQLITE_BEGIN:
                self.run(statement)
            self.changes_before = self.rows("SELECT COALESCE(MAX(id), 0) FROM lead_change")[0][0]
        except BaseException as exc:
            self.__exit__(type(exc), exc)
            raise
        return self

    def __exit__(self, kind: Any, exc: Any = None, *_: Any) -> None:
        """Rolled back unless committed; a driver's error a user can act on in one line."""
        try:
            if kind is not None:
                self.cur.execute("ROLLBACK")
        except DriverError:
            pass  # SQLite has rolled back itself (a full disk, an I/O error)
        finally:
            self.conn.close()
        if isinstance(exc, DriverError) and _failure(exc) is not exc:
            raise _failure(exc) from None

    def run(self, sql: str) -> int:
        """Execute one statement; the rows it changed."""
        self.cur.execute(sql)
        if self.pg:
            return max(int(self.cur.rowcount), 0)
        self.cur.execute("SELECT changes()")
        return int(self.cur.fetchone()[0])

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        self.cur.execute(sql)  # (as Arrow: the driver's fetchall builds a row at a time)
        return list(zip(*self.cur.fetch_arrow_table().to_pydict().values(), strict=True))

    def record_changes(
        self,
        rows: list[Any],
        fields: list[str],
        table: str,
        key: str,
        text: Callable[[str, Any], str | None] = lambda field, value: _text(value),
    ) -> list[str]:
        """A ``table`` row for each field whose value differs in ``rows`` (the ``key`` id,
        then new and old of each of ``fields``, as ``text`` gives them); the fields that
        changed, in ``fields``' order."""
        changes = [
            (row[0], f, old, new)
            for row in rows
            for f, a, b in zip(fields, row[1::2], row[2::2], strict=True)
            if a != b and (new := text(f, a)) != (old := text(f, b))
        ]
        staged = {n: [c[k] for c in changes] for k, n in enumerate(("id", "field", "old", "new"))}
        self.stage(pa.table(staged), "slactl_change")
        self.run(
            f"INSERT INTO {table} ({key}, field, old_value, new_value, recorded_at)"
            f" SELECT id, field, old, new, {self.now} FROM slactl_change"
        )
        said = {c[1] for c in changes}
        return [f for f in fields if f in said]

    def stage(self, table: pa.Table, name: str = STAGE) -> None:
        self.cur.adbc_ingest(name, table, mode="replace", temporary=True)

    def differ(self, a: str, b: str) -> str:
        return f"{a} IS DISTINCT FROM {b}" if self.pg else f"{a} IS NOT {b}"

    def begin_load(self, table: str) -> None:
        """Into an empty table, its secondary indexes (as the schema has them) are built
        once at the end (``finish``), not row by row (PostgreSQL: under the import's lock)."""
        self.fresh = not self.rows(f"SELECT 1 FROM {table} LIMIT 1")
        self.owners: set[str] = set()
        if self.pg:
            sql = "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
        else:
            sql = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        sql += f" AND {'tablename' if self.pg else 'tbl_name'} = {lit(table)}"
        for name, create in self.rows(sql) if self.fresh else ():
            if not create.startswith("CREATE UNIQUE"):
                self.run(f"DROP INDEX {name}")
                self.dropped.append(create)

    def append(self, insert: Callable[[], int]) -> int | None:
        """A fresh table's rows added by ``insert`` as they are; None (no longer fresh,
        nothing added) when one of them is there already."""
        self.run("SAVEPOINT batch")
        try:
            return insert()
        except DriverError:
            self.run("ROLLBACK TO batch")
            self.fresh = False
            return None
        finally:
            self.run("RELEASE batch")

    def finish(self) -> None:
        """The indexes dropped by ``begin_load`` built again; the leads' owners made reps."""
        for create in self.dropped:
            self.run(create)
        self.dropped = []
        if self.owners:
            self.stage(pa.table({"rep": pa.array(sorted(self.owners), pa.string())}), "slactl_reps")
            self._reps("slactl_reps")

    def known(self, digests: Any) -> Any:
        """Whether a lead is stored with each digest (``Converter.digest``): such a row
        changes nothing. The ledger's digests are read once, sorted."""
        if self.digests is None:
            self.cur.execute("SELECT row_hash FROM lead WHERE row_hash IS NOT NULL")
            parts = [_digests(b.column(0)) for b in self.cur.fetch_record_batch()]
            # (the largest digest last, never alive: no search runs off the end)
            self.digests = np.sort(np.concatenate([*parts, np.array([_LAST], np.uint64)]))
            self.alive = self.digests != _LAST
        order = np.argsort(digests)  # (a search for sorted keys walks the table once)
        i = np.empty_like(order)
        i[order] = np.searchsorted(self.digests, digests[order])
        return (self.digests[i] == digests) & self.alive[i]

    def _forget(self, replaced: Any) -> None:
        """A lead's digest that this import replaced no longer tells a later row of it."""
        old = _digests(replaced)
        if self.digests is not None:
            i = np.searchsorted(self.digests, old)
            self.alive[i[self.digests[i] == old]] = False

    def merge_leads(self, table: pa.Table) -> tuple[int, int, list[Any]]:
        """Insert the leads that are new, update the changed ones with a ``lead_change``
        row per field; (inserted, updated, []). Only the columns the file has are compared
        and written. A first load appends without comparing (``append``). Each lead keeps
        the digest of the row it was last compared with (``row_hash``)."""
        fields = [f for f in (*LEAD_FIELDS, "extra") if f in table.column_names] + ["row_hash"]
        if "owner" in fields:
            self.owners.update(pc.unique(table["owner"]).drop_null().to_pylist())
        clock = pc.coalesce(*[table[f] for f in _TIMES if f in fields])
        table = table.append_column("clock_start_at", clock)
        if self.fresh:
            now = pa.repeat(pa.scalar(self.at, clock.type), len(table))
            rows = table.select([*fields, "clock_start_at"]).append_column("recorded_at", now)
            if self.append(lambda: self.cur.adbc_ingest("lead", rows, mode="append")) is not None:
                return table.num_rows, 0, []
        self.stage(table)
        others = fields[1:-1]  # (external_id comes first, row_hash last)
        pairs = ", ".join(f"s.{f} AS {f}, l.{f} AS o_{f}" for f in others)
        changed = " OR ".join(self.differ(f"s.{f}", f"l.{f}") for f in others)
        self.run(
            "CREATE TEMP TABLE slactl_changed AS SELECT l.id AS lead_id, s.ordinal,"
            f" s.clock_start_at, s.external_id, s.row_hash, l.row_hash AS o_row_hash, {pairs},"
            f" ({changed}) AS differs FROM {STAGE} s LEFT JOIN lead l"
            f" ON l.external_id = s.external_id WHERE l.id IS NULL OR {changed}"
            f" OR {self.differ('s.row_hash', 'l.row_hash')}"
        )
        inserted = self.run(
            f"INSERT INTO lead ({', '.join(fields)}, clock_start_at, recorded_at)"
            f" SELECT {', '.join(fields)}, clock_start_at, {self.now}"
            " FROM slactl_changed WHERE lead_id IS NULL ORDER BY ordinal"
        )
        columns = ", ".join(f"{f}, o_{f}" for f in others)
        rows = self.rows(
            f"SELECT lead_id, {columns} FROM slactl_changed WHERE lead_id IS NOT NULL AND differs"
            " ORDER BY lead_id"
        )
        # only the fields that changed (an index is rewritten for its own changes), and
        # the digest in the same statement: each page is written once
        said = self.record_changes(rows, others, "lead_change", "lead_id") if rows else []
        handed, created = (f"{'c' if f in said else 'lead'}.{f}" for f in _TIMES)
        sets = [f"{f} = c.{f}" for f in (*said, "row_hash")]
        if set(_TIMES) & set(said):
            sets.append(f"clock_start_at = COALESCE({handed}, {_FIRST_HANDOFF}, {created})")
        self.run(
            f"UPDATE lead SET {', '.join(sets)} FROM slactl_changed c WHERE lead.id = c.lead_id"
        )
        self.cur.execute(
            f"SELECT o_row_hash FROM slactl_changed WHERE {self.differ('o_row_hash', 'row_hash')}"
        )
        self._forget(self.cur.fetch_arrow_table().column(0))
        self.run("DROP TABLE slactl_changed")
        return inserted, len(rows), []

    def _reps(self, table: str) -> None:
        self.run(
            f"INSERT INTO rep (name, first_seen_at) SELECT DISTINCT rep, {self.now}"
            f" FROM {table} WHERE rep IS NOT NULL ON CONFLICT (name) DO NOTHING"
        )

    def merge_events(self, table: pa.Table, given: set[str]) -> tuple[int, int, list[Any]]:
        """Insert the events that are new (by ``record.event_key``), update what those there say
        (the columns the file has of ``_SAYS``) where it differs; (inserted, updated,
        [(row, lead) of the activities whose lead is not in the ledger])."""
        self.stage(table)
        self.run(
            "CREATE TEMP TABLE slactl_events AS SELECT x.*, x.key ||"
            " COALESCE(CAST(x.lead_id AS TEXT), '') AS dedupe_key FROM (SELECT s.*, COALESCE("
            "(SELECT l.id FROM lead l WHERE l.external_id = s.lead),"
            f" (SELECT l.id FROM lead l WHERE l.email = s.lead_lower)) AS lead_id FROM {STAGE} s) x"
        )
        unknown = self.rows(
            "SELECT ordinal, lead FROM slactl_events WHERE lead IS NOT NULL AND lead_id IS NULL"
        )
        self.run("DELETE FROM slactl_events WHERE lead IS NOT NULL AND lead_id IS NULL")
        # the same event twice in a batch: the later row is the one that counts
        twins = pc.binary_join_element_wise(
            table["key"], table["lead"], "", null_handling="replace"
        )
        if len(pc.unique(twins)) < table.num_rows:
            self.run(
                "DELETE FROM slactl_events WHERE ordinal NOT IN"
                " (SELECT MAX(ordinal) FROM slactl_events GROUP BY dedupe_key)"
            )
        updated = 0
        if given & set(DURATION_UNITS):
            given = given | {"duration"}  # (in whichever unit the file gave it)
        said = [c for c in _SAYS if c in given]
        if said:
            sets = ", ".join(f"{c} = x.{c}" for c in said)
            changed = " OR ".join(self.differ(f"event.{c}", f"x.{c}") for c in said)
            updated = self.run(
                f"UPDATE event SET {sets} FROM slactl_events x"
                f" WHERE event.dedupe_key = x.dedupe_key AND ({changed})"
            )
        inserted = self.run(
            "INSERT INTO event (lead_id, kind, at, rep, outcome, note, reason, duration,"
            " from_rep, origin, dedupe_key, recorded_at) SELECT lead_id, kind, at, rep, outcome,"
            f" note, reason, duration, from_rep, 'import', dedupe_key, {self.now}"
            " FROM slactl_events WHERE true ORDER BY ordinal"
            " ON CONFLICT (dedupe_key) DO NOTHING"
        )
        # a lead without handed_off_at starts its clock at its first handoff
        self.run(
            f"UPDATE lead SET clock_start_at = {_FIRST_HANDOFF} WHERE handed_off_at IS NULL"
            " AND id IN (SELECT lead_id FROM slactl_events WHERE kind = 'handoff')"
        )
        self._reps("slactl_events")
        self.run("DROP TABLE slactl_events")
        return inserted, updated, unknown

    def record_run(self, s: Any, sha256: str) -> None:
        """The ``import_run`` row of summary ``s``; this import's changes pointed at it."""
        counts = (s.read, s.inserted, s.updated, s.unchanged, s.rejected)
        self.run(
            "INSERT INTO import_run (path, sha256, kind, preset, started_at, finished_at,"
            " rows_read, inserted, updated, unchanged, rejected) VALUES"
            f" ({', '.join(lit(v) for v in (str(s.path), sha256, s.kind, s.preset))},"
            f" {self.now}, {self.now}, {', '.join(str(int(n)) for n in counts)})"
        )
        run_id = self.rows("SELECT MAX(id) FROM import_run")[0][0]
        self.run(
            f"UPDATE lead_change SET import_id = {int(run_id)} WHERE id > {self.changes_before}"
        )
        self.run(f"UPDATE opportunity_change SET import_id = {int(run_id)} WHERE import_id IS NULL")


def _digests(stored: Any) -> Any:
    """The digests among stored ``row_hash`` values (an older slactl wrote others)."""
    stored = stored.cast(pa.string())
    stored = stored.filter(pc.match_substring_regex(stored, r"^\d{1,20}$"))
    return stored.cast(pa.uint64()).to_numpy()


def _text(value: Any) -> str | None:
    if isinstance(value, datetime):
        return to_utc_text(value)
    return repr(value) if isinstance(value, float) else None if value is None else str(value)


def _failure(exc: Exception) -> Exception:
    low = str(exc).lower()
    if "disk is full" in low or "no space left" in low or "disk i/o error" in low:
        return TemporaryFailure(
            "cannot write the ledger (is the disk full?): nothing was imported; free some"
            " space and try again"
        )
    if "locked" in low or "busy" in low:
        return TemporaryFailure("the ledger stayed busy; nothing was imported; try again")
    return exc  # (the CLI words the rest: engine.database_failure)
